#!/usr/bin/env bash
# soak.sh — a chain kept under a varying rate for minutes: each NF's resident
# set, open file descriptors and the frames nobody accounted for, step by
# step. Zero unaccounted frames in every step is the bar; RSS and fds should
# not climb.
#
# usage: bench/soak.sh [--quick] [BUILD_DIR]
#   BUILD_DIR  the build directory (default: $SCC_BIN or build); its bin/
#              directory is accepted too
#   --quick    3 steps of 0.5 s (about 6 s)
#   -h, --help this text
# No root needed. Environment: NFS (chain length, default 2), BATCH (default
# 32), PIPELINE (default 'FromIO -> CheckIPHeader -> Counter -> ToIO'),
# RATES (pps, one per step, cycled; default "5000 20000 60000 150000 20000
# 100000"), STEP (seconds per step, default 10; --quick 1), MINUTES (total,
# default 5; --quick: one pass over 3 rates).
#
# Method: NFS scc-nf processes in series over VXLAN-UDP on loopback (as
# bench/overload.sh). Each step drives one rate through a fresh sink; the
# rates go above and below the chain's capacity, so some steps drop frames:
# those must all be counted (NF receive queue, elements, send, malformed,
# the sink's queue). A row per step: elapsed time, rate, sent, received,
# counted drops, unaccounted, and each NF's RSS (kB) and fds. Exit 1 if a
# step has unaccounted frames or an NF died.
set -u
usage() { sed -n '2,/^set -u/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
QUICK=0
BUILD=""
while [ $# -gt 0 ]; do
    case "$1" in
    --quick) QUICK=1; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "soak: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) [ -z "$BUILD" ] || { echo "soak: one build directory only (see --help)" >&2; exit 2; }
       BUILD=$1; shift ;;
    esac
done
. "$(dirname "$0")/bench_lib.sh"
BIN=$(bench_bin soak "$BUILD") || exit 2
SCC=$BIN/scc
NF=$BIN/scc-nf
[ -x "$NF" ] || { echo "soak: $NF not built" >&2; exit 2; }
NFS=${NFS:-2}
BATCH=${BATCH:-32}
PIPE=${PIPELINE:-'FromIO -> CheckIPHeader -> Counter -> ToIO'}
if [ $QUICK = 1 ]; then
    RATES=${RATES:-"5000 150000 20000"}; STEP=${STEP:-0.5}; MINUTES=${MINUTES:-0}
else
    RATES=${RATES:-"5000 20000 60000 150000 20000 100000"}; STEP=${STEP:-10}; MINUTES=${MINUTES:-5}
fi
tag=$$
tmp=$(mktemp -d)
. "$(dirname "$0")/udp_chain_lib.sh"
trap 'uc_stop; rm -rf "$tmp"' EXIT

uc_start || exit 1
read -r -a rates <<<"$RATES"
echo "chain of $NFS scc-nf ('$PIPE', batch $BATCH) over VXLAN-UDP on loopback ($(nproc) CPUs);" \
     "rates ${rates[*]} pps, $STEP s each, $([ "$MINUTES" = 0 ] && echo "one pass" || echo "$MINUTES min")"
hdr=$(printf '%6s %8s %10s %10s %9s %7s' "t(s)" "pps" "sent" "received" "dropped" "unacc")
for i in $(seq 1 "$NFS"); do hdr+=$(printf ' %9s %5s' "nf$i-rss" "fds"); done
echo "$hdr"
t0=$SECONDS
end=$((t0 + MINUTES * 60))
step=0 bad=0 total_unacc=0
declare -a first_rss first_fds
for i in $(seq 1 "$NFS"); do first_rss[$i]=$(uc_rss_kb "$i"); first_fds[$i]=$(uc_fds "$i"); done
while :; do
    rate=${rates[$((step % ${#rates[@]}))]}
    uc_phase "$rate" "$STEP"
    step=$((step + 1))
    total_unacc=$((total_unacc + UC_UNACC))
    [ "$UC_UNACC" -eq 0 ] || bad=1
    row=$(printf '%6d %8d %10d %10d %9d %7d' $((SECONDS - t0)) "$rate" "$UC_SENT" "$UC_RECV" "$UC_DROPS" "$UC_UNACC")
    for i in $(seq 1 "$NFS"); do row+=$(printf ' %9s %5s' "$(uc_rss_kb "$i")" "$(uc_fds "$i")"); done
    echo "$row"
    [ "$(uc_alive)" -eq "$NFS" ] || { echo "soak: an NF died" >&2; bad=1; break; }
    if [ "$MINUTES" = 0 ]; then [ $step -lt ${#rates[@]} ] || break
    else [ $SECONDS -lt $end ] || break; fi
done
summary="soak: $step steps in $((SECONDS - t0)) s, unaccounted $total_unacc"
for i in $(seq 1 "$NFS"); do
    summary+=", nf$i RSS ${first_rss[$i]}->$(uc_rss_kb "$i") kB fds ${first_fds[$i]}->$(uc_fds "$i")"
done
echo "$summary"
exit $bad

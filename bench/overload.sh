#!/usr/bin/env bash
# overload.sh — a chain driven at 3x its zero-loss capacity: the NFs keep
# running, every dropped frame is counted where it was dropped, the NFs'
# memory stays flat, and the chain is back to zero loss once the rate drops.
#
# usage: bench/overload.sh [--quick] [BUILD_DIR]
#   BUILD_DIR  the build directory (default: $SCC_BIN or build); its bin/
#              directory is accepted too
#   --quick    3 s of overload, short capacity search (about 10 s)
#   -h, --help this text
# No root needed. Environment: NFS (chain length, default 2), BATCH (default
# 32), PIPELINE (default 'FromIO -> CheckIPHeader -> Counter -> ToIO'),
# FACTOR (overload as a multiple of the capacity, default 3), SECONDS_OVER
# (default 30; --quick 3), RECOVER (the rate afterwards as a fraction of the
# capacity, default 0.5), SECONDS_RECOVER (default 5; --quick 1).
#
# Method: NFS scc-nf processes in series over VXLAN-UDP on loopback (CPU 1;
# the generator and sink on CPU 0 when there are 2+ CPUs). 1. The zero-loss
# capacity C: `scc gen --search --loss-tolerance 0`. 2. FACTOR x C for
# SECONDS_OVER through a sink; drops per place from the NFs' stats pages
# (receive queue, elements, send, malformed) and the sink's socket queue;
# "unaccounted = sent - received - counted drops" must be 0. 3. RECOVER x C
# for SECONDS_RECOVER: lost must be 0 again. Each NF's resident set (VmRSS)
# before the overload and after the recovery. Exit 1 if an NF died or a
# frame is unaccounted; recovery loss and RSS growth are reported as such.
set -u
usage() { sed -n '2,/^set -u/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
QUICK=0
BUILD=""
while [ $# -gt 0 ]; do
    case "$1" in
    --quick) QUICK=1; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "overload: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) [ -z "$BUILD" ] || { echo "overload: one build directory only (see --help)" >&2; exit 2; }
       BUILD=$1; shift ;;
    esac
done
. "$(dirname "$0")/bench_lib.sh"
BIN=$(bench_bin overload "$BUILD") || exit 2
SCC=$BIN/scc
NF=$BIN/scc-nf
[ -x "$NF" ] || { echo "overload: $NF not built" >&2; exit 2; }
NFS=${NFS:-2}
BATCH=${BATCH:-32}
PIPE=${PIPELINE:-'FromIO -> CheckIPHeader -> Counter -> ToIO'}
FACTOR=${FACTOR:-3}
RECOVER=${RECOVER:-0.5}
if [ $QUICK = 1 ]; then
    SECONDS_OVER=${SECONDS_OVER:-3}; SECONDS_RECOVER=${SECONDS_RECOVER:-1}; TRIAL=0.25; RES=10; MAXT=6
else
    SECONDS_OVER=${SECONDS_OVER:-30}; SECONDS_RECOVER=${SECONDS_RECOVER:-5}; TRIAL=0.5; RES=2; MAXT=14
fi
tag=$$
tmp=$(mktemp -d)
. "$(dirname "$0")/udp_chain_lib.sh"
trap 'uc_stop; rm -rf "$tmp"' EXIT

uc_start || exit 1
cap=$(uc_capacity "$TRIAL" "$RES" "$MAXT") || exit 1
[ "$cap" -gt 0 ] || { echo "overload: the capacity search found no zero-loss rate" >&2; exit 1; }
over=$(awk -v c="$cap" -v f="$FACTOR" 'BEGIN { printf "%.0f", c * f }')
low=$(awk -v c="$cap" -v f="$RECOVER" 'BEGIN { printf "%.0f", c * f }')
echo "chain of $NFS scc-nf ('$PIPE', batch $BATCH) over VXLAN-UDP on loopback ($(nproc) CPUs)"
echo "zero-loss capacity: $cap pps; overload ${FACTOR}x = $over pps for $SECONDS_OVER s;" \
     "then ${RECOVER}x = $low pps for $SECONDS_RECOVER s"
declare -a rss0 rss1
for i in $(seq 1 "$NFS"); do rss0[$i]=$(uc_rss_kb "$i"); done

uc_phase "$over" "$SECONDS_OVER"
o_sent=$UC_SENT o_recv=$UC_RECV o_drops=$UC_DROPS o_unacc=$UC_UNACC
echo
echo "overload: sent $o_sent (generator achieved ${UC_ACH:-?} pps), received $o_recv, dropped (counted) $o_drops"
printf '  %-22s %12s\n' "where dropped" "frames"
printf '%s' "$UC_TABLE"
printf '  %-22s %12d\n' "unaccounted" "$o_unacc"
alive=$(uc_alive)
echo "NFs running after the overload: $alive of $NFS"

uc_phase "$low" "$SECONDS_RECOVER"
r_lost=$((UC_SENT - UC_RECV))
echo
echo "back at $low pps: sent $UC_SENT, received $UC_RECV, lost $r_lost, unaccounted $UC_UNACC" \
     "($([ $r_lost -eq 0 ] && echo "zero loss again" || echo "NOT back to zero loss"))"
# where the recovery's drops (if any) happened
printf '%s' "$UC_TABLE" | awk '$NF != 0'
for i in $(seq 1 "$NFS"); do rss1[$i]=$(uc_rss_kb "$i"); done
echo
printf '  %-6s %14s %14s %s\n' NF "RSS before kB" "RSS after kB" ""
grew=0
for i in $(seq 1 "$NFS"); do
    # flat: within 5 % or 256 kB (a page cache or allocator arena may move)
    v=$(awk -v a="${rss0[$i]}" -v b="${rss1[$i]}" 'BEGIN { print (b - a <= (a * 0.05 > 256 ? a * 0.05 : 256)) ? "flat" : "GREW" }')
    [ "$v" = flat ] || grew=1
    printf '  nf%-4s %14s %14s %s\n' "$i" "${rss0[$i]}" "${rss1[$i]}" "$v"
done
rc=0
[ "$alive" -eq "$NFS" ] || { echo "overload: an NF died under overload" >&2; rc=1; }
[ "$o_unacc" -eq 0 ] && [ "$UC_UNACC" -eq 0 ] || { echo "overload: frames unaccounted" >&2; rc=1; }
echo "verdict: NFs $([ "$alive" -eq "$NFS" ] && echo kept running || echo DIED)," \
     "unaccounted $o_unacc, RSS $([ $grew = 0 ] && echo flat || echo GREW)," \
     "recovery $([ $r_lost -eq 0 ] && echo "zero loss" || echo "lost $r_lost")"
exit $rc

#!/usr/bin/env bash
# traffic_bench.sh — scc gen/sink against sockperf on the same path
# (127.0.0.1 UDP), in one run of about 40 s:
#   1. throughput at 64-byte frames: scc gen --rate max with --batch 1 and
#      --batch 32 (sendmmsg) into scc sink, next to `sockperf throughput`
#      (one sendto per message) with the same UDP payload (68 B = 8 B VXLAN
#      header + 60 B frame);
#   2. latency at a low rate (1000 pps, batch 1): scc sink's one-way
#      latency (sink blocking in poll, and spinning with --idle busy) next
#      to sockperf ping-pong's half round trip.
#   3. (root) the generator's send rate per transport (raw, uring, xdp)
#      into a veth pair, unpaced, batch 32, in two placements of the
#      receiving side: "bare" (nothing on the peer: the kernel's receive
#      and drop of each frame runs on the sender's CPU, inside its send
#      call) and "napi@1" (an `scc sink --transport xdp` on the peer, the
#      peer's NAPI threaded and its kernel thread pinned to the receiver's
#      CPU: the receive work leaves the sender's CPU). "net pps" is what
#      the kernel accepted minus what the veth dropped (tx_dropped);
#      "x raw" divides by raw in the same placement, "x bare raw" by raw
#      into the bare peer (the generator's rate as the docs state it).
# Sender on CPU 0, receiver on CPU 1 for all tools. Ratios are ours /
# sockperf. Without sockperf (apt-get install sockperf) its rows are
# skipped and only our figures are printed.
#
# usage: bench/traffic_bench.sh [--quick] [BUILD_DIR]
#   BUILD_DIR  the build directory (default: $SCC_BIN or build); its bin/
#              directory is accepted too (build and build/bin both work)
#   --quick    one short repetition of everything (a few seconds)
#   -h, --help this text
# Environment: REPS (repetitions, default 3), DUR (seconds per throughput
# run, 1.5), LDUR (seconds per latency run, 4), GEN_VETH (default 1; 0
# leaves out section 3).
set -u
usage() { sed -n '2,/^set -u/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
QUICK=0
BUILD=""
while [ $# -gt 0 ]; do
    case "$1" in
    --quick) QUICK=1; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "traffic_bench: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) [ -z "$BUILD" ] || { echo "traffic_bench: one build directory only (see --help)" >&2; exit 2; }
       BUILD=$1; shift ;;
    esac
done
. "$(dirname "$0")/bench_lib.sh"
SCC=$(bench_bin traffic_bench "$BUILD")/scc || exit 2
HAVE_SP=1
command -v sockperf >/dev/null || HAVE_SP=0
if [ $QUICK = 1 ]; then REPS=${REPS:-1}; DUR=${DUR:-0.3}; LDUR=${LDUR:-0.5}; fi
DUR=${DUR:-1.5}   # seconds per throughput run
LDUR=${LDUR:-4} # seconds per latency run
T=$(mktemp -d /tmp/scc-trbench.XXXXXX)
PORT=$((30000 + $$ % 20000))
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
jget() { sed -n "s/^ *\"$2\":\([-0-9.e+]*\).*/\1/p" "$1" | head -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a ~ /^[0-9.]+$/) printf "%.2f", a / b; else printf "n/a" }'; }
ncpu=$(nproc)
RXCPU=1; [ "$ncpu" -lt 2 ] && RXCPU=0

# --- runs, interleaved REPS times (these hosts are noisy; medians) --------
REPS=${REPS:-3}
SINK_IDLE=block
run_scc() { # tag, gen args...
    local tag=$1; shift
    local p=$((PORT + 1))
    rm -f "$T/ready"
    taskset -c $RXCPU "$SCC" sink --listen 127.0.0.1:$p --idle-timeout 0.5 --timeout 10 \
        --idle $SINK_IDLE --rcvbuf 8388608 --json "$T/s-$tag.json" --ready "$T/ready" >"$T/s-$tag.txt" 2>&1 &
    local spid=$!
    for _ in $(seq 100); do [ -e "$T/ready" ] && break; sleep 0.05; done
    taskset -c 0 "$SCC" gen --dst 127.0.0.1:$p --json "$T/g-$tag.json" "$@" >"$T/g-$tag.txt" 2>&1
    wait "$spid"
}
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print 0 }'; }
: >"$T/sp.tp"; : >"$T/g1"; : >"$T/s1"; : >"$T/g32"; : >"$T/s32"; : >"$T/l1"; : >"$T/l32"
for r in $(seq "$REPS"); do
    [ $HAVE_SP = 1 ] && {
    taskset -c $RXCPU sockperf server -i 127.0.0.1 -p $PORT >"$T/sp-srv.txt" 2>&1 &
    sp_srv=$!; pids+=("$sp_srv")
    sleep 0.3
    taskset -c 0 sockperf tp -i 127.0.0.1 -p $PORT -m 68 -t "$DUR" >"$T/sp-tp.txt" 2>&1
    sed -n 's/.*Message Rate is \([0-9]*\).*/\1/p' "$T/sp-tp.txt" >>"$T/sp.tp"
    kill "$sp_srv" 2>/dev/null; wait "$sp_srv" 2>/dev/null
    }
    run_scc b1 --rate max --duration "$DUR" --batch 1
    jget "$T/g-b1.json" achieved_pps >>"$T/g1"; jget "$T/s-b1.json" pps >>"$T/s1"
    jget "$T/s-b1.json" lost >>"$T/l1"
    run_scc b32 --rate max --duration "$DUR" --batch 32
    jget "$T/g-b32.json" achieved_pps >>"$T/g32"; jget "$T/s-b32.json" pps >>"$T/s32"
    jget "$T/s-b32.json" lost >>"$T/l32"
done
sp_tp=$(median <"$T/sp.tp")

# latency at a low rate: one longer run each
: >"$T/sp-pp.txt"
if [ $HAVE_SP = 1 ]; then
    taskset -c $RXCPU sockperf server -i 127.0.0.1 -p $PORT >"$T/sp-srv.txt" 2>&1 &
    sp_srv=$!; pids+=("$sp_srv")
    sleep 0.3
    taskset -c 0 sockperf pp -i 127.0.0.1 -p $PORT -m 68 -t "$LDUR" --mps 1000 >"$T/sp-pp.txt" 2>&1
    kill "$sp_srv" 2>/dev/null; wait "$sp_srv" 2>/dev/null
fi
sp_pct() { sed -n "s/.*percentile $1 = *\([0-9.]*\).*/\1/p" "$T/sp-pp.txt"; }
sp_p50=$(sp_pct 50.000); sp_p99=$(sp_pct 99.000); sp_p999=$(sp_pct 99.900)
sp_min=$(sed -n 's/.*<MIN> observation = *\([0-9.]*\).*/\1/p' "$T/sp-pp.txt")
run_scc lat --rate 1000 --duration "$LDUR" --batch 1
SINK_IDLE=busy run_scc latbusy --rate 1000 --duration "$LDUR" --batch 1

g1=$(median <"$T/g1"); s1=$(median <"$T/s1"); g32=$(median <"$T/g32"); s32=$(median <"$T/s32")
l1=$(paste -sd+ "$T/l1" | bc 2>/dev/null || cat "$T/l1" | tr '\n' ' ')
l32=$(paste -sd+ "$T/l32" | bc 2>/dev/null || cat "$T/l32" | tr '\n' ' ')
us() { awk -v v="$1" 'BEGIN { printf "%.1f", v / 1000 }'; }
lat_min=$(us "$(jget "$T/s-lat.json" min)"); lat_p50=$(us "$(jget "$T/s-lat.json" p50)")
lat_p99=$(us "$(jget "$T/s-lat.json" p99)"); lat_p999=$(us "$(jget "$T/s-lat.json" p99.9)")

echo "traffic_bench: 127.0.0.1 UDP, 64 B frames (68 B UDP payload), sender CPU 0, receiver CPU $RXCPU"
echo "  throughput: median of $REPS interleaved ${DUR} s runs; latency: one ${LDUR} s run at 1000 pps"
[ $HAVE_SP = 1 ] || echo "  sockperf is not installed: its rows are skipped (apt-get install sockperf)"
echo
printf "%-38s %12s %12s %8s\n" "throughput" "sent pps" "recv pps" "vs sockperf"
[ $HAVE_SP = 1 ] && printf "%-38s %12s %12s %8s\n" "sockperf tp (1 sendto per message)" "$sp_tp" "-" "1.00"
printf "%-38s %12.0f %12.0f %8s\n" "scc gen --batch 1  -> scc sink" "$g1" "$s1" "$(ratio "$g1" "$sp_tp")"
printf "%-38s %12.0f %12.0f %8s\n" "scc gen --batch 32 -> scc sink" "$g32" "$s32" "$(ratio "$g32" "$sp_tp")"
echo "  (sink lost over all runs: batch 1 $l1, batch 32 $l32; sent = frames the kernel accepted)"
echo
printf "%-38s %9s %9s %9s %9s\n" "latency at 1000 pps (us)" "min" "p50" "p99" "p99.9"
[ $HAVE_SP = 1 ] && printf "%-38s %9s %9s %9s %9s\n" "sockperf pp (half round trip)" "$sp_min" "$sp_p50" "$sp_p99" "$sp_p999"
printf "%-38s %9s %9s %9s %9s\n" "scc gen -> sink (one way)" "$lat_min" "$lat_p50" "$lat_p99" "$lat_p999"
bmin=$(us "$(jget "$T/s-latbusy.json" min)"); bp50=$(us "$(jget "$T/s-latbusy.json" p50)")
bp99=$(us "$(jget "$T/s-latbusy.json" p99)"); bp999=$(us "$(jget "$T/s-latbusy.json" p99.9)")
printf "%-38s %9s %9s %9s %9s\n" "scc gen -> sink --idle busy (one way)" "$bmin" "$bp50" "$bp99" "$bp999"
[ $HAVE_SP = 1 ] && printf "%-38s %9s %9s %9s %9s\n" "ratio scc (block) / sockperf" \
    "$(ratio "$lat_min" "$sp_min")" "$(ratio "$lat_p50" "$sp_p50")" "$(ratio "$lat_p99" "$sp_p99")" \
    "$(ratio "$lat_p999" "$sp_p999")"
echo
if [ $HAVE_SP = 1 ]; then
    goal=$(awk -v a="$g32" -v b="$sp_tp" 'BEGIN { print (b > 0 && a >= 1.5 * b) ? "met" : "NOT met" }')
    echo "goal (batch 32 sends >= 1.5x sockperf tp): $goal"
else
    echo "goal (batch 32 sends >= 1.5x sockperf tp): not judged without sockperf"
fi

# --- 3. the generator's send rate per transport, over a veth pair ----------
echo
[ "${GEN_VETH:-1}" = 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || [ "$ncpu" -lt 2 ]; then
    echo "(generator transports over veth skipped: they need root and 2 CPUs)"
    exit 0
fi
GTRANS="raw"
"$(dirname "$SCC")/scc-nf" --transport uring --help >/dev/null 2>&1 && [ $QUICK = 0 ] && GTRANS="$GTRANS uring"
# scc-nf shares the transports with scc gen; it refuses one not in this build
# the second placement needs an xdp sink (its XDP program gives the peer its NAPI)
PLACES="bare"
"$(dirname "$SCC")/scc-nf" --transport xdp --help >/dev/null 2>&1 && GTRANS="$GTRANS xdp" \
    && PLACES="bare napi"
ns=scctb$$
ip netns add "$ns" || { echo "traffic_bench: cannot create a namespace" >&2; exit 1; }
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    ip netns del "$ns" 2>/dev/null
    rm -rf "$T"
}
X="ip netns exec $ns"
$X ip link add tg0 type veth peer name tg1 && $X ip link set tg0 up && $X ip link set tg1 up \
    || { echo "traffic_bench: cannot create the veth pair" >&2; exit 1; }
# napi_on: the peer's NAPI (there while an XDP program is attached) runs in
# a kernel thread, pinned to the receiver's CPU
napi_on() {
    $X sh -c 'echo 1 > /sys/class/net/tg1/threaded' 2>/dev/null || return 1
    local p n=0
    for _ in $(seq 20); do
        for p in $(pgrep '^napi/tg1-'); do taskset -pc "$RXCPU" "$p" >/dev/null && n=$((n + 1)); done
        [ $n -gt 0 ] && return 0
        sleep 0.05
    done
    return 1
}
gen_veth() { # placement transport -> "sent_pps tx_dropped_pps sink_pps"
    local pl=$1 t=$2 spid="" rx="-"
    rm -f "$T/gv.json" "$T/sv.json" "$T/ready"
    if [ "$pl" = napi ]; then
        $X taskset -c $RXCPU "$SCC" -q sink --transport xdp --if tg1 --batch 32 --timeout 20 \
            --idle-timeout 0.5 --json "$T/sv.json" --ready "$T/ready" >/dev/null 2>"$T/sv.err" &
        spid=$!; pids+=("$spid")
        for _ in $(seq 100); do [ -e "$T/ready" ] && break; sleep 0.05; done
        napi_on || { echo "napi-failed"; kill "$spid"; wait "$spid" 2>/dev/null; return; }
    fi
    $X taskset -c 0 "$SCC" -q gen --transport "$t" --if tg0 --rate max --duration "$DUR" \
        --batch 32 --json "$T/gv.json" >/dev/null 2>"$T/gv.err"
    [ -n "$spid" ] && { wait "$spid" 2>/dev/null; rx=$(jget "$T/sv.json" pps); }
    local el sent drop
    el=$(jget "$T/gv.json" elapsed_s); sent=$(jget "$T/gv.json" sent)
    drop=$(grep -o '"if_tx_dropped":[0-9]*' "$T/gv.json" | cut -d: -f2)
    awk -v e="${el:-0}" -v s="${sent:-0}" -v d="${drop:-0}" -v r="${rx:--}" \
        'BEGIN { if (e > 0) printf "%.0f %.0f %s\n", (s - d) / e, d / e, r; else print "- - -" }'
}
for pl in $PLACES; do for t in $GTRANS; do : >"$T/gv-$pl-$t"; : >"$T/gd-$pl-$t"; : >"$T/gs-$pl-$t"; done; done
for r in $(seq "$REPS"); do
    for pl in $PLACES; do
        for t in $GTRANS; do
            read -r net drop rx <<<"$(gen_veth $pl "$t")"
            if [ "$net" = napi-failed ]; then
                echo "traffic_bench: could not make tg1's NAPI threaded (kernel without threaded NAPI?)" >&2
                continue
            fi
            echo "$net" >>"$T/gv-$pl-$t"; echo "$drop" >>"$T/gd-$pl-$t"; echo "$rx" >>"$T/gs-$pl-$t"
        done
    done
done
echo "generator over a veth pair, unpaced, 64 B, batch 32, sender CPU 0 (median of $REPS interleaved ${DUR} s runs)"
printf "%-7s %-10s %10s %10s %10s %7s %11s\n" placement transport "net pps" "dropped/s" "sink pps" "x raw" "x bare raw"
# med FILE: the median of the file's figures, "-" when it has none (a run
# that failed is never a 0)
med() { grep -E '^[0-9.]+$' "$1" | median | awk -v n="$(grep -cE '^[0-9.]+$' "$1")" \
    '{ if (n > 0) printf "%.0f", $1; else print "-" }'; }
braw=$(med "$T/gv-bare-raw")
for pl in $PLACES; do
    praw=$(med "$T/gv-$pl-raw")
    for t in $GTRANS; do
        [ -s "$T/gv-$pl-$t" ] || continue
        v=$(med "$T/gv-$pl-$t"); d=$(med "$T/gd-$pl-$t"); s="-"
        [ "$pl" = napi ] && s=$(med "$T/gs-$pl-$t")
        label=$pl; [ "$pl" = napi ] && label="napi@$RXCPU"
        printf "%-9s %-8s %10s %10s %10s %7s %11s\n" "$label" "$t" "$v" "$d" "$s" \
            "$(ratio "$v" "$praw")" "$(ratio "$v" "$braw")"
    done
done
[ "$PLACES" = bare ] && echo "  (napi placement skipped: scc was built without libxdp)"
echo "  bare: nothing on the peer (its receive runs on the sender's CPU); napi@$RXCPU: an xdp sink on"
echo "  the peer, its NAPI threaded and pinned to CPU $RXCPU; net = accepted - veth tx_dropped"
exit 0

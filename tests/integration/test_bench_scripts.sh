#!/usr/bin/env bash
# The benchmark scripts run as their docs say: bench/nf_bench.sh,
# traffic_bench.sh, os_bench.sh and chain_bench.sh each take the build directory (BUILD or
# BUILD/bin), --quick and --help. Each runs once with --quick (one after the
# other: they pin to CPUs 0 and 1), prints its figures and exits 0; both
# spellings of the build directory work; a directory without scc exits 2.
# Root is needed for nf_bench's raw rows (namespaces); as root they run.
set -u
SRC=${SCC_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${SCC_BIN:-$SRC/build/bin}
BUILD=$(dirname "$BIN")
T=$(mktemp -d /tmp/scc-benchsh.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok: $*"; }
[ -x "$BIN/scc" ] || { echo "FAIL: $BIN/scc not built"; exit 1; }

# run NAME ARGS...: exit 0 expected, output in $T/NAME.out
run() {
    local name=$1; shift
    local t0=$SECONDS
    bash "$@" >"$T/$name.out" 2>&1; local rc=$?
    echo "  $name: exit $rc in $((SECONDS - t0)) s"
    [ "$rc" -eq 0 ] || { bad "$name exited $rc:"; cat "$T/$name.out"; return 1; }
}
# has NAME REGEX WHAT: a line of NAME's output matches REGEX
has() { grep -Eq "$2" "$T/$1.out" || { bad "$1: no $3 in:"; cat "$T/$1.out"; }; }

for s in nf_bench traffic_bench os_bench chain_bench sched_bench; do
    bash "$SRC/bench/$s.sh" --help >"$T/help" 2>&1 || bad "$s --help exit $?"
    grep -q "BUILD_DIR" "$T/help" && grep -q -- "--quick" "$T/help" \
        || bad "$s --help does not describe BUILD_DIR and --quick"
    bash "$SRC/bench/$s.sh" --quick "$T/nowhere" >/dev/null 2>"$T/err"; rc=$?
    [ "$rc" -eq 2 ] && grep -q "no scc in" "$T/err" || bad "$s with a bad build dir: exit $rc"
done
[ $fail -eq 0 ] && ok "--help describes BUILD_DIR and --quick; a build dir without scc exits 2"

# nf_bench: the form docs/elements.md shows (build/bin)
if run nf "$SRC/bench/nf_bench.sh" --quick "$BIN"; then
    has nf '^udp +32 +[0-9]*[1-9][0-9]* +[0-9]*[1-9][0-9]* +[0-9.]+ ' "udp row with figures"
    if [ "$(id -u)" -eq 0 ]; then
        has nf '^raw +32 +[0-9]*[1-9][0-9]* +[0-9]*[1-9][0-9]* +[0-9.]+ ' "raw row with figures"
        # the NF's transport table: uring and uring+sqpoll next to raw, with
        # a rate, CPU and syscalls per packet and a p50
        for t in uring 'uring\+sqpoll'; do
            has nf "^$t +32 +[0-9]*[1-9][0-9]*\\*? +[0-9.]+ +[0-9]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ " \
                "$t transport row with figures"
        done
    fi
fi
# traffic_bench and os_bench: both spellings of the build directory
# (section 3, the generator over veth, runs with the first form only)
veth=1
for form in "$BUILD" "$BIN"; do
    if GEN_VETH=$veth run traffic "$SRC/bench/traffic_bench.sh" --quick "$form"; then
        has traffic '^scc gen --batch 32 -> scc sink +[0-9]*[1-9][0-9]* ' "batch-32 throughput"
        has traffic '^scc gen -> sink \(one way\) +[0-9.]+ +[0-9.]+ ' "latency row"
        if [ $veth = 1 ] && [ "$(id -u)" -eq 0 ] && [ "$(nproc)" -ge 2 ]; then
            # the generator over veth: raw (and xdp where built) into a bare
            # peer and into an xdp sink whose NAPI runs on the other CPU
            for pl in bare napi@1; do
                has traffic "^$pl +raw +[0-9]*[1-9][0-9]* +[0-9]+ +[-0-9]+ +1.00 " "generator row $pl raw"
                if "$BIN/scc-nf" --transport xdp --help >/dev/null 2>&1; then
                    has traffic "^$pl +xdp +[0-9]*[1-9][0-9]* +[0-9]+ +[-0-9]+ +[0-9.]+ +[0-9.]+$" \
                        "generator row $pl xdp"
                fi
            done
            has traffic '^napi@1 +raw +[0-9]+ +[0-9]+ +[0-9]*[1-9][0-9]* ' "the xdp sink's rate"
        fi
    fi
    if command -v perf >/dev/null && command -v jq >/dev/null; then
        if run os "$SRC/bench/os_bench.sh" --quick "$form"; then
            has os '^  getppid +[0-9.]+ ' "getppid row"
            # --quick measures 5000 switches once: on a loaded host one
            # policy can come out "unavailable: noise swamped the switch"
            # (printed as such, never as 0), so one row with figures is enough
            has os '^  (other|batch|rr|fifo|other_nice-19) +[0-9]+ ' "context-switch row"
        fi
    else
        echo "  os_bench not run: perf and jq are needed (apt-get install linux-perf jq)"
    fi
    veth=0
done
# chain_bench: the default chain next to the bare path (root: namespaces)
if [ "$(id -u)" -eq 0 ] && run chain "$SRC/bench/chain_bench.sh" --quick "$BUILD"; then
    has chain '^placement: gen cpu [0-9]' "placement line"
    has chain '^1 +\| +[0-9.]+ +[0-9.]+ +[0-9.]+ \| +[0-9.]+ +[0-9.]+ +[0-9.]+' "chain and bare figures"
    has chain '^p50 chain/bare +[0-9.]+x' "p50 ratio"
fi
# sched_bench: one row with figures per configuration of each group (root:
# namespaces; it needs cores 0 and 1)
if [ "$(id -u)" -eq 0 ] && [ "$(nproc)" -ge 2 ] && run sched "$SRC/bench/sched_bench.sh" --quick "$BIN"; then
    # p25 p50 p75 p99 IQR, loss (frames, %), cs/pkt, wait/pkt, cpu/pkt, the two ratios
    fig=' +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9.]+% +[0-9.]+ +[0-9.]+us +[0-9.]+us +[0-9.]+x +[0-9.]+x$'
    # --quick: the 8-router group and the default chain (not the 4 routers)
    for g in "8 routers" "default chain"; do
        has sched "^$g @ [0-9]+ pps" "group '$g'"
    done
    grep -q "^4 routers" "$T/sched.out" && bad "sched: --quick ran the 4-router group"
    # default, chain-order (yield and token) and fused in both groups, the
    # others in the router group (chain-order on AF_XDP where scc-nf has xdp)
    xdprows=0
    "$BIN/scc-nf" --transport xdp --help >/dev/null 2>&1 && xdprows=1
    for c in 'default:2' 'batch\+slice:1' '\+io32:1' 'chain-order( \(fifo\))?:2' 'token:2' "co\\+xdp:$xdprows" 'fused:2'; do
        want=${c##*:}; c=${c%:*}
        n=$(grep -Ec "^$c$fig" "$T/sched.out")
        [ "$n" -eq "$want" ] || { bad "sched: $want rows '$c' with figures expected, $n in:"; cat "$T/sched.out"; }
    done
    has sched '^  p50 lower +[0-9.]+x' "target line"
    has sched '^  fused .* vs default: p50 [0-9.]+x, IQR [0-9.]+x lower' "fused line"
fi

# profiler_overhead: the chain's zero-loss throughput without and with the
# profiler attached, the paired ratios, their spread and the verdict, the
# profiler's CPU per second (root: the profiler's tracepoints)
bash "$SRC/bench/profiler_overhead.sh" --help >"$T/help" 2>&1 && grep -q "BUILD_DIR" "$T/help" \
    && grep -q -- "--quick" "$T/help" || bad "profiler_overhead --help"
bash "$SRC/bench/profiler_overhead.sh" --quick "$T/nowhere" >/dev/null 2>"$T/err"
[ $? -eq 2 ] && grep -q "no scc in" "$T/err" || bad "profiler_overhead with a bad build dir"
if [ "$(id -u)" -eq 0 ] && run profo "$SRC/bench/profiler_overhead.sh" --quick "$BIN"; then
    has profo '^1 +off +[0-9]*[1-9][0-9]* ' "throughput without the profiler"
    has profo '^1 +on +[0-9]*[1-9][0-9]* ' "throughput with the profiler"
    has profo '^profiler: profiler overhead: [0-9]+ counters' "the profiler's own line"
    has profo '^median without [0-9]+ pps, with [0-9]+ pps: ratio [0-9.]+$' "median ratio"
    has profo '^best without [0-9]+ pps, with [0-9]+ pps: ratio [0-9.]+$' "best ratio"
    has profo '^profiler CPU: median [0-9.]+ ms/s \([0-9.]+ % of one CPU\)' "the profiler's CPU per second"
    has profo '^paired ratios \(with/without, 1 pairs\): [0-9.]+$' "the paired ratio"
    has profo '^ratio: median [0-9.]+, IQR [0-9.]+\.\.[0-9.]+, min\.\.max [0-9.]+\.\.[0-9.]+, spread [0-9.]+' "the ratio's spread"
    # one pair (--quick) has no spread: never a verdict on it
    has profo '^verdict: not judgeable \(one pair' "the verdict"
    # the second judge: CPU per packet at a fixed rate, both sides measured
    has profo '^1 +off +[0-9]+ +[0-9.]+\*? +[0-9]*[1-9][0-9]*$' "CPU per packet without the profiler"
    has profo '^1 +on +[0-9]+ +[0-9.]+\*? +[0-9]*[1-9][0-9]*$' "CPU per packet with the profiler"
    has profo '^cpu ratio: median [0-9.]+, IQR' "the CPU ratio"
    has profo '^cpu verdict: not judgeable \(one pair' "the CPU verdict"
fi

# fusion_bench: 8 routers default / best unfused / fused at two rates (root)
bash "$SRC/bench/fusion_bench.sh" --help >"$T/help" 2>&1 && grep -q "BUILD_DIR" "$T/help" &&
    grep -q -- "--quick" "$T/help" || bad "fusion_bench --help does not describe BUILD_DIR and --quick"
bash "$SRC/bench/fusion_bench.sh" --quick "$T/nowhere" >/dev/null 2>"$T/err"; rc=$?
[ "$rc" -eq 2 ] && grep -q "no scc in" "$T/err" || bad "fusion_bench with a bad build dir: exit $rc"
if [ "$(id -u)" -eq 0 ] && run fusion "$SRC/bench/fusion_bench.sh" --quick "$BUILD"; then
    for cfg in default best fused; do
        has fusion "^$cfg +10\.0 \| +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ \| +[0-9.]+ +[0-9]+ \|" \
            "$cfg row at 10 kpps"
    done
    has fusion '^target at 15000 pps: ' "target line"
fi
# overload and soak (no root: loopback UDP): every drop counted where it
# happened, zero unaccounted, the NFs alive; about 9 s each with --quick
for s in overload soak; do
    bash "$SRC/bench/$s.sh" --help >"$T/help" 2>&1 && grep -q "BUILD_DIR" "$T/help" &&
        grep -q -- "--quick" "$T/help" || bad "$s --help does not describe BUILD_DIR and --quick"
    bash "$SRC/bench/$s.sh" --quick "$T/nowhere" >/dev/null 2>"$T/err"; rc=$?
    [ "$rc" -eq 2 ] && grep -q "no scc in" "$T/err" || bad "$s with a bad build dir: exit $rc"
done
if run overload "$SRC/bench/overload.sh" --quick "$BIN"; then
    has overload '^zero-loss capacity: [0-9]*[1-9][0-9]* pps; overload 3x' "capacity line"
    has overload '^  nf1 socket queue +[0-9]+$' "drops at nf1's receive queue"
    has overload '^  sink socket queue +[0-9]+$' "drops at the sink's queue"
    has overload '^  unaccounted +0$' "zero unaccounted"
    has overload '^NFs running after the overload: 2 of 2$' "NFs alive"
    has overload '^  nf1 +[0-9]+ +[0-9]+ (flat|GREW)$' "RSS before/after"
    has overload '^back at [0-9]+ pps: sent [0-9]*[1-9][0-9]*, received [0-9]+, lost [0-9]+, unaccounted 0' "recovery line"
fi
if run soak "$SRC/bench/soak.sh" --quick "$BIN"; then
    has soak '^ +[0-9]+ +150000 +[0-9]*[1-9][0-9]* +[0-9]+ +[0-9]+ +0 +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+$' "overloaded step row"
    has soak '^soak: 3 steps in [0-9]+ s, unaccounted 0, nf1 RSS [0-9]+->[0-9]+ kB fds [0-9]+->[0-9]+' "summary"
fi
# apps_bench: iperf3 and sockperf over bare veth and through 1 NF (root)
bash "$SRC/bench/apps_bench.sh" --help >"$T/help" 2>&1 && grep -q "BUILD_DIR" "$T/help" &&
    grep -q -- "--quick" "$T/help" || bad "apps_bench --help does not describe BUILD_DIR and --quick"
bash "$SRC/bench/apps_bench.sh" --quick "$T/nowhere" >/dev/null 2>"$T/err"; rc=$?
[ "$rc" -eq 2 ] && grep -q "no scc in" "$T/err" || bad "apps_bench with a bad build dir: exit $rc"
if [ "$(id -u)" -eq 0 ] && run apps "$SRC/bench/apps_bench.sh" --quick "$BIN"; then
    for r in 'bare veth \(offloads off\)' '1 NF \(router\)'; do
        has apps "^  $r +[0-9]*[1-9][0-9]* +[0-9]*[1-9][0-9]* +[0-9.]+ +[0-9.]+ +[0-9.]+$" "row '$r' with figures"
    done
    has apps '^  ratio nf1 / bare +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+$' "ratio row"
    has apps '^goal: TCP through 1 NF / bare = [0-9.]+' "goal line"
fi
[ $fail -eq 0 ] && ok "each script's --quick run prints its figures and exits 0 ($SECONDS s)"
exit $fail

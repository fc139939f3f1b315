#!/usr/bin/env bash
# chain_bench.sh — the main job measured against the bare kernel path with
# the same placement, in the same run:
#   chain: `scc run` of the built-in default chain (firewall -> router ->
#          l2fwd, b2b veths, batch 32) at RATE pps, 64 B, REPS times;
#   bare:  `scc gen` -> one veth pair -> `scc sink`, no NF, the generator
#          and the sink pinned to the cores (and spin setting) the chain
#          run reported, same rate, size, flows, duration and warm-up,
#          REPS times, interleaved with the chain runs.
# Prints p50 / p99 / IQR of one-way latency for every repetition, the
# medians, and the ratios chain/bare. Goals (issue 10): chain p50 at most
# 3x bare, p99 at most 5x, and the chain's p50 spread over the repetitions
# ((max - min) / median) within 20 %.
#
# usage: bench/chain_bench.sh [--quick] [--rate PPS] [--reps N] [--duration S] [--chain FILE] [BUILD_DIR]
#   BUILD_DIR    the build directory (default: $SCC_BIN or build); its bin/
#                directory is accepted too (build and build/bin both work)
#   --quick      1 repetition of 1.5 s each (goals printed, not judged)
#   --rate PPS   default 20000;  --reps N  default 3;  --duration S  default 3
#   --chain FILE another chain spec (its own traffic block is overridden)
#   -h, --help   this text
# Needs root (namespaces), python3, taskset. Exit 0 when the goals hold (or
# with --quick), 1 when one does not (figures are printed either way), 2 on
# usage errors or a missing tool.
set -euo pipefail

rate=20000
reps=3
dur=3
quick=0
build=""
chain=""
need() { [ $# -ge 2 ] || { echo "chain_bench.sh: $1 needs a value (see --help)" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
    case "$1" in
    --rate) need "$@"; rate="$2"; shift 2 ;;
    --reps) need "$@"; reps="$2"; shift 2 ;;
    --duration) need "$@"; dur="$2"; shift 2 ;;
    --chain) need "$@"; chain="$2"; shift 2 ;;
    --quick) quick=1; reps=1; dur=1.5; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "chain_bench.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) [ -z "$build" ] || { echo "chain_bench.sh: one build directory only (see --help)" >&2; exit 2; }
       build="$1"; shift ;;
    esac
done
. "$(dirname "$0")/bench_lib.sh"
bin=$(bench_bin chain_bench.sh "$build") || exit 2
SCC="$bin/scc"
[ "$(id -u)" -eq 0 ] || { echo "chain_bench.sh: needs root (network namespaces)" >&2; exit 2; }
for t in python3 taskset ip; do
    command -v "$t" >/dev/null || { echo "chain_bench.sh: needs $t" >&2; exit 2; }
done

T=$(mktemp -d /tmp/scc-chain-bench.XXXXXX)
A=scc-cbA-$$; B=scc-cbB-$$; VA=cba$$; VB=cbb$$
export SCC_STATE_DIR="$T/state"
cleanup() {
    ip netns del "$A" 2>/dev/null || true
    ip netns del "$B" 2>/dev/null || true
    rm -rf "$T"
}
trap cleanup EXIT

warm=0.5
[ -n "$chain" ] || chain="$(cd "$(dirname "$0")/.." && pwd)/configs/default.json"
[ -r "$chain" ] || { echo "chain_bench.sh: cannot read $chain" >&2; exit 2; }
python3 - "$chain" "$rate" "$dur" "$warm" "$T/chain.json" <<'PY'
import json, sys
src, rate, dur, warm, out = sys.argv[1:6]
spec = json.load(open(src))
t = spec.setdefault("traffic", {})
for k in ("count", "distribution"):
    t.pop(k, None)
t.update({"rate_pps": int(rate), "duration_s": float(dur), "size": 64, "warmup_s": float(warm)})
t.setdefault("flows", 4)
spec["name"] = "cbench"
json.dump(spec, open(out, "w"), indent=1)
PY

ip netns add "$A" && ip netns add "$B"
ip link add "$VA" netns "$A" type veth peer name "$VB" netns "$B"
for ns in "$A" "$B"; do
    ip -n "$ns" link set lo up
    ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 >/dev/null 2>&1 || true
done
ip -n "$A" link set "$VA" up
ip -n "$B" link set "$VB" up
flows=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["traffic"]["flows"])' "$T/chain.json")
batch=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("io",{}).get("batch",32))' "$T/chain.json")

run_chain() { # rep
    "$SCC" -q run "$T/chain.json" --json "$T/chain-$1.json" >"$T/chain-$1.out" 2>&1 ||
        { echo "chain_bench.sh: scc run failed:" >&2; cat "$T/chain-$1.out" >&2; exit 1; }
}
run_bare() { # rep gen_cpu sink_cpu spin_us
    rm -f "$T/ready"
    ip netns exec "$B" taskset -c "$3" "$SCC" -q sink --transport raw --if "$VB" --batch "$batch" \
        --warmup "$warm" --idle-timeout 1 --timeout 10 --ready "$T/ready" \
        --json "$T/bare-$1.json" >/dev/null 2>"$T/bare-sink.err" &
    local spid=$!
    for _ in $(seq 200); do [ -e "$T/ready" ] && break; sleep 0.02; done
    ip netns exec "$A" taskset -c "$2" "$SCC" -q gen --transport raw --if "$VA" --batch "$batch" \
        --rate "$rate" --size 64 --flows "$flows" --duration "$dur" --spin-us "$4" \
        --json "$T/bare-gen-$1.json" >/dev/null 2>"$T/bare-gen.err" ||
        { echo "chain_bench.sh: bare generator failed:" >&2; cat "$T/bare-gen.err" >&2; exit 1; }
    wait "$spid" || { echo "chain_bench.sh: bare sink failed:" >&2; cat "$T/bare-sink.err" >&2; exit 1; }
}

echo "chain_bench: $rate pps, 64 B, ${dur} s (warm-up ${warm} s), $reps repetition(s), chain vs bare path, same placement"
for rep in $(seq "$reps"); do
    run_chain "$rep"
    read -r gcpu scpu spin < <(python3 -c '
import json,sys; p=json.load(open(sys.argv[1]))["placement"]
print(p["gen"]["cpu"], p["sink"]["cpu"], p["gen"]["spin_us"])' "$T/chain-$rep.json")
    run_bare "$rep" "$gcpu" "$scpu" "$spin"
done

python3 - "$T" "$reps" "$quick" <<'PY'
import json, statistics, sys
T, reps, quick = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
rows = []
for r in range(1, reps + 1):
    c = json.load(open("%s/chain-%d.json" % (T, r)))
    b = json.load(open("%s/bare-%d.json" % (T, r)))
    cl = c["traffic"]["sink"]["latency_ns"]
    bl = b["latency_ns"]["from_send"]
    p = c["placement"]
    rows.append((r, cl, bl, p))
p = rows[0][3]
print("placement: gen cpu %s (spin %d us), %s, sink cpu %s" % (
    p["gen"]["cpu"], p["gen"]["spin_us"], ", ".join("%s cpu %s" % kv for kv in p["nfs"].items()), p["sink"]["cpu"]))
print("%-4s | %-28s | %-28s" % ("rep", "chain p50 / p99 / IQR (us)", "bare p50 / p99 / IQR (us)"))
us = lambda v: v / 1e3
for r, cl, bl, _ in rows:
    print("%-4d | %8.1f %9.1f %8.1f | %8.1f %9.1f %8.1f" % (
        r, us(cl["p50"]), us(cl["p99"]), us(cl["iqr"]), us(bl["p50"]), us(bl["p99"]), us(bl["p75"] - bl["p25"])))
med = lambda k, i: statistics.median(row[i][k] for row in rows)
c50, c99, b50, b99 = med("p50", 1), med("p99", 1), med("p50", 2), med("p99", 2)
c50s = [row[1]["p50"] for row in rows]
spread = (max(c50s) - min(c50s)) / statistics.median(c50s)
r50, r99 = c50 / b50, c99 / b99
print("median: chain p50 %.1f us p99 %.1f us; bare p50 %.1f us p99 %.1f us" % (us(c50), us(c99), us(b50), us(b99)))
ok = True
for what, v, goal in (("p50 chain/bare", r50, 3.0), ("p99 chain/bare", r99, 5.0), ("chain p50 spread", spread, 0.20)):
    good = v <= goal
    ok &= good
    print("%-17s %6.2f%s  (goal <= %.2f%s)" % (what, v * (100 if "spread" in what else 1), "%" if "spread" in what else "x",
          goal * (100 if "spread" in what else 1), "%" if "spread" in what else "x") + ("" if quick else ("  ok" if good else "  MISSED")))
sys.exit(0 if ok or quick else 1)
PY

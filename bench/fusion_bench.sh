#!/usr/bin/env bash
# fusion_bench.sh — what chain fusion buys (issue 12, docs/fusion.md): 8
# routers on one core (the last one), the generator and sink pinned to
# another (core 0, the generator sleeping, not spinning), 64 B frames, at
# two rates: LOW (default 10000 pps) and HIGH (default 15000 pps, near
# where the unfused default chain saturates on a 2-vCPU VM). Three
# configurations, each a separate `scc run`:
#   default  8 scc-nf processes, policy other, io.batch 1, scheduler pinned
#   best     the best unfused one: scheduler.mode chain-order (--yield after
#            each batch), policy other, io.batch 32
#   fused    scheduler.mode fused: one scc-nf runs the 8 routers (--stage
#            each), io.batch 32
# For each: one-way latency p25/p50/p75/p99 and IQR (us), loss (sent - received
# over sent), and NF CPU per packet (ns: the NF processes' run time over the
# sink's window / frames the sink received), and each figure's ratio to
# default at the same rate. Targets (issue 12): fused vs default at LOW at
# least 3x lower p50 and 10x lower IQR, at HIGH at least 5x and 20x, with no
# loss.
#
# usage: bench/fusion_bench.sh [--quick] [--low PPS] [--high PPS] [--duration S] [BUILD_DIR]
#   BUILD_DIR    the build directory (default: $SCC_BIN or build); its bin/
#                directory is accepted too (build and build/bin both work)
#   --quick      1 s per run (targets printed, not judged)
#   --low PPS, --high PPS  the two rates (defaults 10000, 15000)
#   --duration S seconds of traffic per run (default 4; warm-up 0.5 s)
#   -h, --help   this text
# Needs root (namespaces), python3 and 2 or more cores. Exit 0 when the
# targets hold (or with --quick), 1 when one does not (figures are printed
# either way), 2 on usage errors or a missing tool.
set -euo pipefail

low=10000
high=15000
dur=4
quick=0
build=""
need() { [ $# -ge 2 ] || { echo "fusion_bench.sh: $1 needs a value (see --help)" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
    case "$1" in
    --low) need "$@"; low="$2"; shift 2 ;;
    --high) need "$@"; high="$2"; shift 2 ;;
    --duration) need "$@"; dur="$2"; shift 2 ;;
    --quick) quick=1; dur=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fusion_bench.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) [ -z "$build" ] || { echo "fusion_bench.sh: one build directory only (see --help)" >&2; exit 2; }
       build="$1"; shift ;;
    esac
done
. "$(dirname "$0")/bench_lib.sh"
bin=$(bench_bin fusion_bench.sh "$build") || exit 2
SCC="$bin/scc"
[ "$(id -u)" -eq 0 ] || { echo "fusion_bench.sh: needs root (network namespaces)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "fusion_bench.sh: needs python3" >&2; exit 2; }
last=$(( $(nproc) - 1 ))
[ "$last" -ge 1 ] || { echo "fusion_bench.sh: needs 2 or more cores" >&2; exit 2; }

T=$(mktemp -d /tmp/scc-fusion-bench.XXXXXX)
export SCC_STATE_DIR="$T/state"
trap 'rm -rf "$T"' EXIT

spec() { # CONFIG RATE
    python3 - "$1" "$2" "$dur" "$last" >"$T/$1-$2.json" <<'PY'
import json, sys
cfg, rate, dur, last = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
d = {"name": "fb" + cfg[0] + str(rate // 1000),
     "io": {"transport": "raw", "batch": 1 if cfg == "default" else 32},
     "nfs": [{"name": "r%d" % i, "type": "router", "cpu": last,
              "config": {"routes": [{"prefix": "0.0.0.0/0", "port": 0}]}}
             for i in range(1, 9)],
     "scheduler": {"policy": "other",
                   "mode": {"default": "pinned", "best": "chain-order", "fused": "fused"}[cfg]},
     "traffic": {"rate_pps": rate, "size": 64, "duration_s": dur, "flows": 4,
                 "warmup_s": 0.5, "gen_cpu": 0, "sink_cpu": 0, "gen_spin_us": 0}}
print(json.dumps(d))
PY
}

echo "fusion_bench: 8 routers on core $last, gen and sink on core 0 (gen sleeping), 64 B," \
     "${dur} s per run; rates $low and $high pps"
for rate in "$low" "$high"; do
    for cfg in default best fused; do
        spec "$cfg" "$rate"
        "$SCC" -q run "$T/$cfg-$rate.json" --json "$T/$cfg-$rate.out.json" >"$T/$cfg-$rate.out" 2>&1 ||
            { echo "fusion_bench.sh: scc run ($cfg, $rate pps) failed:" >&2; cat "$T/$cfg-$rate.out" >&2; exit 1; }
    done
done

python3 - "$T" "$low" "$high" "$quick" <<'PY'
import json, sys
T, low, high, quick = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
def fig(cfg, rate):
    r = json.load(open("%s/%s-%d.out.json" % (T, cfg, rate)))
    t = r["traffic"]
    lat = t["sink"]["latency_ns"] if t.get("sink") else None
    sent, recv = t.get("sent") or 0, t.get("received") or 0
    # every NF's CPU, or none: a fused group's process CPU sits on its first
    # NF (cpu_shared_with names the others); any other NF without figures
    # makes the sum unknown ("-"), never a partial sum
    held = {m for n in r["nfs"] for m in (n.get("cpu_shared_with") or [])}
    own = [n for n in r["nfs"] if not (n.get("sched") is None and n["name"] in held)]
    known = all(n.get("sched") and n["sched"].get("cpu_ns") is not None for n in own)
    cpu = [n["sched"]["cpu_ns"] for n in own] if known else []
    win = t["sink"]["rx_pkts"] if t.get("sink") else 0
    f = {"loss": (sent - recv) / sent if sent else None,
         "cpu": sum(cpu) / win if known and cpu and win else None}
    for k in ("p25", "p50", "p75", "p99", "iqr"):
        f[k] = lat[k] / 1e3 if lat else None
    return f
ok = True
print("%-8s %6s | %8s %8s %8s %8s %8s | %7s %9s | %s" % ("config", "kpps", "p25 us", "p50 us", "p75 us",
      "p99 us", "IQR us", "loss %", "cpu ns/pk", "ratio to default: p50 IQR cpu"))
for rate, tp50, tiqr in ((low, 3, 10), (high, 5, 20)):
    base = fig("default", rate)
    for cfg in ("default", "best", "fused"):
        f = fig(cfg, rate)
        def v(k, w=8, p=1):
            return ("%*.*f" % (w, p, f[k])) if f[k] is not None else "%*s" % (w, "-")
        def ratio(k):
            return ("%.1fx" % (base[k] / f[k])) if f[k] and base[k] else "-"
        loss = "%7.3f" % (100 * f["loss"]) if f["loss"] is not None else "%7s" % "-"
        print("%-8s %6.1f | %s %s %s %s %s | %s %s | %s %s %s" % (cfg, rate / 1e3, v("p25"), v("p50"), v("p75"),
              v("p99"), v("iqr"), loss, v("cpu", 9, 0), ratio("p50"), ratio("iqr"), ratio("cpu")))
    fu = fig("fused", rate)
    good = (fu["p50"] and base["p50"] and base["p50"] / fu["p50"] >= tp50 and fu["iqr"] is not None and
            base["iqr"] and base["iqr"] / max(fu["iqr"], 1e-3) >= tiqr and fu["loss"] is not None and
            fu["loss"] <= 0)
    print("target at %d pps: fused p50 >= %dx and IQR >= %dx lower than default, no loss: %s" % (
          rate, tp50, tiqr, "met" if good else ("not judged (--quick)" if quick else "MISSED")))
    ok &= bool(good)
sys.exit(0 if ok or quick else 1)
PY

#!/usr/bin/env bash
# sched_bench.sh — what the chain's scheduling settings do to its latency,
# in one invocation (issue 11): chains of 4 and of 8 routers on one core
# (b2b veths), the generator and the sink together on another core
# (generator not spinning, generator batch 1, sink batch 32), each chain at
# a fixed rate it sustains, under
#   default       policy other, io.batch 1
#   batch+slice   policy batch, slice_ms 100, io.batch 1
#   +io32         policy batch, slice_ms 100, io.batch 32
#   chain-order   scheduler.mode chain-order (each NF yields the core to the
#                 next stage after each batch), policy other, io.batch 32
#   token         chain-order with chain_order "token": the NFs of the core
#                 pass a futex token in chain order, one runs at a time
#                 (docs/scheduler.md), policy other, io.batch 32
#   co+xdp        chain-order as above on io.transport xdp (AF_XDP, less
#                 kernel work per hop; only where scc-nf is built with it)
#   fused         scheduler.mode fused: the NFs on the core run as one
#                 process, hops become function calls (docs/fusion.md),
#                 io.batch 32 — not a scheduling setting, shown for scale
# and the default chain (configs/default.json, 3 NFs) at 20 kpps as shipped
# vs with chain-order and fused. The runs are interleaved (configuration inside
# repetition) so a noisy moment hits every configuration alike.
# Prints, per configuration, the medians over the repetitions of the sink's
# p25/p50/p75/p99 and IQR of one-way latency, the loss (sent - received,
# summed), the NFs' context switches and run-queue wait per packet, and the
# ratio default/this of p50 and of IQR (how many times lower), and the NFs'
# CPU time per packet. Targets
# (issue 11, 8 routers, best scheduling configuration vs default): p50 >= 3x
# and IQR >= 10x lower, no more loss; fused vs default is printed after.
#
# usage: bench/sched_bench.sh [--quick] [--reps N] [--duration S] [--rate4 PPS] [--rate8 PPS] [BUILD_DIR]
#   BUILD_DIR    the build directory (default: $SCC_BIN or build); its bin/
#                directory is accepted too (build and build/bin both work)
#   --quick      1 repetition of 1 s each, without the 4-router group (about
#                35 s; targets printed, not judged)
#   --reps N     default 3;  --duration S  default 2.5 (0.5 s of it warm-up)
#   --rate4 PPS  4 routers, default 30000;  --rate8 PPS  8 routers, default 15000
#   -h, --help   this text
# Needs root (namespaces), 2 online cores (0: traffic, 1: NFs), python3.
# Takes about 3 minutes. Serialise it with other scc runs on the machine
# (the integration tests hold /tmp/scc-itest.lock). Settings the scc build
# does not apply yet are reported under the table ("not applied"): those
# rows then measure the default. Exit 0 when the targets hold (or with
# --quick), 1 when one does not or a run failed (figures are printed
# either way), 2 on usage errors or a missing tool.
set -euo pipefail

reps=3
dur=2.5
warm=0.5
rate4=30000
rate8=15000
quick=0
build=""
need() { [ $# -ge 2 ] || { echo "sched_bench.sh: $1 needs a value (see --help)" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
    case "$1" in
    --reps) need "$@"; reps="$2"; shift 2 ;;
    --duration) need "$@"; dur="$2"; shift 2 ;;
    --rate4) need "$@"; rate4="$2"; shift 2 ;;
    --rate8) need "$@"; rate8="$2"; shift 2 ;;
    --quick) quick=1; reps=1; dur=1; warm=0.3; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "sched_bench.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) [ -z "$build" ] || { echo "sched_bench.sh: one build directory only (see --help)" >&2; exit 2; }
       build="$1"; shift ;;
    esac
done
. "$(dirname "$0")/bench_lib.sh"
bin=$(bench_bin sched_bench.sh "$build") || exit 2
SCC="$bin/scc"
[ "$(id -u)" -eq 0 ] || { echo "sched_bench.sh: needs root (network namespaces)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "sched_bench.sh: needs python3" >&2; exit 2; }
grep -qw 1 <(python3 -c 'import os; print(" ".join(map(str, sorted(os.sched_getaffinity(0)))))') ||
    { echo "sched_bench.sh: needs cores 0 and 1 online and allowed (traffic on 0, the chain on 1)" >&2; exit 2; }

T=$(mktemp -d /tmp/scc-sched-bench.XXXXXX)
export SCC_STATE_DIR="$T/state"
trap 'rm -rf "$T"' EXIT
src="$(cd "$(dirname "$0")/.." && pwd)"

# The chain specs: one file per (group, configuration); the list of runs in
# $T/runs (group config file). chain-order is written with policy "other"
# (measured best: docs/scheduler.md); a build whose validator still limits
# chain-order to fifo/rr gets fifo, and the table says so.
# chain-order on the AF_XDP transport (docs/io.md: 0.4x the raw transport's
# CPU per packet at batch 32) where this build has it
xdp=0
"$bin/scc-nf" --transport xdp --help >/dev/null 2>&1 && xdp=1
python3 - "$T" "$src/configs/default.json" "$rate4" "$rate8" "$dur" "$warm" "$xdp" "$quick" <<'PY'
import copy, json, sys
T, default_json, rate4, rate8, dur, warm = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
xdp = sys.argv[7] == "1"
quick = sys.argv[8] == "1"
def traffic(rate):
    # measure the chain, not the tools: both on core 0, the generator
    # sleeping between bursts of one frame, the sink reading up to 32
    return {"rate_pps": rate, "size": 64, "duration_s": dur, "warmup_s": warm, "flows": 4,
            "gen_cpu": 0, "sink_cpu": 0, "gen_spin_us": 0, "gen_batch": 1, "sink_batch": 32}
def routers(n, rate):
    return {"name": "sb%d" % n, "io": {"transport": "raw", "batch": 1, "idle": "block"}, "interconnect": "b2b",
            "nfs": [{"name": "r%d" % (i + 1), "type": "router",
                     "config": {"routes": [{"prefix": "0.0.0.0/0"}]}, "cpu": 1} for i in range(n)],
            "traffic": traffic(rate)}
confs = [("default", 1, None),
         ("batch+slice", 1, {"policy": "batch", "slice_ms": 100}),
         ("+io32", 32, {"policy": "batch", "slice_ms": 100}),
         ("chain-order", 32, {"policy": "other", "mode": "chain-order"}),
         ("token", 32, {"policy": "other", "mode": "chain-order", "chain_order": "token"}),
         ("fused", 32, {"mode": "fused"})]
if xdp:
    confs.insert(5, ("co+xdp", 32, {"policy": "other", "mode": "chain-order"}))
runs = []
# --quick: the 8-router group (the one the targets judge) and the default
# chain; the 4-router group runs the same code with another length
for n, rate in ((8, rate8),) if quick else ((8, rate8), (4, rate4)):
    for c, batch, sched in confs:
        s = routers(n, rate)
        s["io"]["batch"] = batch
        if c == "co+xdp":
            s["io"]["transport"] = "xdp"
        if sched:
            s["scheduler"] = sched
        runs.append(("%d routers @ %d pps" % (n, rate), c, s))
d = json.load(open(default_json))
d["name"] = "sbdef"
d["traffic"] = traffic(20000)
for nf in d["nfs"]:
    nf["cpu"] = 1
runs.append(("default chain @ 20000 pps", "default", copy.deepcopy(d)))
d["scheduler"] = {"policy": "other", "mode": "chain-order"}
runs.append(("default chain @ 20000 pps", "chain-order", copy.deepcopy(d)))
d["scheduler"] = {"policy": "other", "mode": "chain-order", "chain_order": "token"}
runs.append(("default chain @ 20000 pps", "token", copy.deepcopy(d)))
d["scheduler"] = {"mode": "fused"}
runs.append(("default chain @ 20000 pps", "fused", d))
with open(T + "/runs", "w") as f:
    for i, (g, c, s) in enumerate(runs):
        json.dump(s, open("%s/c%d.json" % (T, i), "w"), indent=1)
        f.write("%d\t%s\t%s\n" % (i, g, c))
PY

# A validator that rejects chain-order under "other" predates the scheduler
# branch: fall back to fifo there, noted in the table.
while IFS=$'\t' read -r i _ conf; do
    [ "$conf" = chain-order ] || continue
    if ! "$SCC" validate "$T/c$i.json" >/dev/null 2>"$T/val.err"; then
        python3 -c 'import json,sys; p=sys.argv[1]; s=json.load(open(p)); s["scheduler"]["policy"]="fifo"; json.dump(s,open(p,"w"))' "$T/c$i.json"
        echo "$i" >>"$T/fifo-fallback"
        "$SCC" validate "$T/c$i.json" >/dev/null 2>>"$T/val.err" ||
            { echo "sched_bench.sh: scc validate rejects the chain-order spec:" >&2; cat "$T/val.err" >&2; exit 1; }
    fi
done <"$T/runs"

nruns=$(wc -l <"$T/runs")
# other work on core 1 moves these figures more than any setting does
# (docs/scheduler.md): say how loaded the machine was
load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "sched_bench: routers on core 1, gen + sink on core 0, 64 B, ${dur} s per run (warm-up ${warm} s), $reps repetition(s) x $nruns configurations; load average $(load)"
for rep in $(seq "$reps"); do
    while IFS=$'\t' read -r i _ _; do
        "$SCC" run "$T/c$i.json" --json "$T/r$i-$rep.json" >"$T/r$i-$rep.out" 2>&1 ||
            { echo "sched_bench.sh: scc run failed:" >&2; cat "$T/r$i-$rep.out" >&2; exit 1; }
    done <"$T/runs"
done

echo "load average after the runs: $(load) (other work on core 1 distorts the figures: docs/scheduler.md)"

python3 - "$T" "$reps" "$quick" <<'PY'
import json, os, re, statistics, sys
T, reps, quick = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
fallback = set(open(T + "/fifo-fallback").read().split()) if os.path.exists(T + "/fifo-fallback") else set()
rows, unapplied = [], set()
for line in open(T + "/runs"):
    i, group, conf = line.rstrip("\n").split("\t")
    per = []
    for r in range(1, reps + 1):
        j = json.load(open("%s/r%s-%d.json" % (T, i, r)))
        out = open("%s/r%s-%d.out" % (T, i, r)).read()
        if re.search(r"scheduler settings.*not applied", out):
            unapplied.add(conf)
        # a figure the run could not measure stays None and prints as "-",
        # never as 0 (latency without comparable clocks, an NF whose
        # counters were unreadable, accounting that is not complete)
        s, lat = j["traffic"]["sink"], j["traffic"]["sink"]["latency_ns"] or {}
        rx = max(1, s["rx_pkts"] or 0)
        # a fused group's process figures sit on its first NF, which names
        # the others in cpu_shared_with: those others are accounted for
        held = {m for n in j["nfs"] for m in (n.get("cpu_shared_with") or [])}
        sch = [n.get("sched") for n in j["nfs"] if not (n.get("sched") is None and n["name"] in held)]
        known = all(x and x.get("voluntary_switches") is not None for x in sch)
        cs = sum(x["voluntary_switches"] + x["involuntary_switches"] for x in sch) / rx if known else None
        wait = sum(x["wait_ns"] for x in sch) / rx if known else None
        cpu = sum(x["run_ns"] for x in sch) / rx if known and all(x.get("run_ns") is not None for x in sch) else None
        per.append({"p25": lat.get("p25"), "p50": lat.get("p50"), "p75": lat.get("p75"), "p99": lat.get("p99"),
                    "iqr": lat.get("iqr"), "loss": j["accounting"]["dropped"], "sent": j["traffic"]["sent"] or 0,
                    "cs": cs, "wait": wait, "cpu": cpu})
    def med_of(k):
        v = [p[k] for p in per if p[k] is not None]
        return statistics.median(v) if len(v) == len(per) else None
    med = {k: med_of(k) for k in ("p25", "p50", "p75", "p99", "iqr", "cs", "wait", "cpu")}
    med["loss"] = sum(p["loss"] for p in per) if all(p["loss"] is not None for p in per) else None
    med["sent"] = sum(p["sent"] for p in per)
    rows.append((group, conf + (" (fifo)" if i in fallback else ""), med))
us = lambda v: None if v is None else v / 1e3
f = lambda v, spec: "-" if v is None else spec % v          # a missing figure prints as "-"
ratio = lambda a, b: a / b if a is not None and b else None
hdr = "%-18s %8s %8s %8s %9s %8s %13s %7s %9s %8s %8s %8s" % (
    "config", "p25 us", "p50 us", "p75 us", "p99 us", "IQR us", "loss", "cs/pkt", "wait/pkt", "cpu/pkt", "p50 x", "IQR x")
ok, group, base = True, None, None
for g, conf, m in rows:
    if g != group:
        group, base = g, m
        print("\n%s  (medians of %d; 'x' = default / this, higher is better)" % (g, reps))
        print(hdr)
    r50 = ratio(base["p50"], m["p50"])
    riqr = ratio(base["iqr"], m["iqr"])
    loss = "%6d %5.2f%%" % (m["loss"], 100.0 * m["loss"] / max(1, m["sent"])) if m["loss"] is not None else "%13s" % "-"
    print("%-18s %8s %8s %8s %9s %8s %s %7s %9s %8s %8s %8s" % (
        conf, f(us(m["p25"]), "%8.1f"), f(us(m["p50"]), "%8.1f"), f(us(m["p75"]), "%8.1f"),
        f(us(m["p99"]), "%9.1f"), f(us(m["iqr"]), "%8.1f"), loss, f(m["cs"], "%7.2f"),
        f(us(m["wait"]), "%7.1fus"), f(us(m["cpu"]), "%6.1fus"), f(r50, "%7.2fx"), f(riqr, "%7.2fx")))
# the targets: the best configuration of the 8-router group vs its default
g8 = [r for r in rows if r[0].startswith("8 routers")]
d8 = g8[0][2]
cand = [r for r in g8[1:] if r[1] != "fused" and r[2]["p50"] is not None]
if not cand or d8["p50"] is None:
    print("\ntargets, 8 routers: not judged (latency missing: see the table)")
    sys.exit(0 if quick else 1)
best = min(cand, key=lambda r: r[2]["p50"])
r50, riqr = ratio(d8["p50"], best[2]["p50"]), ratio(d8["iqr"], best[2]["iqr"])
print("\ntargets, 8 routers, best scheduling configuration (%s) vs default:" % best[1])
for what, v, goal in (("p50 lower", r50, 3.0), ("IQR lower", riqr, 10.0)):
    good = v is not None and v >= goal
    ok &= good
    print("  %-10s %7s (goal >= %.0fx)%s" % (what, f(v, "%6.2fx"), goal, "" if quick else ("  ok" if good else "  MISSED")))
bl, dl = best[2]["loss"], d8["loss"]
good = bl is not None and dl is not None and bl <= dl
ok &= good
print("  %-10s %6s vs %s%s" % ("loss", f(bl, "%d"), f(dl, "%d"), "" if quick else ("  ok" if good else "  MISSED")))
fu = [r for r in g8 if r[1] == "fused"]
if fu:
    fm = fu[0][2]
    print("  fused (not a scheduling setting, docs/fusion.md) vs default: p50 %s, IQR %s lower, loss %s vs %s" % (
        f(ratio(d8["p50"], fm["p50"]), "%.2fx"), f(ratio(d8["iqr"], fm["iqr"]), "%.2fx"), f(fm["loss"], "%d"), f(d8["loss"], "%d")))
if unapplied:
    print("\nscheduler settings not applied by this scc build (scc run warned) in: %s; those rows differ from the default only in io.batch" %
          ", ".join(sorted(unapplied)))
if fallback:
    print("this build's validator limits chain-order to fifo/rr: chain-order rows ran under fifo (marked)")
sys.exit(0 if ok or quick else 1)
PY

#!/usr/bin/env bash
# `scc experiment` and `scc tune` (issue 18), their --quick sweeps for real:
#  1. `scc experiment chain-length|batch-sweep|profiler-accuracy|colocation --quick`: the
#     JSON (scc-experiment/1) checked for structure and sanity with python3:
#     every point ran and has p1..p99; per repetition sent = received +
#     counted drops and the run file says 0 unaccounted; every figure
#     (percentiles, system calls and context switches per packet) equals
#     the one recomputed from the run file kept with it; the medians are
#     the medians of the repetitions; the noise CV is recomputed from the
#     baseline's repetitions; chain-length has a fit per configuration that
#     matches its points; profiler-accuracy's verdict (model within the
#     sink's p1-p99) is recomputed per point and counted.
#     colocation --quick (1 and 2 bundles at once): every bundle is its own
#     chain (distinct names) with its own run file, checked like the runs
#     above (percentiles, sent = received + counted drops); the aggregate
#     (sent, received, dropped, pps, loss, CPU per packet) and the fairness
#     (min/median/max of the bundles' p50, the worst p99) are recomputed
#     from those run files; the bundles ended within one window's length
#     of each other (they ran at once).
#  2. `scc tune configs/default.json --quick`: its table names every
#     configuration tried, it explains the winner, and the spec it writes
#     validates (`scc validate`) and is the user's chain (same name, NFs).
#  3. the HTML pages open in headless Chromium with no console message and
#     no network request; one box plot per group; a screenshot kept under
#     the build directory (artifacts/experiment-chain-length.png).
# Skips (77) only when not root / no netns, or without chromium.
set -u
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
ip netns list >/dev/null 2>&1 || { echo "skip: no network namespace support"; exit 77; }
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || { echo "skip: chromium is not installed (scripts/deps.sh --test)"; exit 77; }

SCC="$SCC_BIN/scc"
ART="$SCC_BIN/../artifacts"
T=$(mktemp -d /tmp/scc-exp-test.XXXXXX)
export SCC_STATE_DIR="$T/state"
fail=0
cleanup() {
    "$SCC" -q cleanup >/dev/null 2>&1
    rm -rf "$T"
}
trap cleanup EXIT
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fail=1; }

check_json() { # FILE EXPERIMENT
    python3 - "$1" "$2" <<'PY'
import json, math, statistics, sys
j = json.load(open(sys.argv[1]))
name = sys.argv[2]
assert j["schema"] == "scc-experiment/1", j["schema"]
assert j["experiment"] == name
pts = j["points"]
assert pts, "no points"
close = lambda a, b: abs(a - b) <= 1e-6 * max(1.0, abs(b))
PC = ("p1", "p25", "p50", "p75", "p99")

def check_run(w, lat, rep, run):
    # one run file against the figures kept with it
    rl = run["traffic"]["sink"]["latency_ns"]
    vals = [lat[k] for k in PC]
    assert all(v is not None and v > 0 for v in vals), w + ": percentiles"
    assert vals == sorted(vals), w + ": percentiles out of order %s" % vals
    for k in PC:
        assert close(lat[k], rl[k]), w + ": %s %s vs run %s" % (k, lat[k], rl[k])
    acc = run["accounting"]
    assert acc["complete"] and acc["unaccounted"] == 0, w + ": accounting %s" % acc
    assert acc["sent"] == acc["received"] + acc["dropped"], w + ": sent != received + dropped"
    assert rep["sent"] == run["traffic"]["sent"] and rep["received"] == run["traffic"]["received"]
    assert rep["sent"] > 0 and rep["received"] > 0.9 * rep["sent"], w + ": lost most packets"
    assert rep["dropped"] == acc["dropped"] and rep["unaccounted"] == 0

if name == "colocation":
    # N bundles at once: every bundle its own chain and run file; the
    # aggregate and the fairness recomputed from those run files
    assert sorted({p["x"] for p in pts}) == [1, 2] and len({p["config"] for p in pts}) == 2
    for i, p in enumerate(pts):
        where = "point %d (%s)" % (i, p["label"])
        assert "x=" not in p["label"] and p["label"].endswith("bundle" if p["x"] == 1 else "bundles"), where
        n = int(p["x"])
        assert len(p["specs"]) == n
        assert len({sp["name"] for sp in p["specs"]}) == n, where + ": chain names collide"
        assert len({sp["nfs"][0]["cpu"] for sp in p["specs"]}) == 1, where + ": routers not on one core"
        for r, rep in enumerate(p["reps"]):
            w = "%s rep %d" % (where, r + 1)
            assert rep["ok"], w + ": " + rep.get("error", "")
            bs = rep["bundles"]
            assert len(bs) == n == rep["bundles_n"], w
            assert len({b["run"]["chain"] for b in bs}) == n, w + ": run files of one chain"
            for k, b in enumerate(bs):
                assert b["ok"], w + " bundle %d: %s" % (k + 1, b.get("error"))
                check_run("%s bundle %d" % (w, k + 1), b["latency_ns"], b, b["run"])
                assert close(b["pps"], b["run"]["traffic"]["sink"]["pps"])
            runs = [b["run"] for b in bs]
            for f in ("sent", "received"):
                assert rep[f] == sum(x["traffic"][f] for x in runs), w + ": aggregate " + f
            assert rep["dropped"] == sum(x["accounting"]["dropped"] for x in runs)
            assert close(rep["pps"], sum(x["traffic"]["sink"]["pps"] for x in runs)), w + ": pps"
            assert close(rep["loss"], (rep["sent"] - rep["received"]) / rep["sent"]), w + ": loss"
            rx = sum(x["nfs"][0]["rx"] for x in runs)
            cpu = sum(nf["sched"]["run_ns"] for x in runs for nf in x["nfs"]) / rx
            assert close(rep["cpu_ns_per_pkt"], cpu), w + ": CPU/pkt %s vs %s" % (rep["cpu_ns_per_pkt"], cpu)
            p50s = [x["traffic"]["sink"]["latency_ns"]["p50"] for x in runs]
            fair = rep["bundles_p50_ns"]
            assert close(fair["min"], min(p50s)) and close(fair["max"], max(p50s)), w + ": fairness"
            assert close(fair["median"], statistics.median(p50s)), w + ": fairness median"
            assert close(rep["latency_ns"]["p50"], statistics.median(p50s)), w + ": typical bundle"
            assert close(rep["bundles_p99_max_ns"], max(x["traffic"]["sink"]["latency_ns"]["p99"] for x in runs))
            # all at once: the runs ended within a window's length of each other
            assert rep["end_spread_s"] < p["specs"][0]["traffic"]["duration_s"], w + ": not concurrent"
        p50s = [rep["latency_ns"]["p50"] for rep in p["reps"]]
        assert close(p["median"]["latency_ns"]["p50"], statistics.median(p50s)), where + ": median"
        assert close(p["median"]["pps"], statistics.median(rep["pps"] for rep in p["reps"]))
    pts = []  # the generic per-run checks below are for one run per repetition
for i, p in enumerate(pts):
    where = "point %d (%s, %s, x=%g)" % (i, p["group"], p["config"], p["x"])
    assert p["reps"], where + ": no repetition"
    for k in ("p1", "p25", "p50", "p75", "p99"):
        assert p["median"]["latency_ns"][k] is not None, where + ": median " + k
    p50s = []
    for r, rep in enumerate(p["reps"]):
        w = "%s rep %d" % (where, r + 1)
        assert rep["ok"], w + ": " + rep.get("error", "")
        run = rep["run"]
        lat = rep["latency_ns"]
        check_run(w, lat, rep, run)
        # the per-packet ratios come from this very run's NF counters
        nfs = run["nfs"]
        pk = nfs[0]["rx"]
        sc = sum(n["rx_syscalls"] + n["tx_syscalls"] for n in nfs) / pk
        assert close(rep["syscalls_per_pkt"], sc), w + ": syscalls/pkt %s vs %s" % (rep["syscalls_per_pkt"], sc)
        cs = sum(n["sched"]["voluntary_switches"] + n["sched"]["involuntary_switches"]
                 for n in nfs if n.get("sched")) / pk
        assert close(rep["ctx_switches_per_pkt"], cs), w + ": cs/pkt"
        assert rep["syscalls_per_pkt"] > 0 and rep["cpu_ns_per_pkt"] > 0
        if j["profiled"]:
            assert rep["model_ns_per_pkt"] is not None and rep["model_ns_per_pkt"] > 0, w + ": model"
            assert close(rep["model_ns_per_pkt"], run["profile"]["chain"]["total_ns_per_packet"])
        p50s.append(lat["p50"])
    assert close(p["median"]["latency_ns"]["p50"], statistics.median(p50s)), where + ": median"
    assert close(p["spread_ns"]["p50_min"], min(p50s)) and close(p["spread_ns"]["p50_max"], max(p50s))
n = j["noise"]
base = [r["latency_ns"]["p50"] for r in j["points"][n["point"]]["reps"]]
assert n["reps"] == len(base) >= 2, n
cv = statistics.stdev(base) / statistics.mean(base)
assert close(n["cv_p50"], cv), "noise %s vs %s" % (n["cv_p50"], cv)
if name == "chain-length":
    confs = sorted({p["config"] for p in pts})
    assert len(confs) == 2 and sorted({p["x"] for p in pts}) == [1, 4], (confs, [p["x"] for p in pts])
    assert len(j["fits"]) == 2
    for f in j["fits"]:
        xy = [(p["x"], p["median"]["latency_ns"]["p50"]) for p in pts
              if p["config"] == f["config"] and p["group"] == f["group"]]
        (x1, y1), (x2, y2) = sorted(xy)
        assert close(f["slope_ns"], (y2 - y1) / (x2 - x1)), f
        assert close(f["intercept_ns"], y1 - f["slope_ns"] * x1), f
if name == "batch-sweep":
    assert sorted({p["x"] for p in pts}) == [1, 32]
    assert len({p["group"] for p in pts}) == 2
    # batching shows in the counters of the same runs: fewer calls per packet
    for g in {p["group"] for p in pts}:
        b = {p["x"]: p["median"]["syscalls_per_pkt"] for p in pts if p["group"] == g}
        assert b[1] >= b[32], (g, b)
if name == "profiler-accuracy":
    acc = j["accuracy"]
    assert len(acc) == len(pts), "an accuracy row per point"
    within = 0
    for a, p in zip(acc, pts):
        m = p["median"]
        assert close(a["model_ns"], m["model_ns_per_pkt"]) and close(a["p99_ns"], m["latency_ns"]["p99"])
        v = "below" if a["model_ns"] < a["p1_ns"] else "above" if a["model_ns"] > a["p99_ns"] else "within"
        assert a["model_vs_sink"] == v, (a, v)
        within += v == "within"
        assert a["phase_cpu_ns"] is not None and a["phase_cpu_ns"] > 0, "phase timings"
    assert j["verdict"].startswith("The model fell within the sink's p1-p99 at %d of %d points" % (within, len(acc)))
print("%d points, noise CV %.1f%%" % (len(j["points"]), 100 * cv))
PY
}

for e in chain-length batch-sweep profiler-accuracy colocation; do
    t0=$(date +%s.%N)
    if "$SCC" experiment "$e" --quick --out "$T/out" >"$T/$e.txt" 2>&1; then
        ok "scc experiment $e --quick ($(echo "$(date +%s.%N) - $t0" | bc) s)"
    else
        cat "$T/$e.txt"; bad "scc experiment $e --quick"; continue
    fi
    grep -q "about .* s left" "$T/$e.txt" && grep -q "machine noise: CV" "$T/$e.txt" &&
        ok "$e: progress with time left, noise stated" || { cat "$T/$e.txt"; bad "$e: output"; }
    if msg=$(check_json "$T/out/$e.json" "$e" 2>&1); then ok "$e JSON: $msg"; else echo "$msg"; bad "$e JSON"; fi
done

# ---- 2. scc tune -----------------------------------------------------------
if "$SCC" tune "$SCC_SOURCE_DIR/configs/default.json" --quick --out "$T/out" -o "$T/best.json" \
        >"$T/tune.txt" 2>&1; then
    ok "scc tune configs/default.json --quick"
else
    cat "$T/tune.txt"; bad "scc tune"
fi
python3 - "$T/out/tune-default.json" "$T/tune.txt" <<'PY' && ok "tune: every configuration in the table, a verdict" || { cat "$T/tune.txt"; bad "tune output"; }
import json, sys
j = json.load(open(sys.argv[1]))
out = open(sys.argv[2]).read()
confs = [p["config"] for p in j["points"]]
assert len(confs) >= 3 and confs[0] == "as given", confs
for c in confs:
    assert any(l.startswith(c + " ") for l in out.splitlines()), "no table row for " + c
assert j["best_config"] in confs and j["verdict"].startswith("Best for p99: '%s'" % j["best_config"])
assert j["verdict"] in out
best = min((p for p in j["points"] if p["median"]["latency_ns"]["p99"] is not None),
           key=lambda p: p["median"]["latency_ns"]["p99"])
lossy = best["median"]["dropped"] > j["points"][0]["median"]["dropped"]
assert lossy or best["config"] == j["best_config"], (best["config"], j["best_config"])
PY
if "$SCC" validate "$T/best.json" >/dev/null 2>"$T/val.err"; then ok "the tuned spec validates"; else cat "$T/val.err"; bad "tuned spec"; fi
python3 - "$T/best.json" "$SCC_SOURCE_DIR/configs/default.json" <<'PY' && ok "the tuned spec is the user's chain" || bad "tuned spec content"
import json, sys
b, d = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert b["name"] == d["name"] and [n["name"] for n in b["nfs"]] == [n["name"] for n in d["nfs"]]
assert b["traffic"] == d["traffic"] and b.get("mode") == d.get("mode")
PY

# a spec that does not validate is refused before any run, with the spec
# library's own problem line (validated in-process, not by a child `scc validate`)
printf '{"name":"bad","nfs":[{"name":"a","type":"nope"}]}\n' >"$T/bad.json"
"$SCC" tune "$T/bad.json" --quick --out "$T/out" >"$T/badtune.txt" 2>&1; rc=$?
[ "$rc" -eq 2 ] && grep -q "^nfs\[0\].type: 'nope'" "$T/badtune.txt" &&
    grep -q "does not validate: run .scc validate" "$T/badtune.txt" && [ ! -e "$T/out/tune-bad.json" ] &&
    ok "tune refuses an invalid spec with its problems" || { cat "$T/badtune.txt"; bad "tune on an invalid spec (rc $rc)"; }

# ---- 3. the pages in headless Chromium -------------------------------------
chrome() { # out-prefix url [extra args]
    local out=$1 url=$2; shift 2
    timeout 60 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-default-apps --disable-extensions --user-data-dir="$T/profile" \
        --enable-logging=stderr --v=0 --host-resolver-rules="MAP * ~NOTFOUND" \
        --log-net-log="$out.net.json" "$@" "$url" >"$out.stdout" 2>"$out.log"
}
page_requests() {
    python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
types = {v: k for k, v in d["constants"]["logEventTypes"].items()}
for e in d["events"]:
    p = e.get("params", {})
    if types.get(e["type"]) == "URL_REQUEST_START_JOB" and "url" in p \
            and p.get("initiator") != "not an origin" \
            and not p["url"].startswith(("file:", "data:")):
        print(p.get("initiator"), p.get("url"))
PY
}
for page in chain-length batch-sweep profiler-accuracy colocation tune-default; do
    [ -f "$T/out/$page.html" ] || { bad "$page.html missing"; continue; }
    if chrome "$T/$page" "file://$T/out/$page.html" --dump-dom; then
        ok "chromium opened $page.html"
    else
        bad "chromium on $page.html"; tail -5 "$T/$page.log"; continue
    fi
    if grep -q 'CONSOLE' "$T/$page.log"; then grep 'CONSOLE' "$T/$page.log"; bad "$page.html: console messages"
    else ok "$page.html: no console message"; fi
    req=$(page_requests "$T/$page.net.json")
    [ -z "$req" ] && ok "$page.html: no network request" || { echo "$req"; bad "$page.html made requests"; }
    ngroups=$(python3 -c 'import json,sys; print(len({p["group"] for p in json.load(open(sys.argv[1]))["points"]}))' "$T/out/$page.json")
    [ "$(grep -o '<svg role="img"' "$T/$page.stdout" | wc -l)" -eq "$ngroups" ] && ! grep -qi '<script' "$T/$page.stdout" &&
        ok "$page.html: one box plot per group ($ngroups)" || bad "$page.html: DOM"
    # points are named by what they are ("fused, 4 routers"), never "x=4"
    ! grep -Eq '(^|[^a-z-])x=[0-9]' "$T/$page.stdout" && ok "$page.html: points labelled" || bad "$page.html: x= labels"
done
grep -q 'kpps in all' "$T/colocation.stdout" && grep -q 'default, 2 bundles' "$T/colocation.stdout" &&
    ok "colocation.html: the bundles' table" || bad "colocation.html: no bundles' table"
mkdir -p "$ART"
rm -f "$ART/experiment-chain-length.png"
if chrome "$T/shot" "file://$T/out/chain-length.html" --screenshot="$ART/experiment-chain-length.png" \
        --window-size=1200,1400 && [ -f "$ART/experiment-chain-length.png" ]; then
    python3 - "$ART/experiment-chain-length.png" <<'PY' && ok "screenshot $ART/experiment-chain-length.png" || bad "screenshot"
import struct, sys
b = open(sys.argv[1], "rb").read()
assert b[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
assert struct.unpack(">II", b[16:24]) == (1200, 1400)
assert len(b) > 30000, "%d bytes: an empty page" % len(b)
PY
else
    bad "screenshot"; tail -5 "$T/shot.log"
fi
exit $fail

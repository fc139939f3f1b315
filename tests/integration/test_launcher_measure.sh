#!/usr/bin/env bash
# What `scc run` reports must measure the chain (issue 10): the traffic
# tools' placement is in the results; a restarted NF's figures are summed
# per process, never two processes' counters subtracted; a busy-idle chain
# reports real counters; a figure that cannot be read is null / "-", never
# 0; per-NF packets cover the sink's window; a count-based run longer than
# the old 35 s deadline finishes.
set -u
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
ip netns list >/dev/null 2>&1 || { echo "skip: no network namespace support"; exit 77; }

SCC="$SCC_BIN/scc"
T=$(mktemp -d /tmp/scc-measure-test.XXXXXX)
export SCC_STATE_DIR="$T/state"
fail=0
cleanup() {
    "$SCC" -q cleanup >/dev/null 2>&1
    rm -rf "$T"
}
trap cleanup EXIT
last=$(( $(nproc) - 1 ))

chain() { # name idle restart rate duration [traffic-extra]
    cat >"$T/$1.json" <<JSON
{ "name": "$1", "io": { "transport": "raw", "batch": 16, "idle": "$2" },
  "nfs": [
    { "name": "fw", "type": "firewall", "cpu": $last, "restart": "$3",
      "config": { "rules": ["allow udp dst port 9000-9999", "deny all"] } },
    { "name": "l2", "type": "l2fwd", "cpu": $last, "restart": "$3" } ],
  "traffic": { "rate_pps": $4, "size": 64, "duration_s": $5, "flows": 2, "warmup_s": ${WARMUP:-0.3} $6 } }
JSON
}
check() { # desc json python-assertions
    if ! python3 - "$2" <<PY; then echo "FAIL: $1"; cat "$T/out" "$T/err"; fail=1; else echo "ok: $1"; fi
import json, sys
r = json.load(open(sys.argv[1]))
nf = {n["name"]: n for n in r["nfs"]}
def nonneg(o, path="r"):
    if isinstance(o, dict):
        for k, v in o.items(): nonneg(v, path + "." + k)
    elif isinstance(o, list):
        for i, v in enumerate(o): nonneg(v, "%s[%d]" % (path, i))
    elif isinstance(o, (int, float)) and not isinstance(o, bool):
        assert o >= 0 or path.endswith("unaccounted"), "%s = %s" % (path, o)
nonneg(r)
$3
PY
}

# 1. placement in the results, and per-NF packets over the sink's window
chain place block no 4000 2 ""
"$SCC" run "$T/place.json" --json "$T/place.out.json" >"$T/out" 2>"$T/err" || { echo "FAIL: run"; cat "$T/err"; fail=1; }
grep -q '^placement: gen cpu' "$T/out" || { echo "FAIL: no placement line"; cat "$T/out"; fail=1; }
check "placement recorded; NF packets cover the sink's window" "$T/place.out.json" '
p = r["placement"]
assert p["nfs"] == {"fw": "'$last'", "l2": "'$last'"}, p
assert p["gen"]["cpu"] != "" and p["sink"]["cpu"] != "", p
if '$last' > 0:
    assert p["gen"]["cpu"] != "'$last'", "generator next to the NFs although a core is free: %s" % p
assert r["window"]["kind"] == "sink", r["window"]
sink = r["traffic"]["sink"]["rx_pkts"]
for n in r["nfs"]:
    assert abs(n["rx"] - sink) <= max(20, sink * 0.02), "%s rx %d vs sink window %d" % (n["name"], n["rx"], sink)
assert r["accounting"]["unaccounted"] == 0, r["accounting"]'

# 2. restart: an NF killed inside the window and restarted; its figures
#    are one share per process, summed
chain rst block on-failure 4000 4 ""
"$SCC" run "$T/rst.json" --json "$T/rst.out.json" >"$T/out" 2>"$T/err" &
lpid=$!
pid=
for i in $(seq 100); do
    pid=$(pgrep -f -- "--name rst.fw " | head -1); [ -n "$pid" ] && break; sleep 0.05
done
sleep 2
[ -n "$pid" ] && kill -9 "$pid"
wait $lpid || { echo "FAIL: restart run exit"; cat "$T/err"; fail=1; }
check "a restarted NF's figures are per-process sums" "$T/rst.out.json" '
fw, l2 = nf["fw"], nf["l2"]
assert fw["processes"] == 2, fw
assert fw["sched"] is not None and fw["sched"]["cpu_ns"] > 0, fw
assert fw["rx"] > 0.5 * l2["rx"], (fw["rx"], l2["rx"])
assert fw["sched"]["cpu_ns_per_packet"] < 1e6, fw["sched"]'
grep -q "summed over restarts" "$T/out" || { echo "FAIL: text does not say the figures are summed"; fail=1; }

# 3. busy idle: real counters, not rx 0
chain busy busy no 4000 1.5 ""
"$SCC" run "$T/busy.json" --json "$T/busy.out.json" >"$T/out" 2>"$T/err" || { echo "FAIL: busy run"; cat "$T/err"; fail=1; }
check "a busy-idle chain reports real counters" "$T/busy.out.json" '
for n in r["nfs"]:
    assert n["stats_available"] and n["rx"] > 0, n
    assert n["sched"]["cpu_ns_per_packet"] is not None and n["sched"]["cpu_ns_per_packet"] > 0, n
assert r["accounting"]["complete"], r["accounting"]'

# 4. a figure that cannot be read: the NF's stats page disappears mid-run
chain miss block no 4000 3 ""
"$SCC" run "$T/miss.json" --json "$T/miss.out.json" >"$T/out" 2>"$T/err" &
lpid=$!
for i in $(seq 100); do ls /dev/shm/scc-nf-miss.l2 >/dev/null 2>&1 && break; sleep 0.05; done
sleep 1.5
rm -f /dev/shm/scc-nf-miss.l2
wait $lpid || { echo "FAIL: missing-page run exit"; cat "$T/err"; fail=1; }
check "a missing figure is null, not 0" "$T/miss.out.json" '
assert nf["l2"]["rx"] is None and nf["l2"]["stats_available"] is False, nf["l2"]
assert nf["fw"]["rx"] > 0, nf["fw"]
acc = r["accounting"]
assert acc["complete"] is False and acc["unaccounted"] is None and "l2" in acc["lacking_nfs"], acc'
grep -Eq '^  l2 +- +- ' "$T/out" || { echo "FAIL: the text does not print - for the missing figures"; cat "$T/out"; fail=1; }
grep -q 'incomplete: no figures from l2' "$T/out" || { echo "FAIL: the accounting line does not say it lacks l2"; cat "$T/out"; fail=1; }

# 5. count-based: 370 frames at 10 pps take 37 s, past the old
#    duration_s + 30 = 35 s deadline
WARMUP=0 chain cnt block no 10 5 ', "count": 370'
if "$SCC" run "$T/cnt.json" --json "$T/cnt.out.json" >"$T/out" 2>"$T/err"; then
    check "a count-based run longer than 35 s finishes" "$T/cnt.out.json" '
assert r["traffic"]["sent"] == 370 and r["traffic"]["received"] == 370, r["traffic"]'
else
    echo "FAIL: count-based run"; cat "$T/err"; fail=1
fi

exit $fail

#!/usr/bin/env bash
# Chain fusion (scheduler.mode "fused", docs/fusion.md): the default chain
# and an 8-router chain, deployed unfused and fused, get the same traffic
# (scc gen with a fixed count, seed and flows; a second burst with a TTL
# that dies inside the chain); the sink's digest of every frame it got
# (scc sink --digest: headers, flow, sequence, length) must be the same,
# and so must every NF's counters (rx, tx, drops per element and reason,
# read from the stats pages: an NF's own page unfused, its stage's row of
# the group's page fused). While a fused chain runs, no namespace, veth or
# bridge port exists between fused NFs. Teardown, and `scc cleanup` after
# a kill -9 of the launcher, leave nothing behind.
set -u
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
ip netns list >/dev/null 2>&1 || { echo "skip: no network namespace support"; exit 77; }

SCC="$SCC_BIN/scc"
T=$(mktemp -d /tmp/scc-fusion-test.XXXXXX)
export SCC_STATE_DIR="$T/state"
fail=0
lpid=
cleanup() {
    [ -n "$lpid" ] && kill -INT "$lpid" 2>/dev/null && wait "$lpid" 2>/dev/null
    "$SCC" -q cleanup >/dev/null 2>&1
    rm -rf "$T"
}
trap cleanup EXIT
last=$(( $(nproc) - 1 ))
N=3000

# spec NAME KIND MODE: KIND default (configs/default.json's NFs) or r8
spec() {
    python3 - "$SCC_SOURCE_DIR/configs/default.json" "$1" "$2" "$3" "$last" >"$T/$1.json" <<'PY'
import json, sys
src, name, kind, mode, last = sys.argv[1:6]
if kind == "default":
    d = json.load(open(src))
    d.pop("traffic", None)
    for nf in d["nfs"]:
        nf["cpu"] = int(last)
else:
    d = {"io": {"transport": "raw", "batch": 32},
         "nfs": [{"name": "r%d" % i, "type": "router", "cpu": int(last),
                  "config": {"routes": [{"prefix": "0.0.0.0/0", "port": 0}]}}
                 for i in range(1, 9)]}
d["name"] = name
d["scheduler"] = {"mode": mode}
print(json.dumps(d))
PY
}

# counters NAME NF...: every NF's rx, tx, drops and element drops as JSON
counters() {
    local chain=$1; shift
    for nf in "$@"; do
        "$SCC" stats --json "$chain.$nf" 2>/dev/null
    done | python3 -c '
import json, sys
out = {}
for line in sys.stdin:
    p = json.loads(line)
    for st in p["stages"]:
        el = p["elements"][st["first_element"]:st["first_element"] + st["elements"]]
        drops = {}
        for e in el:
            n = e["name"].split("/", 1)[1] if len(p["stages"]) > 1 else e["name"]
            for r, c in e["drops"].items():
                drops["%s: %s" % (n, r)] = c
        # a plain NF'"'"'s one stage is named after its page, CHAIN.NF
        nm = st["name"] if len(p["stages"]) > 1 else st["name"].split(".", 1)[1]
        out[nm] = {"rx": st["rx_pkts"], "tx": st["tx_pkts"], "drops": st["drops"],
                           "elements": drops}
print(json.dumps(out, sort_keys=True))'
}

# run_chain NAME HEADS... : deploy, drive, record digest and counters
# (HEADS: the NFs that own a stats page: all unfused, group heads fused)
run_chain() {
    local name=$1; shift
    "$SCC" run "$T/$name.json" --no-traffic --duration 60 >"$T/$name.out" 2>"$T/$name.err" &
    lpid=$!
    local up=0
    for i in $(seq 200); do
        if "$SCC" stats "$name.$1" >/dev/null 2>&1 && "$SCC" stats "$name.${!#}" >/dev/null 2>&1; then
            up=1; break
        fi
        sleep 0.05
    done
    [ $up = 1 ] || { echo "FAIL: $name did not come up"; cat "$T/$name.err"; fail=1; return 1; }
    sleep 0.3 # every NF ready, the launcher printed its plan
    local gif sif
    gif=$(awk '$2 == "gen" {sub("raw:", "", $NF); print $NF}' "$T/$name.plan")
    sif=$(awk '$2 == "sink" {sub("raw:", "", $6); print $6}' "$T/$name.plan")
    [ -n "$gif" ] && [ -n "$sif" ] || { echo "FAIL: $name: no gen/sink interface in the plan"; cat "$T/$name.plan"; fail=1; return 1; }
    ip netns list | awk '{print $1}' | grep "^scc-$name\." | sort >"$T/$name.netns"
    ip -n "scc-$name.$1" -o link show | wc -l >"$T/$name.links"
    ip netns exec "scc-$name.sink" "$SCC" -q sink --transport raw --if "$sif" --digest \
        --idle-timeout 1.5 --timeout 10 --json "$T/$name.sink.json" --ready "$T/$name.ready" &
    local spid=$!
    for i in $(seq 100); do [ -e "$T/$name.ready" ] && break; sleep 0.05; done
    # the main burst: 8 flows, half of them from 10.66/16 (the default
    # firewall denies those); then 200 frames whose TTL dies in the chain
    ip netns exec "scc-$name.gen" "$SCC" -q gen --transport raw --if "$gif" --count $N \
        --rate 5000 --flows 8 --src-ip 10.65.255.252 --seed 7 --spin-us 0 >/dev/null ||
        { echo "FAIL: $name: gen"; fail=1; }
    ip netns exec "scc-$name.gen" "$SCC" -q gen --transport raw --if "$gif" --count 200 \
        --rate 5000 --flows 2 --ttl 4 --seed 7 --spin-us 0 >/dev/null ||
        { echo "FAIL: $name: gen (ttl 4)"; fail=1; }
    wait $spid || { echo "FAIL: $name: sink"; fail=1; }
    sleep 0.2 # the last publish of every page
    counters "$name" "$@" >"$T/$name.counters"
    kill -INT $lpid
    wait $lpid
    local rc=$?
    lpid=
    [ $rc = 0 ] || [ $rc = 130 ] || { echo "FAIL: $name: scc run exit $rc"; cat "$T/$name.err"; fail=1; }
}

nothing_left() { # NAME
    local left
    left=$(ip netns list | grep -c "^scc-$1\.")
    [ "$left" = 0 ] || { echo "FAIL: $1: $left namespaces left"; ip netns list; fail=1; }
    ls /dev/shm/scc-nf-"$1".* >/dev/null 2>&1 && { echo "FAIL: $1: stats pages left"; fail=1; }
    pgrep -f -- "--name $1\." >/dev/null && { echo "FAIL: $1: NF processes left"; fail=1; }
    ls "$SCC_STATE_DIR/$1.state" >/dev/null 2>&1 && { echo "FAIL: $1: state file left"; fail=1; }
    return 0
}

compare() { # UNFUSED FUSED
    if python3 - "$T/$1" "$T/$2" <<'PY'; then echo "ok: $1 and $2: same frames out, same per-NF counters"; else fail=1; fi
import json, sys
a, b = sys.argv[1:3]
sa, sb = json.load(open(a + ".sink.json")), json.load(open(b + ".sink.json"))
ca, cb = json.load(open(a + ".counters")), json.load(open(b + ".counters"))
ok = True
if sa["frames_digested"] == 0 or sa["frames_digested"] != sb["frames_digested"] \
        or sa["frames_digest"] != sb["frames_digest"]:
    print("FAIL: sink digests differ: unfused %s over %d frames, fused %s over %d" % (
        sa["frames_digest"], sa["frames_digested"], sb["frames_digest"], sb["frames_digested"]))
    ok = False
if ca != cb:
    print("FAIL: per-NF counters differ:\n  unfused %s\n  fused   %s" % (ca, cb))
    ok = False
drops = sum(v["drops"] for v in ca.values())
if drops == 0:
    print("FAIL: the traffic made no NF drop anything: the test compares too little")
    ok = False
sys.exit(0 if ok else 1)
PY
}

# ---- the default chain -------------------------------------------------
spec fd3u default pinned
spec fd3f default fused
"$SCC" run --dry-run "$T/fd3u.json" >"$T/fd3u.plan" 2>&1
"$SCC" run --dry-run "$T/fd3f.json" >"$T/fd3f.plan" 2>&1
grep -q "^fused: fw+rt+l2 in one process on core $last (saved 2 hops: 2 veth pairs, 2 namespaces)" \
    "$T/fd3f.plan" || { echo "FAIL: dry run shows no group"; cat "$T/fd3f.plan"; fail=1; }
[ "$(grep -c -- '--stage' "$T/fd3f.plan")" = 1 ] || { echo "FAIL: not one scc-nf --stage"; fail=1; }
run_chain fd3u fw rt l2
nothing_left fd3u
run_chain fd3f fw
# while it ran: only gen, fw and sink had namespaces
[ "$(tr '\n' ' ' <"$T/fd3f.netns")" = "scc-fd3f.fw scc-fd3f.gen scc-fd3f.sink " ] ||
    { echo "FAIL: namespaces of the fused chain: $(cat "$T/fd3f.netns")"; fail=1; }
# and the group's namespace holds lo, its in-link and its out-link, no more
[ "$(cat "$T/fd3f.links")" = 3 ] || { echo "FAIL: fw's namespace has $(cat "$T/fd3f.links") links"; fail=1; }
grep -q "fused: fw+rt+l2" "$T/fd3f.out" || { echo "FAIL: no group line in the report"; cat "$T/fd3f.out"; fail=1; }
nothing_left fd3f
compare fd3u fd3f

# ---- 8 routers on one core ---------------------------------------------
spec fr8u r8 pinned
spec fr8f r8 fused
"$SCC" run --dry-run "$T/fr8u.json" >"$T/fr8u.plan" 2>&1
"$SCC" run --dry-run "$T/fr8f.json" >"$T/fr8f.plan" 2>&1
grep -q "^fused: r1+r2+r3+r4+r5+r6+r7+r8 in one process on core $last (saved 7 hops: 7 veth pairs, 7 namespaces)" \
    "$T/fr8f.plan" || { echo "FAIL: dry run shows no 8-router group"; cat "$T/fr8f.plan"; fail=1; }
run_chain fr8u r1 r2 r3 r4 r5 r6 r7 r8
nothing_left fr8u
run_chain fr8f r1
[ "$(wc -l <"$T/fr8f.netns")" = 3 ] || { echo "FAIL: namespaces of the fused 8 routers: $(cat "$T/fr8f.netns")"; fail=1; }
[ "$(cat "$T/fr8f.links")" = 3 ] || { echo "FAIL: r1's namespace has $(cat "$T/fr8f.links") links"; fail=1; }
nothing_left fr8f
compare fr8u fr8f
# the TTL-4 burst died in the fourth router, fused as unfused
python3 - "$T/fr8f.counters" <<'PY' || fail=1
import json, sys
c = json.load(open(sys.argv[1]))
assert c["r4"]["elements"].get("DecIPTTL@3: TTL expired") == 200, c["r4"]
assert c["r3"]["drops"] == 0 and c["r5"]["rx"] == c["r4"]["tx"], c
PY

# ---- a crash takes the group down; restart applies to the group ---------
spec fd3r default fused
python3 - "$T/fd3r.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for nf in d["nfs"]:
    nf["restart"] = "on-failure"
d["traffic"] = {"rate_pps": 3000, "duration_s": 3, "flows": 2, "warmup_s": 0.3}
json.dump(d, open(sys.argv[1], "w"))
PY
"$SCC" run "$T/fd3r.json" --json "$T/fd3r.out.json" >"$T/fd3r.out" 2>"$T/fd3r.err" &
lpid=$!
pid=
for i in $(seq 100); do pid=$(pgrep -f -- "--name fd3r.fw " | head -1); [ -n "$pid" ] && break; sleep 0.05; done
sleep 1.5
[ -n "$pid" ] && kill -9 "$pid"
sleep 0.5
npid=$(pgrep -f -- "--name fd3r.fw .*--stage rt=" | head -1)
wait $lpid || { echo "FAIL: the restart run failed"; cat "$T/fd3r.err"; fail=1; }
lpid=
[ -n "$npid" ] && [ "$npid" != "$pid" ] || { echo "FAIL: the group was not restarted as one scc-nf"; fail=1; }
python3 - "$T/fd3r.out.json" <<'PY' && echo "ok: a killed group restarts as one process, every NF's figures summed" || fail=1
import json, sys
r = json.load(open(sys.argv[1]))
nf = {n["name"]: n for n in r["nfs"]}
assert sorted(nf) == ["fw", "l2", "rt"], nf.keys()
for n in nf.values():
    assert n["processes"] == 2, n
    assert n["fused_group"] == ["fw", "rt", "l2"], n
assert nf["fw"]["cpu_shared_with"] == ["rt", "l2"], nf["fw"]
assert r["fused"] and r["fused"][0].startswith("fw+rt+l2 in one process"), r["fused"]
assert nf["rt"]["rx"] > 0 and nf["l2"]["tx"] > 0, nf
PY
nothing_left fd3r

# ---- kill -9 of the launcher, then scc cleanup -------------------------
"$SCC" run "$T/fd3f.json" --no-traffic --duration 60 >"$T/k.out" 2>"$T/k.err" &
lpid=$!
for i in $(seq 200); do "$SCC" stats fd3f.fw >/dev/null 2>&1 && break; sleep 0.05; done
kill -9 $lpid; wait $lpid 2>/dev/null; lpid=
"$SCC" -q cleanup fd3f >/dev/null 2>&1 || { echo "FAIL: scc cleanup after kill -9"; fail=1; }
sleep 0.2
nothing_left fd3f
[ $fail = 0 ] && echo "ok: kill -9 + scc cleanup leave nothing"

exit $fail

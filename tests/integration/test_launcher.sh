#!/usr/bin/env bash
# scc run end to end: real namespaces, veths, bridges, scc-nf processes and
# traffic, for each interconnect and env and for chains of 1, 2 and 3 NFs;
# packets must arrive and the counters must add up (sent = received + every
# drop counted somewhere); and after every run — normal, an NF killed
# mid-run, Ctrl-C, kill -9 of the launcher followed by `scc cleanup` — the
# namespaces, links and sysctls are exactly as before.
set -u
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
ip netns list >/dev/null 2>&1 || { echo "skip: no network namespace support"; exit 77; }

SCC="$SCC_BIN/scc"
T=$(mktemp -d /tmp/scc-launcher-test.XXXXXX)
export SCC_STATE_DIR="$T/state"
fail=0
cleanup() {
    "$SCC" -q cleanup >/dev/null 2>&1
    rm -rf "$T"
}
trap cleanup EXIT

snapshot() { # what must be identical before and after a run
    { ip -all netns list 2>/dev/null | sort; ip -o link show | sed 's/^[0-9]*: //' | cut -d' ' -f1 | sort;
      cat /proc/sys/kernel/sched_rr_timeslice_ms
      # stats pages of runs; scc-nf-ut-* belong to unit tests that may run beside us
      ls /dev/shm | grep '^scc-nf-' | grep -v '^scc-nf-ut-' || true; } >"$1"
}
same_as_before() { # desc
    snapshot "$T/after"
    if ! diff -u "$T/before" "$T/after" >"$T/diff"; then
        echo "FAIL: $1: the machine is not as it was:"; cat "$T/diff"; fail=1
    fi
}
chain() { # name interconnect transport env nfs-json [extra]
    cat >"$T/$1.json" <<JSON
{ "name": "$1", "interconnect": "$2", "io": { "transport": "$3", "batch": 16 },
  "nfs": $5, "traffic": { "rate_pps": 2000, "size": 128, "duration_s": 1, "flows": 4, "warmup_s": 0.1 } $6 }
JSON
}
fw='{ "name": "fw", "type": "firewall", "env": "ENV", "config": { "rules": ["allow udp dst port 9000-9999", "deny all"] } }'
rt='{ "name": "rt", "type": "router", "env": "ENV", "config": { "routes": [ { "prefix": "10.0.0.0/8" }, { "prefix": "0.0.0.0/0", "port": 1 } ] } }'
l2='{ "name": "l2", "type": "l2fwd", "env": "ENV" }'
nfs_for() { # count env
    case $1 in
    1) echo "[ ${fw//ENV/$2} ]" ;;
    2) echo "[ ${fw//ENV/$2}, ${rt//ENV/$2} ]" ;;
    3) echo "[ ${fw//ENV/$2}, ${rt//ENV/$2}, ${l2//ENV/$2} ]" ;;
    esac
}

check_run() { # desc chainfile count
    local desc=$1 file=$2 n=$3
    snapshot "$T/before"
    if ! "$SCC" run "$file" --json "$T/run.json" >"$T/out" 2>"$T/err"; then
        echo "FAIL: $desc: scc run failed"; cat "$T/err" "$T/out"; fail=1; same_as_before "$desc"; return
    fi
    python3 - "$T/run.json" "$n" <<'PY' || { echo "FAIL: $desc: results"; cat "$T/out"; fail=1; }
import json, sys
r = json.load(open(sys.argv[1])); n = int(sys.argv[2])
sent, recv = r["traffic"]["sent"], r["traffic"]["received"]
drops = sum(nf["drops"] for nf in r["nfs"])
assert len(r["nfs"]) == n, "NF count"
assert sent > 0, "nothing sent"
assert recv > 0, "nothing received"
assert recv <= sent
assert r["accounting"]["unaccounted"] == sent - recv - r["accounting"]["dropped"], "accounting arithmetic"
assert r["accounting"]["unaccounted"] == 0, "packets lost without a counter: %s" % r["accounting"]
for nf in r["nfs"]:
    assert nf["rx"] > 0, "NF %s received nothing" % nf["name"]
print("  sent %d received %d dropped %d" % (sent, recv, drops))
PY
    same_as_before "$desc"
    echo "ok: $desc"
}

# every interconnect, both envs, chains of 1, 2 and 3 NFs
for n in 1 2 3; do
    chain "b2b$n" b2b raw netns "$(nfs_for $n netns)" ""
    check_run "b2b netns, $n NF" "$T/b2b$n.json" $n
done
chain b2bnat b2b raw native "$(nfs_for 2 native)" ""
check_run "b2b native, 2 NFs" "$T/b2bnat.json" 2
chain br3 bridge raw netns "$(nfs_for 3 netns)" ""
check_run "bridge netns, 3 NFs" "$T/br3.json" 3
chain udp2 udp udp native "$(nfs_for 2 native)" ""
check_run "udp loopback native, 2 NFs" "$T/udp2.json" 2
chain udpns3 udp udp netns "$(nfs_for 3 netns)" ""
check_run "udp over bridge netns, 3 NFs" "$T/udpns3.json" 3

# headers: after the router, every frame must carry the next-hop MAC as
# destination, the router's MAC as source, and TTL 63 (64 - 1); a checker NF
# (a Classifier on those bytes) passes only such frames, so the sink receives
# everything only if every header is right
hdr_nfs='[ { "name": "rt", "type": "router", "config": { "src_mac": "02:00:00:00:aa:01",
            "routes": [ { "prefix": "10.0.0.0/8", "mac": "02:00:00:00:bb:02" } ] } },
          { "name": "chk", "pipeline": "c :: Classifier(0/02000000bb02 6/02000000aa01 22/3f, -); FromIO -> c; c[0] -> ToIO; c[1] -> Discard" } ]'
chain hdr b2b raw netns "$hdr_nfs" ""
check_run "headers rewritten (MACs, TTL) through a router" "$T/hdr.json" 2
python3 -c "
import json,sys; r=json.load(open('$T/run.json'))
assert r['accounting']['received']==r['accounting']['sent'], 'checker dropped frames with wrong headers: %s' % r['nfs'][1]['drop_reasons']
" || { echo "FAIL: headers"; fail=1; }

# two hosts (two namespaces, each with its own launcher), chain split across them
ip netns add "sccA$$" && ip netns add "sccB$$"
ip link add "sccva$$" netns "sccA$$" type veth peer name "sccvb$$" netns "sccB$$"
ip -n "sccA$$" addr add 10.77.0.1/24 dev "sccva$$"; ip -n "sccA$$" link set "sccva$$" up; ip -n "sccA$$" link set lo up
ip -n "sccB$$" addr add 10.77.0.2/24 dev "sccvb$$"; ip -n "sccB$$" link set "sccvb$$" up; ip -n "sccB$$" link set lo up
cat >"$T/split.json" <<JSON
{ "name": "split", "interconnect": "udp", "io": { "transport": "udp", "batch": 16 },
  "hosts": { "a": { "address": "10.77.0.1" }, "b": { "address": "10.77.0.2" } },
  "nfs": [ { "name": "fw", "type": "firewall", "host": "a", "config": { "rules": ["allow udp", "deny all"] } },
           { "name": "rt", "type": "router", "host": "b", "config": { "routes": [ { "prefix": "0.0.0.0/0" } ] } } ],
  "traffic": { "rate_pps": 2000, "size": 128, "duration_s": 1, "warmup_s": 0.1 } }
JSON
ip netns exec "sccB$$" "$SCC" run "$T/split.json" --host b --json "$T/split-b.json" >"$T/outb" 2>&1 &
pb=$!
sleep 0.5
ip netns exec "sccA$$" "$SCC" run "$T/split.json" --host a --json "$T/split-a.json" >"$T/outa" 2>&1 || { echo "FAIL: host a"; cat "$T/outa"; fail=1; }
wait $pb || { echo "FAIL: host b"; cat "$T/outb"; fail=1; }
python3 - "$T/split-a.json" "$T/split-b.json" <<'PY' || { echo "FAIL: two hosts"; cat "$T/outa" "$T/outb"; fail=1; }
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
sent, recv = a["traffic"]["sent"], b["traffic"]["received"]
assert [n["name"] for n in a["nfs"]] == ["fw"] and [n["name"] for n in b["nfs"]] == ["rt"]
assert sent > 0 and recv == sent, "sent %d on host a, received %d on host b" % (sent, recv)
print("  host a sent %d, host b received %d" % (sent, recv))
PY
ip netns del "sccA$$"; ip netns del "sccB$$"
echo "ok: chain split across two hosts"

# fault: an NF killed mid-run -> non-zero exit, reported, machine as before
chain kill3 b2b raw netns "$(nfs_for 3 netns)" ""
sed -i 's/"duration_s": 1/"duration_s": 4/' "$T/kill3.json"
snapshot "$T/before"
"$SCC" run "$T/kill3.json" >"$T/out" 2>"$T/err" &
lp=$!
for i in $(seq 50); do pid=$(pgrep -f -- "scc-nf --name kill3\.rt " | head -1); [ -n "$pid" ] && break; sleep 0.1; done
sleep 1
[ -n "${pid:-}" ] && kill -9 "$pid"
wait $lp; rc=$?
if [ $rc -eq 0 ]; then echo "FAIL: NF crash: launcher exit 0"; fail=1; fi
grep -q "NF rt (pid [0-9]*) was killed by signal 9" "$T/err" || { echo "FAIL: NF crash not reported"; cat "$T/err"; fail=1; }
same_as_before "NF killed mid-run"
echo "ok: NF killed mid-run (exit $rc)"

# fault with "restart": "on-failure": the NF is restarted and the run goes on
sed 's/"name": "rt", "type": "router",/"name": "rt", "type": "router", "restart": "on-failure",/' \
    "$T/kill3.json" | sed 's/"name": "kill3"/"name": "restart3"/' >"$T/restart3.json"
snapshot "$T/before"
"$SCC" run "$T/restart3.json" >"$T/out" 2>"$T/err" &
lp=$!
pid=
for i in $(seq 50); do pid=$(pgrep -f -- "scc-nf --name restart3\.rt " | head -1); [ -n "$pid" ] && break; sleep 0.1; done
sleep 1
[ -n "$pid" ] && kill -9 "$pid"
wait $lp; rc=$?
[ $rc -eq 0 ] || { echo "FAIL: restart on-failure: exit $rc"; cat "$T/err"; fail=1; }
grep -q "restarting NF rt (restart 1 of 5)" "$T/err" || { echo "FAIL: no restart reported"; cat "$T/err"; fail=1; }
same_as_before "NF restarted on failure"
echo "ok: NF restarted on failure"

# fault: Ctrl-C (SIGINT) of the launcher
snapshot "$T/before"
"$SCC" run "$T/kill3.json" >"$T/out" 2>"$T/err" &
lp=$!
sleep 1.5
kill -INT $lp
wait $lp; rc=$?
[ $rc -ne 0 ] || { echo "FAIL: SIGINT: exit 0"; fail=1; }
same_as_before "SIGINT"
echo "ok: SIGINT (exit $rc)"

# fault: kill -9 of the launcher, then a second run refuses, then scc cleanup
snapshot "$T/before"
"$SCC" run "$T/kill3.json" --no-traffic >"$T/out" 2>"$T/err" &
lp=$!
for i in $(seq 50); do [ -n "$(pgrep -f -- "scc-nf --name kill3\.l2 ")" ] && break; sleep 0.1; done
sleep 0.5
kill -9 $lp; wait $lp 2>/dev/null
if "$SCC" run "$T/kill3.json" >"$T/out2" 2>"$T/err2"; then echo "FAIL: ran over a stale state"; fail=1; fi
grep -q "scc cleanup kill3" "$T/err2" || { echo "FAIL: stale-state message"; cat "$T/err2"; fail=1; }
"$SCC" cleanup kill3 >"$T/out" 2>&1 || { echo "FAIL: cleanup"; cat "$T/out"; fail=1; }
sleep 0.2
[ -z "$(pgrep -f -- "scc-nf --name kill3\.")" ] || { echo "FAIL: NFs survive cleanup"; fail=1; }
same_as_before "kill -9 + scc cleanup"
echo "ok: kill -9 of the launcher + scc cleanup"

# dry run creates nothing
snapshot "$T/before"
"$SCC" run "$T/b2b3.json" --dry-run >"$T/out" 2>&1 || { echo "FAIL: dry-run"; fail=1; }
grep -q "ip link add" "$T/out" || { echo "FAIL: dry-run shows no actions"; cat "$T/out"; fail=1; }
same_as_before "dry-run"
echo "ok: dry-run"
exit $fail

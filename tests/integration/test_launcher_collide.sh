#!/usr/bin/env bash
# A run never removes what it did not create (issue 9): a namespace or a
# root-namespace interface that already has the name a run would use is
# refused with a message naming it, and is still there afterwards; two
# chains whose names used to map to one namespace (chain x with NF y-z,
# chain x-y with NF z) run at once and neither's teardown touches the
# other's objects; a loopback UDP port in use by a running chain is refused.
set -u
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
ip netns list >/dev/null 2>&1 || { echo "skip: no network namespace support"; exit 77; }

SCC="$SCC_BIN/scc"
T=$(mktemp -d /tmp/scc-collide-test.XXXXXX)
export SCC_STATE_DIR="$T/state"
fail=0
bg=""
decoy_ns=""
decoy_if=""
cleanup() {
    [ -n "$bg" ] && kill "$bg" 2>/dev/null && wait "$bg" 2>/dev/null
    "$SCC" -q cleanup >/dev/null 2>&1
    [ -n "$decoy_ns" ] && ip netns del "$decoy_ns" 2>/dev/null
    [ -n "$decoy_if" ] && ip link del "$decoy_if" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT

snapshot() { # what must be identical before and after
    { ip -all netns list 2>/dev/null | sort; ip -o link show | sed 's/^[0-9]*: //' | cut -d' ' -f1 | sort;
      ls /dev/shm | grep -E "^scc-nf-[a-z]$$" || true; } >"$1"
}
same_as_before() { # desc
    snapshot "$T/after"
    if ! diff -u "$T/before" "$T/after" >"$T/diff"; then
        echo "FAIL: $1: the machine is not as it was:"; cat "$T/diff"; fail=1
    fi
}
chain() { # file name nfs-json [traffic-json]
    cat >"$T/$1.json" <<JSON
{ "name": "$2", "interconnect": "b2b", "io": { "transport": "raw", "batch": 16 },
  "nfs": $3 ${4:+, \"traffic\": $4} }
JSON
}
traffic='{ "rate_pps": 2000, "size": 128, "duration_s": 1, "warmup_s": 0.1 }'
# the plan's names, as --dry-run prints them: stage STAGE's namespace, its out interface
plan_ns() { "$SCC" run "$1" --dry-run | awk -v s="$2" '$2 == s && $1 ~ /^[0-9]+$/ { print $3; exit }'; }
plan_out_if() { "$SCC" run "$1" --dry-run | awk -v s="$2" '$2 == s && $1 ~ /^[0-9]+$/ { sub("raw:", "", $7); print $7; exit }'; }
plan_all_ns() { "$SCC" run "$1" --dry-run | awk '$1 ~ /^[0-9]+$/ && $3 != "(root)" { print $3 }'; }

# 1. someone else's namespace with the name of the run's generator namespace
chain ns "g$$" '[ { "name": "a", "type": "counter" } ]' "$traffic"
decoy_ns=$(plan_ns "$T/ns.json" gen)
[ -n "$decoy_ns" ] || { echo "FAIL: no generator namespace in the plan"; exit 1; }
ip netns add "$decoy_ns"
snapshot "$T/before"
if "$SCC" run "$T/ns.json" >"$T/out" 2>"$T/err"; then
    echo "FAIL: a run over an existing namespace $decoy_ns succeeded"; fail=1
fi
grep -q "namespace $decoy_ns exists and was not created by this run" "$T/err" ||
    { echo "FAIL: no clear refusal for namespace $decoy_ns:"; cat "$T/err"; fail=1; }
[ -e "/run/netns/$decoy_ns" ] || { echo "FAIL: the failed run deleted namespace $decoy_ns"; fail=1; }
same_as_before "existing namespace"
ip netns del "$decoy_ns" 2>/dev/null; decoy_ns=""
echo "ok: an existing namespace is refused and kept"

# 2. someone else's root-namespace veth with the name a native NF would send on
chain nat "n$$" '[ { "name": "a", "type": "counter", "env": "native" } ]' "$traffic"
decoy_if=$(plan_out_if "$T/nat.json" a)
[ -n "$decoy_if" ] || { echo "FAIL: no output interface for the native NF in the plan"; exit 1; }
ip link add "$decoy_if" type veth peer name "sccdp$$"
snapshot "$T/before"
if "$SCC" run "$T/nat.json" >"$T/out" 2>"$T/err"; then
    echo "FAIL: a run over an existing interface $decoy_if succeeded"; fail=1
fi
grep -q "interface $decoy_if exists in the root namespace and was not created by this run" "$T/err" ||
    { echo "FAIL: no clear refusal for interface $decoy_if:"; cat "$T/err"; fail=1; }
ip link show dev "$decoy_if" >/dev/null 2>&1 || { echo "FAIL: the failed run deleted interface $decoy_if"; fail=1; }
same_as_before "existing root-namespace interface"
ip link del "$decoy_if" 2>/dev/null; decoy_if=""
echo "ok: an existing root-namespace interface is refused and kept"

# 3. chain k-y with NF z runs; chain k with NF y-z starts, runs and stops next to it
snapshot "$T/before"
chain long "k$$-y" '[ { "name": "z", "type": "counter" } ]'
chain short "k$$" '[ { "name": "y-z", "type": "counter" } ]' "$traffic"
long_ns=$(plan_all_ns "$T/long.json")
short_ns=$(plan_all_ns "$T/short.json")
for n in $long_ns; do
    if printf '%s\n' $short_ns | grep -qx "$n"; then echo "FAIL: both chains plan namespace $n"; fail=1; fi
done
"$SCC" run "$T/long.json" --no-traffic --duration 6 >"$T/long.out" 2>"$T/long.err" &
bg=$!
for i in $(seq 100); do [ -e "/dev/shm/scc-nf-k$$-y.z" ] && break; sleep 0.1; done
[ -e "/dev/shm/scc-nf-k$$-y.z" ] || { echo "FAIL: chain k$$-y did not come up"; cat "$T/long.err"; fail=1; }
if ! "$SCC" run "$T/short.json" >"$T/out" 2>"$T/err"; then
    echo "FAIL: chain k$$ (NF y-z) failed next to chain k$$-y (NF z)"; cat "$T/err"; fail=1
fi
kill -0 "$bg" 2>/dev/null || { echo "FAIL: chain k$$-y stopped while k$$ ran"; fail=1; }
for n in $long_ns; do
    [ -e "/run/netns/$n" ] || { echo "FAIL: chain k$$'s run removed chain k$$-y's namespace $n"; fail=1; }
done
wait "$bg"; rc=$?; bg=""
[ $rc -eq 0 ] || { echo "FAIL: chain k$$-y exit $rc"; cat "$T/long.err"; fail=1; }
same_as_before "two chains whose names used to collide"
echo "ok: chains k$$-y/z and k$$/y-z run side by side"

# 4. two loopback UDP chains on the same io.udp_port: the second is refused, the first runs on
snapshot "$T/before"
udp() { # file name
    cat >"$T/$1.json" <<JSON
{ "name": "$2", "interconnect": "udp", "io": { "transport": "udp", "udp_port": 47100 },
  "nfs": [ { "name": "a", "type": "counter", "env": "native" } ] }
JSON
}
udp u1 "u$$a"
udp u2 "u$$b"
"$SCC" run "$T/u1.json" --no-traffic --duration 4 >"$T/u1.out" 2>"$T/u1.err" &
bg=$!
for i in $(seq 100); do [ -e "/dev/shm/scc-nf-u$$a.a" ] && break; sleep 0.1; done
if "$SCC" run "$T/u2.json" --no-traffic --duration 1 >"$T/out" 2>"$T/err"; then
    echo "FAIL: a second chain on the same UDP ports started"; fail=1
fi
grep -q "UDP port 47101 is in use" "$T/err" || { echo "FAIL: no clear refusal for the UDP port:"; cat "$T/err"; fail=1; }
kill -0 "$bg" 2>/dev/null || { echo "FAIL: the first UDP chain stopped"; fail=1; }
wait "$bg"; rc=$?; bg=""
[ $rc -eq 0 ] || { echo "FAIL: first UDP chain exit $rc"; cat "$T/u1.err"; fail=1; }
same_as_before "two UDP chains on one port"
echo "ok: a UDP port in use is refused"

exit $fail

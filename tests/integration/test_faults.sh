#!/usr/bin/env bash
# Faults (issue 16 item 3), each checked to leave the machine as it was
# found (tests/integration/residue_lib.sh):
#  - the generator, then the sink, killed with -9 mid-run: the run says which
#    tool died and how, exits 1, leaves nothing;
#  - the results file's directory full (a 64 KiB tmpfs we mount and unmount)
#    or read-only: the run fails naming the file and the cause, and the
#    results file is either the old one, intact, or absent — never a
#    truncated file that looks complete (written to a temporary file, then
#    renamed);
#  - an NF that cannot start (a pipeline that does not parse, a core that is
#    not online): refused naming the NF and the cause, nothing created;
#  - two runs of one chain started at once: exactly one runs, the other
#    refuses naming the chain;
#  - a stale state file naming a live process of someone else's (its pid
#    recycled: the start time differs): `scc cleanup` removes the state and
#    leaves that process alone.
set -u
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
ip netns list >/dev/null 2>&1 || { echo "skip: no network namespace support"; exit 77; }

SCC="$SCC_BIN/scc"
T=$(mktemp -d /tmp/scc-faults-test.XXXXXX)
TOKEN="scft$$"
export SCC_STATE_DIR="$T/state"
mkdir -m 0700 "$SCC_STATE_DIR"
fail=0
lp="" lp2="" decoy="" mnt=""
cleanup() {
    for p in $lp $lp2; do kill -9 "$p" 2>/dev/null; done
    [ -n "$decoy" ] && kill "$decoy" 2>/dev/null
    "$SCC" -q cleanup >/dev/null 2>&1
    [ -n "$mnt" ] && umount "$mnt" 2>/dev/null
    for ns in $(ip -all netns list 2>/dev/null | cut -d' ' -f1 | grep -F -- "$TOKEN"); do
        ip netns del "$ns" 2>/dev/null
    done
    rm -rf "$T"
}
trap cleanup EXIT
. "$(dirname "$0")/residue_lib.sh"

# chain FILE NAME NFS-JSON: b2b, raw, one second of traffic
chain() {
    cat >"$T/$1.json" <<JSON
{ "name": "$2", "interconnect": "b2b", "io": { "transport": "raw", "batch": 16 },
  "nfs": $3,
  "traffic": { "rate_pps": 2000, "size": 128, "duration_s": 1, "warmup_s": 0.05 } }
JSON
}
chain c "${TOKEN}c" '[ { "name": "a", "type": "counter" } ]'
name="${TOKEN}c"

# 1. the generator, then the sink, killed with -9 mid-run
for tool in gen sink; do
    res_snapshot "$T/before"
    "$SCC" run "$T/c.json" --duration 20 >"$T/$tool.out" 2>&1 &
    lp=$!
    pid=""
    for i in $(seq 200); do
        pid=$(pgrep -f -- "scc -q $tool .*$name\.$tool\.json" | head -1)
        [ -n "$pid" ] && break
        sleep 0.05
    done
    sleep 0.3
    [ -n "$pid" ] && kill -9 "$pid"
    wait "$lp"; rc=$?; lp=""
    what=$([ $tool = gen ] && echo generator || echo sink)
    [ $rc -eq 1 ] || { echo "FAIL: $what killed: exit $rc, 1 expected"; cat "$T/$tool.out"; fail=1; }
    grep -q "the $what (pid $pid) was killed by signal 9" "$T/$tool.out" ||
        { echo "FAIL: $what killed: no clear report"; cat "$T/$tool.out"; fail=1; }
    res_same "$what killed with -9" "$T/before" && echo "ok: $what killed with -9 mid-run (exit $rc)"
done

# 2. the results file's directory full, then read-only
mnt="$T/mnt"
mkdir "$mnt"
mount -t tmpfs -o size=64k,mode=0755 "scc-test-$TOKEN" "$mnt"
echo '{ "old": "complete" }' >"$mnt/run.json"
# fill what is left
dd if=/dev/zero of="$mnt/fill" bs=4k >/dev/null 2>&1
res_snapshot "$T/before"
"$SCC" run "$T/c.json" --duration 0.3 --json "$mnt/run.json" >"$T/full.out" 2>&1; rc=$?
[ $rc -eq 1 ] || { echo "FAIL: full directory: exit $rc, 1 expected"; cat "$T/full.out"; fail=1; }
grep -q "cannot write $mnt/run.json: .*No space left on device" "$T/full.out" ||
    { echo "FAIL: full directory: no clear error"; cat "$T/full.out"; fail=1; }
[ "$(cat "$mnt/run.json")" = '{ "old": "complete" }' ] ||
    { echo "FAIL: full directory: the old results file changed:"; head -c 300 "$mnt/run.json"; echo; fail=1; }
[ -z "$(ls -A "$mnt" | grep -v -e '^run.json$' -e '^fill$')" ] ||
    { echo "FAIL: full directory: temporary files left:"; ls -A "$mnt"; fail=1; }
res_same "results directory full" "$T/before" && echo "ok: results directory full: old file intact, clear error"
# a new file in the full directory: absent afterwards, not a truncated one
"$SCC" run "$T/c.json" --duration 0.3 --json "$mnt/new.json" >"$T/full2.out" 2>&1; rc=$?
[ $rc -eq 1 ] && [ ! -e "$mnt/new.json" ] ||
    { echo "FAIL: full directory, new file: exit $rc, file:"; ls -l "$mnt"; fail=1; }
rm -f "$mnt/fill"
mount -o remount,ro "$mnt"
"$SCC" run "$T/c.json" --duration 0.3 --json "$mnt/run.json" >"$T/ro.out" 2>&1; rc=$?
[ $rc -eq 1 ] || { echo "FAIL: read-only directory: exit $rc, 1 expected"; cat "$T/ro.out"; fail=1; }
grep -q "cannot write $mnt/run.json: .*Read-only file system" "$T/ro.out" ||
    { echo "FAIL: read-only directory: no clear error"; cat "$T/ro.out"; fail=1; }
[ "$(cat "$mnt/run.json")" = '{ "old": "complete" }' ] || { echo "FAIL: read-only: file changed"; fail=1; }
res_same "results directory read-only" "$T/before" && echo "ok: results directory read-only: clear error"
umount "$mnt"; mnt=""
# and a writable one gets the whole file (the rename path works)
"$SCC" run "$T/c.json" --duration 0.3 --json "$T/ok.json" >"$T/okw.out" 2>&1 &&
    python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$T/ok.json" ||
    { echo "FAIL: writable directory: no complete results"; cat "$T/okw.out"; fail=1; }

# 3. an NF that cannot start: refused naming the NF and the cause
res_snapshot "$T/before"
chain badp "${TOKEN}p" '[ { "name": "a", "type": "counter" }, { "name": "b", "pipeline": "FromIO -> NoSuchElement -> ToIO" } ]'
"$SCC" run "$T/badp.json" >"$T/badp.out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q 'nfs\[1\]\.pipeline.*NoSuchElement' "$T/badp.out" ||
    { echo "FAIL: bad pipeline: exit $rc:"; cat "$T/badp.out"; fail=1; }
off=$(( $(getconf _NPROCESSORS_CONF) + 7 ))
chain badc "${TOKEN}q" "[ { \"name\": \"a\", \"type\": \"counter\", \"cpu\": \"$off\" } ]"
"$SCC" run "$T/badc.json" >"$T/badc.out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "nfs\[0\]\.cpu.*$off.*online" "$T/badc.out" ||
    { echo "FAIL: offline core: exit $rc:"; cat "$T/badc.out"; fail=1; }
# an interface that is not there (the launcher creates every interface a
# spec names, so this is scc-nf itself, as an operator starts it by hand)
"$SCC_BIN/scc-nf" --name "${TOKEN}i" --pipeline 'FromIO -> ToIO' --in "raw:${TOKEN}x0" \
    --out "raw:${TOKEN}x1" >"$T/badi.out" 2>&1; rc=$?
[ $rc -ne 0 ] && grep -q "input endpoint raw:${TOKEN}x0: .*No such device" "$T/badi.out" ||
    { echo "FAIL: missing interface: exit $rc:"; cat "$T/badi.out"; fail=1; }
res_same "NFs that cannot start" "$T/before" && echo "ok: an NF that cannot start is refused, naming it and the cause"

# 4. two runs of one chain started at once: one runs, the other refuses
res_snapshot "$T/before"
"$SCC" run "$T/c.json" --no-traffic --duration 2 >"$T/r1.out" 2>&1 &
lp=$!
"$SCC" run "$T/c.json" --no-traffic --duration 2 >"$T/r2.out" 2>&1 &
lp2=$!
wait "$lp"; rc1=$?; lp=""
wait "$lp2"; rc2=$?; lp2=""
if [ $((rc1 + rc2)) -ne 1 ] || ! [ $rc1 -eq 0 -o $rc2 -eq 0 ]; then
    echo "FAIL: two runs at once: exits $rc1 and $rc2 (one 0, one 1 expected)"; cat "$T/r1.out" "$T/r2.out"; fail=1
fi
loser=$([ $rc1 -eq 0 ] && echo r2 || echo r1)
# (a run still starting was once called stale, with advice to run
# `scc cleanup`: the refusal must say it runs or is starting)
if ! grep -Eq "chain '$name' is (already running|starting)" "$T/$loser.out"; then
    echo "FAIL: two runs at once: the refusal does not say why:"; cat "$T/$loser.out"; fail=1
fi
res_same "two runs of one chain at once" "$T/before" && echo "ok: two runs of one chain at once: one runs, the other refuses"

# 5. a stale state naming a live process whose pid was recycled
res_snapshot "$T/before"
sleep 600 &
decoy=$!
real=$(awk '{ print $22 }' "/proc/$decoy/stat")
sh -c 'exit 0' & dead=$!; wait $dead   # a launcher pid that is gone
cat >"$SCC_STATE_DIR/${TOKEN}s.state" <<EOF
launcher $dead 1
journal 2
pid $decoy $((real + 12345)) a
EOF
chmod 0600 "$SCC_STATE_DIR/${TOKEN}s.state"
"$SCC" cleanup "${TOKEN}s" >"$T/stale.out" 2>&1; rc=$?
kill -0 "$decoy" 2>/dev/null || { echo "FAIL: cleanup of a stale state killed an unrelated process (pid $decoy)"; cat "$T/stale.out"; fail=1; }
[ ! -e "$SCC_STATE_DIR/${TOKEN}s.state" ] || { echo "FAIL: stale state not removed (exit $rc)"; cat "$T/stale.out"; fail=1; }
kill "$decoy"; wait "$decoy" 2>/dev/null; decoy=""
res_same "stale state with a recycled pid" "$T/before" && echo "ok: a recycled pid in a stale state is left alone"

echo "($SECONDS s)"
exit $fail

#!/usr/bin/env bash
# The residue matrix (issue 16): for each interconnect (b2b, bridge, udp)
# and each way a run can end — normally; Ctrl-C (SIGINT); one NF killed
# with -9; the launcher killed with -9 while the chain runs, then
# `scc cleanup`; the launcher killed with -9 at every single step of its
# set-up, then `scc cleanup` — the machine is left exactly as it was found:
# no namespace, root-namespace link, state file, log, stats page, process,
# cgroup or changed sysctl (every chain sets scheduler.rr_timeslice_ms, so
# the sysctl restore is exercised each time).
#
# The set-up kills are deterministic: SCC_TEST_STOP_AFTER_STEP=N makes the
# launcher SIGKILL itself at its N-th set-up step (after an intent is
# journaled, after the creating command ran but before it was confirmed,
# after the chain-wide scheduling, after each NF started; ln_test_step in
# launcher/ln_topo.c). N counts up from 1 until a run no longer dies, so
# every step of every interconnect is covered, whatever the plan's size.
set -u
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
ip netns list >/dev/null 2>&1 || { echo "skip: no network namespace support"; exit 77; }

SCC="$SCC_BIN/scc"
T=$(mktemp -d /tmp/scc-residue-test.XXXXXX)
TOKEN="scrz$$"
export SCC_STATE_DIR="$T/state"
fail=0
lp=""
decoy=""
cleanup() {
    [ -n "$lp" ] && kill -9 "$lp" 2>/dev/null
    [ -n "$decoy" ] && kill "$decoy" 2>/dev/null
    "$SCC" -q cleanup >/dev/null 2>&1
    # what a failed case may have left: ours only (named after TOKEN)
    for ns in $(ip -all netns list 2>/dev/null | cut -d' ' -f1 | grep -F -- "$TOKEN"); do
        ip netns del "$ns" 2>/dev/null
    done
    rm -rf "$T"
}
trap cleanup EXIT
. "$(dirname "$0")/residue_lib.sh"

# chain FILE NAME INTERCONNECT TRANSPORT NFS-JSON [SCHEDULER-KEYS]
chain() {
    cat >"$T/$1.json" <<JSON
{ "name": "$2", "interconnect": "$3", "io": { "transport": "$4", "batch": 16, "udp_port": 47400 },
  "scheduler": { "rr_timeslice_ms": $RR ${6:-} },
  "nfs": $5,
  "traffic": { "rate_pps": 2000, "size": 128, "duration_s": 0.5, "warmup_s": 0.05 } }
JSON
}
# a value the sysctl does not have now, so a missed restore shows
RR=$(( $(cat /proc/sys/kernel/sched_rr_timeslice_ms) == 37 ? 41 : 37 ))
a='{ "name": "a", "type": "counter" }'
# b2b: one NF in a namespace, one native (root-namespace veth ends)
chain b2b "${TOKEN}b" b2b raw "[ $a, { \"name\": \"b\", \"type\": \"counter\", \"env\": \"native\" } ]"
# bridge: with two cores, the NF on core 1 reserved for it (a cgroup cpuset
# made and removed, a decoy process of ours moved off core 1 and back)
if [ "$(nproc)" -ge 2 ]; then
    sleep 600 &
    decoy=$!
    RES_PIDS=$decoy
    chain bridge "${TOKEN}r" bridge raw '[ { "name": "a", "type": "counter", "cpu": "1" } ]' \
        ", \"reserve_cores\": \"1\", \"reserve_scope\": \"pids\", \"reserve_pids\": [$decoy]"
else
    chain bridge "${TOKEN}r" bridge raw "[ $a ]"
fi
chain udp "${TOKEN}u" udp udp "[ $a ]"   # netns: VXLAN over a bridge

# start CASE FILE ARGS...: the launcher in the background, pid in $lp
start() {
    local c=$1 f=$2; shift 2
    "$SCC" run "$T/$f.json" "$@" >"$T/$c.out" 2>&1 &
    lp=$!
}
finish() { # -> rc of the launcher
    wait "$lp"; local rc=$?
    lp=""
    return $rc
}

# A launcher killed after `ip netns add` succeeded but before the
# journal's confirmation left the namespace behind once (cleanup could not
# prove it ours). The intent now records the clock, and a namespace no
# older than its intent is undone: every set-up kill must leave nothing.

for ic in b2b bridge udp; do
    name=$(sed -n 's/.*"name": "\([^"]*\)", "interconnect".*/\1/p' "$T/$ic.json")

    # 1. normal end, with traffic
    res_snapshot "$T/before"
    "$SCC" run "$T/$ic.json" --json "$T/run.json" >"$T/normal.out" 2>&1; rc=$?
    [ $rc -eq 0 ] || { echo "FAIL: $ic normal end: exit $rc"; cat "$T/normal.out"; fail=1; }
    grep -q "unaccounted 0" "$T/normal.out" || { echo "FAIL: $ic normal end: frames unaccounted"; cat "$T/normal.out"; fail=1; }
    res_same "$ic, normal end" "$T/before" && echo "ok: $ic normal end"

    # 2. SIGINT while traffic runs (docs/launcher.md: exit 130)
    res_snapshot "$T/before"
    start sigint "$ic" --duration 20
    res_wait_ready "$name" a || { echo "FAIL: $ic: chain not up"; cat "$T/sigint.out"; fail=1; }
    sleep 0.3
    kill -INT "$lp"
    finish; rc=$?
    [ $rc -eq 130 ] || { echo "FAIL: $ic SIGINT: exit $rc, 130 expected"; cat "$T/sigint.out"; fail=1; }
    res_same "$ic, SIGINT" "$T/before" && echo "ok: $ic SIGINT (exit $rc)"

    # 3. one NF killed with -9
    res_snapshot "$T/before"
    start nfkill "$ic" --no-traffic --duration 20
    res_wait_ready "$name" a || { echo "FAIL: $ic: chain not up"; cat "$T/nfkill.out"; fail=1; }
    pid=$(res_nf_pid "$name" a)
    [ -n "$pid" ] && kill -9 "$pid"
    finish; rc=$?
    [ $rc -eq 1 ] || { echo "FAIL: $ic NF killed: exit $rc, 1 expected"; cat "$T/nfkill.out"; fail=1; }
    grep -q "NF a (pid $pid) was killed by signal 9" "$T/nfkill.out" ||
        { echo "FAIL: $ic NF killed: not reported"; cat "$T/nfkill.out"; fail=1; }
    res_same "$ic, NF killed with -9" "$T/before" && echo "ok: $ic NF killed with -9 (exit $rc)"

    # 4. the launcher killed with -9 while the chain runs, then scc cleanup
    res_snapshot "$T/before"
    start lkill "$ic" --no-traffic --duration 20
    res_wait_ready "$name" a || { echo "FAIL: $ic: chain not up"; cat "$T/lkill.out"; fail=1; }
    { kill -9 "$lp"; finish; } 2>/dev/null
    res_snapshot "$T/crashed"
    cmp -s "$T/before" "$T/crashed" && { echo "FAIL: $ic: a killed launcher left nothing (the check cannot see residue?)"; fail=1; }
    "$SCC" cleanup "$name" >"$T/cleanup.out" 2>&1 || { echo "FAIL: $ic cleanup: exit $?"; cat "$T/cleanup.out"; fail=1; }
    res_same "$ic, launcher killed with -9 + scc cleanup" "$T/before" &&
        echo "ok: $ic launcher killed with -9 + scc cleanup"

    # 5. the launcher killed with -9 at each set-up step, then scc cleanup
    res_snapshot "$T/before"
    step=0 bad=0
    while :; do
        step=$((step + 1))
        { SCC_TEST_STOP_AFTER_STEP=$step "$SCC" run "$T/$ic.json" --no-traffic --duration 0.01 \
            >"$T/early.out" 2>&1; } 2>/dev/null; rc=$?
        [ $rc -eq 137 ] || break
        "$SCC" cleanup "$name" >"$T/cleanup.out" 2>&1 ||
            { echo "FAIL: $ic killed at set-up step $step: cleanup exit $?"; cat "$T/cleanup.out"; fail=1; }
        res_snapshot "$T/res.after"
        cmp -s "$T/before" "$T/res.after" && continue
        res_same "$ic, launcher killed at set-up step $step + scc cleanup" "$T/before"
        sed 's/^/    /' "$T/cleanup.out"
        bad=$((bad + 1))
        # remove what was left, so the next step starts from a clean machine
        for ns in $(ip -all netns list 2>/dev/null | cut -d' ' -f1 | grep -F -- "$name"); do
            ip netns del "$ns"
        done
        res_snapshot "$T/before"
        [ $step -lt 100 ] || { echo "FAIL: $ic: still dying after 100 steps"; fail=1; break; }
    done
    [ $rc -eq 0 ] || { echo "FAIL: $ic: the run after the last set-up step exited $rc"; cat "$T/early.out"; fail=1; }
    [ $step -gt 5 ] || { echo "FAIL: $ic: only $((step - 1)) set-up steps (the hook did not act?)"; fail=1; }
    res_same "$ic, after the set-up kills" "$T/before" &&
        [ $bad -eq 0 ] && echo "ok: $ic launcher killed at each of $((step - 1)) set-up steps + scc cleanup"
done
echo "($SECONDS s)"
exit $fail

#!/usr/bin/env bash
# scc run applies the chain's scheduling to real NFs, and the kernel agrees:
# each policy (other + nice, batch + custom slice, idle, rr with
# rr_timeslice_ms, fifo) read back with sched_getattr and /proc while the
# chain runs, and through `scc sched show`; uniprocessor puts every NF on its
# core; chain-order NFs get --yield; a restarted NF gets its policy again; a
# real-time policy refused by a v1 cpu cgroup without RT runtime stops the run
# with that reason. chain_order "token": every frame through, the hand-off
# counted, a ring across another core refused, and after kill -9 of a
# member (restart on-failure) frames flow through the ring again. After a normal exit, Ctrl-C, an NF restart and kill -9 of
# the launcher + `scc cleanup`, the sysctl is as before. Core reservation on
# decoys this test starts (scope pids and cgroup; scope all only with
# --dry-run): the decoys leave the reserved core during the run and come back
# with the same affinity and cpuset after Ctrl-C and after kill -9 + cleanup.
set -u
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
ip netns list >/dev/null 2>&1 || { echo "skip: no network namespace support"; exit 77; }
ncpu=$(nproc)
[ "$ncpu" -ge 2 ] || { echo "skip: needs 2 cores (NFs go on core 1)"; exit 77; }

SCC="$SCC_BIN/scc"
T=$(mktemp -d /tmp/scc-sched-test.XXXXXX)
export SCC_STATE_DIR="$T/state"
fail=0
decoys=()
RT_CG=""
CS_CG=""
cleanup() {
    for p in "${decoys[@]}"; do kill "$p" 2>/dev/null; done
    "$SCC" -q cleanup >/dev/null 2>&1
    [ -n "$RT_CG" ] && rmdir "$RT_CG" 2>/dev/null
    [ -n "$CS_CG" ] && rmdir "$CS_CG" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT

RR=/proc/sys/kernel/sched_rr_timeslice_ms
snapshot() {
    { ip -all netns list 2>/dev/null | sort; cat "$RR"; ls "$SCC_STATE_DIR" 2>/dev/null
      ls /sys/fs/cgroup/cpuset 2>/dev/null
      for p in "${decoys[@]}"; do echo "decoy $p $(cpus_of "$p") $(cat /proc/$p/cpuset 2>/dev/null)"; done
    } >"$1"
}
same_as_before() { # desc
    snapshot "$T/after"
    if ! diff -u "$T/before" "$T/after" >"$T/diff"; then
        echo "FAIL: $1: the machine is not as it was:"; cat "$T/diff"; fail=1
    fi
}
nbad=0 nbad0=0
bad() { echo "FAIL: $*"; fail=1; nbad=$((nbad + 1)); }
passed() { # what: "ok" only when the section added no failure
    [ "$nbad" = "$nbad0" ] && echo "ok: $1"
    nbad0=$nbad
}

# sched_getattr(2) of a pid: "policy flags nice prio runtime" (x86_64 and aarch64)
getattr() {
    python3 - "$1" <<'PY'
import ctypes, os, sys
nr = {"x86_64": 315, "aarch64": 275}[os.uname().machine]
buf = ctypes.create_string_buffer(56)
libc = ctypes.CDLL(None, use_errno=True)
if libc.syscall(nr, int(sys.argv[1]), buf, 56, 0) < 0:
    sys.exit("sched_getattr: errno %d" % ctypes.get_errno())
import struct
size, pol, flags, nice, prio, runtime = struct.unpack_from("<IIQiIQ", buf.raw)
print(pol, flags, nice, prio, runtime)
PY
}
has_core() { # LIST CORE: is CORE in the cpu list LIST ("0-3,5")?
    python3 -c "import sys
s=set()
for p in '$1'.split(','):
    a,_,b=p.partition('-'); s.update(range(int(a),int(b or a)+1))
sys.exit(0 if $2 in s else 1)"
}
slice_of() { awk '/^se.slice/ {print $3}' "/proc/$1/sched"; }
cpus_of() { awk '/^Cpus_allowed_list/ {print $2}' "/proc/$1/status"; }
show_json() { "$SCC" sched show --json 2>/dev/null; }
# the pid of NF $1 from `scc sched show --json`
nf_pid() {
    show_json | python3 -c "import json,sys
d=json.load(sys.stdin)
print(next(n['pid'] for n in d['nfs'] if n['name']=='$1'))" 2>/dev/null
}

# start a chain in runtime mode for $2 s in the background; wait until both
# NFs are up (scc sched show lists them)
LPID=""
start_chain() { # file seconds
    "$SCC" run "$1" --no-traffic --duration "$2" --json "$T/run.json" >"$T/out" 2>"$T/err" &
    LPID=$!
    for _ in $(seq 100); do
        n=$(show_json | python3 -c "import json,sys; print(len([x for x in json.load(sys.stdin)['nfs'] if x.get('policy')]))" 2>/dev/null)
        [ "${n:-0}" -ge 2 ] && grep -q "scheduling (read back" "$T/out" && return 0
        kill -0 "$LPID" 2>/dev/null || break
        sleep 0.1
    done
    bad "$1: the chain did not come up"; cat "$T/err" "$T/out"; return 1
}

# Ctrl-C the launcher started by start_chain (the chains run for 30 s so
# that the checks never race their end); it reports and exits 0 or 130
stop_chain() {
    kill -INT "$LPID"
    wait "$LPID"
    local rc=$?
    [ "$rc" = 130 ] || [ "$rc" = 0 ] || bad "$DESC: exit status $rc after Ctrl-C: $(cat "$T/err")"
}

chain() { # name scheduler-json nfs-json
    cat >"$T/$1.json" <<JSON
{ "name": "$1", "io": { "batch": 8 }, "scheduler": $2, "nfs": $3 }
JSON
}

# expect NF $1: policy number $2, nice $3, prio $4 (sched_getattr), reset-on-fork set
expect_attr() {
    local pid a
    pid=$(nf_pid "$1")
    [ -n "$pid" ] || { bad "$DESC: no pid for NF $1"; return; }
    read -r pol flags nice prio runtime < <(getattr "$pid")
    [ "$pol" = "$2" ] || bad "$DESC: NF $1 policy $pol, want $2"
    [ "$nice" = "$3" ] || bad "$DESC: NF $1 nice $nice, want $3"
    [ "$prio" = "$4" ] || bad "$DESC: NF $1 rt priority $prio, want $4"
    [ $((flags & 1)) = 1 ] || bad "$DESC: NF $1 has no SCHED_FLAG_RESET_ON_FORK ($flags)"
    LAST_RUNTIME=$runtime
}

# ---- other + nice, batch + custom slice ----------------------------------
DESC="other+nice, batch+slice"
chain s1 '{ "policy": "other", "nice": 5 }' \
    '[ { "name": "a", "type": "counter", "cpu": 1 },
       { "name": "b", "type": "counter", "cpu": 1, "sched": { "policy": "batch", "slice_ms": 10 } } ]'
snapshot "$T/before"
if start_chain "$T/s1.json" 30; then
    expect_attr a 0 5 0
    expect_attr b 3 0 0
    b=$(nf_pid b)
    [ "$LAST_RUNTIME" = 10000000 ] || bad "$DESC: sched_getattr runtime $LAST_RUNTIME, want 10000000"
    [ "$(slice_of "$b")" = 10000000 ] || bad "$DESC: /proc/$b/sched se.slice $(slice_of "$b")"
    show_json | python3 -c "import json,sys
d={n['name']:n for n in json.load(sys.stdin)['nfs']}
assert d['a']['policy']=='other' and d['a']['nice']==5, d['a']
assert d['b']['policy']=='batch' and d['b']['slice_ns']==10000000 and d['b']['slice'].startswith('custom'), d['b']
assert d['a']['cpus']=='1' and d['b']['cpus']=='1'" || bad "$DESC: scc sched show"
    stop_chain
    python3 -c "import json
s=json.load(open('$T/run.json'))['scheduler']
d={n['name']:n for n in s['nfs']}
assert d['b']['slice']=='custom (sched_runtime)' and d['a']['nice']==5 and d['a']['reset_on_fork'], s" ||
        bad "$DESC: results JSON scheduler section"
    grep -q "custom (sched_runtime)" "$T/out" || bad "$DESC: the table shows no custom slice"
fi
same_as_before "$DESC"
passed "$DESC"

# ---- rr with rr_timeslice_ms, fifo; Ctrl-C restores the sysctl -----------
DESC="rr+rr_timeslice_ms, fifo, Ctrl-C"
old_rr=$(cat "$RR")
new_rr=$((old_rr == 25 ? 30 : 25))
chain s2 "{ \"policy\": \"rr\", \"rt_priority\": 5, \"rr_timeslice_ms\": $new_rr }" \
    '[ { "name": "a", "type": "counter", "cpu": 1 },
       { "name": "b", "type": "counter", "cpu": 1, "sched": { "policy": "fifo", "rt_priority": 4 } } ]'
snapshot "$T/before"
if start_chain "$T/s2.json" 30; then
    [ "$(cat "$RR")" = "$new_rr" ] || bad "$DESC: $RR is $(cat "$RR") during the run, want $new_rr"
    expect_attr a 2 0 5
    expect_attr b 1 0 4
    show_json | python3 -c "import json,sys
d=json.load(sys.stdin)
n={x['name']:x for x in d['nfs']}
# sched_rr_get_interval reports the slice in whole jiffies
assert n['a']['policy']=='rr' and n['a']['rt_priority']==5 and abs(n['a']['rr_timeslice_ns']-$new_rr*1000000)<=10000000, n['a']
assert n['b']['policy']=='fifo' and n['b']['rt_priority']==4, n['b']
assert any(s['path'].endswith('sched_rr_timeslice_ms') and s['now']=='$new_rr' and s['before']=='$old_rr' for s in d['sysctls']), d['sysctls']" ||
        bad "$DESC: scc sched show"
    stop_chain
fi
same_as_before "$DESC"
passed "$DESC"

# ---- kill -9 of the launcher + scc cleanup restores the sysctl -----------
DESC="kill -9 + scc cleanup"
snapshot "$T/before"
if start_chain "$T/s2.json" 30; then
    kill -9 "$LPID"
    wait "$LPID" 2>/dev/null
    [ "$(cat "$RR")" = "$new_rr" ] || bad "$DESC: the sysctl was restored without cleanup?"
    "$SCC" -q cleanup >/dev/null 2>&1 || bad "$DESC: scc cleanup failed"
fi
same_as_before "$DESC"
passed "$DESC"

# ---- idle + uniprocessor on core 1 ------------------------------------------
DESC="idle, uniprocessor"
chain s3 '{ "policy": "idle", "mode": "uniprocessor", "uniprocessor_cpu": 1 }' \
    '[ { "name": "a", "type": "counter" }, { "name": "b", "type": "counter" } ]'
"$SCC" run "$T/s3.json" --dry-run >"$T/dry" 2>&1 || bad "$DESC: --dry-run failed"
[ "$(awk '$2 == "a" || $2 == "b" {print $4}' "$T/dry" | sort -u)" = 1 ] ||
    { bad "$DESC: --dry-run's plan does not put every NF on core 1"; cat "$T/dry"; }
cat >"$T/s3t.json" <<JSON
{ "name": "s3t", "scheduler": { "mode": "uniprocessor", "uniprocessor_cpu": 1, "uniprocessor_traffic": true },
  "nfs": [ { "name": "a", "type": "counter" } ], "traffic": { "duration_s": 1 } }
JSON
"$SCC" run "$T/s3t.json" --dry-run 2>&1 | grep -q "^placement: gen cpu 1 .*a cpu 1, sink cpu 1" ||
    bad "$DESC: uniprocessor_traffic does not put the generator and sink on core 1"
snapshot "$T/before"
if start_chain "$T/s3.json" 30; then
    expect_attr a 5 0 0
    expect_attr b 5 0 0
    for n in a b; do
        [ "$(cpus_of "$(nf_pid $n)")" = 1 ] || bad "$DESC: NF $n Cpus_allowed_list $(cpus_of "$(nf_pid $n)"), want 1"
    done
    stop_chain
fi
same_as_before "$DESC"
passed "$DESC"

# ---- chain-order: --yield where NFs share a core; a restart gets its policy again
DESC="chain-order, NF restart"
chain s4 '{ "policy": "fifo", "rt_priority": 2, "mode": "chain-order", "rr_timeslice_ms": 20 }' \
    '[ { "name": "a", "type": "counter", "cpu": 1, "restart": "on-failure" },
       { "name": "b", "type": "counter", "cpu": 1 } ]'
chain s5 '{ "mode": "chain-order" }' \
    '[ { "name": "a", "type": "counter", "cpu": 0 }, { "name": "b", "type": "counter", "cpu": 1 } ]'
"$SCC" run "$T/s5.json" --dry-run 2>&1 | grep -q -- "--yield" && bad "$DESC: --yield for NFs on their own cores"
snapshot "$T/before"
if start_chain "$T/s4.json" 30; then
    for n in a b; do
        tr '\0' ' ' <"/proc/$(nf_pid $n)/cmdline" | grep -q -- "--yield" || bad "$DESC: NF $n has no --yield"
    done
    old=$(nf_pid a)
    kill -9 "$old"
    new=""
    for _ in $(seq 50); do
        new=$(nf_pid a)
        [ -n "$new" ] && [ "$new" != "$old" ] && break
        sleep 0.1
    done
    if [ -n "$new" ] && [ "$new" != "$old" ]; then
        expect_attr a 1 0 2
        tr '\0' ' ' <"/proc/$new/cmdline" | grep -q -- "--yield" || bad "$DESC: restarted NF has no --yield"
    else
        bad "$DESC: NF a was not restarted"
    fi
    stop_chain
fi
same_as_before "$DESC"
passed "$DESC"

# ---- chain-order token: a futex token ring on core 1 -----------------------
# All frames through at a modest rate, the hand-off counted; validation
# refuses a ring that is not consecutive; kill -9 of the middle NF (restart
# on-failure) while frames flow: the ring recovers and frames reach the last
# NF again; no ring segment is left behind.
DESC="chain-order token"
token_chain() { # name traffic-json restart-of-m
    cat >"$T/$1.json" <<JSON
{ "name": "$1", "io": { "batch": 32 },
  "scheduler": { "mode": "chain-order", "chain_order": "token" },
  "nfs": [ { "name": "f", "type": "router", "config": { "routes": [ { "prefix": "0.0.0.0/0" } ] }, "cpu": 1 },
           { "name": "m", "type": "router", "config": { "routes": [ { "prefix": "0.0.0.0/0" } ] }, "cpu": 1,
             "restart": "$3" },
           { "name": "l", "type": "router", "config": { "routes": [ { "prefix": "0.0.0.0/0" } ] }, "cpu": 1 } ],
  "traffic": $2 }
JSON
}
token_chain t1 '{ "rate_pps": 4000, "duration_s": 1, "warmup_s": 0.2, "gen_cpu": 0, "sink_cpu": 0 }' "no"
"$SCC" run "$T/t1.json" --dry-run 2>&1 | grep -q -- "--ring 1/3:" || bad "$DESC: no --ring 1/3 in the dry run"
cat >"$T/t3.json" <<JSON
{ "name": "t3", "scheduler": { "mode": "chain-order", "chain_order": "token" },
  "nfs": [ { "name": "a", "type": "counter", "cpu": 1 }, { "name": "b", "type": "counter", "cpu": 0 },
           { "name": "c", "type": "counter", "cpu": 1 } ] }
JSON
"$SCC" validate "$T/t3.json" >/dev/null 2>"$T/verr" && bad "$DESC: a ring split by another core validated"
grep -q "nfs\[2\].cpu.*consecutive" "$T/verr" || bad "$DESC: no 'consecutive' error: $(cat "$T/verr")"
snapshot "$T/before"
if "$SCC" run "$T/t1.json" --json "$T/t1.out.json" >"$T/out" 2>"$T/err"; then
    python3 - "$T/t1.out.json" <<'PY' || bad "$DESC: $(cat "$T/t1.out.json.verdict")"
import json, sys
j = json.load(open(sys.argv[1]))
a = j["accounting"]
msg = []
if not a["sent"] or a["dropped"] != 0 or a["received"] != a["sent"]:
    msg.append("sent %s, received %s, dropped %s" % (a["sent"], a["received"], a["dropped"]))
for n in j["nfs"]:
    if not n.get("ring_syscalls"):
        msg.append("NF %s: ring_syscalls %s" % (n["name"], n.get("ring_syscalls")))
open(sys.argv[1] + ".verdict", "w").write("; ".join(msg))
sys.exit(1 if msg else 0)
PY
else
    bad "$DESC: scc run failed: $(tail -5 "$T/err")"
fi
same_as_before "$DESC: after the run"
DESC="chain-order token, kill -9 of the middle NF"
token_chain t2 '{ "rate_pps": 2000, "duration_s": 3.5, "warmup_s": 0.2, "gen_cpu": 0, "sink_cpu": 0 }' "on-failure"
"$SCC" run "$T/t2.json" --json "$T/t2.out.json" >"$T/out" 2>"$T/err" &
LPID=$!
nf_rx() { # NF pid -> its stats page's rx_pkts
    local nm
    nm=$(tr '\0' '\n' <"/proc/$1/cmdline" 2>/dev/null | grep -A1 -x -- --name | tail -1)
    "$SCC" stats --json "$nm" 2>/dev/null | grep -o '"rx_pkts": [0-9]*' | head -1 | awk '{print $NF}'
}
old=""
for _ in $(seq 50); do old=$(nf_pid m); [ -n "$old" ] && [ -n "$(nf_pid l)" ] && break; sleep 0.1; done
sleep 1
if [ -n "$old" ]; then
    kill -9 "$old"
    new=""
    for _ in $(seq 50); do
        new=$(nf_pid m)
        [ -n "$new" ] && [ "$new" != "$old" ] && break
        sleep 0.1
    done
    if [ -n "$new" ] && [ "$new" != "$old" ]; then
        sleep 0.3
        lp=$(nf_pid l); m1=$(nf_rx "$new"); l1=$(nf_rx "$lp")
        sleep 0.5
        m2=$(nf_rx "$new"); l2=$(nf_rx "$lp")
        [ "${m2:-0}" -gt "${m1:-0}" ] || bad "$DESC: the restarted NF gets no frames ($m1 -> $m2)"
        [ "${l2:-0}" -gt "${l1:-0}" ] || bad "$DESC: no frames reach the last NF after the restart ($l1 -> $l2)"
        tr '\0' ' ' <"/proc/$new/cmdline" | grep -q -- "--ring 1/3:" || bad "$DESC: restarted NF has no --ring"
    else
        bad "$DESC: NF m was not restarted"
    fi
else
    bad "$DESC: the chain did not come up: $(tail -5 "$T/err")"
fi
wait "$LPID"
same_as_before "$DESC"
passed "$DESC"

# ---- a v1 cpu cgroup without RT runtime: refused with that reason ---------
DESC="fifo in a cpu cgroup without RT runtime"
if [ -f /sys/fs/cgroup/cpu/cpu.rt_runtime_us ]; then
    RT_CG=/sys/fs/cgroup/cpu/scc-sched-test.$$
    mkdir "$RT_CG"
    if [ "$(cat "$RT_CG/cpu.rt_runtime_us")" = 0 ]; then
        snapshot "$T/before"
        sh -c "echo \$\$ > $RT_CG/tasks; exec \"$SCC\" run $T/s2.json --no-traffic --duration 1" \
            >"$T/out" 2>"$T/err"
        rc=$?
        [ "$rc" = 1 ] || bad "$DESC: exit status $rc, want 1"
        grep -q "cpu.rt_runtime_us 0" "$T/err" || { bad "$DESC: the reason is not given"; cat "$T/err"; }
        same_as_before "$DESC"
        passed "$DESC"
    else
        echo "note: $DESC: a new cpu cgroup has RT runtime here; not checked"
    fi
    rmdir "$RT_CG" 2>/dev/null && RT_CG=""
else
    echo "note: $DESC: no v1 cpu controller with RT group scheduling; not checked"
fi

# ---- reserving the traffic tools' core is refused before anything starts ---
cat >"$T/rv.json" <<JSON
{ "name": "rv", "scheduler": { "reserve_cores": 0, "reserve_pids": [1] },
  "nfs": [ { "name": "a", "type": "counter", "cpu": 1 } ], "traffic": { "gen_cpu": 0, "duration_s": 1 } }
JSON
"$SCC" run "$T/rv.json" --dry-run >"$T/out" 2>&1
rc=$?
{ [ "$rc" = 2 ] && grep -q "scheduler.reserve_cores: 0 includes a core of the generator" "$T/out"; } ||
    bad "reserving the generator's core: rc $rc: $(cat "$T/out")"
passed "reserving the generator's core is refused"

# ---- scc sched show without a running chain -------------------------------
"$SCC" sched show >"$T/out" 2>"$T/err"
rc=$?
{ [ "$rc" = 1 ] && grep -q "no chain is running" "$T/err"; } || bad "sched show without a chain: rc $rc: $(cat "$T/err")"
passed "sched show without a chain"

# ---- core reservation (needs sched_reserve in the build) ------------------
chain r0 '{ "reserve_cores": 1, "reserve_scope": "all" }' '[ { "name": "a", "type": "counter", "cpu": 1 } ]'
"$SCC" run "$T/r0.json" --dry-run >"$T/dry" 2>&1
DESC="reserve scope all, --dry-run"
grep -q "would move" "$T/dry" || { bad "$DESC: no list of tasks it would move"; cat "$T/dry"; }
passed "$DESC"

decoy() { sleep 300 & decoys+=($!); }
decoy; decoy
d1=${decoys[0]}; d2=${decoys[1]}
was1=$(cpus_of "$d1"); was2=$(cpus_of "$d2")
DESC="reserve scope pids"
chain r1 "{ \"reserve_cores\": 1, \"reserve_pids\": [$d1, $d2] }" \
    '[ { "name": "a", "type": "counter", "cpu": 1 }, { "name": "b", "type": "counter", "cpu": 1 } ]'
snapshot "$T/before"
if start_chain "$T/r1.json" 30; then
    for d in "$d1" "$d2"; do
        c=$(cpus_of "$d")
        has_core "$c" 1 && bad "$DESC: decoy $d may run on reserved core 1 ($c)"
    done
    stop_chain
fi
[ "$(cpus_of "$d1")" = "$was1" ] && [ "$(cpus_of "$d2")" = "$was2" ] ||
    bad "$DESC: decoys not back: $(cpus_of "$d1") $(cpus_of "$d2"), were $was1 $was2"
same_as_before "$DESC"
passed "$DESC"

DESC="reserve scope pids, kill -9 of the launcher + scc cleanup"
snapshot "$T/before"
if start_chain "$T/r1.json" 30; then
    has_core "$(cpus_of "$d1")" 1 && bad "$DESC: decoy $d1 may run on reserved core 1"
    grep -q "^/scc-" "/proc/$d1/cpuset" || bad "$DESC: decoy $d1 is in cpuset $(cat /proc/$d1/cpuset)"
    kill -9 "$LPID"; wait "$LPID" 2>/dev/null
    has_core "$(cpus_of "$d1")" 1 && bad "$DESC: the decoy came back without cleanup?"
    "$SCC" -q cleanup >/dev/null 2>&1 || bad "$DESC: scc cleanup failed"
fi
same_as_before "$DESC"
passed "$DESC"

DESC="reserve scope cgroup"
if [ -d /sys/fs/cgroup/cpuset ] && [ -f /sys/fs/cgroup/cpuset/cpuset.cpus ]; then
    snapshot "$T/before" # the cgroup below is the test's own: it is gone again at the end
    CS_CG=/sys/fs/cgroup/cpuset/scc-sched-test.$$
    mkdir "$CS_CG"
    cat /sys/fs/cgroup/cpuset/cpuset.cpus >"$CS_CG/cpuset.cpus"
    cat /sys/fs/cgroup/cpuset/cpuset.mems >"$CS_CG/cpuset.mems"
    echo "$d1" >"$CS_CG/tasks"
    cg_was=$(cat "$CS_CG/cpuset.cpus")
    chain r2 "{ \"reserve_cores\": 1, \"reserve_scope\": \"cgroup\", \"reserve_cgroup\": \"/scc-sched-test.$$\" }" \
        '[ { "name": "a", "type": "counter", "cpu": 1 }, { "name": "b", "type": "counter", "cpu": 1 } ]'
    if start_chain "$T/r2.json" 30; then
        has_core "$(cat "$CS_CG/cpuset.cpus")" 1 &&
            bad "$DESC: the cgroup still has core 1: $(cat "$CS_CG/cpuset.cpus")"
        stop_chain
    fi
    [ "$(cat "$CS_CG/cpuset.cpus")" = "$cg_was" ] || bad "$DESC: cgroup cpuset.cpus $(cat "$CS_CG/cpuset.cpus"), was $cg_was"
    echo "$d1" >/sys/fs/cgroup/cpuset/tasks
    rmdir "$CS_CG" && CS_CG=""
    same_as_before "$DESC"
    passed "$DESC"
else
    echo "note: $DESC: no v1 cpuset hierarchy; not checked"
fi
exit $fail

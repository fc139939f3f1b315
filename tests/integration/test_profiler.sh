#!/usr/bin/env bash
# The profiler in the product (issue 13):
#  1. `scc run --profile` of a small chain: hardware terms unavailable with a
#     reason where the machine has no PMU (null, never 0); software,
#     tracepoint and schedstat figures real and plausible per packet; the run
#     file validates against docs/schema/scc-run.schema.json; no tracefs
#     mount is left behind. L_CS is costed with the policy each NF runs
#     under, read back (fw runs SCHED_BATCH); the NFs' own recvmmsg/sendmmsg
#     counts agree with the tracepoints; the NFs' phase timing stands next to
#     the model; Intel PCM is there or says why not. The tracepoints are
#     requested (profiler.events ["default", "syscalls"]); a second, short
#     run with the default events checks that they are left out and L_SC
#     comes from the NFs' own counts.
#     Interval mode (profiler.interval_ms 200): intervals on the absolute
#     grid, deltas that add up to the window, real per-packet figures; on a
#     fused group (1c) a member's line has its packets, the head the calls.
#  2. `scc profile -p` on a process the test starts by hand (an scc-nf in a
#     network namespace of the test, fed by scc gen, drained by scc sink):
#     its per-process context switches and recvmmsg/sendmmsg entries agree
#     within 2% with `perf stat -p` over the same window (the tracepoints are
#     in -p's default events: such a process has no stats page), and the
#     packet denominator comes from NETNS:lo.
set -u
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
ip netns list >/dev/null 2>&1 || { echo "skip: no network namespace support"; exit 77; }
command -v perf >/dev/null 2>&1 || { echo "skip: perf is not installed (apt-get install linux-perf)"; exit 77; }

SCC="$SCC_BIN/scc"
NF="$SCC_BIN/scc-nf"
SCHEMA="$SCC_SOURCE_DIR/docs/schema/scc-run.schema.json"
VALIDATE="$SCC_SOURCE_DIR/tests/integration/json_schema_subset.py"
T=$(mktemp -d /tmp/scc-prof-test.XXXXXX)
export SCC_STATE_DIR="$T/state"
NS="sccprof$$"
pids=()
fail=0
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
    ip netns del "$NS" 2>/dev/null
    "$SCC" -q cleanup >/dev/null 2>&1
    rm -rf "$T"
}
trap cleanup EXIT
last=$(( $(nproc) - 1 ))
mounts_before=$(grep -c tracefs /proc/self/mountinfo)

check() { # desc json python-assertions
    if ! python3 - "$2" <<PY; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi
import json, sys
r = json.load(open(sys.argv[1]))
p = r["profile"]
def ctr(nf, name):
    return {c["name"]: c for c in nf["counters"]}[name]
$3
PY
}

# ---- 1. a profiled run of a small chain --------------------------------
cat >"$T/chain.json" <<JSON
{ "name": "prof$$", "mode": "profile", "io": { "transport": "raw", "batch": 16, "idle": "block" },
  "nfs": [
    { "name": "fw", "type": "firewall", "cpu": $last, "sched": { "policy": "batch" },
      "config": { "rules": ["allow udp dst port 9000-9999", "deny all"] } },
    { "name": "l2", "type": "l2fwd", "cpu": $last } ],
  "profiler": { "interval_ms": 200, "events": ["default", "syscalls"] },
  "traffic": { "rate_pps": 5000, "size": 64, "duration_s": 2, "warmup_s": 0.3 } }
JSON
if ! "$SCC" run "$T/chain.json" --json "$T/run.json" >"$T/out" 2>"$T/err"; then
    echo "FAIL: scc run --profile"; cat "$T/err"; fail=1
else
    grep -q "Per-packet latency model" "$T/out" || { echo "FAIL: no profile table"; cat "$T/out"; fail=1; }
    grep -q "profiler overhead:" "$T/out" || { echo "FAIL: no overhead line"; fail=1; }
    check "hardware terms: available, or unavailable with a reason and null (never 0)" "$T/run.json" '
m = p["machine"]
for nf in p["nfs"] + [p["chain"]]:
    for k in ["L_D1", "L_D2", "L_D3", "L_DM", "L_T1", "L_T2", "L_TM"]:
        t = nf["terms"][k]
        if not t["available"]:
            assert t["reason"], (nf["name"], k, t)
            assert t["ns_per_packet"] is None and t["events"] is None, (nf["name"], k, t)
if not m["pmu_available"]:
    assert m["pmu_reason"], m
    for nf in p["nfs"]:
        for c in nf["counters"]:
            if c["source"] == "hardware":
                assert not c["available"] and c["reason"] and c["value"] is None, c
                assert "L_D1" in nf["lacking"], nf["lacking"]
'
    check "software, tracepoint and schedstat figures are real and plausible per packet" "$T/run.json" '
for nf in p["nfs"]:
    pk = nf["packets"]
    assert pk > 5000, (nf["name"], pk)
    cs, rx, tx = ctr(nf, "context-switches"), ctr(nf, "syscalls:sys_enter_recvmmsg"), ctr(nf, "syscalls:sys_enter_sendmmsg")
    for c in (cs, rx, tx, ctr(nf, "task-clock")):
        assert c["available"] and c["counted"] and c["value"] > 0, c
    # batch 16 at 5 kpps: at most a few calls per packet, at least one per batch
    assert pk / 16 <= rx["value"] <= 3 * pk, (nf["name"], rx["value"], pk)
    assert pk / 16 <= tx["value"] <= 2 * pk, (nf["name"], tx["value"], pk)
    f = nf["figures"]
    for k in ["run_ns_per_packet", "switches_per_packet", "syscalls_per_packet", "wait_over_run", "blocked_ns_per_packet"]:
        assert f[k]["available"], (nf["name"], k, f[k])
    assert 100 < f["run_ns_per_packet"]["value"] < 1e6, f["run_ns_per_packet"]
    assert 0 < f["switches_per_packet"]["value"] < 10, f["switches_per_packet"]
    assert 0 < f["syscalls_per_packet"]["value"] < 10, f["syscalls_per_packet"]
    # the same window as the schedstat run time of the sampler, which also holds
    # time task-clock does not see (docs/launcher.md "Which CPU time")
    run = f["run_ns_per_packet"]["value"] * pk
    assert 0.5 * run <= ctr(nf, "task-clock")["value"] <= 1.1 * run, (ctr(nf, "task-clock"), run)
assert p["sink"]["latency_ns"]["p50"] > 0, p["sink"]
# the NF timed its own phases (scc-nf --phase-timing in profile mode): the
# pipeline and send phases are clock time while the NF was running or
# runnable (a busy host preempts it mid-send), so they fit in its run time
# plus its run-queue wait
for n in r["nfs"]:
    ph = n["phases"]
    assert ph and ph["rx_includes_wait"], (n["name"], ph)
    cpu = n["sched"]["cpu_ns_per_packet"]
    wait = n["sched"]["wait_ns"] / max(1, n["rx"])
    assert 0 < ph["pipeline_ns_per_packet"] and 0 < ph["tx_ns_per_packet"], ph
    assert ph["pipeline_ns_per_packet"] + ph["tx_ns_per_packet"] <= 1.1 * (cpu + wait), (ph, cpu, wait)
assert p["overhead"]["counters"] > 0 and p["overhead"]["read_ns"] > 0, p["overhead"]
'
    check "interval mode: every 200 ms on an absolute grid, deltas that add up to the window, per packet" "$T/run.json" '
iv = p["intervals"]
assert p["spec"]["interval_ms"] == 200 and len(iv) >= 5, len(iv)
# contiguous: each interval starts where the previous one ended, and every
# full one ends on the 200 ms grid (absolute deadlines: lateness never
# accumulates; the last one ends at the window close)
# (the first starts once the baselines are read, just after the window opens)
assert 0 <= iv[0]["t_s"] - iv[0]["dt_s"] < 0.05, iv[0]
t = iv[0]["t_s"]
for x in iv[1:]:
    assert abs(x["t_s"] - x["dt_s"] - t) < 1e-6, (t, x["t_s"], x["dt_s"])
    t = x["t_s"]
for x in iv[:-1]:
    k = round(x["t_s"] / 0.2)
    assert k >= 1 and -0.001 < x["t_s"] - 0.2 * k < 0.09, x["t_s"]
ks = [round(x["t_s"] / 0.2) for x in iv[:-1]]
assert ks == sorted(set(ks)), ks
assert abs(t - p["window_s"]) < 0.05, (t, p["window_s"])
for i, nf in enumerate(p["nfs"]):
    rows = [x["nfs"][i] for x in iv]
    assert all(r["name"] == nf["name"] for r in rows)
    # the deltas add up to the window counts (same counters, read without stopping them)
    total = ctr(nf, "syscalls:sys_enter_recvmmsg")["value"]
    s = sum(r["counters"]["syscalls:sys_enter_recvmmsg"] or 0 for r in rows)
    assert abs(s - total) <= 0.01 * total + 2, (nf["name"], s, total)
    pk = sum(r["packets"] for r in rows)
    assert abs(pk - nf["packets"]) <= 0.05 * nf["packets"] + 20, (nf["name"], pk, nf["packets"])
    busy = [r for r in rows if r["packets"] and r["packets"] > 200]
    assert len(busy) >= 4, [r["packets"] for r in rows]
    for r in busy:
        for k in ("run_ns_per_packet", "wait_ns_per_packet", "switches_per_packet", "syscalls_per_packet", "cpus"):
            assert r[k] is not None and r[k] >= 0, (nf["name"], k, r)
        assert 100 < r["run_ns_per_packet"] < 1e6, r
        assert r["terms"]["L_SC"] is not None and r["total_ns_per_packet"] is not None, r
        if not p["machine"]["pmu_available"]:
            assert all(r["terms"][k] is None for k in ("L_D1", "L_D2", "L_D3", "L_DM")), r["terms"]
            assert "L_D1" in r["lacking"], r["lacking"]
'
    n_iv=$(grep -cE '^ +[0-9]+\.[0-9]{3}  fw ' "$T/out")
    [ "$n_iv" -ge 5 ] && grep -q "^# interval mode: every 200 ms" "$T/out" \
        || { echo "FAIL: no interval lines for fw ($n_iv)"; fail=1; }
    check "L_CS at the cost of the policy read back; the NFs' own syscall counts and phases; PCM said" "$T/run.json" '
fw, l2 = p["nfs"]
# fw runs SCHED_BATCH (its spec), l2 the default: each costed with its own row
assert fw["cs_policy"] == "batch" and fw["policy_seen"].startswith("batch nice 0 (read back"), fw["policy_seen"]
assert l2["cs_policy"] == "other" and "read back" in l2["policy_seen"], l2["policy_seen"]
assert p["chain"]["cs_policy"] is None
for nf in p["nfs"]:
    # the NF counts its own recvmmsg/sendmmsg: the tracepoints count the same
    # calls of the same process over the same window (edges sampled a moment apart)
    own = nf["nf_syscalls"]
    for k in ("recvmmsg", "sendmmsg"):
        tp = own["tracepoint_" + k]
        assert tp is not None and abs(own[k] - tp) <= 0.02 * tp + 8, (nf["name"], k, own)
    assert nf["figures"]["nf_syscalls_per_packet"]["available"], nf["figures"]
    # the measured breakdown next to the model: block idle, so the NF CPU is pipeline + send
    ph = nf["phases"]
    assert ph and ph["rx_includes_wait"], (nf["name"], ph)
    assert abs(ph["cpu_ns_per_packet"] - ph["pipeline_ns_per_packet"] - ph["tx_ns_per_packet"]) < 1e-6 * ph["cpu_ns_per_packet"] + 1e-9, ph
ch = p["chain"]["phases"]
assert ch and abs(ch["cpu_ns_per_packet"] - sum(n["phases"]["cpu_ns_per_packet"] for n in p["nfs"])) < 1e-3, ch
pcm = p["pcm"]
assert pcm["available"] or pcm["reason"], pcm
if not pcm["available"]:
    assert pcm["cores"] == [] and pcm["intervals"] is None, pcm
'
    for want in "measured by the NF (--phase-timing):" "receive includes waiting (block idle)" \
                "batch nice 0 (read back with sched_getattr)" "measured CPU per packet (the NFs' phase sums" "Intel PCM"; do
        grep -qF "$want" "$T/out" || { echo "FAIL: the table lacks \"$want\""; fail=1; }
    done
    if python3 "$VALIDATE" "$SCHEMA" "$T/run.json"; then echo "ok: the run file validates against its schema"
    else echo "FAIL: the run file does not validate"; fail=1; fi
fi
[ "$(grep -c tracefs /proc/self/mountinfo)" -eq "$mounts_before" ] || { echo "FAIL: a tracefs mount was left behind"; fail=1; }

# ---- 1b. the default events: no tracepoints on the NFs the launcher
# started (they cost a busy NF throughput); L_SC from the NFs' own counts
sed -e 's/"events": \["default", "syscalls"\]/"events": ["default"]/' \
    -e 's/"duration_s": 2/"duration_s": 1/' "$T/chain.json" >"$T/chain-default.json"
if ! "$SCC" run "$T/chain-default.json" --json "$T/run-default.json" >"$T/out-default" 2>"$T/err"; then
    echo "FAIL: scc run --profile (default events)"; cat "$T/err"; fail=1
else
    check "default events: no tracepoints on our NFs, L_SC from their own counts" "$T/run-default.json" '
for nf in p["nfs"]:
    assert not [c for c in nf["counters"] if c["name"].startswith("syscalls:")], nf["name"]
    assert ctr(nf, "context-switches")["available"], nf["name"]
    sc = nf["terms"]["L_SC"]
    assert "own counts" in sc["reason"] and "syscalls group" in sc["reason"], sc
    assert nf["figures"]["nf_syscalls_per_packet"]["available"], nf["figures"]
    assert nf["nf_syscalls"]["tracepoint_recvmmsg"] is None, nf["nf_syscalls"]
'
fi

# ---- 1c. interval mode on a fused group: a member's line has its packets
# (its stage's row of the head's page) and no system calls of its own
cat >"$T/chain-fused.json" <<JSON
{ "name": "proffu$$", "mode": "profile", "io": { "transport": "raw", "batch": 16, "idle": "block" },
  "scheduler": { "mode": "fused" },
  "nfs": [ { "name": "a", "type": "l2fwd", "cpu": $last }, { "name": "b", "type": "l2fwd", "cpu": $last } ],
  "profiler": { "interval_ms": 250 },
  "traffic": { "rate_pps": 4000, "size": 64, "duration_s": 1, "warmup_s": 0.2 } }
JSON
if ! "$SCC" run "$T/chain-fused.json" --json "$T/run-fused.json" >"$T/out-fused" 2>"$T/err"; then
    echo "FAIL: scc run --profile (fused, interval mode)"; cat "$T/err"; fail=1
else
    check "interval mode, fused group: members have their packets, the head the calls" "$T/run-fused.json" '
iv = p["intervals"]
assert len(iv) >= 3, len(iv)
busy = [x for x in iv if x["nfs"][0]["packets"] and x["nfs"][0]["packets"] > 200]
assert len(busy) >= 2, [x["nfs"][0]["packets"] for x in iv]
for x in busy:
    a, b = x["nfs"]
    assert b["packets"] is not None and abs(b["packets"] - a["packets"]) <= 0.05 * a["packets"] + 16, (a["packets"], b["packets"])
    assert b["nf_syscalls_per_packet"] == 0, b
    assert a["nf_syscalls_per_packet"] > 0 and x["chain"]["nf_syscalls_per_packet"] == a["nf_syscalls_per_packet"], x["chain"]
'
fi

# ---- 2. scc profile -p on a process it did not start, against perf stat --
# How the two windows are aligned: both tools attach to the NF while it is
# idle (blocked in poll: it makes no system call and no context switch while
# no packet comes), and the traffic — a burst of N packets — is sent only
# after both have attached and has drained well before either detaches. So
# both count exactly the burst's events, whatever their start and stop skew
# (which a fixed interval on steady traffic would turn into a difference of
# rate x skew). The 2% allows for a stray wake-up at an edge.
N=4000
ip netns add "$NS" && ip -n "$NS" link set lo up
ip netns exec "$NS" "$SCC" -q sink --listen 127.0.0.1:4801 --idle-timeout 60 --timeout 60 >/dev/null 2>&1 &
pids+=($!)
ip netns exec "$NS" "$NF" -q --name "sccprof$$" --pipeline 'FromIO -> ToIO' --batch 4 \
    --in udp:127.0.0.1:4800 --out udp:127.0.0.1:4801 >"$T/nf.log" 2>&1 &
nfpid=$!
pids+=($nfpid)
for _ in $(seq 50); do [ -e "/dev/shm/scc-nf-sccprof$$" ] && break; sleep 0.1; done
sleep 0.3
# perf reads tracepoint ids from tracefs: where it is not mounted, give perf
# a private mount that goes away with its mount namespace
if grep -q " tracefs " /proc/self/mountinfo || [ -d /sys/kernel/tracing/events ]; then
    perfcmd=(perf stat -x, -o "$T/perf.txt" -e context-switches -e syscalls:sys_enter_recvmmsg
             -e syscalls:sys_enter_sendmmsg -p "$nfpid" -- sleep 4)
    "${perfcmd[@]}" &
else
    unshare -m --propagation private sh -c "mount -t tracefs nodev /sys/kernel/tracing && exec perf stat -x, -o $T/perf.txt -e context-switches -e syscalls:sys_enter_recvmmsg -e syscalls:sys_enter_sendmmsg -p $nfpid -- sleep 4" &
fi
perfpid=$!
"$SCC" profile -p "$nfpid" --duration 4 --packets-from "$NS:lo" --json "$T/prof.json" >"$T/prof.out" 2>"$T/prof.err" &
profpid=$!
sleep 1 # both attached; the NF idles
ip netns exec "$NS" "$SCC" -q gen --dst 127.0.0.1:4800 --rate 4000 --count $N --batch 4 >/dev/null 2>&1 \
    || { echo "FAIL: scc gen"; fail=1; }
wait "$perfpid"; prc=$?
wait "$profpid"; src=$?
[ $prc -eq 0 ] || { echo "FAIL: perf stat exited $prc"; cat "$T/perf.txt"; fail=1; }
[ $src -eq 0 ] || { echo "FAIL: scc profile exited $src"; cat "$T/prof.err"; fail=1; }
grep -q "Per-packet latency model" "$T/prof.out" || { echo "FAIL: scc profile printed no table"; cat "$T/prof.out"; fail=1; }
if [ $prc -eq 0 ] && [ $src -eq 0 ]; then
    python3 - "$T/prof.json" "$T/perf.txt" $N <<'PY' && echo "ok: scc profile -p agrees with perf stat -p within 2%; packets from NETNS:lo" || { echo "FAIL: scc profile -p vs perf stat"; cat "$T/perf.txt"; fail=1; }
import json, sys
r = json.load(open(sys.argv[1]))
n = int(sys.argv[3])
perf = {}
for line in open(sys.argv[2]):
    f = line.strip().split(",")
    if len(f) > 2 and f[0] and f[0][0].isdigit():
        perf[f[2]] = float(f[0])
nf = r["profile"]["nfs"][0]
ours = {c["name"]: c["value"] for c in nf["counters"]}
for ev in ["context-switches", "syscalls:sys_enter_recvmmsg", "syscalls:sys_enter_sendmmsg"]:
    a, b = ours[ev], perf[ev]
    print("  %-30s scc profile %8.0f   perf stat %8.0f" % (ev, a, b))
    assert b > n / 8, (ev, b)  # the burst was counted at all
    assert abs(a - b) <= 0.02 * b, (ev, a, b)
# lo counts each packet twice: gen -> NF and NF -> sink
pk = r["target"]["packets"]
assert 2 * n <= pk <= 2 * n + 100, pk
assert nf["packets"] == pk
f = nf["figures"]
assert f["run_ns_per_packet"]["available"] and f["run_ns_per_packet"]["value"] > 0, f
assert f["syscalls_per_packet"]["available"] and 0 < f["syscalls_per_packet"]["value"] < 5, f
PY
    if python3 "$VALIDATE" "$SCHEMA" "$T/prof.json"; then echo "ok: scc profile's run file validates"
    else echo "FAIL: scc profile's run file does not validate"; fail=1; fi
fi
# ---- 3. a thread started inside the window: attached by the next rescan --
cat >"$T/decoy.py" <<'PY'
import threading, time
def busy():
    end = time.time() + 2.0
    while time.time() < end:
        pass
time.sleep(0.5)
threading.Thread(target=busy).start()
PY
python3 "$T/decoy.py" &
dpid=$!
pids+=($dpid)
if "$SCC" profile -p "$dpid" --events sched --duration 1.5 --interval-ms 250 --json "$T/decoy.json" \
        >"$T/decoy.out" 2>"$T/decoy.err"; then
    check "a thread started mid-window is counted from its attach; the part before is reported" "$T/decoy.json" '
nf = p["nfs"][0]
late = nf["late_threads"]
assert late["count"] == 1 and nf["threads"] == 2, (late, nf["threads"])
# found by the next rescan (every 100 ms; a loaded host adds some)
assert late["max_lag_ms"] <= 300 and late["cpu_ns_before_attach"] <= 0.3e9, late
# the main thread sleeps: task-clock is the busy thread, about 1 s of the
# window (at least a quarter of a CPU on a busy 2-CPU host)
tc = ctr(nf, "task-clock")["value"]
assert tc >= 0.25e9, tc
iv = p["intervals"]
assert max(x["nfs"][0]["cpus"] for x in iv[-3:]) > max(0.25, iv[0]["nfs"][0]["cpus"]), [x["nfs"][0]["cpus"] for x in iv]
'
    grep -q "1 thread started in the window, counted from" "$T/decoy.out" \
        || { echo "FAIL: no late-thread line"; cat "$T/decoy.out"; fail=1; }
else
    echo "FAIL: scc profile on the decoy"; cat "$T/decoy.err"; fail=1
fi
kill "$dpid" 2>/dev/null

"$SCC" profile --list-events >"$T/list" && grep -q "^\* hardware table\|this CPU: libpfm4 PMU" "$T/list" \
    && grep -q "syscalls:sys_enter_recvmmsg" "$T/list" && echo "ok: --list-events" || { echo "FAIL: --list-events"; fail=1; }
[ "$(grep -c tracefs /proc/self/mountinfo)" -eq "$mounts_before" ] || { echo "FAIL: a tracefs mount was left behind"; fail=1; }
exit $fail

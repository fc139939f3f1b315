#!/usr/bin/env bash
# test_nf_idle — scc-nf's idle modes (docs/io.md, "Idle"):
#  * busy: the stats page is published on time only (about 20 times a
#    second), not on every empty spin, and `scc stats` reads it while the NF
#    spins; counters of traffic show up within a publish period.
#  * block: an idle NF's receive calls that return nothing are counted apart
#    (rx_empty_calls), and rx_calls counts only calls that returned packets.
# UDP endpoints on loopback; creates only its NFs (unique names) and removes
# them on exit.
set -u
BIN=${SCC_BIN:?SCC_BIN must point at the build bin/ directory}
NF=$BIN/scc-nf
PROBE=$BIN/nf_probe
SCC=$BIN/scc
fail=0
pids=()
tag=$$
tmp=$(mktemp -d)
base=$((20000 + (tag % 20000)))

cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else bad "$d"; fi; }
[ -x "$NF" ] && [ -x "$PROBE" ] || { echo "skip: scc-nf or nf_probe not built"; exit 77; }

nfstat() { "$SCC" stats --json "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])"; }
# publishes NAME: how often NAME's page is published in one second, from the
# page's seqlock counter (offset 12, host order; +2 per publish)
publishes() {
    python3 - "/dev/shm/scc-nf-$1" <<'PY'
import struct, sys, time
def seq():
    with open(sys.argv[1], 'rb') as f:
        f.seek(12)
        return struct.unpack('=I', f.read(4))[0]
s1, t1 = seq(), time.monotonic()
time.sleep(1)
s2, t2 = seq(), time.monotonic()
print(int((s2 - s1) // 2 / (t2 - t1)))
PY
}

start_nf() { # start_nf NAME ARGS...; sets nfpid
    local name=$1; shift
    "$NF" --name "$name" -q "$@" 2>"$tmp/$name.err" &
    nfpid=$!
    pids+=("$nfpid")
    for _ in $(seq 100); do
        "$SCC" stats --json "$name" 2>/dev/null | grep -q '"ready": true' && return 0
        kill -0 "$nfpid" 2>/dev/null || break
        sleep 0.05
    done
    bad "$name did not become ready: $(cat "$tmp/$name.err")"
    return 1
}

# ---------------- busy idle ----------------
start_nf busy$tag --pipeline 'FromIO -> Counter -> ToIO' --idle busy --batch 32 \
    --in udp:127.0.0.1:$base --out udp:127.0.0.1:$((base + 1)) && {
    pubs=$(publishes busy$tag)
    check "busy idle: publishes bounded (about 20/s, got $pubs/s)" [ "$pubs" -ge 5 -a "$pubs" -le 40 ]
    reads=0
    for _ in $(seq 10); do "$SCC" stats --json busy$tag >/dev/null 2>&1 && reads=$((reads + 1)); done
    check "busy idle: scc stats reads the page while the NF spins ($reads of 10)" [ "$reads" -eq 10 ]
    "$PROBE" --tx udp:127.0.0.1:$base --rx udp:127.0.0.1:$((base + 1)) --wait-ms 1000 --expect 3 \
        udp,10.1.0.1,10.3.0.9,1000,9000,64,3 >"$tmp/busy.out"
    sleep 0.15
    check "busy idle: 3 frames forwarded" grep -q 'received=3$' "$tmp/busy.out"
    check "busy idle: counters published (rx_pkts 3)" [ "$(nfstat busy$tag rx_pkts)" = 3 ]
    kill -TERM $nfpid; wait $nfpid; check "busy idle: exit 0 on SIGTERM" [ $? -eq 0 ]
}

# ---------------- block idle ----------------
start_nf block$tag --pipeline 'FromIO -> Counter -> ToIO' --idle block --batch 32 \
    --in udp:127.0.0.1:$((base + 2)) --out udp:127.0.0.1:$((base + 3)) && {
    sleep 0.6 # idle: a 100 ms wait that ends empty, again and again
    empty=$(nfstat block$tag rx_empty_calls)
    check "block idle: empty waits counted apart ($empty in 0.6 s)" [ "$empty" -ge 3 -a "$empty" -le 12 ]
    check "block idle: no receive call counted while idle" [ "$(nfstat block$tag rx_calls)" = 0 ]
    "$PROBE" --tx udp:127.0.0.1:$((base + 2)) --rx udp:127.0.0.1:$((base + 3)) --wait-ms 1000 --expect 3 \
        udp,10.1.0.1,10.3.0.9,1000,9000,64,3 >"$tmp/block.out"
    sleep 0.3
    check "block idle: 3 frames forwarded" grep -q 'received=3$' "$tmp/block.out"
    calls=$(nfstat block$tag rx_calls); batches=$(nfstat block$tag batches)
    check "block idle: rx_calls are the calls that returned packets ($calls = batches $batches)" \
        [ "$calls" -ge 1 -a "$calls" = "$batches" ]
    check "block idle: scc stats shows the empty calls" bash -c "'$SCC' stats block$tag | grep -q 'empty recv calls'"
    kill -TERM $nfpid; wait $nfpid; check "block idle: exit 0 on SIGTERM" [ $? -eq 0 ]
}

[ $fail -eq 0 ] && echo "all idle checks passed"
exit $fail

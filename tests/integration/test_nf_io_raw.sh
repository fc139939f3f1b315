#!/usr/bin/env bash
# The raw (AF_PACKET) transport of nf_io on a veth pair between two network
# namespaces this test creates, driven through `scc gen`/`scc sink`:
#  - frames arrive whole and in order at batch 1 and batch 64 (no foreign
#    frames, no bad checksums, no reordering, every sequence number);
#  - PACKET_IGNORE_OUTGOING: a receiver on the sending interface does not
#    read back the frames sent on it;
#  - a missing interface is a clear error.
# Needs root.
set -u
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root for network namespaces"; exit 77; }
SCC="$SCC_BIN/scc"
A=scc-ioa-$$; B=scc-iob-$$; VA=ioa$$; VB=iob$$
T=$(mktemp -d /tmp/scc-ioraw.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    ip netns del "$A" 2>/dev/null
    ip netns del "$B" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok: $*"; }
jget() { sed -n "s/^ *\"$2\":\([-0-9.e+a-z]*\).*/\1/p" "$1" | head -1; }
wait_ready() { for _ in $(seq 100); do [ -e "$1" ] && return 0; sleep 0.05; done; return 1; }

ip netns add "$A" && ip netns add "$B" || { echo "FAIL: ip netns add"; exit 1; }
ip link add "$VA" netns "$A" type veth peer name "$VB" netns "$B" || { echo "FAIL: veth"; exit 1; }
for ns in "$A" "$B"; do
    ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 >/dev/null 2>&1 || true
done
ip -n "$A" link set "$VA" up && ip -n "$B" link set "$VB" up || { echo "FAIL: link up"; exit 1; }

for batch in 1 64; do
    ip netns exec "$B" "$SCC" sink --transport raw --if "$VB" --batch "$batch" --count 5000 --rcvbuf 8388608 \
        --timeout 10 --json "$T/s$batch.json" --ready "$T/r$batch" >"$T/s$batch.txt" 2>&1 &
    spid=$!; pids+=("$spid")
    wait_ready "$T/r$batch" || bad "sink (batch $batch) not ready"
    # the receiver on the sending side (PACKET_IGNORE_OUTGOING check)
    ip netns exec "$A" "$SCC" sink --transport raw --if "$VA" --timeout 1.5 \
        --json "$T/echo$batch.json" --ready "$T/e$batch" >"$T/echo$batch.txt" 2>&1 &
    epid=$!; pids+=("$epid")
    wait_ready "$T/e$batch" || bad "echo sink not ready"
    ip netns exec "$A" "$SCC" gen --transport raw --if "$VA" --batch "$batch" --rate 20000 \
        --count 5000 --flows 3 --size 64:1,1518:1 >"$T/g$batch.txt" 2>&1 || bad "gen exit $?"
    wait "$spid" || { bad "sink (batch $batch) exit $?"; cat "$T/s$batch.txt"; }
    rx=$(jget "$T/s$batch.json" rx_pkts); lost=$(jget "$T/s$batch.json" lost)
    fo=$(jget "$T/s$batch.json" foreign); bc=$(jget "$T/s$batch.json" bad_checksum)
    ro=$(jget "$T/s$batch.json" reordered); calls=$(jget "$T/s$batch.json" rx_calls)
    if [ "$rx" = 5000 ] && [ "$lost" = 0 ] && [ "$fo" = 0 ] && [ "$bc" = 0 ] && [ "$ro" = 0 ]; then
        ok "batch $batch: 5000 frames whole and in order ($calls recvmmsg calls)"
    else
        bad "batch $batch: rx $rx lost $lost foreign $fo bad_checksum $bc reordered $ro"
    fi
    # batch 1 means one frame per call: at least 5000 calls
    [ "$batch" = 1 ] && [ "$calls" -lt 5000 ] && bad "batch 1 made only $calls calls"
    wait "$epid"; rc=$?
    erx=$(jget "$T/echo$batch.json" rx_pkts)
    if [ "$rc" -eq 1 ] && [ "$erx" = 0 ]; then
        ok "batch $batch: the sending interface's receiver saw none of its own frames"
    else
        bad "sender-side receiver exit $rc, received $erx of our frames"
    fi
done

ip netns exec "$A" "$SCC" sink --transport raw --if nosuch$$ --timeout 0.1 >/dev/null 2>"$T/err"
rc=$?
[ "$rc" -eq 1 ] && grep -q "nosuch$$" "$T/err" || bad "missing interface: exit $rc, $(cat "$T/err")"
exit $fail

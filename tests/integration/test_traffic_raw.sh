#!/usr/bin/env bash
# `scc gen` -> `scc sink` over the raw transport on a veth pair between two
# network namespaces this test creates: zero loss at a modest rate; then
# 10 % loss made on purpose with netem on the generator's veth (or, where
# netem is missing, a squeezed sink buffer) and the sink's loss figure
# checked against what the generator sent. Needs root.
set -u
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root for network namespaces"; exit 77; }
SCC="$SCC_BIN/scc"
A=scc-tra-$$; B=scc-trb-$$; VA=tra$$; VB=trb$$
T=$(mktemp -d /tmp/scc-traw.XXXXXX)
cleanup() {
    ip netns del "$A" 2>/dev/null
    ip netns del "$B" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok: $*"; }
jget() { sed -n "s/^ *\"$2\":\([-0-9.e+a-z]*\).*/\1/p" "$1" | head -1; }

ip netns add "$A" && ip netns add "$B" || { echo "FAIL: ip netns add"; exit 1; }
ip link add "$VA" netns "$A" type veth peer name "$VB" netns "$B" || { echo "FAIL: veth"; exit 1; }
for ns in "$A" "$B"; do
    ip -n "$ns" link set lo up
    # inside the test's namespaces only: no IPv6 chatter on the veths
    ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 >/dev/null 2>&1 || true
done
ip -n "$A" link set "$VA" up && ip -n "$B" link set "$VB" up || { echo "FAIL: link up"; exit 1; }

run_pair() { # tag, gen args..., -- sink args...
    local tag=$1; shift
    local gargs=() sargs=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do gargs+=("$1"); shift; done
    shift
    sargs=("$@")
    ip netns exec "$B" "$SCC" sink --transport raw --if "$VB" --timeout 10 --idle-timeout 0.5 \
        --json "$T/s-$tag.json" --ready "$T/ready-$tag" "${sargs[@]}" >"$T/s-$tag.txt" 2>&1 &
    local spid=$!
    for _ in $(seq 100); do [ -e "$T/ready-$tag" ] && break; sleep 0.05; done
    ip netns exec "$A" "$SCC" gen --transport raw --if "$VA" --json "$T/g-$tag.json" \
        "${gargs[@]}" >"$T/g-$tag.txt" 2>&1 || bad "$tag: gen exit $?"
    wait "$spid" || { bad "$tag: sink exit $?"; cat "$T/s-$tag.txt"; }
}

# 1. zero loss, 20 kpps, 8 flows, imix sizes
run_pair clean --rate 20000 --count 20000 --flows 8 --size imix -- --rcvbuf 8388608
sent=$(jget "$T/g-clean.json" sent); rx=$(jget "$T/s-clean.json" rx_pkts)
lost=$(jget "$T/s-clean.json" lost); fl=$(jget "$T/s-clean.json" flows)
if [ "$sent" = 20000 ] && [ "$rx" = 20000 ] && [ "$lost" = 0 ] && [ "$fl" = 8 ]; then
    ok "raw veth: 20000 sent, 20000 received, 0 lost, 8 flows"
else
    bad "raw veth clean run: sent $sent rx $rx lost $lost flows $fl"; cat "$T/s-clean.txt"
fi

# 2. loss on purpose
if ip netns exec "$A" tc qdisc add dev "$VA" root netem loss 10% 2>"$T/tc.err"; then
    run_pair netem --rate 20000 --count 20000 --flows 2 -- --rcvbuf 8388608
    sent=$(jget "$T/g-netem.json" sent); rx=$(jget "$T/s-netem.json" rx_pkts)
    lost=$(jget "$T/s-netem.json" lost)
    # netem drops in the qdisc, after the kernel accepted the frame: the
    # generator counts them as sent; the sink sees sequence gaps. Frames
    # lost after a flow's last received one are invisible to the sink, so
    # rx + lost may fall short of sent by a few.
    if awk -v s="$sent" -v r="$rx" -v l="$lost" 'BEGIN {
            f = l / s; exit !(f > 0.07 && f < 0.13 && r + l <= s && r + l >= s - 40) }'; then
        ok "netem 10 %: sent $sent, received $rx, lost $lost ($(awk -v s="$sent" -v l="$lost" 'BEGIN{printf "%.2f", 100*l/s}') %)"
    else
        bad "netem 10 %: sent $sent received $rx lost $lost"; cat "$T/s-netem.txt"
    fi
else
    echo "note: netem unavailable ($(cat "$T/tc.err")); squeezing the sink's buffer instead"
    run_pair squeeze --rate max --count 200000 --batch 64 -- --rcvbuf 4096 --batch 1
    sent=$(jget "$T/g-squeeze.json" sent); rx=$(jget "$T/s-squeeze.json" rx_pkts)
    drops=$(jget "$T/s-squeeze.json" socket_drops); lost=$(jget "$T/s-squeeze.json" lost)
    if [ "$drops" -gt 0 ] && [ $((rx + drops)) -eq "$sent" ] && [ "$lost" -le "$drops" ]; then
        ok "squeezed raw socket: sent $sent = received $rx + PACKET_STATISTICS drops $drops"
    else
        bad "squeezed raw socket: sent $sent rx $rx drops $drops lost $lost"
    fi
fi
exit $fail

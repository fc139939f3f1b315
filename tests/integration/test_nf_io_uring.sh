#!/usr/bin/env bash
# test_nf_io_uring — the uring transport (docs/io.md) with real packets: a
# router, a firewall and a NAT through scc-nf over io_uring, on raw AF_PACKET
# sockets on veth pairs between two namespaces this test creates (with and
# without SQPOLL) and over VXLAN-UDP on loopback, each under the NF's seccomp
# filter; malformed frames dropped and counted; `scc gen`/`scc sink
# --transport uring` end to end; `scc run --dry-run` passes --transport uring
# --uring-sqpoll to every NF; two SQPOLL NFs under `scc run` at 20 kpps lose
# nothing in the kernel; an NF whose SQ thread is pinned to another CPU,
# with --uring-spin-us, forwards 20 kpps with few io_uring_enter calls.
# nf_probe (tests/unit/nfs/nf_probe.c) crafts the frames and reports the
# ones that come out.
set -u
DP_NS=sccur
. "$(dirname "$0")/nf_dp_lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "skip: needs root (network namespaces)"; exit 77; }
if ! "$NF" --transport uring --help >/dev/null 2>&1; then
    echo "skip: scc-nf without the uring transport"; exit 77
fi

if ! ip netns add "$nsa" 2>/dev/null || ! ip netns add "$nsb"; then
    echo "FAIL: cannot create network namespaces"; exit 1
fi
ip link add a0$tag netns "$nsa" type veth peer name b0$tag netns "$nsb" || bad "veth 0"
ip link add a1$tag netns "$nsa" type veth peer name b1$tag netns "$nsb" || bad "veth 1"
for ns in "$nsa" "$nsb"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 >/dev/null 2>&1
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
done
ip -n "$nsa" link set a0$tag up && ip -n "$nsa" link set a1$tag up
ip -n "$nsb" link set b0$tag up && ip -n "$nsb" link set b1$tag up

# ---------------- raw frames over uring, seccomp on ----------------
start_nf urt$tag "$nsb" --transport uring --pipeline "$ROUTER" --in raw:b0$tag --out raw:b1$tag --batch 32 && {
    pid=$nfpid
    check "uring router: seccomp filter on, no capabilities" \
        bash -c "grep -q '^Seccomp:[[:space:]]*2' /proc/$pid/status && grep -q '^CapEff:[[:space:]]*0000000000000000' /proc/$pid/status"
    ip netns exec "$nsa" "$PROBE" --tx raw:a0$tag --rx raw:a1$tag --wait-ms 1500 --expect 7 \
        "${ROUTER_FRAMES[@]}" >"$tmp/rt.out"
    sleep 0.2
    check_router urt$tag "$tmp/rt.out" "uring raw"
    stop_nf urt$tag $pid
}

start_nf ufw$tag "$nsb" --transport uring --uring-sqpoll --uring-sqpoll-cpu 0 --pipeline "$FIREWALL" --in raw:b0$tag --out raw:b1$tag --batch 1 && {
    pid=$nfpid
    check "uring+sqpoll firewall: one submission thread for both handles" \
        [ "$(ls /proc/$pid/task | while read -r t; do cat /proc/$pid/task/$t/comm; done | grep -c '^iou-sqp')" -eq 1 ]
    check "uring+sqpoll firewall: --uring-sqpoll-cpu 0 pins the SQ thread to CPU 0" \
        bash -c "for t in /proc/$pid/task/*; do grep -q '^iou-sqp' \$t/comm && grep -Eq '^Cpus_allowed_list:[[:space:]]*0\$' \$t/status && exit 0; done; exit 1"
    ip netns exec "$nsa" "$PROBE" --tx raw:a0$tag --rx raw:a1$tag --wait-ms 1500 --expect 4 \
        udp,10.1.0.1,10.3.0.9,5000,9000,64,2 udp,10.1.0.1,10.3.0.9,5000,9999,64 \
        icmp,10.1.0.1,10.3.0.9,0,0,64 udp,10.66.1.1,10.3.0.9,5000,9500,64,3 \
        udp,10.1.0.1,10.3.0.9,5000,10000,64 tcp,10.1.0.1,10.3.0.9,5000,9000,64 >"$tmp/fw.out"
    sleep 0.2
    check "uring+sqpoll firewall (batch 1): 4 allowed frames out" grep -q 'received=4$' "$tmp/fw.out"
    check "uring+sqpoll firewall: denied absent" bash -c "! grep -Eq 'src=10.66|dport=10000|proto=6' '$tmp/fw.out'"
    check "uring+sqpoll firewall: 5 denied counted" [ "$(drop ufw$tag 'denied by a rule')" = 5 ]
    stop_nf ufw$tag $pid
}

# ---------------- the receive spin (--uring-spin-us) ----------------
# NF on CPU 1, its SQ thread pinned to CPU 0, 10,000 frames at 20 kpps from
# a generator that sleeps between frames (so the thread gets CPU 0). Without
# the spin the NF sleeps in io_uring_enter for nearly every frame (0.83 and
# 0.96 enters per frame measured, --uring-spin-us 0 and the build before the
# option); with a 200 us spin it keeps peeking at the completion queue
# between frames 50 us apart (0.001-0.008 measured on the shared 2-vCPU
# VM). The bound is far from both: a loaded host batches more frames per
# wake-up, which lowers the count.
if [ "$(nproc)" -ge 2 ]; then
    ip netns exec "$nsb" taskset -c 1 "$NF" --name usp$tag -q --transport uring --uring-sqpoll \
        --uring-sqpoll-cpu 0 --uring-spin-us 200 --pipeline 'FromIO -> ToIO' \
        --in raw:b0$tag --out raw:b1$tag --batch 32 2>"$tmp/usp.err" &
    pid=$!; pids+=("$pid")
    if wait_ready usp$tag $pid; then
        ip netns exec "$nsa" taskset -c 0 "$SCC" -q gen --transport raw --if a0$tag --rate 20000 \
            --count 10000 --spin-us 0 >/dev/null 2>"$tmp/uspgen.err" || bad "gen: $(cat "$tmp/uspgen.err")"
        sleep 0.1
        rx=$(nfstat usp$tag rx_pkts); calls=$(( $(nfstat usp$tag recvmmsg_calls) + $(nfstat usp$tag sendmmsg_calls) ))
        echo "uring+sqpoll@0 --uring-spin-us 200 at 20 kpps: $calls io_uring_enter for ${rx:-0} frames"
        check "uring spin: all 10,000 frames forwarded" [ "${rx:-0}" -ge 10000 ]
        check "uring spin: fewer than 0.3 io_uring_enter per frame ($calls for ${rx:-0})" \
            awk -v c="$calls" -v n="${rx:-0}" 'BEGIN { exit !(n > 0 && c / n < 0.3) }'
        stop_nf usp$tag $pid
    else
        bad "usp$tag did not become ready: $(cat "$tmp/usp.err")"
    fi
else
    echo "(receive spin check skipped: it needs a second CPU for the SQ thread)"
fi

# ---------------- VXLAN-UDP over uring on loopback ----------------
base=$((24000 + (tag % 2000) * 10))
start_nf unat$tag "" --transport uring --pipeline "$NAT" --in udp:127.0.0.1:$base --out udp:127.0.0.1:$((base + 1)) && {
    pid=$nfpid
    "$PROBE" --tx udp:127.0.0.1:$base --rx udp:127.0.0.1:$((base + 1)) --wait-ms 1500 --expect 5 \
        udp,10.1.0.1,198.51.100.7,5000,53,64,2 tcp,10.1.0.2,198.51.100.7,5001,80,64 \
        udp,10.1.0.3,198.51.100.7,5002,53,64,1,udp0 icmp,10.1.0.1,198.51.100.7,0,0,64 >"$tmp/nat.out"
    sleep 0.2
    check "uring udp nat: 4 TCP/UDP frames and 1 ICMP echo translated" grep -q 'received=5$' "$tmp/nat.out"
    check "uring udp nat: sources from the pool, checksums valid" \
        [ "$(grep -Ec 'src=203\.0\.113\.[1-4] .*ipsum=ok l4sum=ok' "$tmp/nat.out")" -eq 5 ]
    check "uring udp nat: nothing dropped as unsupported (ICMP echo is translated)" \
        [ "$(drop unat$tag 'unsupported protocol')" = 0 ]
    stop_nf unat$tag $pid
}

# ---------------- scc gen -> scc sink over uring (raw frames on a veth) -----
ip netns exec "$nsb" "$SCC" -q sink --transport uring --if b0$tag --count 2000 --timeout 10 \
    --rcvbuf 4194304 --idle-timeout 3 --json "$tmp/sink.json" --ready "$tmp/sink.ready" >/dev/null 2>"$tmp/sink.err" &
spid=$!; pids+=("$spid")
for _ in $(seq 100); do [ -e "$tmp/sink.ready" ] && break; sleep 0.05; done
ip netns exec "$nsa" "$SCC" -q gen --transport uring --if a0$tag --rate 10000 --count 2000 \
    --json "$tmp/gen.json" >/dev/null 2>"$tmp/gen.err" || bad "scc gen --transport uring: $(cat "$tmp/gen.err")"
wait "$spid"
check "scc gen/sink --transport uring: 2000 sent, 2000 received" \
    bash -c "grep -q '\"transport\": *\"uring\"' '$tmp/gen.json' && grep -Eq '\"rx_pkts\": *2000\b' '$tmp/sink.json'" ||
    { grep -Eo '"(rx_pkts|lost|socket_drops|foreign)": *[0-9]+' "$tmp/sink.json"; cat "$tmp/sink.err"; }

# ---------------- the launcher passes the transport ----------------
cat >"$tmp/chain.json" <<JSON
{ "name": "ur$tag", "io": { "transport": "uring", "uring_sqpoll": true, "uring_sqpoll_cpu": 0, "uring_spin_us": 100 }, "interconnect": "b2b",
  "nfs": [ { "name": "c1", "type": "counter" }, { "name": "c2", "type": "counter" } ] }
JSON
"$SCC" run "$tmp/chain.json" --no-traffic --dry-run >"$tmp/dry.out" 2>&1 || bad "dry-run: $(cat "$tmp/dry.out")"
check "scc run passes --transport uring --uring-sqpoll --uring-sqpoll-cpu 0 --uring-spin-us 100 to both NFs" \
    [ "$(grep 'scc-nf' "$tmp/dry.out" | grep -c -- '--transport uring --uring-sqpoll --uring-sqpoll-cpu 0 --uring-spin-us 100')" -eq 2 ]

# Two SQPOLL NFs on a 2-CPU host at a moderate rate: no kernel drops. Before
# the fix each NF spun up to 100,000 peeks per batch for its send
# completions while its own SQ thread, which completes them, waited for that
# CPU: the NFs and the sink starved and 1-15 % of the frames overflowed their
# receive queues (387..5956 of 40,000 in 4 of 5 runs; docs/io.md).
# (threads not pinned: the case that dropped)
sed -e 's/"nfs"/"traffic": { "rate_pps": 20000, "size": 64, "duration_s": 1.5 }, "nfs"/' \
    -e 's/, "uring_sqpoll_cpu": 0, "uring_spin_us": 100//' \
    "$tmp/chain.json" >"$tmp/chain-t.json"
"$SCC" run "$tmp/chain-t.json" --json "$tmp/run.json" >"$tmp/run.out" 2>&1 || bad "scc run over uring+sqpoll: $(tail -5 "$tmp/run.out")"
# (check always returns 0: the counts are printed on failure here, not after it)
if grep -Eq '^accounting .*sent ([0-9]+) = received \1 \+ dropped in NFs 0 \+ dropped by the kernel 0 ' "$tmp/run.out"; then
    ok "scc run over uring+sqpoll at 20 kpps: no kernel drops, all frames received"
else
    bad "scc run over uring+sqpoll at 20 kpps: no kernel drops, all frames received"
    grep -E '^accounting|dropped|lost|NF ' "$tmp/run.out"
fi

check "no scc-nf of this test left running" bash -c "! pgrep -f 'scc-nf --name [a-z]*$tag' >/dev/null"
exit $fail

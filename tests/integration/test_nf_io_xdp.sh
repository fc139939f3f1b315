#!/usr/bin/env bash
# test_nf_io_xdp — the xdp transport (AF_XDP, docs/io.md) with real packets
# on veth pairs between two namespaces this test creates: a router and a
# firewall through scc-nf over AF_XDP under its seccomp filter, malformed
# frames dropped and counted, the mode reported (native copy on veth, one
# UMEM shared by the NF's two sockets); forwarding by descriptor move (no
# copy) with every UMEM frame accounted for after 20000 frames through a
# NAT between `scc gen` and `scc sink` over AF_XDP;
# `scc gen`/`scc sink --transport xdp` end to end, and no XDP program left on
# their interfaces after they exit; `scc run` journals the interfaces its
# NFs attach XDP programs to and `scc cleanup` detaches what a killed run
# left on an interface that survives. nf_probe crafts and checks the frames.
set -u
DP_NS=sccxd
. "$(dirname "$0")/nf_dp_lib.sh"

[ "$(id -u)" -eq 0 ] || { echo "skip: needs root (network namespaces)"; exit 77; }
if ! "$NF" --transport xdp --help >/dev/null 2>&1; then
    echo "skip: scc-nf without the xdp transport (built without libxdp)"; exit 77
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

# ---------------- raw frames over AF_XDP, seccomp on ----------------
# -v -v: the info lines at exit say how frames left and where they are
start_nf xrt$tag "$nsb" -v -v --transport xdp --pipeline "$ROUTER" --in raw:b0$tag --out raw:b1$tag --batch 32 && {
    pid=$nfpid
    check "xdp router: seccomp filter on, no capabilities" \
        bash -c "grep -q '^Seccomp:[[:space:]]*2' /proc/$pid/status && grep -q '^CapEff:[[:space:]]*0000000000000000' /proc/$pid/status"
    check "xdp router: program attached to its input" bash -c "ip -n $nsb link show b0$tag | grep -q 'prog/xdp'"
    check "xdp router: stats page reports the mode (native copy on veth, one UMEM for both sides)" \
        bash -c "'$SCC' stats --json xrt$tag | grep -q 'raw:b0$tag over xdp-native-copy+shared' &&
                 '$SCC' stats --json xrt$tag | grep -q 'raw:b1$tag over xdp-native-copy+shared'"
    ip netns exec "$nsa" "$PROBE" --tx raw:a0$tag --rx raw:a1$tag --wait-ms 1500 --expect 7 \
        "${ROUTER_FRAMES[@]}" >"$tmp/rt.out"
    sleep 0.2
    check_router xrt$tag "$tmp/rt.out" "xdp"
    grep -q 'received=7$' "$tmp/rt.out" || { cat "$tmp/rt.out"; "$SCC" stats --json xrt$tag | grep -E '"(rx|tx)_[a-z_]*"'; }
    stop_nf xrt$tag $pid
    # forwarding is a descriptor move: each of the 7 frames left in the
    # frame it arrived in, none was copied
    check "xdp router: 7 frames sent by descriptor move, 0 copied" \
        grep -q 'xdp: 7 frames sent by descriptor move, 0 copied' "$tmp/xrt$tag.err"
    check "xdp router: every UMEM frame accounted for (2 sockets, none on TX, none used twice)" \
        grep -Eq 'UMEM of 4096 frames \(2 sockets\): .* \+ tx 0 \+ .*, 0 used twice: accounted for' "$tmp/xrt$tag.err" ||
        grep 'xdp:' "$tmp/xrt$tag.err"
}
# scc-nf leaves the program (it has no privilege left to detach it): the
# interface's owner removes it, as scc run's teardown does with the veth
ip -n "$nsb" link set dev b0$tag xdp off 2>/dev/null
ip -n "$nsb" link set dev b1$tag xdp off 2>/dev/null

start_nf xfw$tag "$nsb" --transport xdp --pipeline "$FIREWALL" --in raw:b0$tag --out raw:b1$tag --batch 1 && {
    pid=$nfpid
    ip netns exec "$nsa" "$PROBE" --tx raw:a0$tag --rx raw:a1$tag --wait-ms 1500 --expect 4 \
        udp,10.1.0.1,10.3.0.9,5000,9000,64,2 udp,10.1.0.1,10.3.0.9,5000,9999,64 \
        icmp,10.1.0.1,10.3.0.9,0,0,64 udp,10.66.1.1,10.3.0.9,5000,9500,64,3 \
        udp,10.1.0.1,10.3.0.9,5000,10000,64 tcp,10.1.0.1,10.3.0.9,5000,9000,64 >"$tmp/fw.out"
    sleep 0.2
    check "xdp firewall (batch 1): 4 allowed frames out" grep -q 'received=4$' "$tmp/fw.out"
    check "xdp firewall: 5 denied counted" [ "$(drop xfw$tag 'denied by a rule')" = 5 ]
    stop_nf xfw$tag $pid
}
# a killed run's journal names interfaces that outlive it (journal records
# `xdp IF NS`, written before an NF over xdp starts): scc cleanup detaches
# libxdp's program from them and leaves the interfaces in place
mkdir -m 700 "$tmp/st"
printf 'launcher 999999 1\njournal 2\nxdp b0%s %s\nxdp b1%s %s\n' $tag "$nsb" $tag "$nsb" >"$tmp/st/xj$tag.state"
chmod 600 "$tmp/st/xj$tag.state"
if ip -n "$nsb" link show b0$tag | grep -q prog/xdp; then
    SCC_STATE_DIR=$tmp/st "$SCC" cleanup xj$tag >"$tmp/xj.out" 2>&1 || bad "scc cleanup of an xdp record: $(cat "$tmp/xj.out")"
    check "scc cleanup: XDP programs detached from b0/b1 (they outlived the run), interfaces kept" \
        bash -c "ip -n $nsb link show b0$tag >/dev/null && ip -n $nsb link show b1$tag >/dev/null && ! ip -n $nsb link show | grep -q prog/xdp" \
        || cat "$tmp/xj.out"
    check "scc cleanup: the journal is gone once undone" [ ! -e "$tmp/st/xj$tag.state" ]
else
    bad "the firewall over xdp left no program on b0$tag to clean up"
fi
ip -n "$nsb" link set dev b0$tag xdp off 2>/dev/null
ip -n "$nsb" link set dev b1$tag xdp off 2>/dev/null

# ---------------- scc gen -> scc sink over AF_XDP ----------------
ip netns exec "$nsb" "$SCC" -q sink --transport xdp --if b0$tag --count 2000 --timeout 10 \
    --rcvbuf 4194304 --idle-timeout 3 --json "$tmp/sink.json" --ready "$tmp/sink.ready" >/dev/null 2>"$tmp/sink.err" &
spid=$!; pids+=("$spid")
for _ in $(seq 100); do [ -e "$tmp/sink.ready" ] && break; sleep 0.05; done
ip netns exec "$nsa" "$SCC" -q gen --transport xdp --if a0$tag --rate 10000 --count 2000 \
    --json "$tmp/gen.json" >/dev/null 2>"$tmp/gen.err" || bad "scc gen --transport xdp: $(cat "$tmp/gen.err")"
wait "$spid"
check "scc gen/sink --transport xdp: 2000 sent, 2000 received" \
    bash -c "grep -q '\"transport\": *\"xdp\"' '$tmp/gen.json' && grep -Eq '\"rx_pkts\": *2000\b' '$tmp/sink.json'" ||
    { grep -Eo '"(rx_pkts|lost|socket_drops|foreign)": *[0-9]+' "$tmp/sink.json"; cat "$tmp/sink.err"; }
check "scc gen --transport xdp: built its 2000 frames in UMEM frames, sent by descriptor move" \
    bash -c "grep -Eq '\"tx_moved\": *2000\b' '$tmp/gen.json' && grep -Eq '\"tx_copied\": *0\b' '$tmp/gen.json'" ||
    grep -Eo '"tx_(moved|copied)": *[0-9]+' "$tmp/gen.json"
# copy mode transmits at most 32 frames per sendto: a batch of 128 needs a
# kick per 32, or the TX ring fills and frames are refused (tx_drop_again)
ip netns exec "$nsa" "$SCC" -q gen --transport xdp --if a0$tag --rate max --batch 128 --count 20000 \
    --json "$tmp/gen128.json" >/dev/null 2>"$tmp/gen128.err" || bad "scc gen --batch 128: $(cat "$tmp/gen128.err")"
check "scc gen --transport xdp --batch 128 at full speed: 20000 sent, none refused by a full TX ring" \
    bash -c "grep -Eq '\"sent\": *20000\b' '$tmp/gen128.json' && grep -Eq '\"tx_drop_again\": *0\b' '$tmp/gen128.json'" ||
    grep -Eo '"(sent|tx_drop_again|tx_calls)": *[0-9]+' "$tmp/gen128.json"
check "scc gen/sink detach their XDP programs at exit" \
    bash -c "! ip -n $nsa link show a0$tag | grep -q prog/xdp && ! ip -n $nsb link show b0$tag | grep -q prog/xdp"

# ---------------- gen -> NAT -> sink, all over AF_XDP ----------------
# 20000 frames through an NF whose UMEM holds 4096: every frame goes round
# fill -> RX -> TX -> completion -> fill several times, and NAT rewrites
# each in place before it leaves by descriptor move
start_nf xnat$tag "$nsb" -v -v --transport xdp --pipeline "$NAT" --in raw:b0$tag --out raw:b1$tag --batch 32 && {
    pid=$nfpid
    ip netns exec "$nsa" "$SCC" -q sink --transport xdp --if a1$tag --count 20000 --timeout 10 \
        --idle-timeout 2 --json "$tmp/nsink.json" --ready "$tmp/nsink.ready" >/dev/null 2>"$tmp/nsink.err" &
    spid=$!; pids+=("$spid")
    for _ in $(seq 100); do [ -e "$tmp/nsink.ready" ] && break; sleep 0.05; done
    ip netns exec "$nsa" "$SCC" -q gen --transport xdp --if a0$tag --rate 50000 --count 20000 \
        --json "$tmp/ngen.json" >/dev/null 2>"$tmp/ngen.err" || bad "scc gen through the NAT: $(cat "$tmp/ngen.err")"
    wait "$spid"
    ntx=$(nfstat xnat$tag tx_pkts)
    check "xdp NAT: what the NF sent arrived, checksums valid after the rewrite (NF tx $ntx)" \
        bash -c "[ '${ntx:-0}' -ge 19000 ] && grep -Eq '\"rx_pkts\": *$ntx\b' '$tmp/nsink.json' &&
                 grep -Eq '\"bad_checksum\": *0\b' '$tmp/nsink.json'" ||
        grep -Eo '"(rx_pkts|lost|bad_checksum|foreign)": *[0-9]+' "$tmp/nsink.json"
    stop_nf xnat$tag $pid
    check "xdp NAT: all $ntx frames sent by descriptor move" \
        grep -q "xdp: $ntx frames sent by descriptor move, 0 copied" "$tmp/xnat$tag.err"
    check "xdp NAT: every UMEM frame accounted for after 20000 frames" \
        grep -Eq 'UMEM of 4096 frames \(2 sockets\): .* \+ tx 0 \+ .*, 0 used twice: accounted for' "$tmp/xnat$tag.err" ||
        grep 'xdp:' "$tmp/xnat$tag.err"
}
ip -n "$nsb" link set dev b0$tag xdp off 2>/dev/null
ip -n "$nsb" link set dev b1$tag xdp off 2>/dev/null

# ---------------- one socket per RX queue ----------------
# veths with 2 queues: the raw generator's 16 flows hash onto both TX
# queues of c0 (skb_tx_hash of the 5-tuple) and veth hands each frame to
# d0's RX queue of the same index, so about half arrive on queue 1. An NF
# with a socket on queue 0 only (--xdp-queues 1, what the engine did
# before) never sees those: the kernel's stack takes them; with a socket
# per queue (the default) it forwards every frame, from one UMEM whose
# frames stay accounted for across the 4 sockets.
ip link add c0$tag netns "$nsa" numtxqueues 2 numrxqueues 2 type veth \
    peer name d0$tag netns "$nsb" numtxqueues 2 numrxqueues 2 || bad "veth c0/d0 with 2 queues"
ip link add c1$tag netns "$nsa" numtxqueues 2 numrxqueues 2 type veth \
    peer name d1$tag netns "$nsb" numtxqueues 2 numrxqueues 2 || bad "veth c1/d1 with 2 queues"
ip -n "$nsa" link set c0$tag up && ip -n "$nsa" link set c1$tag up
ip -n "$nsb" link set d0$tag up && ip -n "$nsb" link set d1$tag up
mq_run() { # mq_run NAME [scc-nf options]: MQ_COUNT (4000) frames of 16 flows at MQ_RATE
    # (20000) pps through an NF; sets mqrx mqnf mqp99 (sink's p99 latency, ns)
    local name=$1 n=${MQ_COUNT:-4000}; shift
    mqrx=0 mqnf=0 mqp99=0
    start_nf "$name" "$nsb" -v -v --transport xdp "$@" --pipeline 'FromIO -> Counter -> ToIO' \
        --in raw:d0$tag --out raw:d1$tag --batch 32 || return 1
    local pid=$nfpid
    ip netns exec "$nsa" "$SCC" -q sink --transport raw --if c1$tag --count "$n" --timeout 10 \
        --idle-timeout 1 --json "$tmp/$name.sink.json" --ready "$tmp/$name.ready" >/dev/null 2>&1 &
    local sp=$!; pids+=("$sp")
    for _ in $(seq 100); do [ -e "$tmp/$name.ready" ] && break; sleep 0.05; done
    ip netns exec "$nsa" "$SCC" -q gen --transport raw --if c0$tag --flows 16 --rate "${MQ_RATE:-20000}" \
        --count "$n" --json "$tmp/$name.gen.json" >/dev/null 2>&1 || bad "scc gen into $name"
    wait "$sp"
    mqrx=$(grep -Eo '"rx_pkts": *[0-9]+' "$tmp/$name.sink.json" | grep -Eo '[0-9]+$')
    mqnf=$(nfstat "$name" rx_pkts)
    mqp99=$(tr -d " \n" <"$tmp/$name.sink.json" | grep -o '"from_send":{[^}]*}' | grep -Eo '"p99":[0-9]+' | grep -Eo '[0-9]+$')
    "$SCC" stats --json "$name" >"$tmp/$name.stats"
    stop_nf "$name" "$pid"
    ip -n "$nsb" link set dev d0$tag xdp off 2>/dev/null
    ip -n "$nsb" link set dev d1$tag xdp off 2>/dev/null
}
mq_run xq1$tag --xdp-queues 1 && {
    check "2-queue veth, socket on queue 0 only: frames land on queue 1 and miss the NF (NF rx $mqnf, sink $mqrx of 4000)" \
        bash -c "[ '${mqnf:-0}' -gt 0 ] && [ '${mqnf:-0}' -lt 4000 ] && [ '${mqrx:-0}' -lt 4000 ]"
    check "queue 0 only: the startup line says so" grep -q 'd0'$tag': AF_XDP socket on queue 0 only' "$tmp/xq1$tag.err"
}
mq_run xq2$tag && {
    check "2-queue veth, a socket per queue: the NF received and forwarded all 4000 frames (NF rx $mqnf, sink $mqrx)" \
        bash -c "[ '${mqnf:-0}' = 4000 ] && [ '${mqrx:-0}' = 4000 ]" ||
        grep -Eo '"(rx_pkts|lost|foreign)": *[0-9]+' "$tmp/xq2$tag.sink.json"
    check "a socket per queue: the description and startup line name 2 queues" \
        bash -c "grep -q 'raw:d0$tag over xdp-native-copy+shared, 2 queues' '$tmp/xq2$tag.stats' &&
                 grep -q 'd0$tag: AF_XDP sockets on queues 0-1 (2 of 2)' '$tmp/xq2$tag.err'"
    check "a socket per queue: every frame of the one UMEM accounted for (4 sockets, all 4000 moved)" \
        bash -c "grep -q 'xdp: 4000 frames sent by descriptor move, 0 copied' '$tmp/xq2$tag.err' &&
                 grep -Eq 'UMEM of 6144 frames \(4 sockets\): .* \+ tx 0 \+ .*, 0 used twice: accounted for' '$tmp/xq2$tag.err'" ||
        grep 'xdp:' "$tmp/xq2$tag.err"
}
# scc sink over xdp on the same 2-queue veth (no NF): a socket per queue
# by default (every frame of the 16 flows), queue 0 only with --xdp-queues 1
mq_sink() { # mq_sink NAME [sink options]: 4000 frames of 16 flows c0 -> d0; sets mqrx
    local name=$1; shift
    mqrx=0
    rm -f "$tmp/$name.ready"
    ip netns exec "$nsb" "$SCC" -q sink --transport xdp --if d0$tag "$@" --count 4000 --timeout 10 \
        --idle-timeout 1 --json "$tmp/$name.sink.json" --ready "$tmp/$name.ready" >/dev/null 2>&1 &
    local sp=$!; pids+=("$sp")
    for _ in $(seq 100); do [ -e "$tmp/$name.ready" ] && break; sleep 0.05; done
    ip netns exec "$nsa" "$SCC" -q gen --transport raw --if c0$tag --flows 16 --rate 20000 \
        --count 4000 >/dev/null 2>&1 || bad "scc gen into sink $name"
    wait "$sp"
    mqrx=$(grep -Eo '"rx_pkts": *[0-9]+' "$tmp/$name.sink.json" | grep -Eo '[0-9]+$')
    ip -n "$nsb" link set dev d0$tag xdp off 2>/dev/null
}
"$SCC" gen --xdp-queues 2 --if lo >/dev/null 2>"$tmp/xq.err"; rc=$?
check "scc gen --xdp-queues without --transport xdp: usage error naming the fix (rc $rc)" \
    bash -c "[ $rc = 2 ] && grep -q 'needs --transport xdp' '$tmp/xq.err'"
"$SCC" sink --transport xdp --if lo --xdp-queues 65 >/dev/null 2>"$tmp/xq.err"; rc=$?
check "scc sink --xdp-queues 65: usage error with the range (rc $rc)" \
    bash -c "[ $rc = 2 ] && grep -q '1..64' '$tmp/xq.err'"
mq_sink xs1$tag --xdp-queues 1
check "scc sink --xdp-queues 1 on the 2-queue veth misses queue 1's frames (got ${mqrx:-0} of 4000)" \
    bash -c "[ '${mqrx:-0}' -gt 0 ] && [ '${mqrx:-0}' -lt 4000 ]"
mq_sink xs2$tag
check "scc sink over xdp binds every queue by default (got ${mqrx:-0} of 4000)" [ "${mqrx:-0}" = 4000 ]

# a two-way NF (--reverse) does not block in the receive: it sleeps in one
# poll() on nf_io_fd() of both sides, which for 2 queues is an epoll set of
# both sockets. At 100 pps a frame on queue 1 waits for nothing; were only
# queue 0's socket polled it would wait for the next frame on queue 0 (10 ms
# or more later) or the loop's 100 ms timeout
MQ_RATE=100 MQ_COUNT=100 mq_run xqr$tag --reverse straight && {
    check "two-way NF on 2 queues: a frame on either queue wakes it (NF rx $mqnf, sink $mqrx of 100, p99 $((${mqp99:-0} / 1000)) us < 8 ms)" \
        bash -c "[ '${mqnf:-0}' = 100 ] && [ '${mqrx:-0}' = 100 ] && [ '${mqp99:-0}' -gt 0 ] && [ '${mqp99:-0}' -lt 8000000 ]"
}

# ---------------- scc run over xdp: kill -9 of the launcher + scc cleanup ----
# the NFs' programs sit on the chain's veths (made with 2 queues: io.queues);
# cleanup deletes those (and the namespaces), so no program, socket, NF or
# namespace is left
chain=xk$tag
cat >"$tmp/chain.json" <<JSON
{ "name": "$chain", "io": { "transport": "xdp", "queues": 2 }, "interconnect": "b2b",
  "nfs": [ { "name": "c1", "type": "counter" }, { "name": "c2", "type": "counter" } ] }
JSON
snap() { ip netns list | sort; ip link show | grep -c 'prog/xdp'; }
snap >"$tmp/before"
"$SCC" run "$tmp/chain.json" --no-traffic >"$tmp/run.out" 2>&1 &
lp=$!; pids+=("$lp")
for _ in $(seq 100); do "$SCC" stats --json "$chain.c2" 2>/dev/null | grep -q '"ready": true' && break; sleep 0.1; done
check "scc run: NFs over xdp up (stats page says xdp)" \
    bash -c "'$SCC' stats --json '$chain.c1' | grep -q 'over xdp-'"
# io.queues 2: the launcher made every veth with 2 queues, and each NF
# bound a socket to both
check "scc run with io.queues 2: the NFs' veths have 2 queues, an AF_XDP socket on each" \
    bash -c "'$SCC' stats --json '$chain.c1' | grep -q 'over xdp-native-copy+shared, 2 queues'" ||
    "$SCC" stats --json "$chain.c1" | grep -Eo '"(in|out)": "[^"]*"'
kill -9 "$lp"; wait "$lp" 2>/dev/null
# the journal names each NF interface an AF_XDP program was attached to
# (two counters, two sides each), for cleanup to detach where one survives
check "scc run: the journal records the 4 NF interfaces under xdp" \
    [ "$(grep -c '^xdp ' "${SCC_STATE_DIR:-/run/scc}/$chain.state" 2>/dev/null)" = 4 ]
"$SCC" -q cleanup "$chain" >"$tmp/cleanup.out" 2>&1 || bad "scc cleanup: $(cat "$tmp/cleanup.out")"
sleep 0.2
snap >"$tmp/after"
check "kill -9 + scc cleanup: no namespace or XDP program left" diff -u "$tmp/before" "$tmp/after"
check "kill -9 + scc cleanup: no NF left" bash -c "! pgrep -f -- 'scc-nf --name $chain\\.' >/dev/null"
exit $fail

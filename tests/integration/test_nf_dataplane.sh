#!/usr/bin/env bash
# test_nf_dataplane — real packets through scc-nf: a router and a firewall
# (and a NAT) over VXLAN-UDP on loopback, and a router over raw AF_PACKET
# sockets on veth pairs between two network namespaces this test creates.
# nf_probe (tests/unit/nfs/nf_probe.c) crafts the frames and reports the
# ones that come out; we check TTL, checksums, MACs, filtered flows absent,
# and the NF's own counters from `scc stats --json`. Also checks that the
# NF runs under seccomp with no capabilities and removes its stats page.
set -u
DP_NS=sccdp
. "$(dirname "$0")/nf_dp_lib.sh"

# ---------------- UDP (VXLAN) on loopback ----------------
base=$((20000 + (tag % 2000) * 10))
start_nf rt$tag "" --pipeline "$ROUTER" --in udp:127.0.0.1:$base --out udp:127.0.0.1:$((base + 1)) --batch 32 && {
    rtpid=$nfpid
    check "udp router: seccomp filter on" grep -q '^Seccomp:[[:space:]]*2' /proc/$rtpid/status
    check "udp router: no capabilities left" grep -q '^CapEff:[[:space:]]*0000000000000000' /proc/$rtpid/status
    check "udp router: stats page is mode 0600" [ "$(stat -c %a /dev/shm/scc-nf-rt$tag 2>/dev/null)" = 600 ]
    "$PROBE" --tx udp:127.0.0.1:$base --rx udp:127.0.0.1:$((base + 1)) --wait-ms 1500 --expect 7 \
        "${ROUTER_FRAMES[@]}" >"$tmp/rt.out"
    sleep 0.2
    check_router rt$tag "$tmp/rt.out" udp
    stop_nf rt$tag $rtpid
}

start_nf fw$tag "" --pipeline "$FIREWALL" --in udp:127.0.0.1:$((base + 2)) --out udp:127.0.0.1:$((base + 3)) --batch 8 && {
    fwpid=$nfpid
    "$PROBE" --tx udp:127.0.0.1:$((base + 2)) --rx udp:127.0.0.1:$((base + 3)) --wait-ms 1500 --expect 4 \
        udp,10.1.0.1,10.3.0.9,5000,9000,64,2 udp,10.1.0.1,10.3.0.9,5000,9999,64 \
        icmp,10.1.0.1,10.3.0.9,0,0,64 udp,10.66.1.1,10.3.0.9,5000,9500,64,3 \
        udp,10.1.0.1,10.3.0.9,5000,10000,64 tcp,10.1.0.1,10.3.0.9,5000,9000,64 >"$tmp/fw.out"
    sleep 0.2
    check "udp firewall: 4 allowed frames out" grep -q 'received=4$' "$tmp/fw.out"
    check "udp firewall: denied net absent" bash -c "! grep -q 'src=10.66' '$tmp/fw.out'"
    check "udp firewall: port 10000 and TCP absent" bash -c "! grep -Eq 'dport=10000|proto=6' '$tmp/fw.out'"
    check "udp firewall: ICMP allowed" grep -q 'proto=1 ' "$tmp/fw.out"
    check "udp firewall: 5 denied counted" [ "$(drop fw$tag 'denied by a rule')" = 5 ]
    stop_nf fw$tag $fwpid
}

start_nf nat$tag "" --pipeline "$NAT" --in udp:127.0.0.1:$((base + 4)) --out udp:127.0.0.1:$((base + 5)) && {
    natpid=$nfpid
    "$PROBE" --tx udp:127.0.0.1:$((base + 4)) --rx udp:127.0.0.1:$((base + 5)) --wait-ms 1500 --expect 5 \
        udp,10.1.0.1,198.51.100.7,5000,53,64,2 tcp,10.1.0.2,198.51.100.7,5001,80,64 \
        udp,10.1.0.3,198.51.100.7,5002,53,64,1,udp0 icmp,10.1.0.1,198.51.100.7,0,0,64 >"$tmp/nat.out"
    sleep 0.2
    check "udp nat: 4 TCP/UDP frames and 1 ICMP echo translated" grep -q 'received=5$' "$tmp/nat.out"
    check "udp nat: sources from the pool" [ "$(grep -Ec 'src=203\.0\.113\.[1-4] ' "$tmp/nat.out")" -eq 5 ]
    check "udp nat: the ICMP echo from the pool" \
        [ "$(grep -Ec 'proto=1 src=203\.0\.113\.[1-4] ' "$tmp/nat.out")" -eq 1 ]
    check "udp nat: checksums valid" [ "$(grep -c 'ipsum=ok l4sum=ok' "$tmp/nat.out")" -eq 5 ]
    check "udp nat: UDP zero checksum stays zero" grep -q 'udpsum=zero' "$tmp/nat.out"
    check "udp nat: one mapping per flow" \
        [ "$(grep 'dport=53 ' "$tmp/nat.out" | grep 'sport=' | awk '{print $4,$6}' | sort -u | wc -l)" -eq 2 ]
    check "udp nat: nothing dropped as unsupported (ICMP echo is translated)" \
        [ "$(drop nat$tag 'unsupported protocol')" = 0 ]
    stop_nf nat$tag $natpid
}

# the same router from a chain spec (type router): scc-nf reads no spec; the
# launcher passes the expanded pipeline and the io block as flags. Take them
# from `scc run --dry-run`'s scc-nf command line and run that NF here.
cat >"$tmp/chain.json" <<JSON
{ "name": "dp$tag", "io": { "transport": "udp", "batch": 16 }, "interconnect": "udp",
  "nfs": [ { "name": "r1", "type": "router", "env": "native",
             "config": { "src_mac": "02:00:00:00:00:01",
                         "routes": [ { "prefix": "10.0.0.0/8", "port": 0 },
                                     { "prefix": "10.2.0.0/16", "port": 1, "mac": "02:00:00:00:00:09" } ] } } ] }
JSON
"$SCC" run "$tmp/chain.json" --no-traffic --dry-run >"$tmp/dry.out" 2>&1 || bad "spec router: dry-run"
mapfile -t nfargs < <(python3 - "$tmp/dry.out" <<'PY'
import shlex, sys
for line in open(sys.argv[1]):
    w = shlex.split(line)
    if w and w[0].endswith("scc-nf"):
        for k in ("--pipeline", "--batch", "--idle", "--vni"):
            print(k); print(w[w.index(k) + 1])
        break
PY
)
check "spec router: the launcher passes pipeline, batch, idle, vni as flags" [ "${#nfargs[@]}" -eq 8 ]
check "spec router: no --spec on the NF's command line" bash -c "! grep -q -- '--spec' '$tmp/dry.out'"
start_nf spec$tag "" "${nfargs[@]}" --in udp:127.0.0.1:$((base + 6)) --out udp:127.0.0.1:$((base + 7)) && {
    specpid=$nfpid
    check "spec router: batch from the chain's io block" \
        bash -c "'$SCC' stats --json spec$tag | grep -q '\"batch\": 16'"
    "$PROBE" --tx udp:127.0.0.1:$((base + 6)) --rx udp:127.0.0.1:$((base + 7)) --wait-ms 1500 --expect 7 \
        "${ROUTER_FRAMES[@]}" >"$tmp/spec.out"
    sleep 0.2
    check_router spec$tag "$tmp/spec.out" spec
    stop_nf spec$tag $specpid
}

# ---------------- raw sockets on veth between two namespaces ----------------
if ! ip netns add "$nsa" 2>/dev/null || ! ip netns add "$nsb"; then
    echo "FAIL: cannot create network namespaces (need root)"; exit 1
fi
ip link add a0$tag netns "$nsa" type veth peer name b0$tag netns "$nsb" || bad "veth 0"
ip link add a1$tag netns "$nsa" type veth peer name b1$tag netns "$nsb" || bad "veth 1"
for ns in "$nsa" "$nsb"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 >/dev/null 2>&1
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 >/dev/null 2>&1
done
ip -n "$nsa" link set a0$tag up && ip -n "$nsa" link set a1$tag up
ip -n "$nsb" link set b0$tag up && ip -n "$nsb" link set b1$tag up

start_nf rawrt$tag "$nsb" --pipeline "$ROUTER" --in raw:b0$tag --out raw:b1$tag --batch 32 && {
    rawpid=$nfpid
    ip netns exec "$nsa" "$PROBE" --tx raw:a0$tag --rx raw:a1$tag --wait-ms 1500 --expect 7 \
        "${ROUTER_FRAMES[@]}" >"$tmp/raw.out"
    sleep 0.2
    check_router rawrt$tag "$tmp/raw.out" raw
    stop_nf rawrt$tag $rawpid
}

start_nf rawfw$tag "$nsb" --pipeline "$FIREWALL" --in raw:b0$tag --out raw:b1$tag --batch 1 && {
    rfpid=$nfpid
    ip netns exec "$nsa" "$PROBE" --tx raw:a0$tag --rx raw:a1$tag --wait-ms 1500 --expect 2 \
        udp,10.1.0.1,10.3.0.9,5000,9000,64,2 udp,10.66.1.1,10.3.0.9,5000,9500,64,3 >"$tmp/rawfw.out"
    sleep 0.2
    check "raw firewall (batch 1): 2 allowed out" grep -q 'received=2$' "$tmp/rawfw.out"
    check "raw firewall: denied net absent" bash -c "! grep -q 'src=10.66' '$tmp/rawfw.out'"
    check "raw firewall: 3 denied counted" [ "$(drop rawfw$tag 'denied by a rule')" = 3 ]
    stop_nf rawfw$tag $rfpid
}

# a bad pipeline is refused with exit 2 and a message naming the element
"$NF" --pipeline 'FromIO -> IPFiltr(allow all) -> ToIO' --in udp:127.0.0.1:1 --out udp:127.0.0.1:2 2>"$tmp/badpipe.err"
rc=$?
check "bad pipeline: exit 2" [ "$rc" -eq 2 ]
check "bad pipeline: did-you-mean message" grep -q 'did you mean IPFilter' "$tmp/badpipe.err"
"$NF" --in bogus 2>/dev/null
check "bad option: exit 2" [ $? -eq 2 ]

exit $fail

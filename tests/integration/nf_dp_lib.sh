# nf_dp_lib.sh — sourced by test_nf_dataplane.sh, test_nf_io_uring.sh and
# test_nf_io_xdp.sh: the shared harness (scc-nf started and stopped, its
# counters read back), the router/firewall/NAT pipelines and the router's
# probe frames with what must come out of them, so the transports are held
# to one standard. Set DP_NS (a short prefix for the test's namespaces)
# before sourcing.
BIN=${SCC_BIN:?SCC_BIN must point at the build bin/ directory}
NF=$BIN/scc-nf
PROBE=$BIN/nf_probe
SCC=$BIN/scc
fail=0
pids=()
tag=$$
nsa=${DP_NS:?}A$tag
nsb=${DP_NS}B$tag
tmp=$(mktemp -d)

cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    ip netns del "$nsa" 2>/dev/null
    ip netns del "$nsb" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
check() { # check DESCRIPTION COMMAND...
    local d=$1; shift
    if "$@"; then ok "$d"; else bad "$d"; fi
}

[ -x "$NF" ] && [ -x "$PROBE" ] || { echo "skip: scc-nf or nf_probe not built"; exit 77; }

# nfstat NAME KEY: a top-level counter from scc stats --json
nfstat() { "$SCC" stats --json "$1" | grep -o "\"$2\": [0-9]*" | head -1 | awk '{print $NF}'; }
# drop NAME REASON: the first element counter with that drop reason
drop() { "$SCC" stats --json "$1" | grep -o "\"$2\": [0-9]*" | head -1 | awk '{print $NF}'; }

wait_ready() { # wait_ready NAME PID
    for _ in $(seq 100); do
        if "$SCC" stats --json "$1" 2>/dev/null | grep -q '"ready": true'; then return 0; fi
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

start_nf() { # start_nf NAME [ns] ARGS... ; sets nfpid
    local name=$1 ns=$2; shift 2
    if [ -n "$ns" ]; then
        ip netns exec "$ns" "$NF" --name "$name" -q "$@" 2>"$tmp/$name.err" &
    else
        "$NF" --name "$name" -q "$@" 2>"$tmp/$name.err" &
    fi
    nfpid=$!
    pids+=("$nfpid")
    if ! wait_ready "$name" "$nfpid"; then
        bad "$name did not become ready: $(cat "$tmp/$name.err")"
        return 1
    fi
}

stop_nf() { # stop_nf NAME PID: SIGTERM, exit 0, page removed
    kill -TERM "$2"
    local rc=0
    wait "$2" || rc=$?
    check "$1 exits 0 on SIGTERM (rc $rc)" [ "$rc" -eq 0 ]
    check "$1 stats page removed" [ ! -e "/dev/shm/scc-nf-$1" ]
}

ROUTER='rt :: StaticIPLookup(10.0.0.0/8 0, 10.2.0.0/16 1 02:00:00:00:00:09); FromIO -> CheckIPHeader -> rt; rt[0] -> DecIPTTL -> EtherRewrite(SRC 02:00:00:00:00:01) -> ToIO; rt[1] -> Discard'
FIREWALL='FromIO -> CheckIPHeader -> IPFilter(deny src net 10.66.0.0/16, allow udp dst port 9000-9999, allow icmp, deny all) -> ToIO'
NAT='FromIO -> CheckIPHeader -> NAT(ADDR 203.0.113.1-203.0.113.4, PORTS 1024-65535, TIMEOUT 60) -> ToIO'

# the router's probe frames: 7 forwarded (4 UDP, 1 TCP, a fragment and a
# packet with options: RFC 1812 forwards both), 2 to the Discard route,
# 1 TTL expiry, 2 malformed, 1 without a route
ROUTER_FRAMES=(udp,10.1.0.1,10.3.0.9,1000,9000,64,4 tcp,10.1.0.1,10.3.0.9,1000,80,10
    udp,10.1.0.1,10.2.0.9,1000,9000,64,2 udp,10.1.0.1,10.3.0.9,1,2,1
    udp,10.1.0.1,10.3.0.9,1,2,64,1,badsum udp,10.1.0.1,10.3.0.9,1,2,64,1,frag
    udp,10.1.0.1,10.3.0.9,1,2,64,1,opts udp,10.1.0.1,10.3.0.9,1,2,64,1,short
    udp,1.1.1.1,11.0.0.1,1,2,64)

check_router() { # check_router NAME OUTFILE TRANSPORT
    local name=$1 out=$2 tr=$3
    check "$tr router: 7 frames forwarded" grep -q 'received=7$' "$out"
    check "$tr router: TTL decremented (64->63 x6, 10->9)" \
        [ "$(grep -c 'ttl=63 ' "$out")" -eq 6 -a "$(grep -c 'ttl=9 ' "$out")" -eq 1 ]
    check "$tr router: IP and L4 checksums valid" \
        [ "$(grep -c 'ipsum=ok l4sum=ok' "$out")" -eq 7 ]
    check "$tr router: source MAC rewritten" [ "$(grep -c 'smac=02:00:00:00:00:01 ' "$out")" -eq 7 ]
    check "$tr router: discarded route absent" bash -c "! grep -q 'dst=10.2.0.9' '$out'"
    check "$tr router: counters rx=13" [ "$(nfstat "$name" rx_pkts)" = 13 ]
    check "$tr router: counters tx=7" [ "$(nfstat "$name" tx_pkts)" = 7 ]
    check "$tr router: TTL expired counted" [ "$(drop "$name" 'TTL expired')" = 1 ]
    check "$tr router: bad checksum counted" [ "$(drop "$name" 'bad IP header checksum')" = 1 ]
    check "$tr router: fragment forwarded, not dropped" [ "$(drop "$name" 'IP fragment')" = 0 ]
    check "$tr router: options forwarded, not dropped" [ "$(drop "$name" 'IP options')" = 0 ]
    check "$tr router: truncated counted" [ "$(drop "$name" 'truncated IPv4 header')" = 1 ]
    check "$tr router: no route counted" [ "$(drop "$name" 'no route')" = 1 ]
    check "$tr router: discarded counted" [ "$(drop "$name" 'discarded')" = 2 ]
}

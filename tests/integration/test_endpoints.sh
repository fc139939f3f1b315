#!/usr/bin/env bash
# Endpoints (issue 15): `scc run --endpoints` puts namespaces ingress and
# egress at a chain's ends and ordinary programs talk through it, both
# ways. Chains of 1 and 3 NFs over b2b and bridge (one NF native): ping
# replies arrive; an iperf3 TCP transfer completes both ways (-R) with
# non-zero throughput; a firewall-denied port times out while an allowed
# one answers; behind a NAT the server sees the pool address and replies
# return; each NF's per-direction counters hold at least the bytes the
# receiving application got; `scc exec` without a running chain says so;
# nothing is left after a normal exit (--duration), Ctrl-C (SIGINT) and
# kill -9 + `scc cleanup`. Ping through a NAT: the egress side sees the
# pool address. The firewall is stateful: replies pass, a connection the
# egress side opens into ingress times out and counts as no-flow. Three routers answer ping -t 1, 2, 3 with ICMP Time
# Exceeded, each from its own address; one router over io_uring and over
# AF_XDP answers ping both ways.
set -u
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
ip netns list >/dev/null 2>&1 || { echo "skip: no network namespace support"; exit 77; }
for t in iperf3 ping python3 jq; do
    command -v $t >/dev/null || { echo "FAIL: $t is not installed (scripts/deps.sh --test)"; exit 1; }
done

SCC="$SCC_BIN/scc"
T=$(mktemp -d /tmp/scc-endpoints-test.XXXXXX)
export SCC_STATE_DIR="$T/state"
fail=0
run_pid=""
apps=""
bad() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok: $*"; }
cleanup() {
    for p in $apps; do kill "$p" 2>/dev/null; done
    [ -n "$run_pid" ] && kill "$run_pid" 2>/dev/null && wait "$run_pid" 2>/dev/null
    "$SCC" -q cleanup >/dev/null 2>&1
    rm -rf "$T"
}
trap cleanup EXIT

snapshot() { # namespaces, interfaces, stats pages, NF processes: the same after every stop
    { ip -all netns list 2>/dev/null | sort; ip -o link show | sed 's/^[0-9]*: //' | cut -d' ' -f1 | sort;
      ls /dev/shm | grep -E "^scc-nf-ep[0-9]" || true; pgrep -f "scc-nf --name ep[0-9]" || true
      ls "$SCC_STATE_DIR" 2>/dev/null || true; } >"$1"
}
same_as_before() { # desc
    snapshot "$T/after"
    if diff -u "$T/before" "$T/after" >"$T/diff"; then ok "$1: nothing left behind"
    else bad "$1: the machine is not as it was:"; cat "$T/diff"; fi
}

EG=10.201.2.1
POOL=10.201.9.1
fw='{ "name": "fw", "type": "firewall", "config": { "rules": [ "allow tcp dst port 5201", "allow icmp", "deny all" ] } }'
rt='{ "name": "rt", "type": "router", "config": { "routes": [ { "prefix": "0.0.0.0/0" } ] } }'
rt_native='{ "name": "rt", "type": "router", "env": "native", "config": { "routes": [ { "prefix": "0.0.0.0/0" } ] } }'
nat='{ "name": "nat", "type": "nat", "config": { "pool": "'$POOL'" } }'
cnt='{ "name": "cnt", "type": "counter" }'
chain() { # file name interconnect nfs-json
    echo "{ \"name\": \"$2\", \"interconnect\": \"$3\", \"io\": { \"batch\": 32 }, \"nfs\": $4 }" >"$T/$1.json"
}

# scc exec without a running chain: a clear error, exit 1
"$SCC" exec ingress -- true >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 1 ] && grep -q "no chain with endpoints is running" "$T/err" \
    && ok "scc exec without a chain: exit 1, says so" || { bad "scc exec without a chain: exit $rc"; cat "$T/err"; }
# endpoints over udp: refused with the reason
chain udp epu udp "[ $cnt ]"
sed -i 's/"io": { "batch": 32 }/"io": { "batch": 32, "transport": "udp" }/' "$T/udp.json"
"$SCC" run "$T/udp.json" --endpoints >/dev/null 2>"$T/err"; rc=$?
[ $rc -eq 2 ] && grep -q "carries frames one way" "$T/err" \
    && ok "endpoints over udp: refused (exit 2) with the reason" || { bad "endpoints over udp: exit $rc"; cat "$T/err"; }

start() { # name file [args]: start the chain, wait until its endpoints are up
    local name=$1 file=$2; shift 2
    "$SCC" run "$file" --endpoints "$@" >"$T/$name.out" 2>&1 &
    run_pid=$!
    for _ in $(seq 150); do
        grep -q "^endpoints:" "$T/$name.out" && return 0
        kill -0 "$run_pid" 2>/dev/null || break
        sleep 0.1
    done
    bad "$name: the chain did not come up:"; cat "$T/$name.out"; return 1
}
ex() { "$SCC" exec "$@"; } # ex ingress|egress --chain C -- CMD...

# iperf C PORT NAME [client args]: one 1 s TCP transfer; $T/NAME.cli, .srv (JSON)
iperf() {
    local c=$1 port=$2 name=$3; shift 3
    # scc exec execs in place: $! is the server itself (not a subshell)
    "$SCC" exec egress --chain "$c" -- iperf3 -s -1 -p "$port" -J >"$T/$name.srv" 2>&1 &
    local spid=$!; apps="$apps $spid"
    for _ in $(seq 30); do # until the server listens
        ex egress --chain "$c" -- ss -ltnH "sport = :$port" 2>/dev/null | grep -q . && break
        sleep 0.05
    done
    timeout 15 "$SCC" exec ingress --chain "$c" -- iperf3 -c $EG -p "$port" -t 1 -J "$@" >"$T/$name.cli" 2>&1
    local rc=$?
    wait "$spid" 2>/dev/null
    return $rc
}
bps() { jq -r '.end.sum_received.bits_per_second // 0' "$T/$1.cli" 2>/dev/null; }
rbytes() { jq -r '.end.sum_received.bytes // 0' "$T/$1.cli" 2>/dev/null; }

# checks C NFS...: ping (unless nat), TCP both ways, counters of every NF
checks() {
    local c=$1 nonat=$2; shift 2
    if [ "$nonat" = 1 ]; then
        if ex ingress --chain "$c" -- ping -c 3 -i 0.2 -W 1 $EG >"$T/$c.ping" 2>&1; then
            ok "$c: ping replies arrive ($(grep -o '[0-9]* received' "$T/$c.ping"))"
        else bad "$c: ping:"; cat "$T/$c.ping"; fi
    fi
    iperf "$c" 5201 "$c.fw" || { bad "$c: iperf3 forward failed:"; tail -5 "$T/$c.fw.cli"; }
    iperf "$c" 5201 "$c.rv" -R || { bad "$c: iperf3 -R failed:"; tail -5 "$T/$c.rv.cli"; }
    local f r
    f=$(bps "$c.fw"); r=$(bps "$c.rv")
    if awk -v f="$f" -v r="$r" 'BEGIN { exit !(f > 0 && r > 0) }'; then
        ok "$c: iperf3 TCP both ways: $(awk -v v="$f" 'BEGIN{printf "%.0f", v/1e6}') and $(awk -v v="$r" 'BEGIN{printf "%.0f", v/1e6}') Mbit/s"
    else bad "$c: iperf3 throughput forward $f, reverse $r bit/s"; fi
    # the NFs saw at least what the receiving application got, per direction
    local fb rb nf
    fb=$(rbytes "$c.fw"); rb=$(rbytes "$c.rv")
    for nf in "$@"; do
        "$SCC" stats --json "$c.$nf" >"$T/$c.$nf.stats" 2>&1 || { bad "$c.$nf: scc stats:"; cat "$T/$c.$nf.stats"; continue; }
        local frx rrx rtx mode
        frx=$(jq -r .directions.forward.rx_bytes "$T/$c.$nf.stats")
        rrx=$(jq -r .directions.reverse.rx_bytes "$T/$c.$nf.stats")
        rtx=$(jq -r .directions.reverse.tx_bytes "$T/$c.$nf.stats")
        mode=$(jq -r .directions.reverse_mode "$T/$c.$nf.stats")
        if [ "$frx" -ge "$fb" ] && [ "$rrx" -ge "$rb" ] && [ "$rtx" -ge "$rb" ] && [ "$fb" -gt 0 ] && [ "$rb" -gt 0 ]; then
            ok "$c.$nf ($mode): forward rx $frx >= $fb B, reverse rx $rrx / tx $rtx >= $rb B received by iperf3"
        else bad "$c.$nf ($mode): forward rx $frx (app got $fb), reverse rx $rrx tx $rtx (app got $rb)"; fi
    done
}

# 1. one router over b2b; a normal exit (--duration) leaves nothing
snapshot "$T/before"
chain c1 ep1 b2b "[ $rt ]"
# a chain with a traffic block: --endpoints leaves the block out (and says so)
sed -i 's/ }$/, "traffic": { "rate_pps": 1000 } }/' "$T/c1.json"
if start ep1 "$T/c1.json" --duration 9 --json "$T/ep1.json"; then
    grep -q "scc exec ingress --chain ep1 -- ping" "$T/ep1.out" && ok "ep1: scc run prints the scc exec lines" \
        || { bad "ep1: no scc exec line printed:"; cat "$T/ep1.out"; }
    grep -q "traffic block is not run" "$T/ep1.out" && ok "ep1: --endpoints leaves the traffic block out" \
        || { bad "ep1: nothing said about the traffic block:"; cat "$T/ep1.out"; }
    checks ep1 1 rt
    # scc exec hands back the command's own exit status; 127 for no such command
    ex ingress --chain ep1 -- python3 -c 'import sys; sys.exit(7)'; rc=$?
    ex ingress --chain ep1 -- scc-no-such-command 2>/dev/null; rc2=$?
    [ $rc -eq 7 ] && [ $rc2 -eq 127 ] && ok "ep1: scc exec exits with the command's status (7; 127 when not found)" \
        || bad "ep1: scc exec exit status $rc (want 7), $rc2 (want 127)"
    wait "$run_pid"; rc=$?; run_pid=""
    [ $rc -eq 0 ] || { bad "ep1: scc run exited $rc:"; tail -20 "$T/ep1.out"; }
    # the end-of-run table and the results JSON carry the return path too:
    # at least the bytes iperf3 -R received came back through the router
    python3 "$SCC_SOURCE_DIR/tests/integration/json_schema_subset.py" \
        "$SCC_SOURCE_DIR/docs/schema/scc-run.schema.json" "$T/ep1.json" \
        && ok "ep1: the results JSON validates against the schema" || bad "ep1: results JSON schema"
    rv=$(jq -r '.nfs[0].reverse | "\(.mode) \(.rx) \(.tx) \(.rx_bytes) \(.tx_bytes)"' "$T/ep1.json" 2>/dev/null)
    set -- $rv
    if [ "$#" -eq 5 ] && [ "$1" = pipeline ] && [ "$2" -gt 0 ] && [ "$3" -gt 0 ] \
        && [ "$4" -ge "$(rbytes ep1.rv)" ] && [ "$5" -ge "$(rbytes ep1.rv)" ]; then
        ok "ep1: results JSON: reverse ($1) rx $2 / tx $3 packets, $4 B >= $(rbytes ep1.rv) B received by iperf3 -R"
    else bad "ep1: results JSON reverse: '$rv' (iperf3 -R got $(rbytes ep1.rv) B)"; jq .nfs "$T/ep1.json"; fi
    grep -Eq "^ +reverse +[0-9]+ +[0-9]+ +[0-9]+ +\(reverse, through the pipeline\)" "$T/ep1.out" \
        && ok "ep1: the end-of-run table has the reverse row" || { bad "ep1: no reverse row:"; tail -12 "$T/ep1.out"; }
    same_as_before "ep1 after --duration"
fi

# 2. firewall -> NAT -> router over a bridge: denied port, pool address; Ctrl-C
chain c3 ep3 bridge "[ $fw, $nat, $rt ]"
if start ep3 "$T/c3.json"; then
    # ping through the NAT (it translates ICMP echo): the egress side sees
    # echo requests from the pool address (a raw ICMP socket there records
    # the sources), and the replies come back through the NAT
    ex egress --chain ep3 -- timeout 4 python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP); s.settimeout(3)
try:
    while True:
        d, a = s.recvfrom(2048)
        if d[(d[0] & 15) * 4] == 8: print(a[0], flush=True)
except socket.timeout: pass' >"$T/ep3.icmpsrc" 2>&1 &
    sniff=$!; apps="$apps $sniff"
    sleep 0.3
    if ex ingress --chain ep3 -- ping -c 3 -i 0.2 -W 1 $EG >"$T/ep3.ping" 2>&1; then
        ok "ep3: ping through the NAT: replies arrive ($(grep -o '[0-9]* received' "$T/ep3.ping"))"
    else bad "ep3: ping through the NAT:"; cat "$T/ep3.ping"; fi
    wait "$sniff" 2>/dev/null
    srcs=$(sort -u "$T/ep3.icmpsrc" | tr '\n' ' ')
    [ "$srcs" = "$POOL " ] && ok "ep3: the egress side saw the echo requests from the pool address $POOL" \
        || bad "ep3: the egress side saw echo requests from '$srcs', want only $POOL"
    checks ep3 0 fw nat rt
    # the server behind the NAT saw the pool address, and the transfer completed
    src=$(jq -r '.start.connected[0].remote_host // "none"' "$T/ep3.fw.srv" 2>/dev/null)
    [ "$src" = "$POOL" ] && ok "ep3: the egress server saw the NAT pool address $POOL" \
        || bad "ep3: the egress server saw $src, not the pool address $POOL"
    # allowed port answers (above); a denied port times out (the firewall
    # drops the SYN: no refusal comes back, although nothing listens there)
    ex ingress --chain ep3 -- python3 -c '
import socket, sys
s = socket.socket(); s.settimeout(1.5)
try:
    s.connect((sys.argv[1], 5301)); print("connected")
except socket.timeout: print("timeout")
except OSError as e: print("error", e)' $EG >"$T/deny" 2>&1
    grep -qx timeout "$T/deny" && ok "ep3: a denied port (5301) times out" || { bad "ep3: denied port:"; cat "$T/deny"; }
    "$SCC" stats --json ep3.fw >"$T/ep3.fw.after" 2>&1
    denied=$(jq -r '[.elements[] | select(.class == "IPFilter") | .drops[]] | add' "$T/ep3.fw.after")
    [ "${denied:-0}" -ge 1 ] && ok "ep3: the firewall counted $denied denied frame(s)" || bad "ep3: no denial counted"
    kill -INT "$run_pid"; wait "$run_pid"; rc=$?; run_pid=""
    [ $rc -eq 0 ] || [ $rc -eq 130 ] || bad "ep3: scc run exited $rc after SIGINT"
    same_as_before "ep3 after Ctrl-C"
fi

# 3. firewall -> counter -> native router over b2b; 1 NF over a bridge;
#    kill -9 + scc cleanup
chain c3n ep4 b2b "[ $fw, $cnt, $rt_native ]"
if start ep4 "$T/c3n.json"; then
    checks ep4 1 fw cnt rt
    # the firewall is stateful (reverse "pipeline", IPFilter STATEFUL): the
    # replies above passed, but a connection the egress side opens towards a
    # listener in ingress times out and the firewall counts its SYNs as
    # no-flow. The client binds port 5201, so that the listener's SYN-ACK
    # is one the rules allow forward (dst port 5201): with replies passing
    # unfiltered (reverse "straight") this connection would succeed.
    noflow() { # NF: the no-flow drops of its IPFilter
        "$SCC" stats --json "$1" 2>/dev/null | jq -r '[.elements[] | select(.class == "IPFilter")
            | .drops | to_entries[] | select(.key | startswith("no-flow")) | .value] | add // 0'
    }
    nf0=$(noflow ep4.fw)
    # scc exec execs in place: $! is timeout(1), which passes a kill on
    "$SCC" exec ingress --chain ep4 -- timeout 4 python3 -c '
import socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 5201)); s.listen(); s.settimeout(3)
try:
    s.accept(); print("accepted")
except socket.timeout: print("none")' >"$T/ep4.lsn" 2>&1 &
    lsn=$!; apps="$apps $lsn"
    for _ in $(seq 30); do
        ex ingress --chain ep4 -- ss -ltnH "sport = :5201" 2>/dev/null | grep -q . && break
        sleep 0.05
    done
    ex egress --chain ep4 -- python3 -c '
import socket, sys
s = socket.socket(); s.settimeout(1.5)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("0.0.0.0", 5201))
try:
    s.connect((sys.argv[1], 5201)); print("connected")
except socket.timeout: print("timeout")
except OSError as e: print("error", e)' 10.201.1.1 >"$T/ep4.in" 2>&1
    grep -qx timeout "$T/ep4.in" && ok "ep4: a connection from the egress side into ingress (port 5201) times out" \
        || { bad "ep4: egress -> ingress connection:"; cat "$T/ep4.in"; }
    kill "$lsn" 2>/dev/null; wait "$lsn" 2>/dev/null
    nf1=$(noflow ep4.fw)
    [ -n "$nf0" ] && [ -n "$nf1" ] && [ "$nf1" -gt "$nf0" ] \
        && ok "ep4: the firewall counted the refused SYNs as no-flow ($nf0 -> $nf1)" \
        || { bad "ep4: no-flow drops '$nf0' -> '$nf1'"; "$SCC" stats --json ep4.fw | jq '.elements'; }
    kill -9 "$run_pid"; wait "$run_pid" 2>/dev/null; run_pid=""
    "$SCC" -q cleanup >"$T/clean" 2>&1 || { bad "ep4: scc cleanup failed:"; cat "$T/clean"; }
    same_as_before "ep4 after kill -9 + scc cleanup"
fi
# 4. three routers: each answers an expired TTL with ICMP Time Exceeded
#    from its own address (the default with endpoints: the ingress gateway
#    minus the router's position), so ping -t N names hop N
rts=""
for i in 1 2 3; do
    rts="$rts${rts:+, }{ \"name\": \"rt$i\", \"type\": \"router\", \"config\": { \"routes\": [ { \"prefix\": \"0.0.0.0/0\" } ] } }"
done
chain c3r ep6 b2b "[ $rts ]"
if start ep6 "$T/c3r.json"; then
    for hop in 1 2 3; do
        want=10.201.1.$((255 - hop))
        ex ingress --chain ep6 -- ping -c 1 -W 1 -t $hop $EG >"$T/ep6.t$hop" 2>&1
        grep -q "From $want .*Time to live exceeded" "$T/ep6.t$hop" \
            && ok "ep6: ping -t $hop: Time Exceeded from router $hop ($want)" \
            || { bad "ep6: ping -t $hop: no Time Exceeded from $want:"; cat "$T/ep6.t$hop"; }
    done
    ex ingress --chain ep6 -- ping -c 1 -W 1 -t 4 $EG >"$T/ep6.t4" 2>&1 \
        && ok "ep6: ping -t 4 passes the three routers" || { bad "ep6: ping -t 4:"; cat "$T/ep6.t4"; }
    "$SCC" stats --json ep6.rt2 >"$T/ep6.rt2.stats" 2>&1
    te=$(jq -r '[.elements[] | select(.class == "ICMPError") | .out] | add' "$T/ep6.rt2.stats")
    [ "${te:-0}" -ge 1 ] && ok "ep6: rt2 counted $te ICMP error(s) sent" || { bad "ep6: rt2 sent no ICMP error:"; cat "$T/ep6.rt2.stats"; }
    kill -INT "$run_pid"; wait "$run_pid"; run_pid=""
    same_as_before "ep6 after Ctrl-C"
fi
# 5. the other transports carry both directions too: ping and a Time
#    Exceeded through one router over io_uring and over AF_XDP
for tr in uring xdp; do
    chain "c$tr" "ep$tr" b2b "[ $rt ]"
    sed -i "s/\"io\": { \"batch\": 32 }/\"io\": { \"batch\": 32, \"transport\": \"$tr\" }/" "$T/c$tr.json"
    start "ep$tr" "$T/c$tr.json" || continue
    if ex ingress --chain "ep$tr" -- ping -c 2 -i 0.2 -W 1 $EG >"$T/ep$tr.ping" 2>&1 \
        && ex ingress --chain "ep$tr" -- ping -c 1 -W 1 -t 1 $EG 2>&1 | grep -q "From 10.201.1.254 .*Time to live exceeded"; then
        ok "ep$tr: over $tr, ping replies arrive and the router answers TTL expiry"
    else bad "ep$tr: ping over $tr:"; cat "$T/ep$tr.ping"; tail -5 "$T/ep$tr.out"; fi
    kill -INT "$run_pid"; wait "$run_pid"; run_pid=""
    same_as_before "ep$tr after Ctrl-C"
done
chain c1b ep5 bridge "[ $fw ]"
if start ep5 "$T/c1b.json" --duration 8; then
    checks ep5 1 fw
    wait "$run_pid"; run_pid=""
    same_as_before "ep5 after --duration"
fi
exit $fail

#!/usr/bin/env bash
# apps_bench.sh — real applications through a chain, next to the same
# applications over the kernel path alone, in one run (issue 15):
#   bare:  two namespaces joined by one veth pair, no NF, checksum and
#          segmentation offloads off (as on the endpoints: every frame is
#          MTU-sized and checksummed by the kernel, so the rows compare the
#          same per-packet work); also once with the veth's default
#          offloads (64 KiB TSO frames), for information;
#   1 NF:  `scc run --endpoints` of one router (b2b, batch BATCH);
#   3 NF:  firewall -> NAT -> router (b2b, batch BATCH).
# Each setup runs iperf3 TCP (ingress -> egress), iperf3 UDP (1400 B
# datagrams, unlimited rate: the received rate and the loss) and sockperf
# UDP ping-pong (p50 / p99 round trip), the client pinned to CPU 0 and the
# server to CPU 1 with taskset (the NFs are not pinned). Prints one row per
# setup and the ratios to bare. Goal: TCP through one NF at batch 32 at
# least half of bare's.
#
# usage: bench/apps_bench.sh [--quick] [--duration S] [--batch N] [BUILD_DIR]
#   BUILD_DIR    the build directory (default: $SCC_BIN or build); its bin/
#                directory is accepted too (build and build/bin both work)
#   --quick      1 s per measurement; bare (offloads off) and 1 NF only (goal
#                printed, not judged; tests/integration/test_bench_scripts.sh)
#   --duration S seconds per measurement, default 4
#   --batch N    the NFs' batch, default 32
#   -h, --help   this text
# Needs root (namespaces), iperf3, sockperf, jq, python3, taskset. Exit 0
# when the goal holds (or with --quick), 1 when it does not (figures are
# printed either way), 2 on usage errors or a missing tool.
set -euo pipefail

dur=4
batch=32
quick=0
build=""
need() { [ $# -ge 2 ] || { echo "apps_bench.sh: $1 needs a value (see --help)" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
    case "$1" in
    --duration) need "$@"; dur="$2"; shift 2 ;;
    --batch) need "$@"; batch="$2"; shift 2 ;;
    --quick) quick=1; dur=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "apps_bench.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) [ -z "$build" ] || { echo "apps_bench.sh: one build directory only (see --help)" >&2; exit 2; }
       build="$1"; shift ;;
    esac
done
. "$(dirname "$0")/bench_lib.sh"
bin=$(bench_bin apps_bench.sh "$build") || exit 2
SCC="$bin/scc"
[ "$(id -u)" -eq 0 ] || { echo "apps_bench.sh: needs root (network namespaces)" >&2; exit 2; }
for t in iperf3 sockperf jq python3 taskset ip; do
    command -v "$t" >/dev/null || { echo "apps_bench.sh: needs $t" >&2; exit 2; }
done

T=$(mktemp -d /tmp/scc-apps-bench.XXXXXX)
A=scc-abA-$$; B=scc-abB-$$
export SCC_STATE_DIR="$T/state"
run_pid=""
apps=""
cleanup() {
    for p in $apps; do kill "$p" 2>/dev/null || true; done
    if [ -n "$run_pid" ]; then kill "$run_pid" 2>/dev/null || true; wait "$run_pid" 2>/dev/null || true; fi
    ip netns del "$A" 2>/dev/null || true
    ip netns del "$B" 2>/dev/null || true
    "$SCC" -q cleanup >/dev/null 2>&1 || true
    rm -rf "$T"
}
trap cleanup EXIT

IN=10.201.1.1
EG=10.201.2.1
# offloads off on IF in namespace NS: the legacy ethtool ioctl (no ethtool
# binary), as the launcher does for its endpoints
offloads_off() {
    ip netns exec "$1" python3 - "$2" <<'PY'
import ctypes, fcntl, socket, struct, sys
SIOCETHTOOL = 0x8946
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for cmd in (0x17, 0x19, 0x1f, 0x24):  # STXCSUM, SSG, STSO, SGSO
    ev = ctypes.create_string_buffer(struct.pack("II", cmd, 0))
    ifr = struct.pack("16sP", sys.argv[1].encode(), ctypes.addressof(ev)) + b"\0" * 16
    fcntl.ioctl(s.fileno(), SIOCETHTOOL, ifr)
PY
}

# run_in SIDE CMD...: SIDE ingress|egress; in the bare setup the namespaces
# A/B, else the running chain's endpoints
mode=bare
run_in() {
    local side=$1; shift
    if [ "$mode" = bare ]; then
        ip netns exec "$([ "$side" = ingress ] && echo "$A" || echo "$B")" "$@"
    else
        "$SCC" exec "$side" --chain "$mode" -- "$@"
    fi
}
# bg_in SIDE CMD...: run_in in the background, $! the command's own pid
# (ip netns exec, scc exec and taskset all exec in place; a backgrounded
# function would leave $! naming a subshell, and kill would miss the server)
bg_in() {
    local side=$1; shift
    if [ "$mode" = bare ]; then
        ip netns exec "$([ "$side" = ingress ] && echo "$A" || echo "$B")" "$@" &
    else
        "$SCC" exec "$side" --chain "$mode" -- "$@" &
    fi
    apps="$apps $!"
}
wait_listen() { # PROTO PORT
    for _ in $(seq 40); do
        run_in egress ss -lnH "$1" "sport = :$2" 2>/dev/null | grep -q . && return 0
        sleep 0.05
    done
}

# measure NAME: fills $T/NAME.{tcp,udp,pp}
measure() {
    local name=$1 spid
    bg_in egress taskset -c 1 iperf3 -s -1 -p 5201 >/dev/null 2>&1; spid=$!
    wait_listen -t 5201
    run_in ingress taskset -c 0 iperf3 -c $EG -p 5201 -t "$dur" -J >"$T/$name.tcp" 2>&1 || true
    wait "$spid" 2>/dev/null || true
    bg_in egress taskset -c 1 iperf3 -s -1 -p 5201 >/dev/null 2>&1; spid=$!
    wait_listen -t 5201
    run_in ingress taskset -c 0 iperf3 -c $EG -p 5201 -u -b 0 -l 1400 -t "$dur" -J >"$T/$name.udp" 2>&1 || true
    wait "$spid" 2>/dev/null || true
    bg_in egress taskset -c 1 sockperf server -i $EG -p 11111 >/dev/null 2>&1; spid=$!
    wait_listen -u 11111
    run_in ingress taskset -c 0 sockperf ping-pong -i $EG -p 11111 -t "$dur" >"$T/$name.pp" 2>&1 || true
    kill "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true
}
# figures NAME: "tcp_mbps udp_mbps udp_loss_pct p50_us p99_us" ('-' when not measured)
figures() {
    local t u l p50 p99
    t=$(jq -r '.end.sum_received.bits_per_second // empty' "$T/$1.tcp" 2>/dev/null || true)
    u=$(jq -r '.end.sum.bits_per_second // empty' "$T/$1.udp" 2>/dev/null || true)
    l=$(jq -r '.end.sum.lost_percent // empty' "$T/$1.udp" 2>/dev/null || true)
    p50=$(awk '/percentile 50.000 =/ { print $NF }' "$T/$1.pp" | tail -1)
    p99=$(awk '/percentile 99.000 =/ { print $NF }' "$T/$1.pp" | tail -1)
    awk -v t="${t:--}" -v u="${u:--}" -v l="${l:--}" -v a="${p50:--}" -v b="${p99:--}" 'BEGIN {
        printf "%s %s %s %s %s\n", t == "-" ? "-" : sprintf("%.0f", t / 1e6),
            u == "-" ? "-" : sprintf("%.0f", u / 1e6), l == "-" ? "-" : sprintf("%.1f", l),
            a == "-" ? "-" : sprintf("%.1f", a), b == "-" ? "-" : sprintf("%.1f", b) }'
}

bare_setup() { # OFFLOADS(on|off)
    ip netns add "$A"; ip netns add "$B"
    ip link add abA$$ netns "$A" type veth peer name abB$$ netns "$B"
    ip -n "$A" addr add $IN/16 dev abA$$; ip -n "$B" addr add $EG/16 dev abB$$
    ip -n "$A" link set abA$$ up; ip -n "$B" link set abB$$ up
    ip -n "$A" link set lo up; ip -n "$B" link set lo up
    if [ "$1" = off ]; then offloads_off "$A" abA$$; offloads_off "$B" abB$$; fi
}
bare_teardown() { ip netns del "$A"; ip netns del "$B"; }

chain_up() { # NAME NFS-JSON
    echo "{ \"name\": \"$1\", \"interconnect\": \"b2b\", \"io\": { \"batch\": $batch }, \"nfs\": $2 }" >"$T/$1.json"
    "$SCC" -q run "$T/$1.json" --endpoints >"$T/$1.out" 2>&1 & run_pid=$!
    for _ in $(seq 150); do
        grep -q "^endpoints:" "$T/$1.out" && return 0
        kill -0 "$run_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "apps_bench.sh: chain $1 did not come up:" >&2; cat "$T/$1.out" >&2; exit 1
}
chain_down() { kill -INT "$run_pid"; wait "$run_pid" || true; run_pid=""; }

rt='{ "name": "rt", "type": "router", "config": { "routes": [ { "prefix": "0.0.0.0/0" } ] } }'
fw='{ "name": "fw", "type": "firewall", "config": { "rules": [ "allow tcp dst port 5201", "allow udp dst port 5201", "allow udp dst port 11111", "allow icmp", "deny all" ] } }'
nat='{ "name": "nat", "type": "nat", "config": { "pool": "10.201.9.1" } }'

echo "apps_bench: iperf3 TCP, iperf3 UDP (1400 B, unlimited), sockperf UDP ping-pong; $dur s each;"
echo "  client on CPU 0, server on CPU 1 (taskset); NFs unpinned, batch $batch, b2b veths"
mode=bare; bare_setup off; measure bare; bare_teardown
if [ $quick -eq 0 ]; then mode=bare; bare_setup on; measure bareoff; bare_teardown; fi
chain_up ab1 "[ $rt ]"; mode=ab1; measure nf1; chain_down
if [ $quick -eq 0 ]; then chain_up ab3 "[ $fw, $nat, $rt ]"; mode=ab3; measure nf3; chain_down; fi

printf "\n  %-30s %10s %10s %9s %10s %10s\n" setup "TCP Mb/s" "UDP Mb/s" "UDP loss%" "pp p50 us" "pp p99 us"
row() { read -r t u l a b <<<"$(figures "$2")"; printf "  %-30s %10s %10s %9s %10s %10s\n" "$1" "$t" "$u" "$l" "$a" "$b"; }
row "bare veth (offloads off)" bare
[ $quick -eq 1 ] || row "bare veth (default offloads)" bareoff
row "1 NF (router)" nf1
[ $quick -eq 1 ] || row "3 NF (firewall->nat->router)" nf3
read -r bt bu _ ba bb <<<"$(figures bare)"
ratio() { awk -v x="$1" -v y="$2" 'BEGIN { if (x == "-" || y == "-" || y == 0) print "-"; else printf "%.2f", x / y }'; }
for n in nf1 $([ $quick -eq 1 ] || echo nf3); do
    read -r t u _ a b <<<"$(figures $n)"
    printf "  %-30s %10s %10s %9s %10s %10s\n" "ratio $n / bare" "$(ratio "$t" "$bt")" "$(ratio "$u" "$bu")" "" \
        "$(ratio "$a" "$ba")" "$(ratio "$b" "$bb")"
done
read -r t _ <<<"$(figures nf1)"
r=$(ratio "$t" "$bt")
if awk -v r="$r" 'BEGIN { exit !(r != "-" && r >= 0.5) }'; then
    echo "goal: TCP through 1 NF / bare = $r >= 0.5: met"
    exit 0
fi
echo "goal: TCP through 1 NF / bare = $r: not met (>= 0.5 wanted)"
[ $quick -eq 1 ] && exit 0
exit 1

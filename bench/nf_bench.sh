#!/usr/bin/env bash
# nf_bench.sh — packet rate of one scc-nf forwarding 64-byte frames at batch
# 1, 8, 32 and 64, over VXLAN-UDP on loopback and over raw sockets on veth
# pairs between two namespaces, each next to the same kernel path with no NF
# (the generator's frames straight back to its own receiver), in the same run.
#
# Method: `scc gen --search` (RFC 2544 style): the highest offered rate whose
# loss stays within 1 %, found by binary search over short trials, with the
# receiver inside the generator process. The generator is pinned to CPU 0 and
# the NF to CPU 1 (on 2+ CPUs), the same placement in both runs, so the ratio
# says whether the NF keeps up with what the kernel path carries.
#   no-NF pps   zero-loss (<=1 %) rate gen -> kernel -> gen
#   NF pps      the same through gen -> kernel -> scc-nf -> kernel -> gen
#   ratio       NF pps / no-NF pps
#   NF ns/pkt   the NF's utime+stime (/proc/PID/stat) over the whole search /
#               frames it received
#
# usage: bench/nf_bench.sh [BUILD_BIN_DIR]   (default build/bin; root, for the
# namespaces). Environment: BATCHES (default "1 8 32 64"), TRIAL (seconds per
# search trial, default 0.4), TRIALS (trials per search, default 7), PIPELINE
# (default 'FromIO -> ToIO'). Output: a table on stdout.
set -u
BIN=${1:-build/bin}
SCC=$BIN/scc
NF=$BIN/scc-nf
BATCHES=${BATCHES:-"1 8 32 64"}
TRIAL=${TRIAL:-0.4}
TRIALS=${TRIALS:-7}
PIPE=${PIPELINE:-'FromIO -> ToIO'}
tag=$$
nsa=sccbA$tag
nsb=sccbB$tag
tmp=$(mktemp -d)
tck=$(getconf CLK_TCK)
for x in "$SCC" "$NF"; do [ -x "$x" ] || { echo "nf_bench: $x not built" >&2; exit 2; }; done
if [ "$(nproc)" -ge 2 ]; then G="taskset -c 0"; N="taskset -c 1"; else G=""; N=""; fi
cleanup() {
    ip netns del "$nsa" 2>/dev/null
    ip netns del "$nsb" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# search GEN_NS GEN_ARGS NF_NS NF_ARGS|none BATCH -> "pps ns_per_pkt"
search() {
    local gns=$1 ga=$2 nns=$3 na=$4 b=$5 npid="" t0=0 cpu="-"
    if [ "$na" != none ]; then
        $nns $N "$NF" --name bench$tag -q --batch "$b" --pipeline "$PIPE" $na 2>"$tmp/nf.err" &
        npid=$!
        for _ in $(seq 100); do
            "$SCC" stats --json bench$tag 2>/dev/null | grep -q '"ready": true' && break
            sleep 0.05
        done
        t0=$(cpu_ticks "$npid")
    fi
    $gns $G "$SCC" gen $ga --batch "$b" --search --rate 2000000 --trial "$TRIAL" \
        --max-trials "$TRIALS" --loss-tolerance 1 --resolution 5 --json "$tmp/gen.json" \
        >/dev/null 2>"$tmp/gen.err"
    if [ -n "$npid" ]; then
        local t1 rx
        t1=$(cpu_ticks "$npid")
        rx=$("$SCC" stats --json bench$tag | grep -o '"rx_pkts": [0-9]*' | awk '{print $2}')
        kill -TERM "$npid"; wait "$npid" 2>/dev/null
        [ "${rx:-0}" -gt 0 ] && cpu=$(awk -v t=$((t1 - t0)) -v k="$tck" -v n="$rx" \
            'BEGIN{printf "%.0f", t * 1e9 / k / n}')
    fi
    local pps
    pps=$(grep -o '"throughput_pps":[0-9.e+]*' "$tmp/gen.json" | head -1 | cut -d: -f2)
    echo "${pps:-0} $cpu"
}

row() { # row TRANSPORT BATCH "base -" "nf cpu"
    local br nr cpu
    read -r br _ <<<"$3"
    read -r nr cpu <<<"$4"
    awk -v t="$1" -v b="$2" -v br="$br" -v nr="$nr" -v c="$cpu" 'BEGIN{
        printf "%-9s %5d %11.0f %11.0f %6.2f %10s\n", t, b, br, nr, br ? nr / br : 0, c }'
}

echo "scc-nf forwarding 64 B frames, pipeline '$PIPE'; <=1% loss throughput search," \
     "$TRIALS x ${TRIAL}s trials; gen on CPU 0, NF on CPU 1 ($(nproc) CPUs)"
printf "%-9s %5s %11s %11s %6s %10s\n" transport batch "no-NF pps" "NF pps" ratio "NF ns/pkt"

p=$((30000 + (tag % 1000) * 10))
for b in $BATCHES; do
    base=$(search "" "--dst 127.0.0.1:$p --rx-listen 127.0.0.1:$p" "" none "$b")
    nf=$(search "" "--dst 127.0.0.1:$((p + 1)) --rx-listen 127.0.0.1:$((p + 2))" "" \
        "--in udp:127.0.0.1:$((p + 1)) --out udp:127.0.0.1:$((p + 2))" "$b")
    row udp "$b" "$base" "$nf"
done

ip netns add "$nsa" && ip netns add "$nsb" || { echo "nf_bench: cannot create namespaces (root?)"; exit 1; }
# no-NF path: one veth pair inside A; NF path: A -> B (NF) -> A over two pairs
ip link add x0$tag netns "$nsa" type veth peer name x1$tag netns "$nsa"
ip link add a0$tag netns "$nsa" type veth peer name b0$tag netns "$nsb"
ip link add a1$tag netns "$nsa" type veth peer name b1$tag netns "$nsb"
for ns in "$nsa" "$nsb"; do ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1; done
for i in x0 x1 a0 a1; do ip -n "$nsa" link set $i$tag up; done
for i in b0 b1; do ip -n "$nsb" link set $i$tag up; done
A="ip netns exec $nsa"
B="ip netns exec $nsb"
for b in $BATCHES; do
    base=$(search "$A" "--transport raw --if x0$tag --rx-if x1$tag" "" none "$b")
    nf=$(search "$A" "--transport raw --if a0$tag --rx-if a1$tag" "$B" \
        "--in raw:b0$tag --out raw:b1$tag" "$b")
    row raw "$b" "$base" "$nf"
done

#!/usr/bin/env bash
# nf_bench.sh — packet rate of one scc-nf forwarding 64-byte frames, at
# batch 1, 8, 32 and 64, over VXLAN-UDP on loopback and over raw sockets on
# veth pairs between two namespaces, each next to the same kernel path with
# no NF (scc gen straight to scc sink) measured in the same run.
#
# Placement (2+ CPUs): the generator on CPU 0; the sink and the NF share
# CPU 1. The generator runs unpaced, so the slowest stage sets the rate.
#   no-NF pps  frames the sink received / the generator's sending time
#   NF fwd pps frames the NF forwarded (its tx_pkts: accepted by the kernel)
#              / the generator's sending time: the NF's own packet rate
#   sink pps   frames the sink received through the NF / sending time
#              (the sink shares CPU 1 with the NF, so it falls behind first)
#   ratio      NF fwd pps / no-NF pps
#   NF ns/pkt  the NF's utime+stime (/proc/PID/stat) / frames it received
#
# usage: bench/nf_bench.sh [BUILD_BIN_DIR]   (default: build/bin; needs root
# for the namespaces). DURATION=seconds per trial (default 1), REPS=trials per
# cell, the best one kept (default 2; these VMs stall now and then), BATCHES="1 8 32 64",
# PIPELINE='FromIO -> ToIO' (the NF's pipeline). Output: a table on stdout.
set -u
BIN=${1:-build/bin}
SCC=$BIN/scc
NF=$BIN/scc-nf
D=${DURATION:-1}
REPS=${REPS:-2}
BATCHES=${BATCHES:-"1 8 32 64"}
PIPE=${PIPELINE:-'FromIO -> ToIO'}
tag=$$
nsa=sccbA$tag
nsb=sccbB$tag
tmp=$(mktemp -d)
tck=$(getconf CLK_TCK)
if [ "$(nproc)" -ge 2 ]; then G="taskset -c 0"; S="taskset -c 1"; N="taskset -c 1"; else G=""; S=""; N=""; fi
for x in "$SCC" "$NF"; do [ -x "$x" ] || { echo "nf_bench: $x not built" >&2; exit 2; }; done
cleanup() {
    ip netns del "$nsa" 2>/dev/null
    ip netns del "$nsb" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

jnum() { grep -o "\"$2\":[0-9.e+-]*" "$1" | head -1 | cut -d: -f2; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

# trial LABEL GEN_PREFIX GEN_ARGS -- SINK_PREFIX SINK_ARGS -- NF_PREFIX NF_ARGS|none
# prints "sink_rate nf_fwd_rate cpu_ns_per_pkt"
trial() {
    local gp=$1 ga=$2 sp=$3 sa=$4 np=$5 na=$6 b=$7
    $sp $S "$SCC" sink $sa --batch "$b" --duration $((D + 3)) --idle-timeout 0.5 --json "$tmp/sink.json" \
        >/dev/null 2>&1 &
    local spid=$!
    local npid=""
    if [ "$na" != none ]; then
        $np $N "$NF" --name bench$tag -q --batch "$b" --pipeline "$PIPE" $na 2>"$tmp/nf.err" &
        npid=$!
        for _ in $(seq 100); do
            "$SCC" stats --json bench$tag 2>/dev/null | grep -q '"ready": true' && break
            sleep 0.05
        done
    fi
    sleep 0.3
    local t0=0
    [ -n "$npid" ] && t0=$(cpu_ticks "$npid")
    $gp $G "$SCC" gen $ga --batch "$b" --rate max --duration "$D" --json "$tmp/gen.json" >/dev/null 2>&1
    sleep 0.2
    local cpu="-" nfrx=0 nftx=0
    if [ -n "$npid" ]; then
        local t1
        t1=$(cpu_ticks "$npid")
        nfrx=$("$SCC" stats --json bench$tag | grep -o '"rx_pkts": [0-9]*' | awk '{print $2}')
        nftx=$("$SCC" stats --json bench$tag | grep -o '"tx_pkts": [0-9]*' | awk '{print $2}')
        kill -TERM "$npid"; wait "$npid" 2>/dev/null
        [ "${nfrx:-0}" -gt 0 ] && cpu=$(awk -v t=$((t1 - t0)) -v k="$tck" -v n="$nfrx" \
            'BEGIN{printf "%.0f", t * 1e9 / k / n}')
    fi
    wait "$spid" 2>/dev/null
    local rx el
    rx=$(jnum "$tmp/sink.json" rx_pkts)
    el=$(jnum "$tmp/gen.json" elapsed_s)
    awk -v r="${rx:-0}" -v f="${nftx:-0}" -v e="${el:-1}" -v c="$cpu" \
        'BEGIN{printf "%.0f %.0f %s\n", r / e, f / e, c}'
}

# best FIELD TRIAL-ARGS...: run REPS trials, keep the line with the largest FIELD
best() {
    local f=$1; shift
    local out="" v bestv=-1 line
    for _ in $(seq "$REPS"); do
        line=$(trial "$@")
        v=$(echo "$line" | awk -v f="$f" '{print $f}')
        if awk -v a="$v" -v b="$bestv" 'BEGIN{exit !(a > b)}'; then bestv=$v; out=$line; fi
    done
    echo "$out"
}

row() { # row TRANSPORT BATCH "base_rate 0 -" "sink_rate fwd_rate cpu"
    local br sr fr cpu
    read -r br _ _ <<<"$3"
    read -r sr fr cpu <<<"$4"
    awk -v t="$1" -v b="$2" -v br="$br" -v sr="$sr" -v fr="$fr" -v c="$cpu" 'BEGIN{
        printf "%-9s %5d %11.0f %11.0f %11.0f %6.2f %10s\n", t, b, br, fr, sr, br ? fr / br : 0, c }'
}

echo "scc-nf forwarding 64 B frames, pipeline '$PIPE', best of $REPS x ${D} s ($(nproc) CPUs)"
printf "%-9s %5s %11s %11s %11s %6s %10s\n" transport batch "no-NF pps" "NF fwd pps" \
    "sink pps" ratio "NF ns/pkt"

p=$((30000 + (tag % 1000) * 10))
for b in $BATCHES; do
    base=$(best 1 "" "--dst 127.0.0.1:$p" "" "--listen 127.0.0.1:$p" "" none "$b")
    nf=$(best 2 "" "--dst 127.0.0.1:$((p + 1))" "" "--listen 127.0.0.1:$((p + 2))" "" \
        "--in udp:127.0.0.1:$((p + 1)) --out udp:127.0.0.1:$((p + 2))" "$b")
    row udp "$b" "$base" "$nf"
done

ip netns add "$nsa" && ip netns add "$nsb" || { echo "nf_bench: cannot create namespaces (root?)"; exit 1; }
ip link add a0$tag netns "$nsa" type veth peer name b0$tag netns "$nsb"
ip link add a1$tag netns "$nsa" type veth peer name b1$tag netns "$nsb"
for ns in "$nsa" "$nsb"; do ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1; done
ip -n "$nsa" link set a0$tag up; ip -n "$nsa" link set a1$tag up
ip -n "$nsb" link set b0$tag up; ip -n "$nsb" link set b1$tag up
A="ip netns exec $nsa"
B="ip netns exec $nsb"
for b in $BATCHES; do
    base=$(best 1 "$A" "--transport raw --if a0$tag" "$B" "--transport raw --if b0$tag" "" none "$b")
    nf=$(best 2 "$A" "--transport raw --if a0$tag" "$A" "--transport raw --if a1$tag" "$B" \
        "--in raw:b0$tag --out raw:b1$tag" "$b")
    row raw "$b" "$base" "$nf"
done

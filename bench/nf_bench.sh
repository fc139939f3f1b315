#!/usr/bin/env bash
# nf_bench.sh — packet rate of one scc-nf forwarding 64-byte frames at batch
# 1, 8, 32 and 64, over VXLAN-UDP on loopback and over raw sockets on veth
# pairs between two namespaces, each next to the same kernel path with no NF
# (the generator's frames straight back to its own receiver), in the same run.
#
# usage: bench/nf_bench.sh [--quick] [BUILD_DIR]
#   BUILD_DIR  the build directory (default: $SCC_BIN or build); its bin/
#              directory is accepted too (build and build/bin both work)
#   --quick    batch 32 only, short trials, 5 % resolution (about 15 s)
#   -h, --help this text
# Needs root for the raw rows (namespaces); without it they are skipped.
# Environment: BATCHES (default "1 8 32 64"), TRIAL (seconds per search
# trial, default 0.4), RESOLUTION (percent, default 2), MAX_TRIALS (default
# 16), PIPELINE (default 'FromIO -> ToIO'). Output: a table on stdout.
#
# Method: `scc gen --search --rate max` (RFC 2544 style): an unpaced probe
# trial, then trials stepping from the rate that came back until the
# highest rate whose loss stays within 1 % is bracketed to RESOLUTION. The
# generator's sender runs on CPU 0; its receiver thread (--rx-cpu) and the
# NF on CPU 1 (on 2+ CPUs). The no-NF path thus has the receiver on the
# other core as well, so it is a real upper bound for the NF path.
#   no-NF pps   zero-loss (<=1 %) rate gen -> kernel -> gen
#   NF pps      the same through gen -> kernel -> scc-nf -> kernel -> gen
#   ratio       NF pps / no-NF pps
#   res %       the wider of the two searches' final brackets (hi-lo)/hi;
#               '*' when a search stopped at MAX_TRIALS before RESOLUTION
#   '<N'        no trial passed, even in a second search halving down from
#               the lowest failing rate: the zero-loss rate is below N (a
#               figure is never printed as 0 when it was not measured)
#   NF ns/pkt   the NF's utime+stime (/proc/PID/stat) over the whole search /
#               frames it received
#
# Transports (root; the raw veth path of the table above, NF in namespace B):
# the same NF over each of TRANSPORTS (default "raw uring uring+sqpoll", then
# uring+sqpoll@0 on 2+ CPUs: the SQPOLL thread pinned to CPU 0 with
# --uring-sqpoll-cpu 0, away from the NF's CPU 1 but beside the generator's
# sender; and uring+sqpoll@0~200, the same with --uring-spin-us 200, the
# configuration with the fewest system calls; not with --quick; any
# uring+sqpoll@CPU~US names a row with --uring-spin-us US), plus xdp when
# scc-nf has it, at each of TBATCHES (default "1 32"; --quick: 32), the
# searches' generator and its receiver on GEN_T in every row (default xdp
# where built, else raw: over raw sockets the instrument tops out near the
# xdp NF's rate), so only the NF's transport changes. Per row:
#   NF pps      zero-loss (<=1 %) rate through the NF (as above)
#   ns/pkt      the NF's CPU time per frame over the search, all its threads
#               (SQPOLL's kernel thread iou-sqp is one of them)
#   sys/pkt     the NF's own count of I/O system calls (recvmmsg+sendmmsg,
#               or io_uring_enter) per frame over the search
#   p50, p99    one-way latency gen -> NF -> sink (us) at LAT_RATE pps
#               (default 20000) for LAT_S seconds (default 1; --quick 0.3)
# TMAX_TRIALS caps these searches (default MAX_TRIALS; --quick 5).
#   x raw       the row's figure / the raw row's at the same batch
set -u
usage() { sed -n '2,/^set -u/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
QUICK=0
BUILD=""
while [ $# -gt 0 ]; do
    case "$1" in
    --quick) QUICK=1; shift ;;
    -h|--help) usage; exit 0 ;;
    -*) echo "nf_bench: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) [ -z "$BUILD" ] || { echo "nf_bench: one build directory only (see --help)" >&2; exit 2; }
       BUILD=$1; shift ;;
    esac
done
. "$(dirname "$0")/bench_lib.sh"
BIN=$(bench_bin nf_bench "$BUILD") || exit 2
SCC=$BIN/scc
NF=$BIN/scc-nf
[ -x "$NF" ] || { echo "nf_bench: $NF not built" >&2; exit 2; }
if [ $QUICK = 1 ]; then
    BATCHES=${BATCHES:-32}; TRIAL=${TRIAL:-0.2}; RESOLUTION=${RESOLUTION:-5}
    MAX_TRIALS=${MAX_TRIALS:-8}
    TBATCHES=${TBATCHES:-32}; LAT_S=${LAT_S:-0.3}; TMAX_TRIALS=${TMAX_TRIALS:-5}
fi
TBATCHES=${TBATCHES:-"1 32"}
LAT_RATE=${LAT_RATE:-20000}
TMAX_TRIALS=${TMAX_TRIALS:-${MAX_TRIALS:-16}}
LAT_S=${LAT_S:-1}
if [ -z "${TRANSPORTS:-}" ]; then
    TRANSPORTS="raw uring uring+sqpoll"
    # the SQ thread on the other core than the NF's (CPU 0: the generator's
    # sender runs there too on a 2-CPU host; not in --quick, to keep CI short)
    [ "$(nproc)" -ge 2 ] && [ $QUICK = 0 ] && TRANSPORTS="$TRANSPORTS uring+sqpoll@0 uring+sqpoll@0~200"
    "$NF" --transport xdp --help >/dev/null 2>&1 && TRANSPORTS="$TRANSPORTS xdp"
fi
# the generator of the transport table's searches: xdp where built, so that
# the instrument is not the ceiling (over raw sockets it tops out near the
# xdp NF's rate on a 2-CPU host)
if [ -z "${GEN_T:-}" ]; then
    GEN_T=raw
    "$NF" --transport xdp --help >/dev/null 2>&1 && GEN_T=xdp
fi
BATCHES=${BATCHES:-"1 8 32 64"}
TRIAL=${TRIAL:-0.4}
RESOLUTION=${RESOLUTION:-2}
MAX_TRIALS=${MAX_TRIALS:-16}
PIPE=${PIPELINE:-'FromIO -> ToIO'}
tag=$$
nsa=sccbA$tag
nsb=sccbB$tag
tmp=$(mktemp -d)
tck=$(getconf CLK_TCK)
if [ "$(nproc)" -ge 2 ]; then G="taskset -c 0"; N="taskset -c 1"; RX="--rx-cpu 1"
else G=""; N=""; RX=""; fi
npid=""
cleanup() {
    [ -n "$npid" ] && kill "$npid" 2>/dev/null
    ip netns del "$nsa" 2>/dev/null
    ip netns del "$nsb" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
jnum() { grep -o "\"$2\":[-0-9.e+]*" "$1" | head -1 | cut -d: -f2; }

# search GEN_NS GEN_ARGS NF_NS NF_ARGS|none BATCH -> "pps ns_per_pkt res_pct resolved
# syscalls_per_pkt"
search() {
    local gns=$1 ga=$2 nns=$3 na=$4 b=$5 t0=0 cpu="-" sys="-"
    npid=""
    if [ "$na" != none ]; then
        $nns $N "$NF" --name bench$tag -q --batch "$b" --pipeline "$PIPE" $na 2>"$tmp/nf.err" &
        npid=$!
        for _ in $(seq 100); do
            "$SCC" stats --json bench$tag 2>/dev/null | grep -q '"ready": true' && break
            sleep 0.05
        done
        t0=$(cpu_ticks "$npid")
    fi
    rm -f "$tmp/gen.json"
    $gns $G "$SCC" -q gen $ga --batch "$b" --search --rate "${FLOOR_RATE:-max}" $RX --trial "$TRIAL" \
        --max-trials "$MAX_TRIALS" --loss-tolerance 1 --resolution "$RESOLUTION" \
        --json "$tmp/gen.json" >/dev/null 2>"$tmp/gen.err"
    if [ -n "$npid" ]; then
        local t1 rx
        t1=$(cpu_ticks "$npid")
        "$SCC" stats --json bench$tag >"$tmp/st.json" 2>/dev/null
        rx=$(stat_num rx_pkts)
        local rc_=$(stat_num recvmmsg_calls) sc_=$(stat_num sendmmsg_calls)
        local calls=$(( ${rc_:-0} + ${sc_:-0} ))
        kill -TERM "$npid"; wait "$npid" 2>/dev/null
        npid=""
        [ "${rx:-0}" -gt 0 ] && cpu=$(awk -v t=$((t1 - t0)) -v k="$tck" -v n="$rx" \
            'BEGIN{printf "%.0f", t * 1e9 / k / n}')
        [ "${rx:-0}" -gt 0 ] && sys=$(awk -v c="$calls" -v n="$rx" 'BEGIN{printf "%.3f", c / n}')
    fi
    if [ ! -s "$tmp/gen.json" ]; then
        echo "nf_bench: scc gen --search failed:" >&2; cat "$tmp/gen.err" >&2
        echo "- $cpu 100 false $sys"; return
    fi
    local pps lo hi res ok
    pps=$(jnum "$tmp/gen.json" throughput_pps); lo=$(jnum "$tmp/gen.json" lower_pps)
    hi=$(jnum "$tmp/gen.json" upper_pps)
    ok=$(grep -o '"resolved":[a-z]*' "$tmp/gen.json" | cut -d: -f2)
    res=$(awk -v l="$lo" -v h="$hi" 'BEGIN { printf "%.1f", (h > 0 ? (h - l) * 100 / h : 100) }')
    # no trial passed: the rate is below the lowest one tried, never 0
    if awk -v p="${pps:-0}" 'BEGIN { exit !(p + 0 <= 0) }'; then
        pps="<$(awk -v h="${hi:-0}" 'BEGIN { printf "%.0f", h }')"; ok=false
    fi
    echo "$pps $cpu $res ${ok:-false} $sys"
}

# floor GEN_NS GEN_ARGS NF_NS NF_ARGS BATCH: search, and when the search
# found no passing rate (a loaded host, few trials: its descent from the
# unpaced probe stops above the NF's rate), search again, halving down
# from the lowest rate that failed. Same output as search.
floor() {
    local r first hi
    r=$(search "$@")
    first=${r%% *}
    case "$first" in
    "<"*) hi=${first#<}
          [ "${hi:-0}" -gt 0 ] 2>/dev/null || { echo "$r"; return; }
          FLOOR_RATE=$hi search "$@" ;;
    *) echo "$r" ;;
    esac
}
stat_num() { grep -o "\"$1\": [0-9]*" "$tmp/st.json" | head -1 | awk '{print $2}'; }

# latency NF_ARGS BATCH -> "p50_us p99_us": gen (A, a0) -> NF (B) -> sink
# (A, a1) at LAT_RATE for LAT_S seconds, raw sockets on both instruments
latency() {
    local na=$1 b=$2 n
    n=$(awk -v r="$LAT_RATE" -v s="$LAT_S" 'BEGIN{printf "%d", r * s}')
    $B $N "$NF" --name bench$tag -q --batch "$b" --pipeline "$PIPE" $na 2>"$tmp/nf.err" &
    npid=$!
    for _ in $(seq 100); do
        "$SCC" stats --json bench$tag 2>/dev/null | grep -q '"ready": true' && break
        sleep 0.05
    done
    rm -f "$tmp/sink.json" "$tmp/sink.ready"
    # the sink stops at the count, or half a second after the last frame (a
    # slow transport loses some), or at twice the run's length
    $A $N "$SCC" -q sink --transport raw --if a1$tag --batch "$b" --count "$n" \
        --timeout "$(awk -v s="$LAT_S" 'BEGIN{print 2 * s + 1}')" --idle-timeout 0.5 --json "$tmp/sink.json" --ready "$tmp/sink.ready" >/dev/null 2>&1 &
    local spid=$!
    for _ in $(seq 100); do [ -e "$tmp/sink.ready" ] && break; sleep 0.05; done
    $A $G "$SCC" -q gen --transport raw --if a0$tag --batch "$b" --rate "$LAT_RATE" \
        --count "$n" >/dev/null 2>&1
    wait "$spid" 2>/dev/null
    kill -TERM "$npid"; wait "$npid" 2>/dev/null
    npid=""
    python3 - "$tmp/sink.json" <<'PY' 2>/dev/null || echo "- -"
import json, sys
l = json.load(open(sys.argv[1]))["latency_ns"]["from_send"]
print("%.1f %.1f" % (l["p50"] / 1e3, l["p99"] / 1e3))
PY
}

row() { # row TRANSPORT BATCH "base - res ok -" "nf cpu res ok sys"
    local br nr cpu r1 r2 o1 o2
    read -r br _ r1 o1 _ <<<"$3"
    read -r nr cpu r2 o2 _ <<<"$4"
    local mark=""
    [ "$o1" = true ] && [ "$o2" = true ] || mark="*"
    awk -v t="$1" -v b="$2" -v br="$br" -v nr="$nr" -v c="$cpu" -v r1="$r1" -v r2="$r2" \
        -v m="$mark" '
        function n(x) { return x ~ /^[0-9.e+-]+$/ ? sprintf("%.0f", x) : x }
        BEGIN{
        printf "%-9s %5d %11s %11s %6s %5.1f%-1s %10s\n", t, b, n(br), n(nr),
               (br + 0 > 0 && nr + 0 > 0) ? sprintf("%.2f", nr / br) : "-",
               (r1 > r2 ? r1 : r2), m, c }'
}

echo "scc-nf forwarding 64 B frames, pipeline '$PIPE'; <=1% loss throughput search" \
     "(probe, then to ${RESOLUTION}%, ${TRIAL}s trials, at most $MAX_TRIALS);" \
     "gen sender CPU 0, gen receiver + NF CPU 1 ($(nproc) CPUs)"
printf "%-9s %5s %11s %11s %6s %6s %10s\n" transport batch "no-NF pps" "NF pps" ratio "res %" \
    "NF ns/pkt"

p=$((30000 + (tag % 1000) * 10))
for b in $BATCHES; do
    base=$(floor "" "--dst 127.0.0.1:$p --rx-listen 127.0.0.1:$p" "" none "$b")
    nf=$(floor "" "--dst 127.0.0.1:$((p + 1)) --rx-listen 127.0.0.1:$((p + 2))" "" \
        "--in udp:127.0.0.1:$((p + 1)) --out udp:127.0.0.1:$((p + 2))" "$b")
    row udp "$b" "$base" "$nf"
done

if [ "$(id -u)" -ne 0 ]; then
    echo "(raw rows skipped: they need root for network namespaces)"
    exit 0
fi
ip netns add "$nsa" && ip netns add "$nsb" || { echo "nf_bench: cannot create namespaces" >&2; exit 1; }
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
    base=$(floor "$A" "--transport raw --if x0$tag --rx-if x1$tag" "" none "$b")
    nf=$(floor "$A" "--transport raw --if a0$tag --rx-if a1$tag" "$B" \
        "--in raw:b0$tag --out raw:b1$tag" "$b")
    row raw "$b" "$base" "$nf"
done

# ---- the NF's transport: raw sockets vs io_uring (+SQPOLL) vs AF_XDP ----
nf_transport_args() { # TRANSPORT -> scc-nf flags
    case "$1" in
    raw) echo "" ;;
    uring) echo "--transport uring" ;;
    uring+sqpoll) echo "--transport uring --uring-sqpoll" ;;
    uring+sqpoll@*~*) local x=${1#*@}
        echo "--transport uring --uring-sqpoll --uring-sqpoll-cpu ${x%~*} --uring-spin-us ${x#*~}" ;;
    uring+sqpoll@*) echo "--transport uring --uring-sqpoll --uring-sqpoll-cpu ${1#*@}" ;;
    xdp) echo "--transport xdp" ;;
    esac
}
echo
echo "the NF's transport (searches: gen and its receiver on $GEN_T; latency: gen and sink on raw sockets at $LAT_RATE pps for ${LAT_S}s;" \
     "x raw = this row / the raw row at the same batch)"
printf "%-15s %5s %10s %6s %7s %6s %8s %6s %8s %6s %8s\n" transport batch "NF pps" "x raw" \
    "ns/pkt" "x raw" "sys/pkt" "x raw" "p50 us" "x raw" "p99 us"
for b in $TBATCHES; do
    rpps=""; rcpu=""; rsys=""; rp50=""
    for t in $TRANSPORTS; do
        ta=$(nf_transport_args "$t")
        nf=$(MAX_TRIALS=$TMAX_TRIALS floor "$A" "--transport $GEN_T --if a0$tag --rx-if a1$tag" \
            "$B" "$ta --in raw:b0$tag --out raw:b1$tag" "$b")
        read -r pps cpu res ok sys <<<"$nf"
        read -r p50 p99 <<<"$(latency "$ta --in raw:b0$tag --out raw:b1$tag" "$b")"
        if [ "$t" = raw ]; then rpps=$pps; rcpu=$cpu; rsys=$sys; rp50=$p50; fi
        mark=""; [ "$ok" = true ] || mark="*"
        awk -v t="$t" -v b="$b" -v p="$pps" -v c="$cpu" -v s="$sys" -v l="$p50" -v l9="$p99" \
            -v rp="$rpps" -v rc="$rcpu" -v rs="$rsys" -v rl="$rp50" -v m="$mark" '
            function ratio(x, y) { return (x + 0 > 0 && y + 0 > 0) ? sprintf("%.2f", x / y) : "-" }
            function n(x) { return x ~ /^[0-9.e+-]+$/ ? sprintf("%.0f", x) : x }
            BEGIN { printf "%-15s %5d %9s%-1s %6s %7s %6s %8s %6s %8s %6s %8s\n", t, b, n(p), m,
                    ratio(p, rp), c, ratio(c, rc), s, ratio(s, rs), l, ratio(l, rl), l9 }'
    done
done
exit 0

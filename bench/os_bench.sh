#!/usr/bin/env bash
# os_bench.sh — our OS microbenchmarks next to the standard tools, same
# machine, same run, same pinning, and the ratio of each:
#   context switch: `scc bench ctxsw` vs `perf bench sched pipe` under
#                   `taskset -c CPU` (and chrt/nice for the other policies);
#   system call:    `scc bench syscall` getppid vs `perf bench syscall basic`.
# perf's sched-pipe "usecs/op" is one token round trip = 2 context switches
# plus 4 pipe syscalls (a write and a read on each side). Our per-switch
# figure has the pipe overhead subtracted, so to compare like with like we
# halve both round trips: perf usecs/op / 2 vs our roundtrip_ns / 2. Our
# overhead-free per-switch cost is printed alongside. See docs/bench.md.
#
# usage: bench/os_bench.sh [--cpu N] [--reps N] [--loops N]
#   SCC_BIN: directory holding `scc` (default: ./build/bin)
# Needs perf (linux-perf), jq, taskset, chrt. Exit 0 when all ratios are
# within 25 %, 1 when one is not (the figures are printed either way),
# 2 on usage errors or a missing tool.
set -euo pipefail

cpu=0
reps=5
loops=40000
while [ $# -gt 0 ]; do
    case "$1" in
    --cpu) cpu="$2"; shift 2 ;;
    --reps) reps="$2"; shift 2 ;;
    --loops) loops="$2"; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "os_bench.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done
for v in "$cpu" "$reps" "$loops"; do
    [[ "$v" =~ ^[0-9]+$ ]] || { echo "os_bench.sh: '$v' is not a number" >&2; exit 2; }
done

bin="${SCC_BIN:-$(dirname "$0")/../build/bin}"
scc="$bin/scc"
[ -x "$scc" ] || { echo "os_bench.sh: $scc not found (build first, or set SCC_BIN)" >&2; exit 2; }
for t in perf jq taskset chrt; do
    command -v "$t" >/dev/null || { echo "os_bench.sh: '$t' not found (apt-get install linux-perf jq util-linux)" >&2; exit 2; }
done

tmp=$(mktemp -d /tmp/scc-os-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

worst=0
ratio() { # ours theirs -> prints ratio, tracks the worst deviation in %
    awk -v a="$1" -v b="$2" 'BEGIN { if (b <= 0) { print "n/a"; exit } printf "%.2f", a / b }'
}
track() {
    local dev
    dev=$(awk -v r="$1" 'BEGIN { if (r == "n/a") { print 0; exit } d = (r > 1 ? r - 1 : 1 - r) * 100; printf "%d", d }')
    [ "$dev" -gt "$worst" ] && worst=$dev
    return 0
}

# perf usecs/op for one policy, median of 3 runs
perf_pipe() { # prefix-args...
    local v=()
    for _ in 1 2 3; do
        v+=("$("$@" taskset -c "$cpu" perf bench sched pipe -l "$loops" 2>/dev/null |
                awk '/usecs\/op/ { print $1 }')")
    done
    printf '%s\n' "${v[@]}" | sort -g | sed -n 2p
}

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), kernel $(uname -r), $(nproc) cpus; pinned to cpu $cpu"
echo
"$scc" bench ctxsw --cpu "$cpu" --reps "$reps" --no-progress --json "$tmp/cs.json" >/dev/null
"$scc" bench syscall --cpu "$cpu" --reps "$reps" --no-progress --json "$tmp/sc.json" >/dev/null

printf 'context switch, per switch incl. pipe overhead (ns) = round trip / 2\n'
printf '  %-16s %10s %10s %7s   %s\n' policy "scc" "perf" "ratio" "scc net of overhead"
rows=("other:" "batch:chrt -b 0" "rr:chrt -r 1" "fifo:chrt -f 1" "other_nice-19:nice -n -19")
for row in "${rows[@]}"; do
    key=${row%%:*}
    read -r -a prefix <<<"${row#*:}"
    avail=$(jq -r ".ctxsw[\"$key\"].available" "$tmp/cs.json")
    if [ "$avail" != true ]; then
        printf '  %-16s unavailable: %s\n' "$key" "$(jq -r ".ctxsw[\"$key\"].reason" "$tmp/cs.json")"
        continue
    fi
    ours=$(jq -r ".ctxsw[\"$key\"].roundtrip_ns / 2" "$tmp/cs.json")
    net=$(jq -r ".ctxsw[\"$key\"].ns" "$tmp/cs.json")
    us=$(perf_pipe "${prefix[@]}")
    if [ -z "$us" ]; then
        printf '  %-16s %10.0f %10s\n' "$key" "$ours" "perf failed"
        continue
    fi
    theirs=$(awk -v u="$us" 'BEGIN { printf "%.0f", u * 1000 / 2 }')
    r=$(ratio "$ours" "$theirs")
    track "$r"
    printf '  %-16s %10.0f %10.0f %7s   %.0f\n' "$key" "$ours" "$theirs" "$r" "$net"
done

echo
printf 'system call (ns per call)\n'
ours=$(jq -r '.syscall.getppid.ns' "$tmp/sc.json")
v=()
for _ in 1 2 3; do
    v+=("$(taskset -c "$cpu" perf bench syscall basic -l 2000000 2>/dev/null | awk '/usecs\/op/ { print $1 }')")
done
us=$(printf '%s\n' "${v[@]}" | sort -g | sed -n 2p)
if [ -n "$us" ]; then
    theirs=$(awk -v u="$us" 'BEGIN { printf "%.1f", u * 1000 }')
    r=$(ratio "$ours" "$theirs")
    track "$r"
    printf '  %-16s %10.1f %10.1f %7s\n' getppid "$ours" "$theirs" "$r"
else
    printf '  %-16s %10.1f %10s\n' getppid "$ours" "perf bench syscall unavailable"
fi
printf '  %-16s %10.1f %10s\n' "recvmmsg empty" "$(jq -r '.syscall.recvmmsg_empty.ns // "nan"' "$tmp/sc.json")" "-"
printf '  %-16s %10.1f %10s\n' "sendmmsg 64B lo" "$(jq -r '.syscall.sendmmsg_64B.ns // "nan"' "$tmp/sc.json")" "-"
echo
if [ "$worst" -le 25 ]; then
    echo "all ratios within 25% (worst deviation ${worst}%)"
    exit 0
fi
echo "a ratio is off by ${worst}% (> 25%): see docs/bench.md, 'Comparing with perf bench'"
exit 1

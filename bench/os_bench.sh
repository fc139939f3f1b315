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
# usage: bench/os_bench.sh [--quick] [--cpu N] [--reps N] [--loops N] [BUILD_DIR]
#   BUILD_DIR  the build directory (default: $SCC_BIN or build); its bin/
#              directory is accepted too (build and build/bin both work)
#   --quick    1 repetition, 5000 loops, perf once per row (a few seconds;
#              ratios are printed but not judged)
#   -h, --help this text
# Needs perf (linux-perf), jq, taskset, chrt. Exit 0 when all ratios are
# within 25 % (or with --quick), 1 when one is not (the figures are printed
# either way), 2 on usage errors or a missing tool.
set -euo pipefail

cpu=0
reps=5
loops=40000
runs=3
syscall_loops=2000000
quick=0
build=""
need() { [ $# -ge 2 ] || { echo "os_bench.sh: $1 needs a value (see --help)" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
    case "$1" in
    --cpu) need "$@"; cpu="$2"; shift 2 ;;
    --reps) need "$@"; reps="$2"; shift 2 ;;
    --loops) need "$@"; loops="$2"; shift 2 ;;
    --quick) quick=1; reps=1; loops=5000; runs=1; syscall_loops=200000; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "os_bench.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
    *) [ -z "$build" ] || { echo "os_bench.sh: one build directory only (see --help)" >&2; exit 2; }
       build=$1; shift ;;
    esac
done
for v in "$cpu" "$reps" "$loops"; do
    [[ "$v" =~ ^[0-9]+$ ]] || { echo "os_bench.sh: '$v' is not a number" >&2; exit 2; }
done

. "$(dirname "$0")/bench_lib.sh"
scc=$(bench_bin os_bench.sh "$build")/scc || exit 2
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

# perf usecs/op for one policy, median of $runs runs
perf_pipe() { # prefix-args...
    local v=()
    for _ in $(seq "$runs"); do
        v+=("$("$@" taskset -c "$cpu" perf bench sched pipe -l "$loops" 2>/dev/null |
                awk '/usecs\/op/ { print $1 }')")
    done
    printf '%s\n' "${v[@]}" | sort -g | sed -n "$(((runs + 1) / 2))p"
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
for _ in $(seq "$runs"); do
    v+=("$(taskset -c "$cpu" perf bench syscall basic -l "$syscall_loops" 2>/dev/null | awk '/usecs\/op/ { print $1 }')")
done
us=$(printf '%s\n' "${v[@]}" | sort -g | sed -n "$(((runs + 1) / 2))p")
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
if [ "$quick" = 1 ]; then
    echo "quick run (worst deviation ${worst}%): ratios printed, not judged; run without --quick to judge"
    exit 0
fi
if [ "$worst" -le 25 ]; then
    echo "all ratios within 25% (worst deviation ${worst}%)"
    exit 0
fi
echo "a ratio is off by ${worst}% (> 25%): see docs/bench.md, 'Comparing with perf bench'"
exit 1

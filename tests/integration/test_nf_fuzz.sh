#!/usr/bin/env bash
# test_nf_fuzz — builds every libFuzzer target of tests/fuzz (clang,
# -DSCC_FUZZ=ON: -fsanitize=fuzzer,address,undefined) once, in its own build
# directory next to this build (bin/../build-fuzz), then runs each for a
# fixed time from its seed corpus tests/fuzz/corpus/<target> (plus a scratch
# corpus for what it finds; the seeds in the tree stay untouched):
#   fuzz_pipeline    router/firewall/NAT pipelines and the pipeline builder
#   fuzz_ipfilter    the IPFilter rule parser, then frames through the rules
#   fuzz_spec        the chain spec loader/validator (+ normalised round trip)
#   fuzz_sink_frame  the sink's frame parser and accounting
#   fuzz_calib       the calibration reader (+ write/re-read round trip)
#   fuzz_stats_page  the stats-page readers (a hostile or crashed NF's page)
# Any crash, sanitizer report, leak or broken invariant (abort) fails the
# test, as do fewer than 1000 runs of a target. FUZZ_SECONDS (default 5)
# is the time per target; FUZZ_TARGETS (space-separated) runs a subset.
set -u
SRC=${SCC_SOURCE_DIR:?}
BIN=${SCC_BIN:?}
secs=${FUZZ_SECONDS:-5}
targets=${FUZZ_TARGETS:-"fuzz_pipeline fuzz_ipfilter fuzz_spec fuzz_sink_frame fuzz_calib fuzz_stats_page"}
if ! command -v clang >/dev/null; then
    echo "skip: clang is not installed (apt-get install clang)"; exit 77
fi
dir=$(cd "$BIN/.." && pwd)/build-fuzz
work=$(mktemp -d)
stats_name="fuzz-$$"
# fuzz_stats_page writes /dev/shm/scc-nf-$stats_name; a crash leaves it behind
trap 'rm -rf "$work"; rm -f "/dev/shm/scc-nf-$stats_name"' EXIT

CC=clang cmake -S "$SRC" -B "$dir" -DSCC_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$work/cfg.log" 2>&1 \
    || { cat "$work/cfg.log"; echo "FAIL: configure"; exit 1; }
# shellcheck disable=SC2086
cmake --build "$dir" --target $targets -j 2 >"$work/build.log" 2>&1 \
    || { tail -30 "$work/build.log"; echo "FAIL: build $targets"; exit 1; }
echo "ok: built with clang: $targets"

fail=0
for t in $targets; do
    mkdir "$work/$t"
    FUZZ_STATS_NAME=$stats_name "$dir/bin/$t" -max_total_time="$secs" -seed=1 -timeout=10 \
        -rss_limit_mb=1024 -print_final_stats=1 -artifact_prefix="$work/$t-" \
        "$work/$t" "$SRC/tests/fuzz/corpus/$t" >"$work/$t.log" 2>&1
    rc=$?
    runs=$(grep -oE 'Done [0-9]+ runs' "$work/$t.log" | grep -oE '[0-9]+')
    if [ $rc -ne 0 ]; then
        tail -40 "$work/$t.log"
        for a in "$work/$t-"*; do
            [ -f "$a" ] && echo "input: $(basename "$a"): $(od -An -c "$a" | head -c 600)"
        done
        echo "FAIL: $t exited $rc (keep the input as tests/fuzz/corpus/$t/crash-*)"
        fail=1
    elif [ "${runs:-0}" -lt 1000 ]; then
        echo "FAIL: $t: only ${runs:-0} runs in ${secs}s"
        fail=1
    else
        echo "ok: $t: $runs runs in ${secs}s without a crash ($(grep -oE 'cov: [0-9]+' "$work/$t.log" | tail -1))"
    fi
done
exit $fail

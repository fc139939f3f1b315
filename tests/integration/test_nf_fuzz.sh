#!/usr/bin/env bash
# test_nf_fuzz — builds the libFuzzer target tests/fuzz/fuzz_pipeline.c with
# clang (-DSCC_FUZZ=ON, -fsanitize=fuzzer,address) in its own build
# directory next to this build (bin/../build-fuzz), then fuzzes the router,
# firewall and NAT pipelines and the pipeline builder for a fixed time,
# starting from tests/fuzz/corpus. Any crash, sanitizer report or leak
# fails the test. FUZZ_SECONDS overrides the 10 s default.
set -u
SRC=${SCC_SOURCE_DIR:?}
BIN=${SCC_BIN:?}
secs=${FUZZ_SECONDS:-10}
if ! command -v clang >/dev/null; then
    echo "skip: clang is not installed (apt-get install clang)"; exit 77
fi
dir=$(cd "$BIN/.." && pwd)/build-fuzz
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

CC=clang cmake -S "$SRC" -B "$dir" -DSCC_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$work/cfg.log" 2>&1 \
    || { cat "$work/cfg.log"; echo "FAIL: configure"; exit 1; }
cmake --build "$dir" --target fuzz_pipeline -j 2 >"$work/build.log" 2>&1 \
    || { tail -30 "$work/build.log"; echo "FAIL: build fuzz_pipeline"; exit 1; }
echo "ok: fuzz_pipeline built with clang"
mkdir "$work/corpus"
# new inputs go to the scratch corpus; the seed corpus in the tree stays untouched
"$dir/bin/fuzz_pipeline" -max_total_time="$secs" -seed=1 -timeout=10 -rss_limit_mb=1024 \
    -print_final_stats=1 "$work/corpus" "$SRC/tests/fuzz/corpus" >"$work/fuzz.log" 2>&1
rc=$?
grep -E "^stat::new_units_added|Done [0-9]+ runs" "$work/fuzz.log"
if [ $rc -ne 0 ]; then
    tail -40 "$work/fuzz.log"
    echo "FAIL: fuzz_pipeline exited $rc"
    exit 1
fi
runs=$(grep -oE 'Done [0-9]+ runs' "$work/fuzz.log" | grep -oE '[0-9]+')
if [ "${runs:-0}" -lt 1000 ]; then
    echo "FAIL: only ${runs:-0} runs"; exit 1
fi
echo "ok: $runs fuzz runs in ${secs}s without a crash"

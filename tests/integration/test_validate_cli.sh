#!/usr/bin/env bash
# `scc validate` as a user runs it: exit codes, messages on stderr, the
# normalised chain on stdout, --help.
set -u
SCC="$SCC_BIN/scc"
SRC="$SCC_SOURCE_DIR"
fail=0
check() { # desc, expected exit, command...
    local desc=$1 want=$2; shift 2
    "$@" >/tmp/scc-val-out.$$ 2>/tmp/scc-val-err.$$
    local rc=$?
    if [ "$rc" -ne "$want" ]; then
        echo "FAIL: $desc: exit $rc, expected $want"; cat /tmp/scc-val-err.$$; fail=1
    else
        echo "ok: $desc"
    fi
}
trap 'rm -f /tmp/scc-val-out.$$ /tmp/scc-val-err.$$' EXIT

check "scc --help" 0 "$SCC" --help
grep -q validate /tmp/scc-val-out.$$ || { echo "FAIL: --help lists no validate"; fail=1; }
check "scc validate --help" 0 "$SCC" validate --help
grep -q "CHAIN.json" /tmp/scc-val-out.$$ || { echo "FAIL: validate --help text"; fail=1; }
check "unknown command" 2 "$SCC" frobnicate
check "validate without file" 2 "$SCC" validate
check "default chain" 0 "$SCC" validate --default
grep -q '"batch": 32' /tmp/scc-val-out.$$ || { echo "FAIL: normalised output lacks batch"; fail=1; }
for f in "$SRC"/configs/*.json; do
    case "$f" in *calibration*) continue ;; esac
    check "config $(basename "$f")" 0 "$SCC" validate -q "$f"
done
check "bad cpu" 2 "$SCC" validate "$SRC/tests/specs/bad/19-cpu-missing-core.json"
grep -q '^nfs\[1\].cpu: core 7 does not exist' /tmp/scc-val-err.$$ || { echo "FAIL: message"; cat /tmp/scc-val-err.$$; fail=1; }
check "missing file" 2 "$SCC" validate /nonexistent.json
grep -q "No such file" /tmp/scc-val-err.$$ || { echo "FAIL: missing-file message"; fail=1; }
# an endless file of NULs used to spin at 100% CPU forever
check "validate /dev/zero" 2 timeout 10 "$SCC" validate /dev/zero
grep -q "NUL byte at line 1, column 1" /tmp/scc-val-err.$$ || { echo "FAIL: /dev/zero message"; cat /tmp/scc-val-err.$$; fail=1; }
# a busy NF sharing a core: valid (exit 0) with a warning on stderr, also with -q
cat >/tmp/scc-val-busy.$$.json <<'EOF2'
{"name": "busy", "io": {"idle": "busy"},
 "nfs": [{"name": "a", "type": "counter", "cpu": 0}],
 "traffic": {"gen_cpu": 0, "sink_cpu": 1}}
EOF2
check "busy NF sharing a core" 0 "$SCC" validate -q /tmp/scc-val-busy.$$.json
grep -q "^warning: nfs\[0\].cpu: .*shares core 0 with traffic.gen_cpu.*p50 6-12 ms" /tmp/scc-val-err.$$ ||
    { echo "FAIL: busy warning"; cat /tmp/scc-val-err.$$; fail=1; }
# `scc run` loads the chain the same way and prints the same warnings
check "run --dry-run of a busy NF sharing a core" 0 "$SCC" run --dry-run /tmp/scc-val-busy.$$.json
grep -q "^warning: nfs\[0\].cpu: .*shares core 0 with traffic.gen_cpu" /tmp/scc-val-err.$$ ||
    { echo "FAIL: scc run does not print the loader's warning"; cat /tmp/scc-val-err.$$; fail=1; }
rm -f /tmp/scc-val-busy.$$.json
# the normalised output is itself a valid spec
"$SCC" validate --default >/tmp/scc-val-out.$$ 2>/dev/null
cp /tmp/scc-val-out.$$ /tmp/scc-val-norm.$$.json
check "normalised output validates" 0 "$SCC" validate /tmp/scc-val-norm.$$.json
rm -f /tmp/scc-val-norm.$$.json
exit $fail

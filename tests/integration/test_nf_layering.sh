#!/usr/bin/env bash
# test_nf_layering — scripts/check_layering.sh passes on the tree and fails,
# naming the file and the edge, on a copy with an upward #include (nfs ->
# launcher) and on a sibling edge (bench/micro -> bench/traffic). Needs no
# root; touches only its own temporary directory.
set -u
SRC=${SCC_SOURCE_DIR:?SCC_SOURCE_DIR must point at the source tree}
CHK=$SRC/scripts/check_layering.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

bash "$CHK" "$SRC" 2>"$tmp/err" || { echo "FAIL: the tree itself breaks the layering"; cat "$tmp/err"; fail=1; }

mkdir -p "$tmp/t/common" "$tmp/t/nfs" "$tmp/t/launcher" "$tmp/t/bench/micro" "$tmp/t/bench/traffic"
printf '#include "common/scc_log.h"\n' >"$tmp/t/nfs/ok.c"
printf '#include "nfs/nf_io.h"\n#include "common/scc_log.h"\n' >"$tmp/t/launcher/ok.c"
bash "$CHK" "$tmp/t" 2>"$tmp/err" || { echo "FAIL: allowed edges refused"; cat "$tmp/err"; fail=1; }

printf '#include <stdio.h>\n#include "launcher/ln_state.h"\n' >"$tmp/t/nfs/up.c"
if bash "$CHK" "$tmp/t" 2>"$tmp/err"; then echo "FAIL: nfs -> launcher accepted"; fail=1; fi
grep -q 'nfs/up.c:2: #include "launcher/ln_state.h" is a forbidden edge nfs -> launcher' "$tmp/err" \
    || { echo "FAIL: message does not name the file and edge"; cat "$tmp/err"; fail=1; }
rm "$tmp/t/nfs/up.c"

printf '#include "bench/traffic/tr_pkt.h"\n' >"$tmp/t/bench/micro/side.c"
if bash "$CHK" "$tmp/t" 2>"$tmp/err"; then echo "FAIL: bench/micro -> bench/traffic accepted"; fail=1; fi
grep -q 'forbidden edge bench/micro -> bench/traffic' "$tmp/err" || { echo "FAIL: sibling edge message"; cat "$tmp/err"; fail=1; }
rm "$tmp/t/bench/micro/side.c"

printf '#include "../launcher/x.h"\n' >"$tmp/t/nfs/climb.c"
if bash "$CHK" "$tmp/t" 2>"$tmp/err"; then echo "FAIL: '..' include accepted"; fail=1; fi

[ $fail -eq 0 ] && echo "ok: layering check"
exit $fail

#!/usr/bin/env bash
# check_layering.sh [SOURCE_DIR] — fail when a lower layer includes an upper one.
#
# SCC's modules form layers (docs/development.md, "Module map"):
#
#   common  <-  nfs  <-  scheduler, profiler  <-  bench/traffic, bench/micro  <-  launcher
#
# A file may include headers of its own module and of modules in lower
# layers only; modules in the same layer do not include each other (that is
# how cycles start). Every `#include "MODULE/..."` in the sources and in the
# tests (tests/unit/<module> counts as <module>, a tests/fuzz target as the
# module it fuzzes) is one edge; a forbidden edge is printed with its file and line and the build
# fails. The build runs this before compiling anything (CMakeLists.txt,
# target check_layering), and each library's include path holds only its own
# folder and those of the libraries it links, so the compiler agrees.
#
# Exit status: 0 clean, 1 forbidden edges (each printed), 2 usage.
set -euo pipefail

src=${1:-$(cd "$(dirname "$0")/.." && pwd)}
[ -d "$src" ] || { echo "check_layering: no such directory: $src" >&2; exit 2; }
cd "$src"

# The layer table: module folder -> rank. A new module gets one row here.
declare -A RANK=(
    [common]=0
    [nfs]=1
    [scheduler]=2 [profiler]=2
    [bench/traffic]=3 [bench/micro]=3
    [launcher]=4
)

# module_of PATH: the module a source or test file belongs to ("" = none)
module_of() {
    case $1 in
    bench/traffic/*|tests/unit/traffic/*) echo bench/traffic ;;
    bench/micro/*|tests/unit/micro/*) echo bench/micro ;;
    tests/fuzz/fuzz_spec.c|tests/fuzz/fuzz_stats_page.c) echo launcher ;;
    tests/fuzz/fuzz_sink_frame.c) echo bench/traffic ;;
    tests/fuzz/fuzz_calib.c) echo profiler ;;
    tests/fuzz/*) echo nfs ;;
    tests/unit/*) local m=${1#tests/unit/}; echo "${m%%/*}" ;;
    */*) echo "${1%%/*}" ;;
    *) echo "" ;;
    esac
}

# allowed list for a module, for the message
allowed_for() {
    local m=$1 k
    { echo "$m"
      for k in "${!RANK[@]}"; do [ "${RANK[$k]}" -lt "${RANK[$m]}" ] && echo "$k"; done
    } | paste -sd, - | sed 's/,/, /g'
}

bad=0
dirs=()
for d in "${!RANK[@]}" tests/unit tests/fuzz; do [ -d "$d" ] && dirs+=("$d"); done
while IFS=: read -r file line text; do
    file=${file#./}
    from=$(module_of "$file")
    [ -n "$from" ] || continue
    inc=$(sed -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]*)".*/\1/' <<<"$text")
    if [[ $inc == *..* ]]; then
        echo "layering: $file:$line: #include \"$inc\" climbs out with '..'; include \"MODULE/header.h\"" >&2
        bad=1
        continue
    fi
    [[ $inc == */* ]] || continue # a header next to the file
    case $inc in
    bench/*/*) to=$(cut -d/ -f1-2 <<<"$inc") ;;
    *) to=${inc%%/*} ;;
    esac
    if [ -z "${RANK[$from]+x}" ]; then
        echo "layering: $file: module '$from' is not in the layer table of scripts/check_layering.sh" >&2
        bad=1
        continue
    fi
    if [ -z "${RANK[$to]+x}" ]; then
        echo "layering: $file:$line: #include \"$inc\": module '$to' is not in the layer table of scripts/check_layering.sh" >&2
        bad=1
        continue
    fi
    [ "$to" = "$from" ] && continue
    if [ "${RANK[$to]}" -ge "${RANK[$from]}" ]; then
        echo "layering: $file:$line: #include \"$inc\" is a forbidden edge $from -> $to" \
             "($from may include only: $(allowed_for "$from"))" >&2
        bad=1
    fi
done < <(grep -rnE --include='*.c' --include='*.h' '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "${dirs[@]}" || true)

if [ $bad -ne 0 ]; then
    echo "layering: FAILED — see docs/development.md (Module map) for the allowed edges" >&2
    exit 1
fi
exit 0

# bench_lib.sh — sourced by the bench/*.sh scripts: the one convention for
# the build directory they all take.
#
# bench_bin NAME DIR: print the directory holding scc for DIR, which may be
# the build directory or its bin/ (empty DIR: $SCC_BIN, else build); on
# failure print "NAME: no scc in DIR or DIR/bin; build first (make build)"
# to stderr and exit 2.
bench_bin() {
    local name=$1 dir=${2:-${SCC_BIN:-build}}
    if [ -x "$dir/scc" ]; then echo "$dir"
    elif [ -x "$dir/bin/scc" ]; then echo "$dir/bin"
    else
        echo "$name: no scc in $dir or $dir/bin; build first (make build)" >&2
        exit 2
    fi
}

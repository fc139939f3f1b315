#!/usr/bin/env bash
# Security properties of the launcher and the NFs (docs/security.md), each
# against a hostile local user (`nobody`) or a hostile spec:
#  1. a state directory another user owns or can write is refused (`scc run`
#     and `scc cleanup`), so a link `nobody` planted where an NF log goes is
#     never written through and a journal `nobody` forged is never obeyed;
#     in a directory of ours, a planted link is still not followed
#     (O_NOFOLLOW) and a journal naming a file outside the run's directory
#     does not get that file deleted.
#  2. a second run of a chain that is starting is told so (launcher PID,
#     since when), never to run `scc cleanup` over a live run.
#  3. an NF inherits no descriptor of the caller of `scc` (one opened with
#     `7</etc/hostname` is not among /proc/NF/fd).
#  4. with "nf_user": "nobody" the NF runs as nobody (real, effective and
#     saved ids), with no capability, no_new_privs and its seccomp filter,
#     still forwards every packet, and leaves no stats page behind.
#  5. spec strings never reach a shell: `$(...)`, backticks and `;` in a
#     chain name, an NF name, firewall rules and a pipeline are refused by
#     validate and run with clean errors, and nothing they name runs.
set -u
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
ip netns list >/dev/null 2>&1 || { echo "skip: no network namespace support"; exit 77; }
id nobody >/dev/null 2>&1 || { echo "skip: no user nobody"; exit 77; }

SCC="$SCC_BIN/scc"
T=$(mktemp -d /tmp/scc-security-test.XXXXXX)
chmod 0711 "$T" # nobody may traverse (not list or write) it, to plant in what it owns
S="$T/state"
export SCC_STATE_DIR="$S"
fail=0
bgpids=""
cleanup() {
    for p in $bgpids; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    [ -d "$S" ] && chown -R root "$S" 2>/dev/null && chmod 0700 "$S" 2>/dev/null
    "$SCC" -q cleanup >/dev/null 2>&1
    rm -rf "$T"
}
trap cleanup EXIT
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }
bad() { echo "FAIL: $*"; fail=1; }

chain() { # file name [nf-extra-json] [chain-extra-json]
    cat >"$1" <<JSON
{ "name": "$2", "interconnect": "b2b", "io": { "transport": "raw", "batch": 16 },
  "nfs": [ { "name": "a", "type": "counter" ${3:+, $3} } ] ${4:+, $4},
  "traffic": { "rate_pps": 1000, "size": 128, "duration_s": 0.3, "warmup_s": 0.05 } }
JSON
}
C="sec$$"
chain "$T/c.json" "$C"
chain "$T/u.json" "$C" "" '"nf_user": "nobody"'

# 1a. nobody owns the state directory and planted a link where the NF log goes
printf 'precious\n' >"$T/victim"
install -d -o nobody -m 0755 "$S"
as_nobody ln -s "$T/victim" "$S/$C.a.log"
if "$SCC" run "$T/c.json" >"$T/out" 2>"$T/err"; then bad "run in a state directory owned by nobody succeeded"; fi
grep -q "state directory $S is owned by uid 65534" "$T/err" ||
    { bad "no clear refusal of a state directory owned by nobody:"; cat "$T/err"; }
[ "$(cat "$T/victim")" = precious ] || bad "a root-owned file was overwritten through nobody's link"
# ... and its forged journal is not obeyed by cleanup
printf 'precious\n' >"$T/victim2"
as_nobody sh -c "printf 'launcher 999999999 1\njournal 2\nfile $T/victim2\n' >'$S/forged.state'"
"$SCC" cleanup >"$T/out" 2>"$T/err" && bad "cleanup in a state directory owned by nobody succeeded"
grep -q "owned by uid 65534" "$T/err" || { bad "cleanup: no clear refusal:"; cat "$T/err"; }
[ -e "$T/victim2" ] || bad "cleanup deleted a root-owned file named by nobody's forged journal"
rm -rf "$S"
echo "ok: a state directory owned by another user is refused by run and cleanup"

# 1b. root's, but world-writable
install -d -m 0777 "$S"
"$SCC" run "$T/c.json" >"$T/out" 2>"$T/err" && bad "run in a world-writable state directory succeeded"
grep -q "state directory $S has mode 0777" "$T/err" || { bad "no clear refusal of mode 0777:"; cat "$T/err"; }
rm -rf "$S"
# a parent writable by others (not sticky) is refused too; missing ones are made 0700
install -d -m 0777 "$T/open"
SCC_STATE_DIR="$T/open/x/state" "$SCC" run "$T/c.json" >"$T/out" 2>"$T/err" &&
    bad "run below a world-writable parent succeeded"
grep -q "$T/open has mode 0777" "$T/err" || { bad "no clear refusal of a writable parent:"; cat "$T/err"; }
echo "ok: a state directory others can write (or replace) is refused"

# 1c. our own directory: made 0700; a link in it is not followed; cleanup
# deletes nothing a journal names outside the run's directory
"$SCC" run "$T/c.json" >"$T/out" 2>"$T/err" || { bad "a plain run failed:"; cat "$T/err"; }
[ "$(stat -c %a "$S")" = 700 ] || bad "state directory made with mode $(stat -c %a "$S"), not 700"
ln -s "$T/victim" "$S/$C.a.log"
"$SCC" run "$T/c.json" >"$T/out" 2>"$T/err" && bad "a run whose NF log is a link succeeded"
[ "$(cat "$T/victim")" = precious ] || bad "the NF log was written through a link"
rm -f "$S/$C.a.log"
"$SCC" -q cleanup >/dev/null 2>&1
printf 'launcher 999999999 1\njournal 2\nfile %s\nfile %s/../victim2\nfile %s/x.log\n' "$T/victim2" "$S" "$S" >"$S/old.state"
touch "$S/x.log"
"$SCC" cleanup >"$T/out" 2>"$T/err" && bad "cleanup of a journal naming outside files reported success"
[ -e "$T/victim2" ] || bad "cleanup deleted a file outside the run's directory"
grep -q "refusing to delete $T/victim2: outside the run's directory" "$T/err" ||
    { bad "cleanup did not say why it left $T/victim2:"; cat "$T/err"; }
[ -e "$S/x.log" ] && bad "cleanup did not delete a file of the run's directory"
rm -f "$S/old.state"
# a journal someone else owns (in our directory) is not obeyed
printf 'launcher 999999999 1\njournal 2\nfile %s/y.log\n' "$S" >"$S/forged.state"; touch "$S/y.log"
chown nobody "$S/forged.state"
"$SCC" cleanup >"$T/out" 2>"$T/err" && bad "cleanup obeyed a journal owned by nobody"
[ -e "$S/y.log" ] || bad "cleanup deleted a file named by a journal owned by nobody"
grep -q "not a journal of ours" "$T/err" || { bad "cleanup: no clear refusal of nobody's journal:"; cat "$T/err"; }
rm -f "$S/forged.state" "$S/y.log"
echo "ok: links in the state directory are not followed; journals name only the run's files"

# 2. a second run while the first is starting: catch the first as soon as
# its state file exists and hold it there (SIGSTOP)
"$SCC" run "$T/u.json" --json "$T/u.run.json" >"$T/out1" 2>"$T/err1" 7</etc/hostname &
first=$!; bgpids="$first"
for _ in $(seq 2000); do [ -e "$S/$C.state" ] && break; sleep 0.001; done
kill -STOP "$first"
phase=running; grep -qx running "$S/$C.state" || phase=starting
"$SCC" run "$T/u.json" >"$T/out" 2>"$T/err" && bad "a second run of a live chain started"
kill -CONT "$first"
grep -q "chain '$C' is $phase.*(launcher pid $first, since " "$T/err" ||
    { bad "the second run does not say the chain is $phase (launcher pid $first, since ...):"; cat "$T/err"; }
grep -q "scc cleanup" "$T/err" && { bad "the second run suggests scc cleanup over a live run:"; cat "$T/err"; }
echo "ok: a second run of a $phase chain is told so, with the launcher's pid"

# 3. the first run was started with fd 7 open on /etc/hostname: its NF
# (once it is scc-nf, i.e. exec'd) must not hold it
nf=""
for _ in $(seq 3000); do
    nf=$(awk '$1 == "pid" && $4 == "a" { print $2 }' "$S/$C.state" 2>/dev/null)
    [ -n "$nf" ] && case $(readlink "/proc/$nf/exe" 2>/dev/null) in *scc-nf) break ;; esac
    nf=""; sleep 0.001
done
if [ -z "$nf" ]; then bad "never saw the NF of the first run running"
else
    fds=$(ls -l "/proc/$nf/fd" 2>/dev/null)
    echo "$fds" | grep -q /etc/hostname && { bad "the NF inherited the caller's fd 7:"; echo "$fds"; }
    echo "$fds" | grep -qE ' (3|4) -> ' || bad "the NF's descriptors could not be read: $fds"
    # 4. it becomes nobody once its sockets are open (wait for the switch)
    for _ in $(seq 300); do
        grep -qE '^Uid:\s+65534\s+65534\s+65534' "/proc/$nf/status" 2>/dev/null && break; sleep 0.01
    done
    st=$(cat "/proc/$nf/status" 2>/dev/null)
    echo "$st" | grep -qE '^Uid:\s+65534\s+65534\s+65534\s+65534' || { bad "the NF does not run as nobody:"; echo "$st" | grep -E '^(Uid|Gid)'; }
    echo "$st" | grep -qE '^Gid:\s+65534\s+65534\s+65534\s+65534' || bad "the NF's group is not nogroup"
    echo "$st" | grep -qE '^Groups:\s*65534\s*$' || bad "the NF keeps supplementary groups: $(echo "$st" | grep ^Groups)"
    echo "$st" | grep -qE '^CapEff:\s+0+$' || bad "the NF holds capabilities: $(echo "$st" | grep ^Cap)"
    echo "$st" | grep -qE '^CapPrm:\s+0+$' || bad "the NF holds permitted capabilities"
    echo "$st" | grep -qE '^NoNewPrivs:\s+1' || bad "no_new_privs is not set on the NF"
    echo "$st" | grep -qE '^Seccomp:\s+2' || bad "the NF runs without its seccomp filter"
fi
wait "$first" || { bad "the first run failed after being held"; cat "$T/err1"; }
bgpids=""
echo "ok: an NF does not inherit the caller's open descriptors"
python3 - "$T/u.run.json" <<'PY' || { bad "the chain with nf_user nobody did not forward its traffic"; cat "$T/out1"; }
import json, sys
t = json.load(open(sys.argv[1]))["traffic"]
assert t["sent"] > 0 and t["received"] == t["sent"], t
PY
ls /dev/shm | grep -q "^scc-nf-.*$C" && bad "a stats page of the nf_user run is left in /dev/shm"
echo "ok: with nf_user nobody the NF runs as nobody, without capabilities, and forwards"

# 5. shell metacharacters in spec strings
pw="$T/pwned"
for bad_json in \
    '{ "name": "x$(touch '"$pw"')", "nfs": [ { "name": "a", "type": "counter" } ] }' \
    '{ "name": "m'"$$"'", "nfs": [ { "name": "a;touch '"$pw"'", "type": "counter" } ] }' \
    '{ "name": "m'"$$"'", "nfs": [ { "name": "a", "type": "firewall", "config": { "rules": [ "allow udp dst port `touch '"$pw"'`", "deny all" ] } } ] }' \
    '{ "name": "m'"$$"'", "nfs": [ { "name": "a", "pipeline": "FromIO -> Counter; touch '"$pw"' -> ToIO" } ] }' \
    '{ "name": "m'"$$"'", "nf_user": "$(touch '"$pw"')", "nfs": [ { "name": "a", "type": "counter" } ] }'; do
    printf '%s\n' "$bad_json" >"$T/m.json"
    for cmd in validate run; do
        "$SCC" "$cmd" "$T/m.json" >"$T/out" 2>"$T/err"; rc=$?
        [ "$rc" = 2 ] || { bad "scc $cmd of a spec with shell metacharacters: exit $rc, expected 2:"; cat "$T/m.json" "$T/err"; }
        grep -qE "problem|error" "$T/err" || { bad "scc $cmd: no clear error:"; cat "$T/err"; }
        grep -qiE "sanitizer|segmentation|core dumped|sh:" "$T/err" && { bad "scc $cmd: not a clean error:"; cat "$T/err"; }
    done
done
[ -e "$pw" ] && bad "a shell ran a command from a spec string"
echo "ok: shell metacharacters in names, rules, pipelines and nf_user are refused; nothing runs"

exit $fail

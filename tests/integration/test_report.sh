#!/usr/bin/env bash
# `scc report` on a real run (issue 14):
#  1. a short profiled `scc run` of a small chain with --json run.json;
#  2. `scc report` in every format: the text holds the profiler's table with
#     the chain's NFs; the JSON validates against docs/schema/scc-run.schema.json
#     (one run; two runs give scc-report/1 whose runs validate); the CSV parses
#     with Python's csv module to the documented columns (docs/reports.md),
#     an unavailable row has an empty value and a reason; an scc-run/1 file
#     is refused with a clear message;
#  3. the HTML opened in headless Chromium: no console message, no request
#     the page made (Chromium's own net log, page-initiated requests only:
#     the browser's own update pings are not the page's), no <script> in the
#     DOM even with an NF named <script>...; a screenshot kept as a CI
#     artefact under the build directory (artifacts/report-default.png) and
#     checked to be a real page (dimensions, size).
# Skips (77) only when not root / no netns (the run) or when Chromium is not
# installed.
set -u
[ "$(id -u)" -eq 0 ] || { echo "skip: needs root"; exit 77; }
ip netns list >/dev/null 2>&1 || { echo "skip: no network namespace support"; exit 77; }
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || { echo "skip: chromium is not installed (scripts/deps.sh --test)"; exit 77; }

SCC="$SCC_BIN/scc"
SCHEMA="$SCC_SOURCE_DIR/docs/schema/scc-run.schema.json"
VALIDATE="$SCC_SOURCE_DIR/tests/integration/json_schema_subset.py"
ART="$SCC_BIN/../artifacts"
T=$(mktemp -d /tmp/scc-report-test.XXXXXX)
export SCC_STATE_DIR="$T/state"
fail=0
cleanup() {
    "$SCC" -q cleanup >/dev/null 2>&1
    rm -rf "$T"
}
trap cleanup EXIT
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fail=1; }
last=$(( $(nproc) - 1 ))

# ---- 1. a real run ---------------------------------------------------------
cat >"$T/chain.json" <<JSON
{ "name": "rep$$", "mode": "profile", "io": { "transport": "raw", "batch": 16, "idle": "block" },
  "nfs": [
    { "name": "fw", "type": "firewall", "cpu": $last,
      "config": { "rules": ["allow udp dst port 9000-9999", "deny all"] } },
    { "name": "l2", "type": "l2fwd", "cpu": $last }
  ],
  "traffic": { "rate_pps": 10000, "size": 64, "duration_s": 1, "flows": 2 } }
JSON
if "$SCC" -q run "$T/chain.json" --json "$T/run.json" >"$T/run.txt" 2>&1; then
    ok "scc run --json"
else
    cat "$T/run.txt"; bad "scc run"; exit 1
fi

# ---- 2. every format -------------------------------------------------------
for f in text json csv html; do
    if "$SCC" report "$T/run.json" --format "$f" -o "$T/out.$f" 2>"$T/err.$f"; then
        ok "scc report --format $f"
    else
        cat "$T/err.$f"; bad "scc report --format $f"
    fi
done
grep -q '^Per-packet latency model' "$T/out.text" && grep -q '^fw (core' "$T/out.text" &&
    grep -q '^l2 (core' "$T/out.text" && grep -q '^chain (2 NFs' "$T/out.text" &&
    ok "text: the profiler's table, per NF and the chain" || bad "text table"
python3 "$VALIDATE" "$SCHEMA" "$T/out.json" && ok "json validates against the schema" ||
    bad "json schema"
"$SCC" report "$T/run.json" "$T/run.json" --format json -o "$T/two.json" &&
python3 - "$T/two.json" "$T" <<'PY' && ok "two runs: scc-report/1, ratios 1, runs validate" || bad "two runs json"
import json, subprocess, sys, os
d = json.load(open(sys.argv[1]))
assert d["schema"] == "scc-report/1" and len(d["runs"]) == 2
rs = [r["ratios"][1] for r in d["comparison"] if r["ratios"][1] is not None]
assert rs and all(abs(x - 1) < 1e-12 for x in rs), rs
for i, r in enumerate(d["runs"]):
    p = os.path.join(sys.argv[2], "run%d.json" % i)
    json.dump(r, open(p, "w"))
    subprocess.run([sys.executable, os.environ["SCC_SOURCE_DIR"] + "/tests/integration/json_schema_subset.py",
                    os.environ["SCC_SOURCE_DIR"] + "/docs/schema/scc-run.schema.json", p], check=True)
PY
python3 - "$T/out.csv" "$SCC_SOURCE_DIR/docs/reports.md" <<'PY' && ok "csv: documented columns, unavailable never 0" || bad "csv"
import csv, sys
cols = ["run", "file", "chain", "nf", "kind", "name", "available", "value", "unit",
        "events_per_packet", "cost_ns", "scaled", "counted_ratio", "reason"]
doc = open(sys.argv[2]).read()
for c in cols:
    assert "| `%s` |" % c in doc, "column %s is not documented in docs/reports.md" % c
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert rows and list(rows[0].keys()) == cols, list(rows[0].keys())
terms = [r for r in rows if r["kind"] == "term"]
assert {r["nf"] for r in terms} == {"fw", "l2", "chain"}, {r["nf"] for r in terms}
assert len(terms) == 3 * 9
for r in rows:
    assert r["available"] in ("true", "false"), r
    if r["available"] == "false":
        assert r["value"] == "" and r["reason"], r
    else:
        float(r["value"])
cs = [r for r in terms if r["nf"] == "fw" and r["name"] == "L_CS"][0]
assert cs["available"] == "true" and float(cs["value"]) > 0, cs
PY
python3 - "$T/out.csv" "$T/run.json" <<'PY' && ok "csv cell equals the run file's" || bad "csv value"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
run = json.load(open(sys.argv[2]))
want = run["profile"]["nfs"][0]["terms"]["L_CS"]["ns_per_packet"]
got = [r for r in rows if r["nf"] == "fw" and r["kind"] == "term" and r["name"] == "L_CS"][0]
assert abs(float(got["value"]) - want) <= 1e-6 * want, (got["value"], want)
PY
printf '{"schema": "scc-run/1", "nfs": []}' >"$T/old.json"
if "$SCC" report "$T/old.json" >/dev/null 2>"$T/old.err"; then
    bad "scc-run/1 accepted"
elif grep -q 'schema scc-run/1 (an older scc) is not read' "$T/old.err"; then
    ok "scc-run/1 refused with a clear message"
else
    cat "$T/old.err"; bad "scc-run/1 message"
fi

# ---- 3. the HTML in headless Chromium --------------------------------------
# an NF whose name is markup, to see it escaped in a real DOM
python3 - "$T/run.json" "$T/evil.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
evil = '<script>alert(1)</script>"\''
r["nfs"][0]["name"] = evil
r["profile"]["nfs"][0]["name"] = evil
json.dump(r, open(sys.argv[2], "w"))
PY
"$SCC" report "$T/evil.json" --format html -o "$T/evil.html" || bad "report of evil.json"
chrome() { # out-prefix url [extra args]
    local out=$1 url=$2; shift 2
    timeout 60 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-default-apps --disable-extensions --user-data-dir="$T/profile" \
        --enable-logging=stderr --v=0 --host-resolver-rules="MAP * ~NOTFOUND" \
        --log-net-log="$out.net.json" "$@" "$url" >"$out.stdout" 2>"$out.log"
}
page_requests() { # net-log: page-initiated requests (not the browser's own)
    python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
types = {v: k for k, v in d["constants"]["logEventTypes"].items()}
for e in d["events"]:
    p = e.get("params", {})
    if types.get(e["type"]) == "URL_REQUEST_START_JOB" and "url" in p \
            and p.get("initiator") != "not an origin" \
            and not p["url"].startswith(("file:", "data:")):
        print(p.get("initiator"), p.get("url"))
PY
}
for page in out evil; do
    if chrome "$T/$page" "file://$T/$page.html" --dump-dom; then
        ok "chromium opened $page.html"
    else
        bad "chromium on $page.html"; tail -5 "$T/$page.log"; continue
    fi
    if grep -q 'CONSOLE' "$T/$page.log"; then
        grep 'CONSOLE' "$T/$page.log"; bad "$page.html: console messages"
    else
        ok "$page.html: no console message"
    fi
    req=$(page_requests "$T/$page.net.json")
    [ -z "$req" ] && ok "$page.html: no network request" || { echo "$req"; bad "$page.html made requests"; }
    dom="$T/$page.stdout"
    ! grep -qi '<script' "$dom" && ok "$page.html: no <script> in the DOM" || bad "$page.html: script in the DOM"
    [ "$(grep -c '<svg role="img"' "$dom")" -ge 3 ] && grep -q '<title>SCC report: ' "$dom" &&
        ok "$page.html: charts with text alternatives, title intact" || bad "$page.html: DOM"
done
grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;' "$T/evil.html" &&
    ok "an NF name with markup and quotes is escaped" || bad "escaping"
! grep -Eqi '(src|href)=|https?:|<script|@import|url\((["'"'"']?)[a-z]+:' "$T/out.html" &&
    ok "html: nothing that loads from outside (no src/href, URL, script, @import)" ||
    bad "html refers outside"

mkdir -p "$ART"
rm -f "$ART/report-default.png"
if chrome "$T/shot" "file://$T/out.html" --screenshot="$ART/report-default.png" \
        --window-size=1200,1600 && [ -f "$ART/report-default.png" ]; then
    python3 - "$ART/report-default.png" <<'PY' && ok "screenshot $ART/report-default.png" || bad "screenshot"
import struct, sys
b = open(sys.argv[1], "rb").read()
assert b[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", b[16:24])
assert (w, h) == (1200, 1600), (w, h)
assert len(b) > 40000, "%d bytes: an empty page" % len(b)
PY
else
    bad "screenshot"; tail -5 "$T/shot.log"
fi
exit $fail

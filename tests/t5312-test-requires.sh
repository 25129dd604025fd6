#!/bin/sh
# test.requires are the smoke test's alone: the lock installs them as the
# root's "test-requires" layer (pinned from a loopback PyPI index by the
# root's own pip), the smoke test imports them, and the build steps'
# sandbox leaves that layer out (before_build, in the build sandbox, cannot
# import them).  The root is the host's python3.11 (test only).
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/tiny-lib.sh"
plan 7

cat >"$T/spec.json" <<'JSON'
[{"name": "bar", "version": "1.0", "modules": {"bar.py": "VALUE = 'bar'\n"}}]
JSON
pypi_index
export PIP_INDEX_URL="$INDEX" PIP_TRUSTED_HOST=127.0.0.1
py_base_tar "$T/py.tar"
ok $? "packed the test base"
P="$T/p"
tiny_files "$P"
cat >"$P/pinwheel.json" <<JSON
{"version": 1,
 "python": {"3.11": {"base": {"archives": [{"url": "file://$T/py.tar"}]}}},
 "platforms": ["manylinux_x86_64"], "pure": true,
 "before_build": "if python3.11 -c 'import bar' 2>/dev/null; then echo BAR-VISIBLE; else echo BAR-HIDDEN; fi",
 "test": {"requires": ["bar==1.0"], "command": "python -c 'import bar; print(\"IMPORTED\", bar.VALUE)'"}}
JSON
TGT=cp311-manylinux_x86_64
run_pw 0 "lock pins bar for the smoke test" lock "$P"
python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print([(l["name"], l["how"]) for l in d["roots"][sys.argv[2]]["layers"]])' "$P/pinwheel.lock" "$TGT" >"$T/layers"
is "$(cat "$T/layers")" "[('py.tar', 'unpack'), ('test-requires', 'pypi-install')]" "a test-requires layer"
run_pw 0 "fetch" fetch "$P"
run_pw 0 "build" build "$P"
grep -qx "BAR-HIDDEN" "$P/wheelhouse/logs/$TGT.log"
ok $? "the build sandbox does not have bar (before_build could not import it)"
grep -qx "IMPORTED bar" "$P/wheelhouse/logs/$TGT.log"
ok $? "the smoke test does"

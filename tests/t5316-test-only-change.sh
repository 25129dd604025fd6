#!/bin/sh
# A change to the smoke test alone does not rebuild the wheel: a target's
# wheel action is keyed by what reaches the build steps (the root without
# test.requires' layer, the config without "test"), its test action by the
# wheel's sha256, the whole test root and the whole config (docs/cache.md).
#   - test.requires edited (relocked from a loopback index), test.command
#     edited, test.skip added: the wheel comes from the cache byte for byte,
#     build_wheel does not run (its log has no build step), the smoke test
#     runs with the new config; the table, the progress lines and --json
#     say so ("test_rerun")
#   - the same config again: a full hit, the log of the re-run appended
#   - a re-run that fails: exit 1, the wheel kept in OUT/failed/, none in
#     OUT, nothing recorded (the next build tests again)
#   - a build config change (env) builds; a wheel whose fresh smoke test
#     failed is recorded, so fixing the test command tests it alone
# The root is the host's python3.11 (test only).
# as-user: no (nothing here depends on who runs it; t53xx's other tests run rootless)
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/tiny-lib.sh"
plan 53

cat >"$T/spec.json" <<'JSON'
[{"name": "bar", "version": "1.0", "modules": {"bar.py": "VALUE = 'one'\n"}},
 {"name": "bar", "version": "2.0", "modules": {"bar.py": "VALUE = 'two'\n"}}]
JSON
pypi_index
export PIP_INDEX_URL="$INDEX" PIP_TRUSTED_HOST=127.0.0.1
py_base_tar "$T/py.tar"
ok $? "packed the test base"
P="$T/p"
tiny_files "$P"
TGT=cp311-manylinux_x86_64
W=tiny-0-py3-none-any.whl
LOG="$P/wheelhouse/logs/$TGT.log"
config() { # config REQUIRES COMMAND [TEST-EXTRA [TOP-EXTRA]]
	cat >"$P/pinwheel.json" <<JSON
{"version": 1,${4-}
 "python": {"3.11": {"base": {"archives": [{"url": "file://$T/py.tar"}]}}},
 "platforms": ["manylinux_x86_64"], "pure": true,
 "test": {"requires": ["$1"], "command": "$2"${3-}}}
JSON
}
cmd() { printf '%s\n' "python -c 'import bar; print(\\\"$1\\\", bar.VALUE)'"; }
steps() { grep -c "^==== pinwheel: $1\$" "$LOG"; }

config "bar==1.0" "$(cmd ONE)"
run_pw 0 "lock" lock "$P"
run_pw 0 "fetch" fetch "$P"
run_pw 0 "a cold build" build "$P"
like "$OUT" "^$TGT +ok +passed " "built and tested"
cp "$P/wheelhouse/$W" "$T/w0"
is "$(steps build_wheel) $(steps 'smoke test')" "1 1" "its log has build_wheel and the smoke test"
grep -qx "ONE one" "$LOG"
ok $? "the smoke test imported bar 1.0"
run_pw 0 "store ls" store ls
like "$OUT" "ac [0-9a-f]{64} $TGT 2 outputs" "the wheel action: the wheel and the log"
like "$OUT" "ac [0-9a-f]{64} $TGT/test 1 outputs" "the test action: the log"

# test.requires: a relock of the test layer, not a rebuild.
cp "$P/pinwheel.lock" "$T/lock1"
config "bar==2.0" "$(cmd ONE)"
run_pw 0 "test.requires edited" build "$P"
like "$ERR" "pinwheel.lock' is stale \(the config changed\): locking again" "the lock is written again"
python3 -c 'import json, sys
a, b = (json.load(open(f))["roots"][sys.argv[3]]["layers"] for f in sys.argv[1:3])
print([x["name"] for x, y in zip(a, b) if x != y])' "$T/lock1" "$P/pinwheel.lock" "$TGT" >"$T/changed"
is "$(cat "$T/changed")" "['test-requires']" "only the test-requires layer changed"
like "$OUT" "^$TGT +cached +passed " "the table: cached, smoke test passed"
like "$OUT" "^$TGT +the wheel came from the action cache; its smoke test ran again" \
	"a line under the table says the smoke test ran again"
like "$ERR" "$TGT: wheel cached \($W\), its smoke test runs again" "the progress says so"
like "$ERR" "testing $TGT \(log: " "a worker tests it"
run_cmd 0 "the wheel is byte-identical" cmp "$T/w0" "$P/wheelhouse/$W"
is "$(steps build_wheel) $(steps 'smoke test')" "0 1" "the log: no build_wheel, one smoke test"
like "$(head -n 1 "$LOG")" "^pinwheel .*: $TGT: the wheel $W taken from the action cache \(key [0-9a-f]{64}\); only its smoke test runs" \
	"the log's first line says where the wheel came from"
grep -qx "ONE two" "$LOG"
ok $? "the smoke test imported bar 2.0"

# test.command: no relock, no rebuild.
config "bar==2.0" "$(cmd TWO)"
run_pw 0 "lock --check: test.command does not reach the lock" lock --check "$P"
run_pw 0 "test.command edited, --json" --json build "$P"
python3 -c 'import json, sys; t = json.loads(sys.argv[1])["targets"][0]
print(t["ok"], t["cached"], t["test_rerun"], t["smoke"])' "$OUT" >"$T/j"
is "$(cat "$T/j")" "True True True passed" "--json: cached, test_rerun, passed"
run_cmd 0 "the wheel is byte-identical" cmp "$T/w0" "$P/wheelhouse/$W"
is "$(steps build_wheel)" "0" "build_wheel did not run"
grep -qx "TWO two" "$LOG"
ok $? "the smoke test ran the new command"
run_pw 0 "the same config again" --json build "$P"
python3 -c 'import json, sys; t = json.loads(sys.argv[1])["targets"][0]
print(t["ok"], t["cached"], t["test_rerun"])' "$OUT" >"$T/j"
is "$(cat "$T/j")" "True True False" "a full hit: cached, no test run"
like "$(head -n 1 "$LOG")" "^pinwheel .*: $TGT taken from the action cache \(key [0-9a-f]{64}\); the log of the build that made it follows" \
	"the log names the cache"
is "$(steps build_wheel) $(grep -c '^TWO two$' "$LOG")" "1 1" \
	"then the build's log and the re-run smoke test's"

# test.skip: the smoke test's too.
config "bar==2.0" "$(cmd TWO)" ', "skip": ["tiny._never"]'
run_pw 0 "test.skip added" build "$P"
like "$OUT" "^$TGT +cached +passed " "the wheel is cached, the test ran again"
is "$(steps build_wheel) $(steps 'smoke test')" "0 1" "only the smoke test ran"

# A re-run that fails.
rm -rf "$P/wheelhouse"
config "bar==2.0" "python -c 'raise SystemExit(\\\"WRONG\\\")'"
run_pw 1 "a failing test command: exit 1" build "$P"
like "$OUT" "^$TGT +FAILED +failed " "the table: failed, smoke test failed"
like "$ERR" "$TGT: smoke test failed .*; the wheel is kept in failed/$W \(log: " \
	"the error says where the wheel is"
run_cmd 0 "OUT/failed/ has the cached wheel" cmp "$T/w0" "$P/wheelhouse/failed/$W"
is "$(ls "$P/wheelhouse"/*.whl 2>/dev/null)" "" "OUT has no wheel"
is "$(steps build_wheel)" "0" "build_wheel did not run"
run_pw 1 "a failure is not recorded: the next build tests again" build "$P"
like "$ERR" "$TGT: wheel cached \($W\), its smoke test runs again" "tested again"
rm -rf "$P/wheelhouse"
config "bar==2.0" "$(cmd TWO)"
run_pw 0 "back to the command that passed" build "$P"
like "$OUT" "^$TGT +cached +passed " "its test action is still recorded: a full hit"
unlike "$OUT" "ran again" "no smoke test ran"

# A build config change builds; a fresh wheel whose smoke test fails is
# recorded as a wheel, so the fixed command tests it alone.
config "bar==2.0" "python -c 'raise SystemExit(\\\"WRONG\\\")'" "" ' "env": {"TINY_FLAVOUR": "b"},'
run_pw 1 "env edited, with a failing test command" build "$P"
like "$OUT" "^$TGT +FAILED +failed " "built, the smoke test failed"
is "$(steps build_wheel)" "1" "build_wheel ran"
grep -qx "minibackend: TINY_FLAVOUR=b" "$LOG"
ok $? "the build step saw the new variable"
config "bar==2.0" "$(cmd THREE)" "" ' "env": {"TINY_FLAVOUR": "b"},'
run_pw 0 "the test command fixed" build "$P"
like "$OUT" "^$TGT +cached +passed " "the failed build's wheel is tested again, not rebuilt"
is "$(steps build_wheel)" "0" "build_wheel did not run"
grep -qx "THREE two" "$LOG"
ok $? "the fixed command ran"

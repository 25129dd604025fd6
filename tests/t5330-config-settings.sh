#!/bin/sh
# t5330-config-settings: PEP 517 config settings (docs/config.md,
# "config_settings").
#   - none given: both hooks get {} (a backend other than meson-python and
#     scikit-build-core gets no build directory of pinwheel's)
#   - "config_settings" in pinwheel.json: both hooks get exactly that
#     object (strings and arrays of strings), the frontend's line says so
#   - the same in pyproject.toml's [tool.pinwheel.config_settings]
#   - a changed setting rebuilds the target (it is in the wheel's action
#     key), the same again is a hit; it does not make the lock stale
#   - bad values: one line naming the file and the field, exit 2
# The root is the host's python3.11 (test only).
# as-user: no (nothing here depends on who runs it)
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/tiny-lib.sh"
plan 23

P="$T/p"
tiny_plain "$P"
ok $? "the tiny project"
TGT=cp311-manylinux_x86_64
LOG="$P/wheelhouse/logs/$TGT.log"
SLOG="$P/wheelhouse/logs/sdist.log"
# config [EXTRA]: the tiny project's pinwheel.json with EXTRA at the top
config() {
	cat >"$P/pinwheel.json" <<JSON
{"version": 1,$1
 "python": {"3.11": {"base": {"archives": [{"url": "file://$T/py.tar"}]}}},
 "platforms": ["manylinux_x86_64"], "pure": true}
JSON
}

config ""
run_pw 0 "lock" lock "$P"
cp "$P/pinwheel.lock" "$T/lock0"
run_pw 0 "build without settings" build "$P"
grep -qx 'minibackend: build_wheel config_settings={}' "$LOG"
ok $? "build_wheel got {}"
grep -qx 'minibackend: build_sdist config_settings={}' "$SLOG"
ok $? "build_sdist got {}"
grep -qx 'pinwheel: calling minibackend.build_wheel' "$LOG"
ok $? "the frontend's line names no settings"

config ' "config_settings": {"--build-option": ["--a", "--b"], "mode": "fast"},'
run_pw 0 "build with settings" build "$P"
like "$OUT" "^$TGT +ok +passed " "built (not from the action cache)"
grep -qx 'minibackend: build_wheel config_settings={"--build-option": \["--a", "--b"\], "mode": "fast"}' "$LOG"
ok $? "build_wheel got the config's object"
grep -qx 'minibackend: build_sdist config_settings={"--build-option": \["--a", "--b"\], "mode": "fast"}' "$SLOG"
ok $? "build_sdist got it too"
grep -q "^pinwheel: calling minibackend.build_wheel with config settings {'--build-option': \['--a', '--b'\], 'mode': 'fast'}" "$LOG"
ok $? "the frontend's line says which"
cmp -s "$P/pinwheel.lock" "$T/lock0"
ok $? "the lock was not written again (settings are build-only)"
run_pw 0 "the same again" build "$P"
like "$OUT" "^$TGT +cached " "a hit of the action cache"

config ' "config_settings": {"mode": "slow"},'
run_pw 0 "a changed setting" build "$P"
like "$OUT" "^$TGT +ok +passed " "built again"
grep -qx 'minibackend: build_wheel config_settings={"mode": "slow"}' "$LOG"
ok $? "with the new value"

# bad values
config ' "config_settings": ["mode=fast"],'
run_pw 2 "an array" plan "$P"
like "$ERR" "pinwheel.json:1:16: config_settings: expected an object of strings or arrays of strings, got an array$" \
	"names the file and the field"
config ' "config_settings": {"mode": 3},'
run_pw 2 "a number" plan "$P"
like "$ERR" "pinwheel.json:1:36: config_settings.mode: expected a string or an array of strings, got an integer$" \
	"names the setting"

# the same from pyproject.toml (zero config plus [tool.pinwheel])
rm -f "$P/pinwheel.json" "$P/pinwheel.lock"
cat >>"$P/pyproject.toml" <<TOML

[tool.pinwheel]
python = { "3.11" = { base = { archives = [{ url = "file://$T/py.tar" }] } } }
platforms = ["manylinux_x86_64"]
pure = true

[tool.pinwheel.config_settings]
mode = "toml"
TOML
run_pw 0 "build from [tool.pinwheel]" build "$P"
grep -qx 'minibackend: build_wheel config_settings={"mode": "toml"}' "$LOG"
ok $? "[tool.pinwheel.config_settings] reached build_wheel"

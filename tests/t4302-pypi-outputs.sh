#!/bin/sh
# t4302-pypi-outputs: the PyPI provider takes pip's outputs from directories
# pip's sandbox could write; a hostile interpreter in the root (a wrapper
# that runs pip, then tampers with what it left) gets nowhere:
#   - setuid and setgid bits on the installed layer's files: the layer's
#     seccomp filter refuses them (EPERM); the sticky bit it lets through
#     on files and directories: the store tree has none (and verifies)
#   - pip's report replaced by a FIFO: one error line at once (no hang);
#     by a symlink to a file of the user's: refused, not read
#   - pip's log replaced by a symlink to the user's private key, or by a
#     FIFO, when pip fails: the error line says what the log was and holds
#     nothing of the key
# Each command runs under timeout(1) only as a safety net: before the fix a
# FIFO made lock hang forever.
# The "root" is the host's /usr (test only, as t4301).
. "$SRCDIR/tests/lib.sh"
[ -x /usr/bin/python3 ] || skip_all "/usr/bin/python3 missing"
/usr/bin/python3 -c 'import pip' 2>/dev/null || skip_all "python3-pip not installed"
command -v timeout >/dev/null || skip_all "timeout(1) missing"
DRV="$SRCDIR/${BUILD:-build}/tests/helpers/pw-pypi"
[ -x "$DRV" ] || skip_all "pw-pypi helper not built"
plan 20

LAYER="$T/layer"
mkdir -p "$LAYER/usr" "$LAYER/opt/evil"
for d in bin lib lib64 sbin; do ln -s "usr/$d" "$LAYER/$d"; done
# The hostile interpreter: pip runs, then HOSTILE says what to tamper with.
cat >"$LAYER/opt/evil/python3" <<'SH'
#!/bin/sh
/usr/bin/python3 "$@"
st=$?
out=/tmp/pinwheel-out
case "$HOSTILE" in
setuid)
	# the layer's filter (seccomp, the build profile) refuses setuid and
	# setgid bits; the sticky bit it lets through, and the host strips it
	f=$(find /tmp/pinwheel-tree -type f -name bar.py)
	chmod 6755 "$f" 2>/dev/null && echo "HOSTILE: chmod 6755 allowed" >&2
	python3 -c 'import os, sys
try: os.chmod(sys.argv[1], 0o4755)
except OSError as e: print("HOSTILE: setuid chmod:", e.strerror, file=sys.stderr)' "$f"
	find /tmp/pinwheel-tree -type f -exec chmod 1755 {} + &&
		find /tmp/pinwheel-tree -mindepth 1 -type d -exec chmod 1777 {} + ||
		echo "HOSTILE: chmod refused" >&2 ;;
report-fifo) rm -f $out/report.json && mkfifo $out/report.json ;;
report-link) rm -f $out/report.json && ln -s "$PRIVATE" $out/report.json ;;
log-link) rm -f $out/pip.log && ln -s "$PRIVATE" $out/pip.log && st=1 ;;
log-fifo) rm -f $out/pip.log && mkfifo $out/pip.log && st=1 ;;
esac
exit $st
SH
chmod 0755 "$LAYER/opt/evil/python3"
ROOT="--layer $LAYER --ro-bind /usr:/usr --python /opt/evil/python3"
STORE="$T/store"

cat >"$T/spec.json" <<'JSON'
[{"name": "bar", "version": "1.0", "modules": {"bar.py": "VALUE = 1\n"},
  "scripts": {"bar-cli": "bar:main"}}]
JSON
pypi_index
export PIP_INDEX_URL="$INDEX"

# The user's private files: a key, and a JSON file shaped like pip's report.
mkdir -p "$HOME/.ssh"
echo "ERROR: PRIVATE KEY of the user" >"$HOME/.ssh/id_ed25519"
printf '{"version": "1", "install": []}\n' >"$HOME/private.json"

# drv ARGS...: the driver with a 120 s safety net
drv() { timeout 120 "$DRV" "$@"; }

# shellcheck disable=SC2086
run_cmd 0 "lock through the wrapper" drv lock --store "$STORE" $ROOT bar==1.0
printf '%s\n' "$OUT" >"$T/lock.txt"
like "$OUT" "^bar 1.0 [0-9a-f]{64} [0-9]+ " "the wrapper is transparent"

# ---- the layer ----
# shellcheck disable=SC2086
run_cmd 0 "install, the wrapper setting setuid and setgid bits" drv install --store "$STORE" \
	--env HOSTILE=setuid --root-id evil $ROOT "$T/lock.txt"
TREE=${OUT#* }
like "$ERR" "HOSTILE: setuid chmod: Operation not permitted" "the layer's filter refuses a setuid bit (EPERM)"
unlike "$ERR" "chmod 6755 allowed|chmod refused" "the sticky bit went through (the host's strip is what is tested)"
[ -f "$TREE/usr/local/lib/python3.11/dist-packages/bar.py" ]
ok $? "the layer holds bar"
is "$(find "$TREE" -perm /7000 | wc -l | tr -d ' ')" 0 "no setuid, setgid or sticky bit in the store tree"
is "$(find "$TREE" -perm /222 ! -type l | wc -l | tr -d ' ')" 0 "the tree is read-only"
run_pw 0 "store verify accepts the layer" --store "$STORE" store verify

# ---- the report ----
# shellcheck disable=SC2086
run_cmd 1 "pip's report replaced by a FIFO: exit 1" drv lock --env HOSTILE=report-fifo $ROOT bar==1.0
is "$ERR" "pw-pypi: resolving the Python requirements of test: pip's report: '/tmp/pinwheel-out/report.json' is a FIFO, expected a regular file" \
	"the report as a FIFO: one line saying so"
# shellcheck disable=SC2086
run_cmd 1 "pip's report replaced by a symlink: exit 1" drv lock --env HOSTILE=report-link \
	--env "PRIVATE=$HOME/private.json" $ROOT bar==1.0
is "$ERR" "pw-pypi: resolving the Python requirements of test: pip's report: '/tmp/pinwheel-out/report.json' is a symbolic link, expected a regular file" \
	"the report as a symlink: refused, not followed"

# ---- the log ----
# shellcheck disable=SC2086
run_cmd 1 "pip fails, its log a symlink to the user's key: exit 1" drv lock --env HOSTILE=log-link \
	--env "PRIVATE=$HOME/.ssh/id_ed25519" $ROOT bar==1.0
like "$ERR" "pip exited with status 1: '.*/pip\\.log' is a symbolic link, expected a regular file$" \
	"the error says the log is a symlink"
unlike "$ERR" "PRIVATE KEY" "nothing of the key in the error"
# shellcheck disable=SC2086
run_cmd 1 "pip fails, its log a FIFO: exit 1" drv lock --env HOSTILE=log-fifo $ROOT bar==1.0
like "$ERR" "pip exited with status 1: '.*/pip\\.log' is a FIFO, expected a regular file$" \
	"the error says the log is a FIFO"
# shellcheck disable=SC2086
run_cmd 1 "the install step's log alike" drv install --store "$STORE" --root-id evil-log --env HOSTILE=log-link \
	--env "PRIVATE=$HOME/.ssh/id_ed25519" $ROOT "$T/lock.txt"
unlike "$ERR" "PRIVATE KEY" "nothing of the key in the install error"

# tests/lib.sh - shared helpers for the integration scripts (TAP output).
# Source it first thing:   . "$SRCDIR/tests/lib.sh"
# Every script gets a fresh temp directory $T (removed at exit, even when
# read-only trees are inside), HOME=$T/home and PINWHEEL_STORE=$T/store.
# PINWHEEL is the binary under test; pw runs it.
set -u
: "${SRCDIR:?SRCDIR must be set}" "${PINWHEEL:?PINWHEEL must be set}"
export LC_ALL=C
T=$(mktemp -d "${TMPDIR:-/tmp}/pwtest.XXXXXX") || { echo "1..0 # SKIP no temp dir"; exit 0; }
export HOME="$T/home" PINWHEEL_STORE="$T/store"
unset XDG_CACHE_HOME
mkdir -p "$HOME"
_tap_n=0 _tap_failed=0 _bg_pids=""

_cleanup() {
	for p in $_bg_pids; do kill "$p" 2>/dev/null; done
	for p in $_bg_pids; do wait "$p" 2>/dev/null; done
	chmod -R u+w "$T" 2>/dev/null
	rm -rf "$T"
}
trap _cleanup EXIT
trap 'exit 130' INT TERM

pw() { "$PINWHEEL" "$@"; }

plan() { echo "1..$1"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

ok() { # ok STATUS DESC
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $_tap_n - $2"; else echo "not ok $_tap_n - $2"; _tap_failed=1; fi
}
skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n # SKIP $*"; }

# is GOT WANT DESC
is() {
	if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; diag "got:  '$1'" "want: '$2'"; fi
}
# like GOT REGEX DESC  (grep -E)
like() {
	if printf '%s' "$1" | grep -qE -- "$2"; then ok 0 "$3"; else ok 1 "$3"; diag "got:  '$1'" "want match: $2"; fi
}
unlike() {
	if printf '%s' "$1" | grep -qE -- "$2"; then ok 1 "$3"; diag "got:  '$1'" "must not match: $2"; else ok 0 "$3"; fi
}
# run_pw STATUS DESC ARGS...: run pinwheel, keep stdout in $OUT, stderr in
# $ERR, and assert the exit status.
run_pw() {
	_want=$1 _desc=$2; shift 2
	"$PINWHEEL" "$@" >"$T/.out" 2>"$T/.err"; _st=$?
	OUT=$(cat "$T/.out"); ERR=$(cat "$T/.err")
	if [ "$_st" -eq "$_want" ]; then ok 0 "$_desc"; else
		ok 1 "$_desc"; diag "exit status $_st, wanted $_want" "stderr: $ERR"; fi
}
# run_cmd STATUS DESC CMD...: the same for any command
run_cmd() {
	_want=$1 _desc=$2; shift 2
	"$@" >"$T/.out" 2>"$T/.err"; _st=$?
	OUT=$(cat "$T/.out"); ERR=$(cat "$T/.err")
	if [ "$_st" -eq "$_want" ]; then ok 0 "$_desc"; else
		ok 1 "$_desc"; diag "exit status $_st, wanted $_want" "stderr: $ERR"; fi
}
# bg CMD...: start a background process killed at exit; its pid in $BG_PID
bg() { "$@" & BG_PID=$!; _bg_pids="$_bg_pids $BG_PID"; }

is_root() { [ "$(id -u)" -eq 0 ]; }

# py_base_tar OUT [ALIAS...]: a small root tarball (test only) from the
# host's python3.11: the interpreter, its stdlib without tests, idlelib,
# tkinter, lib2to3, pydoc_data and ensurepip, pip, dash as /bin/sh and the
# libraries they load; each ALIAS (e.g. python3.12) a link to python3.11
# in /usr/bin.
py_base_tar() {
	_pb_out=$1
	shift
	_pb_libs=$( (ldd /usr/bin/python3.11 /usr/bin/dash; for f in /usr/lib/python3.11/lib-dynload/*.so; do ldd "$f"; done) |
		awk '/=>/ {print $3} /ld-linux/ {print $1}' | sort -u)
	_pb_x=$(mktemp -d "$T/pybase.XXXXXX") && mkdir -p "$_pb_x/bin" "$_pb_x/usr/bin" &&
		cp /usr/bin/dash "$_pb_x/bin/sh" || return 1
	_pb_add=bin/sh
	for _pb_a in "$@"; do
		ln -s python3.11 "$_pb_x/usr/bin/$_pb_a" && _pb_add="$_pb_add usr/bin/$_pb_a" || return 1
	done
	# shellcheck disable=SC2086
	tar -chf "$_pb_out" --exclude=__pycache__ --exclude=test --exclude=tests --exclude=idlelib \
		--exclude=tkinter --exclude=lib2to3 --exclude=pydoc_data --exclude=ensurepip \
		/usr/bin/python3.11 /usr/lib/python3.11 /usr/lib/python3/dist-packages/pip $_pb_libs 2>/dev/null &&
		tar -C "$_pb_x" -rf "$_pb_out" $_pb_add
}

# pypi_index: build the fixture index of $T/spec.json (see
# tests/helpers/pypi_index.py) into $T/www and serve it on loopback; sets
# PORT, SERVER (its pid) and INDEX (its simple/ URL).  Skips the script
# when either fails.  The port comes through a FIFO: nothing to poll.
pypi_index() {
	python3 "$SRCDIR/tests/helpers/pypi_index.py" build "$T/www" "$T/spec.json" ||
		skip_all "could not build the fixture index"
	mkfifo "$T/port.fifo"
	bg sh -c 'exec python3 "$0" serve "$1" "$2" >"$3"' "$SRCDIR/tests/helpers/pypi_index.py" \
		"$T/www" "$T/server.log" "$T/port.fifo"
	SERVER=$BG_PID
	read -r PORT <"$T/port.fifo"
	[ -n "$PORT" ] || skip_all "loopback index did not start"
	INDEX="http://127.0.0.1:$PORT/simple"
}

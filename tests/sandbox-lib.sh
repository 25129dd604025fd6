# tests/sandbox-lib.sh - shared by the t20*-run-*.sh scripts; source it after
# tests/lib.sh.  Builds a small root from the host's own /usr: a layer dir
# with the merged-/usr symlinks, /usr bound read-only, and the test helper
# programs (build/tests/helpers) bound read-only at /opt/pw.
HELPERS="$SRCDIR/$BUILD/tests/helpers"
[ -x "$HELPERS/sbprobe" ] || skip_all "test helpers not built (make unit-tests)"
LAYER="$T/layer"
mkdir -p "$LAYER/usr" "$LAYER/opt/pw"
for d in bin lib lib64 sbin; do ln -s "usr/$d" "$LAYER/$d"; done
# The default seccomp profile ('build') is on; tests about the namespaces
# alone add --seccomp none (the last --seccomp given wins).
: "${PW_SECCOMP:=build}"
ROOT_OPTS="--seccomp $PW_SECCOMP --layer $LAYER --ro-bind /usr:/usr --ro-bind $HELPERS:/opt/pw"
# ASan-built helpers cannot run LeakSanitizer under the seccomp profile (it
# needs ptrace); their leaks are not what these tests are about.
case "$BUILD" in *asan*) ROOT_OPTS="$ROOT_OPTS --env ASAN_OPTIONS=detect_leaks=0" ;; esac
# sb ARGS... -- CMD: pinwheel run in the test root
sb() { "$PINWHEEL" run $ROOT_OPTS "$@"; }
# run_sb STATUS DESC ARGS...: like run_pw for `pinwheel run` in the test root
run_sb() {
	_w=$1 _d=$2; shift 2
	run_pw "$_w" "$_d" run $ROOT_OPTS "$@"
}

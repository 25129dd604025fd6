#!/bin/sh
# --emulate: an aarch64 static busybox prints "aarch64" for `uname -m`
# through qemu-user registered in a binfmt_misc instance of the sandbox's own
# user namespace; the host's binfmt_misc is untouched.  The two Debian
# packages are fetched once with apt-get download (private package lists,
# so the host's apt configuration is not changed); the .debs and the two
# binaries taken out of them are cached under $BUILD/test-cache/emulate.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/sandbox-lib.sh"
. "$SRCDIR/tests/helpers/emulate-fixture.sh"
BUSYBOX=$ABUSYBOX
plan 12

host_binfmt() { ls -A /proc/sys/fs/binfmt_misc 2>&1; grep binfmt_misc /proc/self/mountinfo | wc -l; }
before=$(host_binfmt)
mkdir -p "$T/arm/bin"
cp "$BUSYBOX" "$T/arm/bin/busybox"
run_pw 0 "an aarch64 busybox runs under --emulate aarch64" run --seccomp "$PW_SECCOMP" \
	--layer "$T/arm" --emulate aarch64 "$QEMU" -- /bin/busybox uname -m
is "$OUT" "aarch64" "uname -m prints aarch64"
run_pw 0 "a foreign shell pipeline runs" run --seccomp "$PW_SECCOMP" --layer "$T/arm" \
	--emulate aarch64 "$QEMU" -- /bin/busybox sh -c '/bin/busybox echo a b | /bin/busybox wc -w'
is "$(echo $OUT)" "2" "busybox sh | wc under qemu"
run_pw 0 "the registration is visible inside" run --seccomp "$PW_SECCOMP" --layer "$T/arm" \
	--emulate aarch64 "$QEMU" -- /bin/busybox cat /proc/sys/fs/binfmt_misc/pinwheel-aarch64
like "$OUT" "^enabled
interpreter /proc/self/fd/[0-9]+
flags: F" "registered in fix-binary mode (F)"
run_pw 0 "the emulated command runs as the sandbox user" run --seccomp "$PW_SECCOMP" \
	--layer "$T/arm" --emulate aarch64 "$QEMU" -- /bin/busybox id -u
is "$(host_binfmt)" "$before" "the host's binfmt_misc is untouched"
run_pw 126 "without --emulate the binary cannot run" run --seccomp "$PW_SECCOMP" \
	--layer "$T/arm" -- /bin/busybox uname -m
like "$ERR" "exec '/bin/busybox': Exec format error" "126: Exec format error"
run_pw 125 "a missing interpreter is a set-up failure" run --seccomp "$PW_SECCOMP" \
	--layer "$T/arm" --emulate aarch64 "$T/no-qemu" -- /bin/busybox true
like "$ERR" "^pinwheel: run: --emulate interpreter '$T/no-qemu': No such file or directory$" \
	"the interpreter is named"

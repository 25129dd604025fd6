#!/bin/sh
# --emulate: an aarch64 static busybox prints "aarch64" for `uname -m`
# through qemu-user registered in a binfmt_misc instance of the sandbox's own
# user namespace; the host's binfmt_misc is untouched.  The two Debian
# packages are fetched once with apt-get download (private package lists,
# so the host's apt configuration is not changed); the .debs and the two
# binaries taken out of them are cached under $BUILD/test-cache/emulate.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/sandbox-lib.sh"
CACHE="$SRCDIR/$BUILD/test-cache/emulate"
QEMU="$CACHE/qemu-aarch64-static"
BUSYBOX="$CACHE/busybox-arm64"

# fetch: the .debs into the cache (once), then the two binaries out of them.
fetch() {
	mkdir -p "$CACHE" 2>/dev/null && chmod 1777 "$SRCDIR/$BUILD/test-cache" "$CACHE" 2>/dev/null
	w="$T/apt"
	mkdir -p "$w/lists/partial" "$w/cache/archives/partial" "$w/debs" "$w/q" "$w/b" || return 1
	if ! ls "$CACHE"/qemu-user-static_*.deb "$CACHE"/busybox-static_*_arm64.deb >/dev/null 2>&1; then
		o="-o Dir::State::Lists=$w/lists -o Dir::Cache=$w/cache -o Debug::NoLocking=1
		   -o APT::Architecture=amd64 -o APT::Architectures::=amd64 -o APT::Architectures::=arm64"
		[ "$(id -u)" -ne 0 ] && o="$o -o APT::Sandbox::User=$(id -un)"
		# shellcheck disable=SC2086
		apt-get -q $o update >"$w/update.log" 2>&1 &&
			(cd "$w/debs" && apt-get -q $o download qemu-user-static busybox-static:arm64) \
				>"$w/download.log" 2>&1 || { cat "$w"/*.log | tail -5 | sed 's/^/# /'; return 1; }
		for d in "$w"/debs/*.deb; do
			cp "$d" "$CACHE/.tmp.$$" && chmod 644 "$CACHE/.tmp.$$" &&
				mv "$CACHE/.tmp.$$" "$CACHE/$(basename "$d")" || return 1
		done
	fi
	dpkg-deb -x "$(ls "$CACHE"/qemu-user-static_*.deb | head -1)" "$w/q" &&
		dpkg-deb -x "$(ls "$CACHE"/busybox-static_*_arm64.deb | head -1)" "$w/b" || return 1
	cp "$w/q/usr/bin/qemu-aarch64-static" "$QEMU.tmp.$$" && mv "$QEMU.tmp.$$" "$QEMU" &&
		cp "$w/b/bin/busybox" "$BUSYBOX.tmp.$$" && mv "$BUSYBOX.tmp.$$" "$BUSYBOX" &&
		chmod 755 "$QEMU" "$BUSYBOX"
}
if [ ! -x "$QEMU" ] || [ ! -x "$BUSYBOX" ]; then
	fetch || skip_all "could not fetch qemu-user-static and busybox-static:arm64"
fi
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

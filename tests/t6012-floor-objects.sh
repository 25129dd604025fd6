#!/bin/sh
# t6012-floor-objects: pinwheel's own code compiled and linked under the
# manylinux2014 floor (docs/dist.md, "The floor").  Every object is compiled
# by `zig cc -target x86_64-linux-gnu.2.17` (Zig's glibc 2.17 headers: a
# call to a function glibc added later, such as memfd_create or the mount
# API, does not compile; lib/sys.c wraps those as syscalls), all of them
# are linked into one shared object (undefined symbols allowed, so only
# glibc's are bound) and the binary is linked as `make` links it (jansson,
# libseccomp, libelf, zlib, libdeflate static).  `pinwheel audit --root /`
# of each must find nothing above GLIBC_2.17: a glibc function the floor's
# stubs lack stays an unversioned import, which --root counts at the
# oldest glibc version defining it (the control below shows that).
# The Zig is the one t5320's lock pins (ziglang 0.17.1), found in the
# shared store by its tree (PINWHEEL_TEST_ZIG names another).
# as-user: no
SHARED_STORE=${PINWHEEL_STORE:-${XDG_CACHE_HOME:-$HOME/.cache}/pinwheel}
. "$SRCDIR/tests/lib.sh"
[ "$(uname -m)" = x86_64 ] || skip_all "the floor checked here is x86_64's"
ZIG=${PINWHEEL_TEST_ZIG:-}
if [ -z "$ZIG" ]; then
	for j in "$SHARED_STORE"/trees/*.json; do
		grep -q '"subdir": "ziglang"' "$j" 2>/dev/null || continue
		d=${j%.json}
		if [ -x "$d/zig" ] && [ "$("$d/zig" version 2>/dev/null)" = 0.17.1 ]; then
			ZIG=$d/zig
			break
		fi
	done
fi
[ -n "$ZIG" ] || skip_all "no ziglang 0.17.1 tree in the store $SHARED_STORE (t5320 fetches it)"
plan 10

ZCC="$T/zcc"
cat >"$ZCC" <<EOF2
#!/bin/sh
export ZIG_GLOBAL_CACHE_DIR="$T/zig-cache" ZIG_LOCAL_CACHE_DIR="$T/zig-cache"
exec "$ZIG" cc -target x86_64-linux-gnu.2.17 -idirafter /usr/include/x86_64-linux-gnu -idirafter /usr/include "\$@"
EOF2
chmod +x "$ZCC"
# wheel DIR FILE: an unpacked wheel holding FILE, for pinwheel audit
wheel() {
	mkdir -p "$1/x-1.0.dist-info" "$1/x"
	printf 'Wheel-Version: 1.0\nGenerator: t6012\nRoot-Is-Purelib: false\nTag: py3-none-linux_x86_64\n' \
		>"$1/x-1.0.dist-info/WHEEL"
	cp "$2" "$1/x/"
}

# The control: a glibc 2.25 function the floor's headers declare but its
# stubs lack, and a 2.27 one they do not declare.
printf '#include <string.h>\nvoid wipe(char *p, size_t n) { explicit_bzero(p, n); }\n' >"$T/new.c"
run_cmd 0 "the control links" "$ZCC" -fPIC -shared -o "$T/new.so" "$T/new.c"
wheel "$T/wnew" "$T/new.so"
run_pw 0 "audit of the control" audit --root / "$T/wnew"
like "$OUT" "not manylinux_2_17, manylinux_2_24: unversioned explicit_bzero \\(GLIBC_2\\.25, libc\\.so\\.6\\) \\[in x/new\\.so\\]" \
	"a glibc function missing from the floor's stubs is found by the audit"
printf '#define _GNU_SOURCE\n#include <sys/mman.h>\nint f(void) { return memfd_create("x", 0); }\n' >"$T/mfd.c"
run_cmd 1 "glibc's memfd_create under the floor" "$ZCC" -Werror -c -o "$T/mfd.o" "$T/mfd.c"
like "$ERR" "error: call to undeclared function 'memfd_create'" "does not compile (hence pw_sys_memfd_create)"

# pinwheel itself: every object (position-independent, for the shared
# object), then the binary from the same objects.
B="$T/b"
run_cmd 0 "pinwheel's objects and binary under the floor" \
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL nice make -C "$SRCDIR" -j2 BUILD="$B" CC="$ZCC" \
	CFLAGS="-O2 -fPIC" SAN= LINK_LIBLOAD= LDFLAGS=-L/usr/lib/x86_64-linux-gnu "$B/pinwheel"
[ "$_st" -eq 0 ] || diag "$(printf '%s\n' "$ERR" | grep -E 'error' | head -20)"
"$ZCC" -shared -o "$T/objects.so" "$B/runner/main.o" -Wl,--whole-archive "$B/libpinwheel.a" \
	-Wl,--no-whole-archive 2>"$T/ld.err" || diag "$(cat "$T/ld.err")"
wheel "$T/wobj" "$T/objects.so"
run_pw 0 "audit of every object, linked into one shared object" audit --root / "$T/wobj"
WANT="wobj: manylinux_2_17_x86_64 (alias manylinux2014_x86_64)"
is "$(printf '%s\n' "$OUT" | head -1)" "$WANT" "pinwheel's objects need nothing above GLIBC_2.17"
[ "$(printf '%s\n' "$OUT" | head -1)" = "$WANT" ] || diag "$OUT"
wheel "$T/wbin" "$B/pinwheel"
run_pw 0 "audit of the binary" audit --root / "$T/wbin"
is "$(printf '%s\n' "$OUT" | head -1)  $("$B/pinwheel" --version)" \
	"wbin: manylinux_2_17_x86_64 (alias manylinux2014_x86_64)  pinwheel $(sed -n 's/^#define PW_VERSION "\(.*\)"$/\1/p' "$SRCDIR/include/pinwheel/common.h")" \
	"the binary with its static libraries is manylinux2014 too, and runs"
printf '%s\n' "$OUT" | head -1 | grep -q ': manylinux_2_17_x86_64 ' || diag "$OUT"

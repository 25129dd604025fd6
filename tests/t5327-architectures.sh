#!/bin/sh
# t5327-architectures: a tiny C extension (tests/helpers/cext-project.sh;
# it links libbz2, which repair must vendor) built from Debian bookworm's ports roots for the Linux
# architectures cibuildwheel builds besides x86_64 and aarch64:
# manylinux_i686 (the i386 root, run natively in the 32-bit execution
# domain), manylinux_ppc64le, manylinux_s390x and manylinux_armv7l (the
# ppc64el, s390x and armhf roots under the lock's qemu-user, compiled by
# Debian's amd64 cross gcc).  Per architecture: the lock's layers, the
# compiler that ran, the tag, the smoke test's own report of the machine
# and its word size (run under qemu where foreign), the ELF machine and
# class of the extension and of the vendored libbz2, and `pinwheel audit`
# naming the architecture.  For i686 also: uname says i686 in the root, a
# 32-bit program meets the seccomp filter through the i386 ABI (unshare
# refused, EPERM), and a second build gives the same bytes.
#
# make check builds two architectures (i686 and armv7l: the native 32-bit
# path and one emulated cross path); `make check-arches` (or
# PINWHEEL_TEST_ARCHES="i686 ppc64le s390x armv7l") all four.  The roots
# come from the shared store as in t5320; the lock asks the mirror apt is
# configured with and the index pip uses.
# as-user: no
SHARED_STORE=${PINWHEEL_STORE:-${XDG_CACHE_HOME:-$HOME/.cache}/pinwheel}
. "$SRCDIR/tests/lib.sh"
export PINWHEEL_STORE="$SHARED_STORE"
[ "$(uname -m)" = x86_64 ] || skip_all "the architectures are checked from an x86_64 machine"
ARCHES=${PINWHEEL_TEST_ARCHES:-i686 armv7l}
N=0
for a in $ARCHES; do
	case $a in
	i686) N=$((N + 13)) ;;
	ppc64le | s390x | armv7l) N=$((N + 7)) ;;
	*)
		echo "PINWHEEL_TEST_ARCHES: unknown architecture '$a' (expected i686, ppc64le, s390x or armv7l)" >&2
		exit 2
		;;
	esac
done
plan $((N + 2))

P="$T/p"
. "$SRCDIR/tests/helpers/cext-project.sh"
cext_project "$P" "$ARCHES"

# the ELF machine, class and byte order of every .so in a wheel, one line
# each: "ext|libs MACHINE BITS le|be" (libs: vendored by repair)
elfs() {
	python3 - "$1" <<'EOF2'
import struct, sys, zipfile
names = {3: "i386", 20: "ppc", 21: "ppc64", 22: "s390", 40: "arm", 62: "x86_64", 183: "aarch64"}
with zipfile.ZipFile(sys.argv[1]) as z:
    for n in sorted(z.namelist()):
        if ".so" not in n:
            continue
        h = z.read(n)[:20]
        cls, data = h[4], h[5]
        (m,) = struct.unpack("<H" if data == 1 else ">H", h[18:20])
        print("libs" if "/" in n else "ext", names.get(m, str(m)), 32 if cls == 1 else 64, "le" if data == 1 else "be")
EOF2
}

START=$(date +%s)
run_pw 0 "lock" lock "$P"
printf '# lock of %s: %s s\n' "$ARCHES" $(($(date +%s) - START))
layers() {
	python3 -c 'import json, sys
print(" ".join(l["name"] for l in json.load(open(sys.argv[1]))["roots"][sys.argv[2]]["layers"]))' \
		"$P/pinwheel.lock" "$1"
}

START=$(date +%s)
run_pw 0 "build every architecture" build "$P" --no-cache --jobs 1 --out "$T/out"
printf '# build of %s: %s s\n' "$ARCHES" $(($(date +%s) - START))
BUILT=$OUT
printf '%s\n' "$BUILT" | grep '^cp311-' | sed 's/^/# /'

for a in $ARCHES; do
	TGT=cp311-manylinux_$a
	LOG="$T/out/logs/$TGT.log"
	case $a in
	i686) deb=i386 emu= cc=i686-linux-gnu-gcc bits=32 elf="i386 32 le" ;;
	ppc64le) deb=ppc64el emu=ppc64le cc=powerpc64le-linux-gnu-gcc bits=64 elf="ppc64 64 le" ;;
	s390x) deb=s390x emu=s390x cc=s390x-linux-gnu-gcc bits=64 elf="s390 64 be" ;;
	armv7l) deb=armhf emu=arm cc=arm-linux-gnueabihf-gcc bits=32 elf="arm 32 le" ;;
	esac
	if [ -n "$emu" ]; then
		want="debian-bookworm-$deb emulator-$emu debian-bookworm-cross-amd64 build-requires"
	else
		want="debian-bookworm-$deb build-requires"
	fi
	is "$(layers "$TGT")" "$want" "$a: the lock's layers"
	like "$BUILT" "^$TGT +ok +passed .* cext-1\\.0-cp311-cp311-manylinux_2_[0-9]+_$a\\.(manylinux[0-9]+_$a\\.)?whl \\(manylinux_2_[0-9]+_$a\\)" \
		"$a: built, tagged manylinux_2_X_$a, smoke test passed"
	W=$(ls "$T/out"/cext-1.0-cp311-cp311-*_$a.whl 2>/dev/null | head -1)
	grep -q "^$cc .* -c cext.c" "$LOG"
	ok $? "$a: compiled by $cc"
	grep -q "^machine $a $bits 1\\.0\\.8" "$LOG"
	ok $? "$a: the smoke test ran on $a ($bits-bit) with the vendored libbz2"
	is "$(elfs "${W:-$T/none}" | awk '{print $1, $2, $3, $4}' | sort -u | tr '\n' ';')" \
		"ext $elf;libs $elf;" "$a: the extension and the vendored library are $elf ELF"
	run_pw 0 "$a: audit" --json audit "${W:-$T/none}"
	like "$OUT" "\"arch\": \"$a\"" "$a: audit reads the members as $a"
	[ "$a" = i686 ] || continue

	run_pw 0 "i686: uname in the root" run --target "$TGT" "$P" -- uname -m
	is "$OUT" "i686" "i686: the root runs in the 32-bit execution domain"
	run_pw 0 "i686: a 32-bit program under the filter" run --target "$TGT" "$P" -- python3 -c '
import ctypes, errno, struct
libc = ctypes.CDLL(None, use_errno=True)
r = libc.unshare(0x10000000)
print(struct.calcsize("P") * 8, r, errno.errorcode.get(ctypes.get_errno(), "-"))'
	is "$OUT" "32 -1 EPERM" "i686: unshare through the i386 ABI is refused by the filter"
	run_pw 0 "i686: build again" build "$P" --no-cache --only "$TGT" --out "$T/out2"
	cmp -s "$W" "$T/out2/$(basename "${W:-none}")"
	ok $? "i686: the same bytes"
done

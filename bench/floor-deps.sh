#!/bin/sh
# bench/floor-deps.sh - pinwheel's dependencies built under the manylinux2014
# floor (docs/dist.md, "The libraries"), from the upstream tarballs of
# bookworm's source packages (pinned by the Sources index, verified by
# sha256, kept in the store), each configured for static linking with a
# minimal feature set and compiled by the floor's Zig (zig cc -target
# x86_64-linux-gnu.2.17) inside `pinwheel run` (no network, the host's
# /usr read-only for sh, make, perl and cmake), installed into one prefix;
# then pinwheel compiled and linked by the same Zig against that prefix,
# where the link's library path offers bookworm's static archives only for
# the libraries not built here, so the others can only come from the
# prefix; then `pinwheel audit --root /` of the binary.
#
#   sh bench/floor-deps.sh [OUT [all]]   (OUT default: build-floor-deps/)
#
#   (default)  zlib and jansson; pinwheel links them, and bookworm's
#              libseccomp, libelf, libdeflate, liblzma (static) as usual;
#              libcurl, libarchive, libcrypto stay dlopen()ed
#   all        also bzip2, xz-utils, libzstd, openssl, curl, libarchive:
#              pinwheel with LINK_STATIC=1 (all three linked in), bookworm's
#              archives for libseccomp, libelf and libdeflate only
#
# Needs the network for the Sources index and the tarballs on the first
# run (the apt-configured mirror), and the ziglang 0.17.1 tree in the
# default store (t5320 or any "manylinux": "2014" build puts it there).
# Not part of `make check`: minutes (OpenSSL is the long one).
set -eu
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$SRCDIR/build-floor-deps}
MODE=${2:-two}
STORE=${PINWHEEL_STORE:-${XDG_CACHE_HOME:-$HOME/.cache}/pinwheel}
make -C "$SRCDIR" --no-print-directory all build/tests/helpers/pw-debian >/dev/null
PW="$SRCDIR/build/pinwheel"
HELPER="$SRCDIR/build/tests/helpers/pw-debian"

ZIGDIR=
for j in "$STORE"/trees/*.json; do
	grep -q '"subdir": "ziglang"' "$j" 2>/dev/null || continue
	d=${j%.json}
	if [ -x "$d/zig" ] && [ "$("$d/zig" version 2>/dev/null)" = 0.17.1 ]; then
		ZIGDIR=$d
		break
	fi
done
[ -n "$ZIGDIR" ] || { echo "floor-deps: no ziglang 0.17.1 tree in $STORE" >&2; exit 1; }

rm -rf "$OUT"
mkdir -p "$OUT/prefix" "$OUT/tools" "$OUT/debian-libs" "$OUT/zig-cache"
# The compiler inside the sandbox (/opt/zig is the tree) and outside.
printf '#!/bin/sh\nexec /opt/zig/zig cc -target x86_64-linux-gnu.2.17 "$@"\n' >"$OUT/tools/cc"
printf '#!/bin/sh\nexec %s/zig ar "$@"\n' /opt/zig >"$OUT/tools/ar"
printf '#!/bin/sh\nexec %s/zig ranlib "$@"\n' /opt/zig >"$OUT/tools/ranlib"
cat >"$OUT/zcc" <<EOF
#!/bin/sh
export ZIG_GLOBAL_CACHE_DIR="$OUT/zig-cache" ZIG_LOCAL_CACHE_DIR="$OUT/zig-cache"
exec "$ZIGDIR/zig" cc -target x86_64-linux-gnu.2.17 -idirafter /usr/include/x86_64-linux-gnu -idirafter /usr/include "\$@"
EOF
chmod +x "$OUT/tools/cc" "$OUT/tools/ar" "$OUT/tools/ranlib" "$OUT/zcc"

# build PACKAGE STEPS: the package's tarball (pinned, fetched into the
# store), unpacked in the sandbox and built there by the shell commands
# STEPS into $OUT/prefix (seen there as /opt/floor).
build() {
	line=$("$HELPER" source --suite bookworm --arch amd64 --store "$STORE" "$1")
	set -- "$1" "$2" $line
	# $3 package $4 version $5 file $6 sha256 $7 size $8 url $9 blob
	echo "$1: $5 ($4) sha256 $6"
	t0=$(date +%s)
	"$PW" run --ro-bind /usr:/usr --symlink usr/bin:/bin --symlink usr/lib:/lib \
		--symlink usr/lib64:/lib64 --ro-bind "$ZIGDIR:/opt/zig" \
		--ro-bind "$OUT/tools:/opt/tools" --ro-bind "$9:/tmp/src.tar" \
		--bind "$OUT/prefix:/opt/floor" --bind "$OUT/zig-cache:/opt/zig-cache" --cwd /tmp \
		--env ZIG_GLOBAL_CACHE_DIR=/opt/zig-cache --env ZIG_LOCAL_CACHE_DIR=/opt/zig-cache \
		--env CC=/opt/tools/cc --env AR=/opt/tools/ar --env RANLIB=/opt/tools/ranlib \
		--env CFLAGS=-O2 --env CPPFLAGS=-I/opt/floor/include --env LDFLAGS=-L/opt/floor/lib \
		--env PKG_CONFIG_LIBDIR=/opt/floor/lib/pkgconfig --env "STEPS=$2" -- \
		sh -c 'set -e; mkdir s; tar -xf /tmp/src.tar -C s --strip-components=1; cd s
		       sh -ec "$STEPS" >/tmp/build.log 2>&1 || { tail -20 /tmp/build.log; exit 1; }' \
		>"$OUT/$1.log" 2>&1 ||
		{ cat "$OUT/$1.log"; echo "floor-deps: $1 failed" >&2; exit 1; }
	echo "$1: built in $(($(date +%s) - t0)) s"
}
P=/opt/floor
# zlib: its own configure, the static library only
build zlib "./configure --static --prefix=$P; make -j2 libz.a; make install"
if [ "$MODE" = all ]; then
	# bzip2: its Makefile, the library only
	build bzip2 "make -j2 libbz2.a CC=\$CC AR=\$AR RANLIB=\$RANLIB \
		CFLAGS='-O2 -D_FILE_OFFSET_BITS=64'; mkdir -p $P/lib $P/include
		cp libbz2.a $P/lib/; cp bzlib.h $P/include/"
	build xz-utils "./configure --prefix=$P --disable-shared --disable-xz --disable-xzdec \
		--disable-lzmadec --disable-lzmainfo --disable-lzma-links --disable-scripts \
		--disable-doc --disable-nls; make -j2; make install"
	build libzstd "make -C lib -j2 libzstd.a ZSTD_LEGACY_SUPPORT=0
		make -C lib install-static install-includes install-pc PREFIX=$P"
	# OpenSSL: no shared objects, no loadable modules or engines (so no dlopen)
	build openssl "./Configure linux-x86_64 no-shared no-module no-dso no-engine no-tests \
		--prefix=$P --libdir=lib --openssldir=/etc/ssl; make -j2 build_libs
		make install_dev"
	# curl: http, https and file; OpenSSL and zlib; OpenSSL's own CA paths
	build curl "./configure --prefix=$P --disable-shared --with-openssl=$P --with-zlib=$P \
		--without-libpsl --without-libidn2 --without-nghttp2 --without-brotli \
		--without-zstd --without-libssh2 --without-librtmp --without-gssapi \
		--disable-ldap --disable-ldaps --disable-rtsp --disable-dict --disable-telnet \
		--disable-tftp --disable-pop3 --disable-imap --disable-smtp --disable-gopher \
		--disable-mqtt --disable-smb --disable-manual --without-ca-bundle \
		--without-ca-path --with-ca-fallback
		make -j2 -C lib; make -C lib install; make -C include install
		make install-pkgconfigDATA"
	# libarchive: gzip, bzip2, xz and zstd; no xml2 (xar), ACLs, crypto
	build libarchive "./configure --prefix=$P --disable-shared --disable-bsdtar \
		--disable-bsdcpio --disable-bsdcat --disable-acl --disable-xattr --with-zlib \
		--with-bz2lib --with-lzma --with-zstd --without-xml2 --without-expat \
		--without-openssl --without-nettle --without-mbedtls --without-lz4 \
		--without-lzo2 --without-libb2 --without-iconv
		make -j2 libarchive.la
		make install-libLTLIBRARIES install-includeHEADERS install-pkgconfigDATA"
fi
# jansson: the tarball is a git snapshot without configure; its CMake build,
# without tests, examples and docs
build jansson "cmake -S . -B b -DCMAKE_INSTALL_PREFIX=$P -DCMAKE_BUILD_TYPE=Release \
	-DJANSSON_BUILD_SHARED_LIBS=OFF -DJANSSON_WITHOUT_TESTS=ON -DJANSSON_EXAMPLES=OFF \
	-DJANSSON_BUILD_DOCS=OFF; cmake --build b -j2; cmake --install b"
# The pkg-config files say /opt/floor; outside the sandbox it is $OUT/prefix.
sed -i "s|/opt/floor|$OUT/prefix|g" "$OUT/prefix/lib/pkgconfig/"*.pc

# bookworm's archives of what is not built here, alone in one directory
DEBIAN_LIBS="libseccomp.a libelf.a libdeflate.a"
STATIC=
if [ "$MODE" != all ]; then
	DEBIAN_LIBS="$DEBIAN_LIBS liblzma.a"
else
	STATIC=LINK_STATIC=1
fi
for a in $DEBIAN_LIBS; do
	ln -s "/usr/lib/x86_64-linux-gnu/$a" "$OUT/debian-libs/$a"
done
t0=$(date +%s)
# PKG_CONFIG_PATH in the environment: the Makefile's $(shell pkg-config)
# sees the environment, not make's command-line variables.
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL PKG_CONFIG_PATH="$OUT/prefix/lib/pkgconfig" \
	nice make -C "$SRCDIR" -j2 BUILD="$OUT/b" CC="$OUT/zcc" \
	LDFLAGS="-L$OUT/prefix/lib -L$OUT/debian-libs" $STATIC "$OUT/b/pinwheel" \
	>"$OUT/pinwheel.log" 2>&1 ||
	{ tail -20 "$OUT/pinwheel.log"; echo "floor-deps: pinwheel failed" >&2; exit 1; }
echo "pinwheel: built in $(($(date +%s) - t0)) s, against $(ls "$OUT/prefix/lib/"*.a | xargs -n1 basename | tr '\n' ' ')"
mkdir -p "$OUT/w/x-1.0.dist-info" "$OUT/w/x"
printf 'Wheel-Version: 1.0\nGenerator: floor-deps\nRoot-Is-Purelib: false\nTag: py3-none-linux_x86_64\n' \
	>"$OUT/w/x-1.0.dist-info/WHEEL"
cp "$OUT/b/pinwheel" "$OUT/w/x/"
"$PW" audit --root / "$OUT/w" | head -1
"$OUT/b/pinwheel" --version
echo "needed: $(readelf -d "$OUT/b/pinwheel" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"

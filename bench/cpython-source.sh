#!/bin/sh
# bench/cpython-source.sh - one CPython built from its pinned source in the
# sandbox (docs/debian.md, "CPython from source"), cold and then cached
# (not part of make check).
#
#   sh bench/cpython-source.sh              # 3.13t on trixie, the default packages
#   PY=3.14t SOURCE_SUITE=sid sh bench/cpython-source.sh
#   SLIM=1 sh bench/cpython-source.sh       # t5324's slim test build
#
# What it does: a project whose only target is cp3XXt on a trixie base;
# `pinwheel lock` pins the tarball from the Sources index and the build
# dependencies; the first `pinwheel fetch` is timed cold (it downloads
# what the store lacks, then builds): the config carries a
# configure option no configure knows ("--with-pinwheel-bench=NONCE",
# ignored with a warning), so the interpreter tree is new while every blob
# and the build root are the store's; the same fetch again must build
# nothing (the store's tree: "built": 0) and is timed too.  Uses the store
# of PINWHEEL_STORE (else the default store): each run adds one interpreter
# tree there.
set -eu
PY=${PY:-3.13t}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
PW="$SRCDIR/build/pinwheel"
[ -x "$PW" ] || { echo "bench/cpython-source.sh: run 'make' first" >&2; exit 2; }
W=$(mktemp -d /var/tmp/pw-bench-cpython.XXXXXX)
trap 'rm -rf "$W"' EXIT
now() { date +%s.%N; }
since() { echo "$(now) $1" | awk '{printf "%.1f", $1 - $2}'; }

mkdir -p "$W/p"
printf '[project]\nname = "nothing"\nversion = "1"\n' >"$W/p/pyproject.toml"
config() { # config NONCE
	extra=""
	[ -n "${SLIM:-}" ] && extra='"--disable-test-modules", "OPT=-DNDEBUG -O1",
	  "py_cv_module__decimal=n/a", "py_cv_module__elementtree=n/a",
	  "py_cv_module__multibytecodec=n/a", "py_cv_module__codecs_cn=n/a",
	  "py_cv_module__codecs_hk=n/a", "py_cv_module__codecs_iso2022=n/a",
	  "py_cv_module__codecs_jp=n/a", "py_cv_module__codecs_kr=n/a",
	  "py_cv_module__codecs_tw=n/a", '
	pk='"build-essential", "pkg-config", "zlib1g-dev", "libffi-dev", "libssl-dev", "libbz2-dev", "liblzma-dev", "libsqlite3-dev", "uuid-dev"'
	[ -n "${SLIM:-}" ] && pk='"build-essential", "zlib1g-dev"'
	ss=""
	[ -n "${SOURCE_SUITE:-}" ] && ss="\"source_suite\": \"$SOURCE_SUITE\","
	cat >"$W/p/pinwheel.json" <<JSON
{"version": 1,
 "python": {"$PY": {"base": {"debian": {"suite": "trixie", "packages": ["build-essential"],
   "cpython": {$ss "packages": [$pk], "configure": [$extra"--with-pinwheel-bench=$1"]}}}}},
 "platforms": ["manylinux_x86_64"], "manylinux": "native", "pure": true}
JSON
}

NONCE=$(date +%s)-$$
config "$NONCE"
t=$(now)
"$PW" -q lock "$W/p"
echo "lock (InRelease, Sources and Packages indexes):  $(since "$t") s"
t=$(now)
"$PW" -q --json fetch "$W/p" >"$W/fetch1.json"
COLD=$(since "$t")
grep -q '"built": *[1-9]' "$W/fetch1.json" || { echo "bench: the cold fetch built nothing" >&2; exit 1; }
t=$(now)
"$PW" -q --json fetch "$W/p" >"$W/fetch2.json"
WARM=$(since "$t")
grep -q '"built": *0' "$W/fetch2.json" || { echo "bench: the second fetch built something" >&2; exit 1; }
echo "cold: interpreter built (downloads included when the store lacked them): $COLD s"
echo "cached: the same interpreter again (a store hit, \"built\": 0):          $WARM s"
"$PW" -q run --target "cp$(echo "$PY" | tr -d .)-manylinux_x86_64" "$W/p" -- \
	/opt/python/cp$(echo "$PY" | tr -d . | sed 's/t$//')-cp$(echo "$PY" | tr -d .)/bin/python -c \
	'import sys, sysconfig; print("interpreter:", sys.version.split()[0], "Py_GIL_DISABLED =", sysconfig.get_config_var("Py_GIL_DISABLED"))'

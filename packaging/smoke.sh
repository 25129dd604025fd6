#!/bin/sh
# packaging/smoke.sh PINWHEEL WHEEL - install pinwheel's own wheel with pip
# into a venv in a fresh root of each target of packaging/smoke/pinwheel.json
# (bullseye, sid: python3, venv and pip only, none of pinwheel's libraries)
# and run it there: `pinwheel --version`, then `pinwheel run -- true` (a
# sandbox inside pinwheel's sandbox).  Prints one line per root and step;
# exit 1 when the install or --version fails in a root whose glibc the
# wheel's tag admits.  Used by `make dist-smoke` (docs/dist.md).
set -u
pw=$1
whl=$2
dir=$(dirname "$0")/smoke
wdir=$(cd "$(dirname "$whl")" && pwd)
wname=$(basename "$whl")
"$pw" -q fetch "$dir" >/dev/null || exit 1
rc=0
for t in cp39-manylinux_x86_64 cp314-manylinux_x86_64; do
	out=$("$pw" run --target "$t" "$dir" --ro-bind "$wdir:/wheelhouse" -- sh -c '
		python3 -m venv /tmp/v >/dev/null || exit 3
		/tmp/v/bin/pip install -q --no-index --no-deps "/wheelhouse/$1" 2>&1 | tail -1
		[ -x /tmp/v/bin/pinwheel ] || { echo "install: refused"; exit 4; }
		echo "version: $(/tmp/v/bin/pinwheel --version 2>&1)"
		/tmp/v/bin/pinwheel audit "/wheelhouse/$1" 2>&1 | head -1 | sed "s/^/audit: /"
		# libcurl (vendored) loads: a refused connection, not a load error
		/tmp/v/bin/pinwheel --store /tmp/s store add http://127.0.0.1:9/x \
			--sha256 "$(printf %064d 0)" 2>&1 | tail -1 | sed "s/^/curl: /"
		/tmp/v/bin/pinwheel run -- true >/tmp/run.out 2>&1
		s=$?
		echo "run -- true: exit status $s: $(tail -1 /tmp/run.out)"
		exit 0' sh "$wname" 2>&1)
	st=$?
	echo "$out" | sed "s/^/$t: /"
	case $st in
	0) ;;
	4) echo "$t: the wheel does not install here (its tag needs a newer glibc)" ;;
	*) rc=1 ;;
	esac
done
exit $rc

#!/bin/sh
# make demo: pinwheel's main job on the bundled example.  It copies
# examples/hybrid to $BUILD/demo (so the source tree stays clean), then:
#   1. plan   - the target matrix: cp311, cp313, cp314, cp315 on x86_64
#               and on aarch64, and the free-threaded cp313t on x86_64 only
#               (nine targets; aarch64 runs under the roots' own pinned
#               qemu-user, with native cross compilers: see docs/foreign.md;
#               cp313t's CPython is built from trixie's pinned python3.13
#               source, once, into the store: docs/debian.md, "CPython from
#               source", and under qemu that build would take hours, hence
#               the config's "exclude")
#   2. lock   - only when needed (no lock from an earlier demo, or a stale
#               one): every input pinned by sha256: Debian roots resolved
#               from the machine's apt mirror (bookworm, trixie, sid; amd64
#               and arm64, plus each aarch64 root's qemu and cross tools;
#               trixie's python3.13 source tarball for cp313t), the
#               build requirements resolved by each root's own pip, the
#               crates of Cargo.lock located by each root's own cargo
#   3. fetch  - download, verify, unpack and compose each target's root
#   4. build  - offline, sandboxed, from a cleared environment: the sdist
#               once, then per target the wheel from the unpacked sdist
#               (C and Rust linked by the pinned Zig for glibc 2.17, the
#               example's "manylinux": "2014"), audit, the manylinux2014
#               tag, repair, deterministic repack, smoke test in a fresh
#               sandbox; the summary table at the end, then where each
#               wheel was smoke-tested (suite, architecture, natively or
#               under qemu-user, and the old root when the target has one).
#               Targets whose action key is unchanged come from the action
#               cache (status "cached"): a second `make demo` builds nothing
# With DEMO_TWICE=1 it builds a second time into another clean directory
# with --no-cache and compares the wheels byte for byte.  With DEMO_VERIFY=1
# it then runs `pinwheel verify`: build A from the cache, build B fresh under
# varied outer conditions (docs/verify.md), every target compared and
# scanned for leaks.  JOBS (default 2) targets at once.
set -eu
: "${BUILD:=build}" "${JOBS:=2}" "${DEMO_TWICE:=0}" "${DEMO_VERIFY:=0}"
PW="$(pwd)/$BUILD/pinwheel"
DEMO="$(pwd)/$BUILD/demo"
step() { printf '\n== %s\n' "$*"; }

# Keep the lock of an earlier demo: it is checked, not redone, when fresh.
OLDLOCK=""
if [ -f "$DEMO/hybrid/pinwheel.lock" ]; then
	OLDLOCK=$(mktemp)
	cp "$DEMO/hybrid/pinwheel.lock" "$OLDLOCK"
fi
rm -rf "$DEMO" && mkdir -p "$DEMO"
cp -R examples/hybrid "$DEMO/hybrid"
rm -f "$DEMO/hybrid/pinwheel.lock"
if [ -n "$OLDLOCK" ]; then
	cp "$OLDLOCK" "$DEMO/hybrid/pinwheel.lock"
	rm -f "$OLDLOCK"
fi
cd "$DEMO"
STORE="${PINWHEEL_STORE:-${XDG_CACHE_HOME:-$HOME/.cache}/pinwheel}"
echo "pinwheel demo ($("$PW" --version)), store: $STORE"

step "pinwheel plan hybrid"
"$PW" plan hybrid

step "pinwheel lock hybrid"
if [ -f hybrid/pinwheel.lock ] && "$PW" lock --check hybrid >/dev/null 2>&1; then
	echo "pinwheel.lock is fresh (kept from the last demo)"
else
	rm -f hybrid/pinwheel.lock
	"$PW" lock hybrid
fi
printf 'pinwheel.lock: %s artifacts, sha256 %s\n' \
	"$(grep -c '"sha256"' hybrid/pinwheel.lock)" "$(sha256sum hybrid/pinwheel.lock | cut -c1-16)..."

step "pinwheel fetch hybrid"
t0=$(date +%s)
"$PW" fetch hybrid
echo "fetch: $(( $(date +%s) - t0 )) s"

build() { # OUT [OPTION...]
	_out=$1
	shift
	env -i PATH=/usr/bin:/bin TERM="${TERM:-dumb}" "$PW" --store "$STORE" build hybrid \
		--jobs "$JOBS" --out "$_out" "$@"
}
step "pinwheel build hybrid --jobs $JOBS --out wheelhouse"
t0=$(date +%s)
build "$DEMO/wheelhouse" >"$DEMO/build.txt" || { cat "$DEMO/build.txt"; exit 1; }
cat "$DEMO/build.txt"
echo "build: $(( $(date +%s) - t0 )) s; wheels, sdist, manifest and logs in $DEMO/wheelhouse"
NCACHED=$(grep -c '^cp[0-9a-z_-]* *cached ' "$DEMO/build.txt" || true)
NTARGETS=$(grep -c '^cp[0-9a-z_-]* *\(ok\|cached\|FAILED\) ' "$DEMO/build.txt" || true)
if [ "$NCACHED" -eq "$NTARGETS" ]; then
	echo "all $NTARGETS targets cached (nothing ran in a sandbox)"
else
	echo "$NCACHED of $NTARGETS targets cached"
fi

# Where each wheel was imported and self-tested: the target's own root (its
# suite, natively or under the root's qemu-user), and the old root too when
# the target has one (the table's "smoke test passed in:" lines).
step "where each wheel was smoke-tested (every module imported, hybrid.selftest())"
"$PW" plan hybrid --format json 2>/dev/null |
	python3 -c '
import json, re, sys, platform
plan = json.load(sys.stdin)
smoke, where = {}, {}
for line in open(sys.argv[1]):
    m = re.match(r"^(c\S+)\s+(ok|cached|FAILED)\s+(\S+)", line)
    if m:
        smoke[m.group(1)] = m.group(3)
    m = re.match(r"^(c\S+)\s+smoke test passed in: (.*)$", line)
    if m:
        where[m.group(1)] = ", ".join(m.group(2).split())
host = platform.machine()
for t in plan:
    if t["id"] not in smoke:
        continue
    how = "native" if t["arch"] == host else "under qemu-user"
    py = "CPython %s built from source" % t["python"] if t["python"].endswith("t") else "Debian python%s" % t["python"]
    print("%-26s %-7s %s (%s, %s; %s)" % (t["id"], smoke[t["id"]], where.get(t["id"], t["suite"]),
                                          t["arch"], how, py))
' "$DEMO/build.txt"

if [ "$DEMO_TWICE" = 1 ]; then
	step "pinwheel build --no-cache again into a clean directory, and compare"
	build "$DEMO/wheelhouse2" --no-cache >/dev/null
	same=0 differ=0
	for w in "$DEMO"/wheelhouse/*.whl "$DEMO"/wheelhouse/*.tar.gz; do
		if cmp -s "$w" "$DEMO/wheelhouse2/$(basename "$w")"; then
			same=$((same + 1)); echo "identical: $(basename "$w")"
		else
			differ=$((differ + 1)); echo "DIFFERENT: $(basename "$w")"
		fi
	done
	echo "$same identical, $differ different"
	[ "$differ" -eq 0 ]
fi
if [ "$DEMO_VERIFY" = 1 ]; then
	step "pinwheel verify hybrid: every target rebuilt under varied outer conditions"
	env -i PATH=/usr/bin:/bin TERM="${TERM:-dumb}" "$PW" --store "$STORE" verify hybrid \
		--jobs "$JOBS" --out "$DEMO/wheelhouse"
fi
echo
echo "demo done: $(ls "$DEMO"/wheelhouse/*.whl | wc -l) wheels built offline from pinned, reproducible roots."

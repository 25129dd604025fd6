#!/bin/sh
# bench/audit-e2e.sh - the end-to-end audit of a release (issue 17's
# acceptance; docs/verify.md "Auditing a release offline"), for real, on
# the example (examples/hybrid).  Heavy (an hour or more on two shared
# cores, several GB of disk): not part of `make check` (t5706 does the same
# in miniature there).
#
#   1. release  - `pinwheel build` of the example with store A (the default
#                 store, or $PINWHEEL_STORE; only used as a normal build
#                 does: targets may come from its action cache)
#   2. export   - `pinwheel store export` of the release's lock (store A)
#   3. offline  - from here on every pinwheel runs in a network namespace
#                 with no network at all (`unshare -n` as root, `unshare
#                 -rn` otherwise: only a loopback that is down), shown by a
#                 connection attempt that fails with ENETUNREACH:
#                 `store import` into an EMPTY store B, `fetch` (the roots,
#                 the interpreters built from source, everything from the
#                 bundle's blobs), `verify --against` every released wheel
#                 from the released sdist and manifest
#   4. report   - sizes, seconds, the verify summary; exit status verify's
#                 (0: every released wheel matched its rebuild)
#
# Usage: sh bench/audit-e2e.sh [--only-arch ARCH] [--keep]
#   --only-arch x86_64   audit only the wheels of that architecture (the
#                        rebuild takes their targets only; fetch still makes
#                        every root of the lock)
#   --keep               keep the work directory (store B, the bundle)
# Environment: PINWHEEL (default build/pinwheel), LOCK (a lock of the
# example to use; default build/demo/hybrid/pinwheel.lock when fresh, else
# `pinwheel lock` runs), JOBS (default 2), TMPDIR (the work directory's
# parent: needs the bundle (~2.2 GB, removed once imported) plus store B
# (~19 GB once every root is composed: 12 merged Debian roots, four
# interpreters built from source) free, and 6 GB more are kept free for
# others: checked first), VERIFY_TMPDIR (where the rebuild's temp
# directory goes, default TMPDIR; a tmpfs such as /dev/shm spares the disk).
set -eu
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
PW=${PINWHEEL:-$SRCDIR/build/pinwheel}
JOBS=${JOBS:-2}
ARCH="" KEEP=0
while [ $# -gt 0 ]; do
	case $1 in
	--only-arch) ARCH=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	*) echo "usage: sh bench/audit-e2e.sh [--only-arch ARCH] [--keep]" >&2; exit 2 ;;
	esac
done
[ -x "$PW" ] || { echo "audit-e2e: build pinwheel first (make)" >&2; exit 2; }
if [ "$(id -u)" -eq 0 ]; then NS="unshare -n"; else NS="unshare -rn"; fi
$NS true 2>/dev/null || { echo "audit-e2e: '$NS' does not work here" >&2; exit 2; }
STORE_A=${PINWHEEL_STORE:-${XDG_CACHE_HOME:-$HOME/.cache}/pinwheel}
PARENT=${TMPDIR:-/tmp}
NEED_GB=28
FREE_GB=$(df -P -k "$PARENT" | awk 'NR == 2 {print int($4 / 1048576)}')
[ "$FREE_GB" -ge "$NEED_GB" ] ||
	{ echo "audit-e2e: $FREE_GB GB free under '$PARENT'; needs $NEED_GB (22 for the run, 6 kept for others)" >&2; exit 2; }
W=$(mktemp -d "$PARENT/pw-audit-e2e.XXXXXX")
cleanup() {
	[ "$KEEP" = 1 ] && { echo "kept: $W"; return; }
	chmod -R u+w "$W" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
now() { date +%s; }
say() { printf '\n== %s\n' "$*"; }
# pinwheel with a cleared environment, as a release pipeline runs it
pwa() { env -i PATH=/usr/bin:/bin HOME="$HOME" TERM=dumb "$PW" "$@"; }

cp -R "$SRCDIR/examples/hybrid" "$W/hybrid"
rm -f "$W/hybrid/pinwheel.lock"
LOCK=${LOCK:-$SRCDIR/build/demo/hybrid/pinwheel.lock}
if [ -f "$LOCK" ]; then
	cp "$LOCK" "$W/hybrid/pinwheel.lock"
	"$PW" lock --check "$W/hybrid" >/dev/null 2>&1 || rm -f "$W/hybrid/pinwheel.lock"
fi
say "0. lock (store A: $STORE_A)"
if [ -f "$W/hybrid/pinwheel.lock" ]; then
	echo "using the fresh lock $LOCK"
else
	nice -n 10 "$PW" --store "$STORE_A" lock "$W/hybrid"
fi
nice -n 10 "$PW" -q --store "$STORE_A" fetch "$W/hybrid" >/dev/null

say "1. release: pinwheel build (store A)"
t0=$(now)
nice -n 10 env -i PATH=/usr/bin:/bin HOME="$HOME" TERM=dumb "$PW" --store "$STORE_A" \
	build "$W/hybrid" --jobs "$JOBS" --out "$W/release" >"$W/release.txt" 2>&1 ||
	{ cat "$W/release.txt"; exit 1; }
T_REL=$(($(now) - t0))
grep -E '^(sdist|cp[0-9a-z_-]+) +(ok|cached|FAILED) ' "$W/release.txt" || cat "$W/release.txt"
SDIST=$(ls "$W"/release/*.tar.gz)
MANIFEST="$W/release/pinwheel-manifest.json"
if [ -n "$ARCH" ]; then PAT="*_$ARCH.whl"; else PAT="*.whl"; fi
set --
for w in "$W"/release/*.whl; do
	# shellcheck disable=SC2254 # a pattern on purpose
	case $w in $PAT) set -- "$@" --against "$w" ;; esac
done
[ $# -gt 0 ] || { echo "audit-e2e: no released wheel for '$ARCH'" >&2; exit 1; }
echo "release: $(ls "$W"/release/*.whl | wc -l) wheels + $(basename "$SDIST") in $T_REL s; auditing $(($# / 2))"

say "2. store export of the release's lock (store A)"
t0=$(now)
nice -n 10 "$PW" --store "$STORE_A" store export "$W/hybrid" --out "$W/bundle.tar"
T_EXP=$(($(now) - t0))
S_BUNDLE=$(stat -c %s "$W/bundle.tar")

say "3. offline ($NS): no network at all from here on"
$NS sh -c 'ip -o link 2>/dev/null | sed "s/^/  /"; python3 -c "
import socket
s = socket.socket()
try:
    s.connect((\"192.0.2.1\", 443))
    print(\"  a connection succeeded: the namespace has a network\"); raise SystemExit(1)
except OSError as e:
    print(\"  connect(192.0.2.1:443): %s\" % e.strerror)
"' || exit 1
B="$W/storeB"
[ ! -e "$B" ] || { echo "audit-e2e: '$B' exists" >&2; exit 1; }
t0=$(now)
nice -n 10 $NS "$PW" --store "$B" store import "$W/bundle.tar"
T_IMP=$(($(now) - t0))
rm -f "$W/bundle.tar" # in store B now; not needed at its peak
t0=$(now)
nice -n 10 $NS "$PW" --store "$B" fetch "$W/hybrid" >"$W/fetch.txt" 2>&1 ||
	{ cat "$W/fetch.txt"; echo "audit-e2e: the offline fetch failed" >&2; exit 1; }
T_FETCH=$(($(now) - t0))
grep -v ' root ' "$W/fetch.txt" || true
t0=$(now)
st=0
nice -n 10 $NS env -i PATH=/usr/bin:/bin HOME="$HOME" TERM=dumb TMPDIR="${VERIFY_TMPDIR:-$PARENT}" \
	"$PW" --store "$B" verify "$W/hybrid" \
	"$@" --sdist "$SDIST" --manifest "$MANIFEST" --jobs "$JOBS" --report "$W/audit.json" ||
	st=$?
T_VER=$(($(now) - t0))
S_STOREB=$(du -sk "$B" | cut -f1)

say "4. summary"
python3 - "$W/audit.json" "$S_BUNDLE" "$S_STOREB" "$T_REL" "$T_EXP" "$T_IMP" "$T_FETCH" "$T_VER" "$st" <<'PY'
import json, sys
rep, sb, ssb, trel, texp, timp, tfet, tver, st = sys.argv[1:]
try:
    d = json.load(open(rep))
except (OSError, ValueError) as e:
    d = {"ok": False, "wheels": [], "errors": ["no report: %s" % e]}
n = {}
for w in d["wheels"]:
    n[w["status"]] = n.get(w["status"], 0) + 1
print("bundle:        %.2f GiB" % (int(sb) / 2**30))
print("store B:       %.2f GiB (after import, fetch and the rebuild)" % (int(ssb) / 2**20))
print("release:       %s s (store A)" % trel)
print("export:        %s s" % texp)
print("import:        %s s (offline)" % timp)
print("fetch:         %s s (offline: roots, interpreters from source)" % tfet)
print("verify:        %s s (offline: rebuild from the sdist, compare)" % tver)
print("verify report: ok=%s, %d wheels: %s; lock sha256 %s" % (
    d["ok"], len(d["wheels"]), ", ".join("%d %s" % (v, k) for k, v in sorted(n.items())),
    (d.get("inputs") or {}).get("lock", {}).get("sha256", "?")[:16]))
for e in d.get("errors", []):
    print("  error: " + e)
print("exit status:   %s" % st)
PY
exit "$st"

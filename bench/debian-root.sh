#!/bin/sh
# bench/debian-root.sh - a REAL Debian root on this machine, timed against
# mmdebstrap --variant=extract of the same package set (not part of make check).
#
#   sudo sh bench/debian-root.sh            # bookworm amd64, "python3-dev gcc"
#   SUITE=bookworm ARCH=amd64 PKGS="python3-dev gcc" sh bench/debian-root.sh
#
# What it does:
#  1. picks the mirror for SUITE/ARCH from this machine's apt configuration
#     (pw-debian mirror: the same rule pinwheel uses);
#  2. serves on loopback the InRelease and Packages that apt itself fetched
#     from that mirror (/var/lib/apt/lists), and the .debs of the resolved
#     set downloaded with `apt-get download` -- pinwheel never talks to the
#     package registry directly here, and both tools start with the .debs
#     "cached" (one loopback hop away);
#  3. times pinwheel: a cold lock (InRelease + gpgv + Packages + resolve) and
#     a cold lock+fetch+root (empty store);
#  4. times mmdebstrap --variant=extract --include=<the same packages> from
#     the same loopback mirror;
#  5. runs `python3 -c 'import sysconfig; ...'`, `gcc --version` and a
#     compile inside the pinwheel root with `pinwheel run --layer ROOT`.
# Prints the timings and the ratio.  Needs root (apt-get), mmdebstrap, lz4.
set -eu
SUITE=${SUITE:-bookworm}
ARCH=${ARCH:-amd64}
PKGS=${PKGS:-"python3-dev gcc"}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
DRV="$SRCDIR/build/tests/helpers/pw-debian"
PW="$SRCDIR/build/pinwheel"
[ "$(id -u)" -eq 0 ] || { echo "bench/debian-root.sh: run as root (apt-get download, mmdebstrap)" >&2; exit 2; }
[ -x "$DRV" ] && [ -x "$PW" ] || { echo "bench/debian-root.sh: run 'make unit-tests' first" >&2; exit 2; }
command -v mmdebstrap >/dev/null || apt-get install -y -q mmdebstrap >/dev/null
command -v lz4 >/dev/null || apt-get install -y -q lz4 >/dev/null

W=$(mktemp -d /var/tmp/pw-bench-debian.XXXXXX)
SRV=""
cleanup() {
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null
	if [ -n "${KEEP:-}" ]; then echo "kept $W"; return; fi
	chmod -R u+w "$W" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
now() { date +%s.%N; }
since() { echo "$(now) $1" | awk '{printf "%.2f", $1 - $2}'; }

# 1. The mirror from the apt configuration.
set -- $("$DRV" mirror --suite "$SUITE" --arch "$ARCH")
MIRROR=$1 KEYRING=$2
[ "$KEYRING" = - ] && KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
echo "apt configuration: mirror for $SUITE/$ARCH is $MIRROR (keyring $KEYRING)"

# 2. apt's copy of that mirror's index, served on loopback.
mangled=$(printf '%s' "$MIRROR" | sed 's|^[a-z]*://||; s|/*$||; s|/|_|g')
lists="/var/lib/apt/lists/${mangled}_dists_${SUITE}"
[ -f "${lists}_InRelease" ] || apt-get update -q >/dev/null
D="$W/mirror/dists/$SUITE"
mkdir -p "$D/main/binary-$ARCH" "$W/mirror/pool"
cp "${lists}_InRelease" "$D/InRelease"
P="${lists}_main_binary-${ARCH}_Packages"
if [ -f "$P.lz4" ]; then lz4 -dc "$P.lz4"
elif [ -f "$P.xz" ]; then xz -dc "$P.xz"
elif [ -f "$P.gz" ]; then gzip -dc "$P.gz"
else cat "$P"; fi >"$D/main/binary-$ARCH/Packages"
mkfifo "$W/port"
sh -c 'exec python3 "$0" serve "$1" >"$2"' "$SRCDIR/tests/helpers/debrepo.py" "$W/mirror" "$W/port" &
SRV=$!
read -r PORT <"$W/port"
LOOP="http://127.0.0.1:$PORT"

# The package set, and its .debs through apt.
# shellcheck disable=SC2086
"$DRV" lock --suite "$SUITE" --arch "$ARCH" --mirror "$LOOP" --keyring "$KEYRING" $PKGS >"$W/lock.txt"
grep -v '^#' "$W/lock.txt" >"$W/set.txt"
N=$(wc -l <"$W/set.txt")
echo "resolved $PKGS + required/essential: $N packages"
mkdir -p "$W/dl"
# shellcheck disable=SC2046
(cd "$W/dl" && apt-get download -q $(awk '{print $1 ":" $3 "=" $2}' "$W/set.txt" | sed 's/:all=/=/') >/dev/null)
while read -r name ver arch sha size url; do
	f="$name"_$(printf '%s' "$ver" | sed 's/:/%3a/')_"$arch".deb
	rel=${url#"$LOOP/"}
	rel=$(printf '%s' "$rel" | sed 's/%3A/:/g')
	mkdir -p "$W/mirror/$(dirname "$rel")"
	mv "$W/dl/$f" "$W/mirror/$rel"
done <"$W/set.txt"

# 3. pinwheel, cold.
t0=$(now)
# shellcheck disable=SC2086
"$DRV" lock --suite "$SUITE" --arch "$ARCH" --mirror "$LOOP" --keyring "$KEYRING" $PKGS >/dev/null
T_LOCK=$(since "$t0")
t0=$(now)
# shellcheck disable=SC2086
ROOT=$("$DRV" root --store "$W/store" --suite "$SUITE" --arch "$ARCH" --mirror "$LOOP" \
	--keyring "$KEYRING" $PKGS)
T_PW=$(since "$t0")
t0=$(now)
# shellcheck disable=SC2086
"$DRV" root --store "$W/store" --suite "$SUITE" --arch "$ARCH" --mirror "$LOOP" \
	--keyring "$KEYRING" $PKGS >/dev/null
T_PW_WARM=$(since "$t0")
# The root alone: .debs in the store, tree removed.
chmod -R u+w "$W/store/trees" && rm -rf "$W/store/trees"/*
t0=$(now)
# shellcheck disable=SC2086
"$DRV" root --store "$W/store" --suite "$SUITE" --arch "$ARCH" --mirror "$LOOP" \
	--keyring "$KEYRING" $PKGS >/dev/null
T_PW_ROOT=$(since "$t0")

# 4. mmdebstrap, same set, same mirror.
INC=$(awk '{print $1}' "$W/set.txt" | paste -sd, -)
t0=$(now)
mmdebstrap -q --variant=extract --architectures="$ARCH" --include="$INC" "$SUITE" "$W/mm" \
	"deb [signed-by=$KEYRING] $LOOP $SUITE main" >"$W/mm.log" 2>&1 || {
	echo "mmdebstrap failed:"; tail -20 "$W/mm.log"; exit 1; }
T_MM=$(since "$t0")

files_pw=$(find "$ROOT" | wc -l)
files_mm=$(find "$W/mm" | wc -l)
echo "pinwheel lock (InRelease+gpgv+Packages+resolve):      ${T_LOCK}s"
echo "pinwheel lock+fetch+root, cold store:                 ${T_PW}s  ($files_pw paths)"
echo "pinwheel lock+root again (root cached):               ${T_PW_WARM}s"
echo "pinwheel lock+root, .debs in the store, no tree:       ${T_PW_ROOT}s"
echo "mmdebstrap --variant=extract, same $N packages:       ${T_MM}s  ($files_mm paths)"
echo "ratio pinwheel/mmdebstrap (cold): $(echo "$T_PW $T_MM" | awk '{printf "%.2f", $1 / $2}')"

# 5. The root works.
echo "--- inside the pinwheel root (pinwheel run --layer ROOT)"
"$PW" run --layer "$ROOT" -- /usr/bin/python3 -c 'import sysconfig; print(sysconfig.get_paths())'
"$PW" run --layer "$ROOT" -- gcc --version | head -1
"$PW" run --layer "$ROOT" -- sh -c 'python3.11-config --includes &&
	printf "#include <Python.h>\nint main(void){return !Py_IsInitialized() ? 0 : 1;}\n" >/tmp/t.c &&
	cc $(python3.11-config --includes) -c /tmp/t.c -o /tmp/t.o && echo "compiled against Python.h: ok"'

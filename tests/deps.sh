#!/bin/sh
# Install the Debian packages the build, the tests and the demo need, when
# they are missing.  As root: apt-get.  Otherwise: print the command.
set -u
PKGS="build-essential pkg-config libcurl4-openssl-dev libarchive-dev liblzma-dev libjansson-dev
libseccomp-dev libelf-dev zlib1g-dev libssl-dev libcmocka-dev clang libclang-rt-14-dev libdeflate-dev
python3 python3-pip python3-yaml nginx util-linux passwd iproute2 xz-utils zstd bzip2 gzip git python3-jsonschema openssl
gpg gpg-agent gpgv debian-archive-keyring busybox-static patchelf
cargo
"
missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	case "$st" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "pinwheel: missing Debian packages:$missing" >&2
	echo "install them with: sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null || { echo "pinwheel: apt-get update failed" >&2; exit 1; }
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null ||
	{ echo "pinwheel: apt-get install$missing failed" >&2; exit 1; }

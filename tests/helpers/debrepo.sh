# debrepo.sh - sourced by the t30NN Debian tests after tests/lib.sh: builds
# the fixture repository in $T/www/good (signed with a throw-away ed25519
# key), starts a loopback server over $T/www, and sets
#   MIRROR=http://127.0.0.1:PORT/good  KEYRING=$T/keyring.gpg  DRV=pw-debian
# Needs python3, gpg (with gpg-agent) and gpgv; skips otherwise.
for c in python3 gpg gpgv gpgconf; do
	command -v "$c" >/dev/null 2>&1 || skip_all "$c not installed"
done
DRV="$SRCDIR/${BUILD:-build}/tests/helpers/pw-debian"
[ -x "$DRV" ] || skip_all "pw-debian helper not built"
export GNUPGHOME="$T/gnupg"
mkdir -m 700 "$GNUPGHOME"
trap 'gpgconf --kill all >/dev/null 2>&1; _cleanup' EXIT

# sign DIR KEYID: write DIR/dists/pwtest/InRelease from its Release
sign() {
	gpg --batch --yes -q --local-user "$2" --clearsign \
		-o "$1/dists/pwtest/InRelease" "$1/dists/pwtest/Release"
}

cat >"$T/spec.json" <<'JSON'
{"suite": "pwtest", "arch": "amd64", "packages": [
 {"Package": "base", "Version": "1.0", "Architecture": "amd64", "Essential": "yes",
  "Priority": "required", "Depends": "libc6 (>= 2.36)", "files": {"bin/tool": "#!/bin/sh\necho tool\n"}},
 {"Package": "dash", "Version": "0.5.12-2", "Architecture": "amd64", "Essential": "yes",
  "Priority": "required", "files": {"bin/dash": "dash"}},
 {"Package": "libc6", "Version": "2.36-9+deb12u4", "Architecture": "amd64", "Multi-Arch": "same",
  "files": {"lib/x86_64-linux-gnu/libc.so.6": "libc"},
  "links": {"lib64/ld-linux-x86-64.so.2": "/lib/x86_64-linux-gnu/libc.so.6"}},
 {"Package": "base-files", "Version": "13", "Architecture": "amd64", "Priority": "required",
  "links": {"sbin": "usr/sbin"}, "files": {"usr/sbin/init": "init", "etc/debian_version": "13\n"}},
 {"Package": "gcc", "Version": "4:12.2.0-3", "Architecture": "amd64",
  "Depends": "cpp (>= 4:12), libc6", "files": {"usr/bin/gcc": "gcc"}},
 {"Package": "g++", "Version": "4:12.2.0-3", "Architecture": "amd64", "Depends": "gcc (= 4:12.2.0-3)",
  "files": {"usr/bin/g++": "g++"}},
 {"Package": "cpp", "Version": "4:12.2.0-3", "Architecture": "amd64", "files": {"usr/bin/cpp": "cpp"}},
 {"Package": "cpp", "Version": "4:11.0-1", "Architecture": "amd64", "files": {"usr/bin/cpp": "old"}},
 {"Package": "mawk", "Version": "1.3.4.20200120-3.1", "Architecture": "amd64", "Provides": "awk",
  "files": {"usr/bin/mawk": "mawk"}},
 {"Package": "original-awk", "Version": "2012-12-20-6", "Architecture": "amd64", "Provides": "awk"},
 {"Package": "fallback-mta", "Version": "1", "Architecture": "all"},
 {"Package": "python3", "Version": "3.11.2-1+b1", "Architecture": "amd64", "Multi-Arch": "allowed",
  "links": {"usr/bin/python3": "python3.11"}},
 {"Package": "libfoo", "Version": "2.0~rc2-1", "Architecture": "amd64"},
 {"Package": "realver", "Version": "1.0", "Architecture": "all", "Provides": "virt-ver (= 3.1)"},
 {"Package": "app", "Version": "1.0-1", "Architecture": "all",
  "Pre-Depends": "base",
  "Depends": "gcc, g++, awk, no-such-mta | fallback-mta, python3:any, libfoo (>= 2.0~rc1), virt-ver (>= 3), base-files, dash",
  "files": {"usr/share/app/readme": "app",
            "usr/share/ca-certificates/mozilla/B.crt": "certB",
            "usr/share/ca-certificates/mozilla/A.crt": "certA\n",
            "usr/share/ca-certificates/mozilla/README": "not a certificate"}},
 {"Package": "mid", "Version": "2.1", "Architecture": "amd64", "Depends": "missing-lib (>= 1)"},
 {"Package": "broken", "Version": "1", "Architecture": "amd64", "Depends": "libc6, mid (>= 2)"},
 {"Package": "badver", "Version": "1", "Architecture": "amd64", "Depends": "libfoo (>= 3)"},
 {"Package": "notallowed", "Version": "1", "Architecture": "amd64"},
 {"Package": "anyfail", "Version": "1", "Architecture": "amd64", "Depends": "notallowed:any"},
 {"Package": "armonly", "Version": "1", "Architecture": "arm64"}
]}
JSON

gpg --batch -q --passphrase '' --quick-gen-key "pinwheel test <test@mirror.example>" ed25519 sign never \
	2>"$T/gpg.err" || { cat "$T/gpg.err" >&2; skip_all "gpg cannot make a key"; }
gpg --batch -q --passphrase '' --quick-gen-key "pinwheel other <other@mirror.example>" ed25519 sign never \
	2>"$T/gpg.err" || skip_all "gpg cannot make a key"
KEYRING="$T/keyring.gpg"
gpg --batch -q --export "test@mirror.example" >"$KEYRING"
mkdir -p "$T/www"
python3 "$SRCDIR/tests/helpers/debrepo.py" build "$T/www/good" "$T/spec.json" ||
	skip_all "could not build the fixture repository"
sign "$T/www/good" test@mirror.example

mkfifo "$T/port.fifo"
# The redirection must happen in the child: opening a fifo blocks.
bg sh -c 'exec python3 "$0" serve "$1" >"$2"' "$SRCDIR/tests/helpers/debrepo.py" "$T/www" "$T/port.fifo"
read -r PORT <"$T/port.fifo"
[ -n "$PORT" ] || skip_all "loopback server did not start"
MIRROR="http://127.0.0.1:$PORT/good"

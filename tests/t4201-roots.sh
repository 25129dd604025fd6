#!/bin/sh
# Target roots end to end, with the signed loopback Debian repository (a fake
# .deb carries the host's static busybox): lock a config with a Debian base
# and two targets, fetch (root ids), run commands in a root, warm fetch
# without the network; unknown and unsatisfiable packages, a tampered .deb,
# --offline with missing artifacts, a mirror that is down, a root not fetched.
. "$SRCDIR/tests/lib.sh"
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] || skip_all "busybox-static is not installed ($BUSYBOX)"
export DEBREPO_LOG="$T/requests.log"
. "$SRCDIR/tests/helpers/debrepo.sh"
plan 56

cat >"$T/roots.json" <<JSON
{"suite": "pwtest", "arch": "amd64", "packages": [
 {"Package": "busybox", "Version": "1:1.35.0-4+b3", "Architecture": "amd64", "Essential": "yes",
  "Priority": "required", "copy": {"usr/bin/busybox": "$BUSYBOX"}},
 {"Package": "base-files", "Version": "12.4", "Architecture": "amd64", "Priority": "required",
  "files": {"etc/debian_version": "12.4\n", "opt/extra/README": "a mount point\n"}},
 {"Package": "hello", "Version": "2.10-3", "Architecture": "amd64", "Depends": "busybox",
  "files": {"usr/share/hello/msg": "hello from the root\n"}},
 {"Package": "extra", "Version": "1.0", "Architecture": "all", "Depends": "hello (>= 2)",
  "files": {"usr/share/extra/msg": "extra\n"}},
 {"Package": "broken", "Version": "1", "Architecture": "amd64", "Depends": "missing-lib (>= 1)"}
]}
JSON
python3 "$SRCDIR/tests/helpers/debrepo.py" build "$T/www/roots" "$T/roots.json" ||
	skip_all "could not build the roots repository"
sign "$T/www/roots" test@mirror.example
M="http://127.0.0.1:$PORT/roots"
# An extra archive laid at /opt/extra (a bind, not a layer).
mkdir -p "$T/tree/share" && printf 'from the archive\n' >"$T/tree/share/note"
tar -C "$T/tree" -cf "$T/www/extra.tar" share

P="$T/proj" S="$T/store"
mkdir -p "$P"
cp "$KEYRING" "$P/keyring.gpg"
config() { # config DIR PKGS311 PKGS312 MIRROR
	cat >"$1/pinwheel.json" <<JSON
{"version": 1, "manylinux": "native",
 "python": {
  "3.11": {"base": {"debian": {"suite": "pwtest", "packages": [$2], "mirror": "$4",
                               "keyring": "keyring.gpg"}}},
  "3.12": {"base": {"debian": {"suite": "pwtest", "packages": [$3], "mirror": "$4",
                               "keyring": "keyring.gpg"}}}},
 "platforms": ["manylinux_x86_64"],
 "archives": [{"url": "http://127.0.0.1:$PORT/extra.tar", "dest": "/opt/extra"}]}
JSON
}
config "$P" '"hello"' '"hello", "extra"' "$M"

run_pw 0 "lock resolves the Debian bases" --store "$S" lock "$P"
python3 - "$P/pinwheel.lock" >"$T/shape" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(sorted((a["kind"], a["name"], a.get("version")) for a in d["artifacts"]))
for t, r in d["roots"].items():
    print(t, [(l["name"], l["how"], l["dest"], len(l["artifacts"])) for l in r["layers"]])
PY
is "$(sed -n 1p "$T/shape")" "[('archive', 'extra.tar', None), ('deb', 'base-files', '12.4'), ('deb', 'busybox', '1:1.35.0-4+b3'), ('deb', 'extra', '1.0'), ('deb', 'hello', '2.10-3')]" \
	"each .deb is an artifact of kind deb with its version"
is "$(sed -n 2p "$T/shape")" "cp311-manylinux_x86_64 [('debian-pwtest-amd64', 'debian-root', '/', 3), ('extra.tar', 'unpack', '/opt/extra', 1)]" \
	"cp311: the Debian layer (required set + hello) then the archive"
is "$(sed -n 3p "$T/shape")" "cp312-manylinux_x86_64 [('debian-pwtest-amd64', 'debian-root', '/', 4), ('extra.tar', 'unpack', '/opt/extra', 1)]" \
	"cp312: its own closure"
run_pw 0 "lock --check is fresh offline" lock --check "$P"
cp "$P/pinwheel.lock" "$T/lock.1"
run_pw 0 "relock" --store "$S" lock "$P"
run_cmd 0 "relocking gives the same bytes" cmp "$T/lock.1" "$P/pinwheel.lock"

run_pw 2 "run before fetch: root not fetched" --store "$S" run --target cp311-manylinux_x86_64 "$P" -- busybox true
is "$ERR" "pinwheel: run: target cp311-manylinux_x86_64: root not fetched (layer 'debian-pwtest-amd64' is missing); run 'pinwheel fetch'" \
	"one line says what to do"

run_pw 0 "fetch" -q --store "$S" fetch "$P"
like "$OUT" "^cp311-manylinux_x86_64  root [0-9a-f]{64}
cp312-manylinux_x86_64  root [0-9a-f]{64}$" "a root id per target"
R311=$(printf '%s\n' "$OUT" | sed -n 's/^cp311-manylinux_x86_64  root //p')
R312=$(printf '%s\n' "$OUT" | sed -n 's/^cp312-manylinux_x86_64  root //p')
[ -n "$R311" ] && [ "$R311" != "$R312" ]; ok $? "the two targets have different roots"

run_pw 0 "run in the cp311 root" --store "$S" run --target cp311-manylinux_x86_64 "$P" -- \
	busybox sh -c 'cat /usr/share/hello/msg /etc/debian_version /opt/extra/share/note; test -e /usr/share/extra/msg || echo no-extra; readlink /bin'
is "$OUT" "hello from the root
12.4
from the archive
no-extra
usr/bin" "the Debian root (merged /usr) with the archive bound at its dest"
run_pw 0 "run in the cp312 root with --project and other run options" --store "$S" run \
	--target cp312-manylinux_x86_64 --project "$P" --env X=1 --cwd /usr/share -- \
	busybox sh -c 'cat extra/msg; echo "$X"; busybox touch /tmp/x && echo tmp'
is "$OUT" "extra
1
tmp" "the cp312 root has extra; --env, --cwd and /tmp still work"
run_pw 0 "--ro-root with a target" --store "$S" run --target cp311-manylinux_x86_64 "$P" --ro-root -- \
	busybox sh -c 'busybox touch /x 2>/dev/null || echo read-only; cat /opt/extra/share/note'
is "$OUT" "read-only
from the archive" "--ro-root makes the composed root read-only (binds need their mount points)"
run_pw 2 "an unknown target" --store "$S" run --target cp399-manylinux_x86_64 "$P" -- busybox true
like "$ERR" "^pinwheel: run: target 'cp399-manylinux_x86_64' is not in '$P/pinwheel.lock'" "the target is named"
run_pw 2 "a DIR without --target" run "$P" -- true
like "$ERR" "expected '--' before the command" "usage error"

# Warm: everything present, no request at all, fast.
: >"$DEBREPO_LOG"
run_pw 0 "warm fetch" --store "$S" --json fetch "$P"
is "$(wc -c <"$DEBREPO_LOG" | tr -d ' ')" 0 "warm fetch makes no request"
J=$(printf '%s\n' "$OUT" | grep '"event": *"root"' | grep '"target": *"cp311-manylinux_x86_64"')
like "$J" "\"root\": ?\"$R311\"" "--json: a root event with the same id"
like "$J" "\"built\": ?0" "--json: nothing built"
run_pw 0 "fetch --offline when everything is present" -q --store "$S" fetch --offline "$P"
is "$OUT" "cp311-manylinux_x86_64  root $R311
cp312-manylinux_x86_64  root $R312" "same root ids offline"
run_pw 0 "fetch -v" -v --store "$S" fetch --offline "$P"
like "$ERR" "^fetch: \\[2/2\\] composing the root of cp312-manylinux_x86_64 \\([0-9]+ layers\\)$" \
	"-v says each root as it is composed"

# A second store gives the same root ids (they come from the lock).
run_pw 0 "fetch into another store" -q --store "$T/store2" fetch "$P"
is "$(printf '%s\n' "$OUT" | sed -n 1p)" "cp311-manylinux_x86_64  root $R311" "root ids do not depend on the store"

# store gc keeps what the lock's roots are made of.
run_pw 0 "store gc keeping the lock" --store "$S" store gc --keep "$P/pinwheel.lock"
run_pw 0 "fetch after gc" --store "$S" --json fetch "$P"
is "$(printf '%s\n' "$OUT" | grep -c '"built": *0')" 2 "gc kept every root tree: nothing rebuilt"

# Resolution errors at lock: nothing written.
Q="$T/bad" && mkdir -p "$Q" && cp "$KEYRING" "$Q/keyring.gpg"
config "$Q" '"hello"' '"nosuch"' "$M"
run_pw 1 "an unknown package" --store "$S" lock "$Q"
like "$ERR" "^pinwheel: lock: python\.3\.12\.base\.debian \(cp312-manylinux_x86_64\): unknown package 'nosuch' in pwtest/main amd64$" \
	"one line naming the field, target and package"
run_cmd 1 "no lock written" test -e "$Q/pinwheel.lock"
config "$Q" '"broken"' '"hello"' "$M"
run_pw 1 "an unsatisfiable dependency" --store "$S" lock "$Q"
like "$ERR" "^pinwheel: lock: python\.3\.11\.base\.debian \(cp311-manylinux_x86_64\): .*broken \(requested\) -> missing-lib \(>= 1\)" \
	"the chain is named"
is "$(printf '%s\n' "$ERR" | wc -l | tr -d ' ')" 1 "one line"

# A .deb whose bytes changed on the mirror after the lock.
cp -R "$T/www/roots" "$T/www/tampered"
config "$Q" '"hello"' '"hello"' "http://127.0.0.1:$PORT/tampered"
run_pw 0 "lock against a copy of the mirror" --store "$T/s3" lock "$Q"
printf 'X' >>"$T/www/tampered/pool/main/hello_2.10-3_amd64.deb"
run_pw 1 "fetch of a tampered .deb" -q --store "$T/s3" fetch "$Q"
like "$ERR" "hello.*(sha256|size) mismatch|hello.*more than the pinned" "the digest mismatch names the package"
unlike "$OUT" "root" "no root id printed"
run_cmd 1 "no Debian root made" sh -c "ls '$T/s3/trees' | grep -v json | grep -q ."

# --offline with artifacts missing: each named, nothing fetched.
run_pw 1 "fetch --offline into an empty store" --store "$T/s4" fetch --offline "$P"
like "$ERR" "busybox" "a missing .deb is named"
like "$ERR" "extra\.tar" "the missing archive is named"

# The mirror goes down.
kill "$BG_PID" 2>/dev/null
wait "$BG_PID" 2>/dev/null
run_pw 0 "warm fetch with the mirror down" -q --store "$S" fetch "$P"
is "$(printf '%s\n' "$OUT" | sed -n 2p)" "cp312-manylinux_x86_64  root $R312" "same roots"
rm -f "$Q/pinwheel.lock"
run_pw 1 "lock with the mirror down" --store "$S" lock "$Q"
like "$ERR" "^pinwheel: lock: python\.3\.11\.base\.debian \(cp311-manylinux_x86_64\): mirror down: 'http://127\.0\.0\.1:$PORT/tampered/dists/pwtest/InRelease'" \
	"one line naming the mirror's url"
run_cmd 1 "no lock written" test -e "$Q/pinwheel.lock"
run_pw 1 "cold fetch with the mirror down" -q --store "$T/s5" fetch "$P"
like "$ERR" "busybox|hello|base-files" "a failed .deb is named"

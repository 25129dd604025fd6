#!/bin/sh
# A plain `pinwheel lock` keeps the previous lock's Debian pins while that
# part of pinwheel.json is unchanged: the mirror moves on (a newer hello),
# the relock makes no request and writes the same bytes; changing the
# package list of one Python version relocks only that target's base;
# `lock --upgrade` resolves everything again; each layer records the digest
# of its input; `--check --upgrade` is a usage error.
. "$SRCDIR/tests/lib.sh"
export DEBREPO_LOG="$T/requests.log"
. "$SRCDIR/tests/helpers/debrepo.sh"
plan 17

repo() { # repo HELLO_VERSION: (re)build and sign $T/www/r
	cat >"$T/r.json" <<JSON
{"suite": "pwtest", "arch": "amd64", "packages": [
 {"Package": "base-files", "Version": "12.4", "Architecture": "amd64", "Priority": "required",
  "files": {"etc/debian_version": "12.4\n"}},
 {"Package": "hello", "Version": "$1", "Architecture": "amd64",
  "files": {"usr/share/hello/msg": "hello $1\n"}},
 {"Package": "extra", "Version": "1.0", "Architecture": "all", "Depends": "hello (>= 2)",
  "files": {"usr/share/extra/msg": "extra\n"}}
]}
JSON
	rm -rf "$T/www/r"
	python3 "$SRCDIR/tests/helpers/debrepo.py" build "$T/www/r" "$T/r.json" &&
		sign "$T/www/r" test@mirror.example
}
repo 2.10-3 || skip_all "could not build the repository"
M="http://127.0.0.1:$PORT/r"

P="$T/proj" S="$T/store"
mkdir -p "$P"
cp "$KEYRING" "$P/keyring.gpg"
config() { # config PKGS311 PKGS312
	cat >"$P/pinwheel.json" <<JSON
{"version": 1, "manylinux": "native",
 "python": {
  "3.11": {"base": {"debian": {"suite": "pwtest", "packages": [$1], "mirror": "$M",
                               "keyring": "keyring.gpg"}}},
  "3.12": {"base": {"debian": {"suite": "pwtest", "packages": [$2], "mirror": "$M",
                               "keyring": "keyring.gpg"}}}},
 "platforms": ["manylinux_x86_64"]}
JSON
}
# hello's version in each target's layer, and whether each layer has an input
shape() {
	python3 - "$P/pinwheel.lock" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
arts = {a["sha256"]: a for a in d["artifacts"]}
for t, r in d["roots"].items():
    for l in r["layers"]:
        names = sorted("%s=%s" % (arts[s]["name"], arts[s]["version"]) for s in l["artifacts"])
        print(t, l["name"], " ".join(names), len(l.get("input", "")))
PY
}

config '"hello"' '"hello"'
run_pw 0 "lock" --store "$S" lock "$P"
is "$(shape)" "cp311-manylinux_x86_64 debian-pwtest-amd64 base-files=12.4 hello=2.10-3 64
cp312-manylinux_x86_64 debian-pwtest-amd64 base-files=12.4 hello=2.10-3 64" \
	"both bases pinned, each layer with its input digest"
cp "$P/pinwheel.lock" "$T/lock1"

repo 2.10-4
: >"$DEBREPO_LOG"
run_pw 0 "relock after the mirror moved on" --store "$S" lock "$P"
like "$ERR" "is up to date" "says the lock is up to date"
ok $(cmp -s "$P/pinwheel.lock" "$T/lock1" && echo 0 || echo 1) "same bytes: the pins are kept"
is "$(wc -c <"$DEBREPO_LOG" | tr -d ' ')" 0 "and the mirror was not asked"
run_pw 0 "lock --check is fresh" --store "$S" lock --check "$P"

config '"hello"' '"hello", "extra"'
run_pw 0 "relock with one package list changed" --store "$S" lock "$P"
is "$(shape)" "cp311-manylinux_x86_64 debian-pwtest-amd64 base-files=12.4 hello=2.10-3 64
cp312-manylinux_x86_64 debian-pwtest-amd64 base-files=12.4 extra=1.0 hello=2.10-4 64" \
	"only that target's base is resolved again (against the moved mirror)"
grep -q '"InRelease\|/InRelease' "$DEBREPO_LOG"
ok $? "which asked the mirror"
cp "$P/pinwheel.lock" "$T/lock2"
run_pw 0 "relock again" --store "$S" lock "$P"
ok $(cmp -s "$P/pinwheel.lock" "$T/lock2" && echo 0 || echo 1) "same bytes"

run_pw 0 "lock --upgrade" --store "$S" lock --upgrade "$P"
is "$(shape)" "cp311-manylinux_x86_64 debian-pwtest-amd64 base-files=12.4 hello=2.10-4 64
cp312-manylinux_x86_64 debian-pwtest-amd64 base-files=12.4 extra=1.0 hello=2.10-4 64" \
	"resolves every base again"
run_pw 0 "lock --check after the upgrade" --store "$S" lock --check "$P"

run_pw 2 "--check with --upgrade" --store "$S" lock --check --upgrade "$P"
like "$ERR" "exclude each other" "is a usage error"

#!/bin/sh
# `pinwheel plan`: the sorted target matrix as text, JSON and a GitHub
# Actions strategy.matrix carrying the lock's sha256; --only and --skip.
. "$SRCDIR/tests/lib.sh"
plan 22

mkdir -p "$T/p"
printf 'x\n' >"$T/a.tgz"
cat >"$T/p/pinwheel.json" <<JSON
{
  "version": 1,
  "python": {
    "3.14": {"base": {"debian": {"suite": "sid", "packages": ["python3.14-dev"]}}},
    "3.9": {"base": {"archive": {"url": "file://$T/a.tgz"}}},
    "3.13": {"base": {"debian": {"suite": "trixie", "packages": ["python3.13-dev"]}}}
  },
  "platforms": ["manylinux_aarch64", "manylinux_x86_64"],
  "exclude": ["cp39-*aarch64"],
  "optional": ["*-manylinux_aarch64"]
}
JSON
run_pw 0 "plan prints the matrix" plan "$T/p"
is "$OUT" "cp39-manylinux_x86_64
cp313-manylinux_x86_64
cp313-manylinux_aarch64
cp314-manylinux_x86_64
cp314-manylinux_aarch64" "sorted by Python version, then platform; excluded left out"
is "$ERR" "optional (may be left out): cp313-manylinux_aarch64, cp314-manylinux_aarch64" \
	"the optional targets are marked on stderr (stdout stays one id per line)"

run_pw 0 "--format json" plan "$T/p" --format json
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(len(d), d[1])' "$OUT" >"$T/j"
# the default old root (a floor target of this machine's architecture)
OLDR=None
[ "$(uname -m)" = x86_64 ] && OLDR="'bullseye'"
is "$(cat "$T/j")" "5 {'id': 'cp313-manylinux_x86_64', 'python': '3.13', 'python_tag': 'cp313', 'platform': 'manylinux_x86_64', 'arch': 'x86_64', 'base': 'debian', 'suite': 'trixie', 'optional': False, 'lock': None, 'old_root': $OLDR, 'no_old_root': None}" \
	"each target as an object (lock null: there is none; its old root)"

like "$ERR" "no '.*pinwheel.lock': run 'pinwheel lock' first \(\"lock\" is null\)" "json: warns that there is no lock"
run_pw 2 "--format github without a lock: exit 2" plan "$T/p" --format github
like "$ERR" "^pinwheel: plan: no '.*pinwheel.lock': run 'pinwheel lock' first" "it says to lock"
is "$OUT" "" "nothing printed"
printf '{"version": 1, "config_digest": "%064d", "artifacts": []}\n' 0 >"$T/p/pinwheel.lock"
run_pw 2 "--format github with a stale lock: exit 2" plan "$T/p" --format=github
like "$ERR" "pinwheel.lock' is stale: .*run 'pinwheel lock'" "it says the lock is stale"
run_pw 0 "--format json with a stale lock: still printed" plan "$T/p" --format json
like "$OUT" '"lock":null' "json: lock null when stale"
# (t5502-shard.sh covers --format github with a current lock.)

run_pw 0 "--only picks targets" plan "$T/p" --only cp314-manylinux_x86_64 --only cp39-manylinux_x86_64
is "$OUT" "cp39-manylinux_x86_64
cp314-manylinux_x86_64" "--only keeps matrix order"
run_pw 0 "--skip drops globs" plan "$T/p" --skip '*aarch64' --skip 'cp39-*'
is "$OUT" "cp313-manylinux_x86_64
cp314-manylinux_x86_64" "--skip is fnmatch"
run_pw 2 "--only with an unknown id" plan "$T/p" --only cp314-manylinux_x86-64
is "$ERR" "pinwheel: plan: --only 'cp314-manylinux_x86-64' names no target (did you mean 'cp314-manylinux_x86_64'?)" \
	"an unknown id gets a suggestion"
run_pw 1 "selecting nothing fails" plan "$T/p" --skip '*'
run_pw 2 "a bad --format is a usage error" plan "$T/p" --format yaml
like "$ERR" "--format expects text, json or github, got 'yaml'" "the bad format is named"

#!/bin/sh
# The JSON Schemas in profiles/schema/ are valid draft-07 schemas, accept
# the example config and a lock written by `pinwheel lock`, and reject what
# the loader rejects for the same reasons (unknown keys, requirements that
# are not requirements or name a URL).
. "$SRCDIR/tests/lib.sh"
plan 7

python3 -c 'import jsonschema' 2>/dev/null || skip_all "python3 jsonschema missing (tests/deps.sh installs python3-jsonschema)"
CS="$SRCDIR/profiles/schema/pinwheel.schema.json"
LS="$SRCDIR/profiles/schema/pinwheel.lock.schema.json"
validate() { # SCHEMA DOC: prints "valid" or the first error
	python3 - "$1" "$2" <<'PY'
import json, sys, jsonschema
s = json.load(open(sys.argv[1]))
jsonschema.Draft7Validator.check_schema(s)
errs = list(jsonschema.Draft7Validator(s).iter_errors(json.load(open(sys.argv[2]))))
print("valid" if not errs else "invalid: " + errs[0].message)
PY
}

is "$(validate "$CS" "$SRCDIR/examples/hybrid/pinwheel.json")" valid "the example config is valid"

mkdir -p "$T/p"
printf 'archive bytes\n' >"$T/a.tgz"
cat >"$T/p/pinwheel.json" <<JSON
{"version": 1, "python": {"3.13": {"base": {"archive": {"url": "file://$T/a.tgz", "strip": 1}}}},
 "platforms": ["manylinux_x86_64", "manylinux_aarch64"], "manylinux": "native",
 "archives": [{"name": "extra", "url": "file://$T/a.tgz", "dest": "/opt/extra"}]}
JSON
is "$(validate "$CS" "$T/p/pinwheel.json")" valid "a config with archives is valid"
run_pw 0 "lock writes a lock" lock "$T/p"
is "$(validate "$LS" "$T/p/pinwheel.lock")" valid "the written lock is valid"

printf '{"version": 1, "pyhton": {}, "python": {}, "platforms": ["manylinux_x86_64"]}\n' >"$T/bad1.json"
like "$(validate "$CS" "$T/bad1.json")" "^invalid: .*pyhton" "an unknown key is invalid"
cat >"$T/bad2.json" <<'JSON'
{"version": 1, "python": {"3.13": {"base": {"debian": {"suite": "trixie", "packages": ["gcc"]}}}},
 "platforms": ["manylinux_x86_64"], "build_requires": ["numpy >> 2"]}
JSON
like "$(validate "$CS" "$T/bad2.json")" "^invalid: 'numpy >> 2' does not match" "a requirement that is not one is invalid"
printf '{"version": 1, "artifacts": [], "roots": {"cp313-manylinux_x86_64": {"layers": [{"name": "x", "how": "unpack", "dest": "rel", "artifacts": []}]}}}\n' >"$T/bad.lock"
like "$(validate "$LS" "$T/bad.lock")" "^invalid: " "a bad layer is invalid"

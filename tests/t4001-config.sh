#!/bin/sh
# pinwheel.json errors through the CLI: exit 2 with one line naming
# file:line:col, the field and what was expected; the example config loads.
. "$SRCDIR/tests/lib.sh"
plan 18

mkdir -p "$T/p"
cfg() { printf '%s\n' "$@" >"$T/p/pinwheel.json"; }

run_pw 2 "a missing pinwheel.json is a configuration error" lock "$T/p"
is "$ERR" "pinwheel: lock: no '$T/p/pinwheel.json' nor '$T/p/pyproject.toml': nothing says what to build (docs/config.md)" "it names the files"

cfg '{' '  "version": 1,' '  "pyhton": {}' '}'
run_pw 2 "an unknown key is a configuration error" plan "$T/p"
is "$ERR" "pinwheel: plan: $T/p/pinwheel.json:3:3: unknown key 'pyhton' (did you mean 'python'?)" \
	"the unknown key's line:col and a suggestion"

cfg '{"version": 1,' ' "python": {"3.13": {"base": {"debian": {"suite": "trixie",' \
    '   "packages": ["python3-dev"]}}}},' ' "platforms": ["manylinux_x86_64"],' \
    ' "build_requires": ["numpy==2.4.6", "cython >> 3"]}'
run_pw 2 "a malformed requirement is a configuration error" lock "$T/p"
is "$ERR" "pinwheel: lock: $T/p/pinwheel.json:5:37: build_requires[1]: 'cython >> 3' is not a requirement: expected name[extras], version specifiers like >=1.2,<2 and an optional '; marker'" \
	"the pin's position and what is expected"

cfg '{"version": 1, "python": {"3.x": {}}}'
run_pw 2 "a bad python version is a configuration error" plan "$T/p/pinwheel.json"
like "$ERR" "pinwheel.json:1:27: python: '3.x' is not a Python version: expected \"3.N\"" "the version is named"

cfg '{"version": 1, "python": {"3.13": {"base": {"debian": {"suite": "trixie", "packages": "gcc"}}}}}'
run_pw 2 "a wrong type is a configuration error" plan "$T/p"
like "$ERR" ":1:75: python.3.13.base.debian.packages: expected an array of strings, got a string$" "the type error names field and types"

cfg '{"version": 1, "version": 1}'
run_pw 2 "duplicate keys are a configuration error" plan "$T/p"
like "$ERR" "pinwheel.json:1:.*duplicate object key" "jansson's position is kept"

cfg '{"version": 1,' ' "python": {"3.13": {"base": {"oci": "127.0.0.1:1/py@sha256:'"$(printf '%064d' 0)"'"}}},' \
    ' "platforms": ["manylinux_x86_64"], "build_requires": ["numpy==2.4.6"]}'
run_pw 1 "lock fails in a provider (a registry that refuses connections)" lock "$T/p"
like "$ERR" "python\\.3\\.13\\.base\\.oci \\(cp313-manylinux_x86_64\\): .*http://127\\.0\\.0\\.1:1/v2/py/manifests/" "the error names the config field and the url"
run_cmd 1 "nothing is written" test -e "$T/p/pinwheel.lock"
run_pw 1 "lock --json on failure" --json lock "$T/p"
like "$OUT" '"reason": ?"python\.3\.13\.base\.oci \(cp313-manylinux_x86_64\): .*"status": ?"failed"' \
	"the summary says failed and why"

run_pw 0 "the bundled example config is valid" plan "$SRCDIR/examples/hybrid"

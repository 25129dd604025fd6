#!/bin/sh
# t5202-audit-policies: the shipped manylinux policies validate against
# profiles/schema/manylinux-policy.schema.json and say what the PEPs say;
# `pinwheel audit --policies DIR` loads a directory of them and names the
# file and field of a bad one (exit 2).
. "$SRCDIR/tests/lib.sh"

PY=python3
$PY -c 'import jsonschema' 2>/dev/null || PY=/usr/bin/python3
$PY -c 'import jsonschema' 2>/dev/null || skip_all "python3 lacks jsonschema"

plan 9

$PY - "$SRCDIR/profiles/schema/manylinux-policy.schema.json" "$SRCDIR"/profiles/manylinux/*.json \
	>"$T/schema.log" 2>&1 <<'EOF'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
prio = {}
for f in sys.argv[2:]:
    p = json.load(open(f))
    jsonschema.validate(p, schema)
    assert f.endswith("/" + p["name"] + ".json"), f
    assert p["priority"] not in prio, (f, prio)
    prio[p["priority"]] = p["name"]
EOF
ok $? "every shipped policy validates against the schema, names match files, priorities unique"
[ -s "$T/schema.log" ] && diag "$(tail -5 "$T/schema.log")"

$PY - "$SRCDIR"/profiles/manylinux/*.json >"$T/facts.log" 2>&1 <<'EOF'
import json, sys
pol = {json.load(open(f))["name"]: json.load(open(f)) for f in sys.argv[1:]}
assert pol["manylinux_2_5"]["alias"] == "manylinux1"
assert pol["manylinux_2_12"]["alias"] == "manylinux2010"
assert pol["manylinux_2_17"]["alias"] == "manylinux2014"
x = pol["manylinux_2_17"]["arches"]["x86_64"]["versions"]
# PEP 599 ceilings on x86_64
assert max(x["GLIBC"], key=lambda v: tuple(map(int, v.split(".")))) == "2.17"
assert "1.3.7" in x["CXXABI"] and "1.3.8" not in x["CXXABI"]
assert "3.4.19" in x["GLIBCXX"] and "3.4.20" not in x["GLIBCXX"]
assert "4.8.0" in x["GCC"]
x = pol["manylinux_2_28"]["arches"]["x86_64"]["versions"]
assert "2.28" in x["GLIBC"] and "2.29" not in x["GLIBC"]
assert "libmvec.so.1" in pol["manylinux_2_28"]["libraries"]
assert "libpython3.11.so.1.0" not in pol["manylinux_2_28"]["libraries"]
for a in ("x86_64", "i686", "aarch64"):
    for n in ("manylinux_2_17", "manylinux_2_28", "manylinux_2_34", "manylinux_2_39"):
        assert a in pol[n]["arches"], (n, a)
EOF
ok $? "the facts of PEP 513/571/599/600 are there (aliases, ceilings, libraries, arches)"
[ -s "$T/facts.log" ] && diag "$(tail -5 "$T/facts.log")"

# A tiny unpacked wheel with no ELF: the policy set still has to load.
mkdir -p "$T/w/p-1.0.dist-info"
printf 'Wheel-Version: 1.0\nRoot-Is-Purelib: true\n' >"$T/w/p-1.0.dist-info/WHEEL"
run_pw 0 "audit --policies with the shipped directory" audit --policies "$SRCDIR/profiles/manylinux" "$T/w"

mkdir -p "$T/pol"
cp "$SRCDIR/profiles/manylinux/manylinux_2_17.json" "$T/pol/"
sed 's/"priority": [0-9]*/"priority": "high"/' "$SRCDIR/profiles/manylinux/manylinux_2_28.json" \
	>"$T/pol/manylinux_2_28.json"
run_pw 2 "a bad policy file is a usage error" audit --policies "$T/pol" "$T/w"
like "$ERR" "manylinux_2_28.json: 'priority'" "the error names the file and the field"
cp "$SRCDIR/profiles/manylinux/manylinux_2_17.json" "$T/pol/manylinux_2_28.json"
run_pw 2 "two policies of one name are refused" audit --policies "$T/pol" "$T/w"
like "$ERR" "repeats the (name|priority)" "the error says what repeats"
printf '{"name": "manylinux_2_28",\n' >"$T/pol/manylinux_2_28.json"
run_pw 2 "a policy that is not JSON is refused" audit --policies "$T/pol" "$T/w"
like "$ERR" "manylinux_2_28.json:[0-9]+:[0-9]+" "with file:line:column"

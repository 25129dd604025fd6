#!/bin/sh
# The profile format's three descriptions agree: the built-in profiles
# validate against profiles/schema/seccomp-profile.schema.json, every
# constant and errno name the schema lists is accepted by the loader, the
# schema rejects what the loader rejects (unknown keys, bad ops, errno
# without action errno), and the loader's errors for a file on disk are
# one line naming the file, the JSON path and what was expected.
. "$SRCDIR/tests/lib.sh"
PROBE="$SRCDIR/$BUILD/tests/helpers/sysprobe"
PY=/usr/bin/python3
[ -x "$PROBE" ] || skip_all "sysprobe helper not built"
"$PY" -c 'import jsonschema' 2>/dev/null || skip_all "python3-jsonschema is not installed (tests/deps.sh)"
SCHEMA="$SRCDIR/profiles/schema/seccomp-profile.schema.json"
plan 16

cat >"$T/check.py" <<'PY'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
for f in sys.argv[2:]:
    errs = list(v.iter_errors(json.load(open(f))))
    print("%s %s" % (f.rsplit("/", 1)[-1], "valid" if not errs else "invalid"))
PY
run_cmd 0 "the schema is a valid draft 2020-12 schema and checks the profiles" \
	"$PY" "$T/check.py" "$SCHEMA" "$SRCDIR/profiles/seccomp/build.json" "$SRCDIR/profiles/seccomp/lock.json"
is "$OUT" "build.json valid
lock.json valid" "the built-in profiles validate against the schema"

# every constant and errno of the schema, in one profile the loader compiles
cat >"$T/gen.py" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
consts = s["$defs"]["number"]["oneOf"][2]["enum"]
errnos = s["$defs"]["errno"]["oneOf"][1]["enum"]
rules = [{"names": ["getppid"], "action": "errno", "errno": e,
          "args": [{"index": 0, "op": "eq", "value": c}, {"index": 1, "op": "eq", "value": i}]}
         for i, (e, c) in enumerate(zip(errnos * (len(consts) // len(errnos) + 1), consts))]
print(json.dumps({"default_action": "allow", "syscalls": rules}))
PY
"$PY" "$T/gen.py" "$SCHEMA" >"$T/all.json"
run_cmd 0 "every constant and errno name of the schema is accepted by the loader" \
	"$PROBE" --filter "$T/all.json" getpid
is "$OUT" "getpid errno=0" "the profile with every name compiles and runs"
run_cmd 0 "that profile also validates against the schema" "$PY" "$T/check.py" "$SCHEMA" "$T/all.json"
is "$OUT" "all.json valid" "schema and loader agree on the names"

# what both refuse
printf '%s' '{"default_action":"allow","syscalls":[{"names":["read"],"action":"kill","errno":"EPERM"}]}' >"$T/e1.json"
printf '%s' '{"default_action":"allow","syscalls":[{"names":["read"],"action":"kill","args":[{"index":0,"op":"like","value":1}]}]}' >"$T/e2.json"
printf '%s' '{"default_action":"allow","syscalls":[],"extra":1}' >"$T/e3.json"
run_cmd 0 "the schema rejects the three bad profiles" "$PY" "$T/check.py" "$SCHEMA" "$T/e1.json" "$T/e2.json" "$T/e3.json"
is "$OUT" "e1.json invalid
e2.json invalid
e3.json invalid" "errno without action errno, an unknown op and an unknown key are invalid"
run_cmd 2 "the loader rejects errno without action errno" "$PROBE" --filter "$T/e1.json" getpid
is "$ERR" "sysprobe: $T/e1.json:1:81: syscalls[0].errno: only allowed with action errno" "one line: file:line:col (of the errno value), field, expectation"
printf '{\n  "default_action": "allow",\n  "syscalls": [\n    {"names": ["read"] "action": "kill"}\n  ]\n}\n' >"$T/syntax.json"
run_cmd 2 "the loader rejects a JSON syntax error" "$PROBE" --filter "$T/syntax.json" getpid
is "$ERR" "sysprobe: $T/syntax.json:4:31: '}' expected near '\"action\"'" "a syntax error names file:line:column"

# rules that would override one another
printf '%s' '{"default_action":"allow","syscalls":[{"names":["getppid"],"action":"kill"},{"names":["getuid","getppid"],"action":"errno","errno":"EPERM","args":[{"index":0,"op":"eq","value":1}]}]}' >"$T/dup.json"
run_cmd 2 "the loader rejects a rule shadowed by an unconditional one" "$PROBE" --filter "$T/dup.json" getpid
is "$ERR" "sysprobe: $T/dup.json:1:96: syscalls[1].names[1]: 'getppid' already has a rule in syscalls[0] and one of them has no conditions (it would override the other)" "the shadowed rule is named"
printf '%s' '{"default_action":"allow","syscalls":[{"names":["getppid"],"action":"kill","args":[{"index":0,"op":"eq","value":1}]},{"names":["getppid"],"action":"errno","errno":"EPERM","args":[{"index":0,"op":"eq","value":1}]}]}' >"$T/dup2.json"
run_cmd 2 "the loader rejects two rules with the same conditions and different actions" "$PROBE" --filter "$T/dup2.json" getpid
is "$ERR" "sysprobe: $T/dup2.json:1:128: syscalls[1].names[0]: conflicts with an earlier rule for 'getppid' with the same conditions and another action" "the conflict is named"

#!/bin/sh
# t5701-verify: `pinwheel verify` of the tiny project of t5302 (an
# in-project PEP 517 backend, a root made from the host's python3.11):
#   - reproducible: exit 0, the table, OUT has build A's outputs plus
#     verify.json (statuses, equal digests, the variation matrix with A and
#     B values that differ), the manifest's byproducts say "rebuilt and
#     matched" with verify.json's digest, the temp directory is gone
#   - --keep --json: verify.json on stdout, B's tree kept where it says
#   - a project under a git work tree's build/ (untracked, like make demo's
#     copy): copied by itself for build B, reproducible
#   - usage and configuration errors: exit 2 naming the problem
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/helpers/verify-tiny.sh"
plan 23
TGT=cp311-manylinux_x86_64
export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"

make_base
ok $? "packed the test base"
P="$T/proj"
make_tiny "$P"
ok $? "the tiny project: a git checkout, locked and fetched"

run_pw 0 "a reproducible project: exit 0" verify "$P"
like "$OUT" "^sdist +reproducible +[0-9a-f]{12} +[0-9a-f]{12}" "the table: the sdist is reproducible"
like "$OUT" "^$TGT +reproducible " "the table: the target is reproducible"
like "$ERR" "verify: build B: varied conditions" "progress names the phases"
like "$ERR" "verify: build B: \\[1/1\\] $TGT: ok" "build B's finished targets are shown as they come"
is "$(cd "$P/wheelhouse" && ls | tr '\n' ' ')" \
	"logs pinwheel-manifest.json tiny-1.0.0-py3-none-any.whl tiny-1.0.0.tar.gz verify.json " \
	"OUT: build A's wheel, sdist, logs and manifest, and verify.json"
python3 - "$P/wheelhouse/verify.json" "$P" >"$T/v" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
t = d["targets"][0]
print(d["ok"], t["target"], t["status"], t["sha256_a"] == t["sha256_b"], len(t["sha256_a"]),
      d["sdist"]["status"], t["differences"], t["leaks"])
v = {x["name"]: x for x in d["variations"]}
need = ["build path", "file ordering", "umask", "timezone", "locale", "environment", "exec path",
        "home", "jobs", "store path", "user/group", "host name", "time", "num_cpus", "aslr"]
print([n for n in need if n not in v], [n for n in need if n not in ("time", "num_cpus") and v[n]["a"] == v[n]["b"]])
print(v["build path"]["a"] == sys.argv[2], v["build path"]["b"].count("/") > sys.argv[2].count("/"))
PY
is "$(sed -n 1p "$T/v")" "True $TGT reproducible True 64 reproducible [] []" \
	"verify.json: the target and sdist reproducible, same digests, no differences or leaks"
is "$(sed -n 2p "$T/v")" "[] []" "verify.json: every variation is listed, and A's and B's values differ"
is "$(sed -n 3p "$T/v")" "True True" "build B's checkout is at another path, deeper"
python3 - "$P/wheelhouse/pinwheel-manifest.json" "$P/wheelhouse/verify.json" >"$T/m" 2>&1 <<'PY'
import hashlib, json, sys
m = json.load(open(sys.argv[1]))
b = m["predicate"]["runDetails"]["byproducts"]
print(b[0]["name"], b[0]["digest"]["sha256"] == hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest())
r = [x for x in b if x["name"] == "pinwheel-verify-result"][0]["annotations"]
print(r["statement"], [(t["target"], t["statement"]) for t in r["targets"]])
print(len([x for x in b if x["name"] == "pinwheel-verify-variations"][0]["annotations"]["variations"]) > 10)
PY
is "$(sed -n 1p "$T/m")" "verify.json True" "the manifest's byproducts: verify.json with its digest"
is "$(sed -n 2p "$T/m")" "rebuilt and matched [('sdist', 'rebuilt and matched'), ('$TGT', 'rebuilt and matched')]" \
	"the manifest's byproducts: rebuilt and matched, per output"
is "$(sed -n 3p "$T/m")" "True" "the manifest's byproducts: the variation matrix"
is "$(ls -A "$TMPDIR")" "" "no temp directory is left behind"

# --keep and --json.
run_pw 0 "--keep --json: exit 0" --json verify "$P" --keep
printf '%s' "$OUT" | python3 -c '
import json, os, sys
d = json.load(sys.stdin)
k = d["kept"]
print(d["ok"], k.startswith(os.environ["TMPDIR"] + "/pinwheel-verify."),
      any(f.endswith(".whl") for _, _, fs in os.walk(k) for f in fs))' >"$T/k" 2>&1
is "$(cat "$T/k")" "True True True" "--json prints verify.json; --keep keeps B's tree (with its wheel) where it says"

# A project in the build artefacts of another git work tree.
O="$T/outer"
mkdir -p "$O/build" && git -C "$O" init -q && echo outer >"$O/README" && git -C "$O" add README &&
	git -C "$O" -c user.name=pinwheel -c user.email=test@mirror.example commit -qm outer &&
	cp -R "$P" "$O/build/proj" && rm -rf "$O/build/proj/.git" "$O/build/proj/wheelhouse"
run_pw 0 "a project under a git work tree's build/: exit 0" verify "$O/build/proj"
like "$OUT" "^$TGT +reproducible " "the project was copied by itself and is reproducible"

run_pw 2 "an unknown option: exit 2" verify "$P" --frob
like "$ERR" "unknown option '--frob'" "the option is named"
run_pw 2 "an unknown target: exit 2" verify "$P" --only cp399-manylinux_x86_64
like "$ERR" "cp399-manylinux_x86_64" "the target is named"

#!/bin/sh
# t5602-ci-docs: the CI examples of docs/ci.md are tested:
#   - every fenced yaml block parses; the blocks naming a file are extracted
#     (the GitHub workflow, .gitlab-ci.yml, ci/merge-wheels.py)
#   - the GitHub workflow runs under a local stand-in for Actions
#     (tests/helpers/ci_sim.py): plan -> one build job per target of the
#     `plan --format github` matrix (each its own store, sharing work through
#     --cache-url on nginx) -> collect; the GitLab pipeline likewise with its
#     parallel:matrix shards (all cached by then: they build nothing)
#   - each collects exactly the wheels, sdist and manifest subjects of one
#     `pinwheel build` of the whole matrix, byte for byte, with its targets
#   - every `pinwheel ...` line of the examples ran in some job
#   - ci/merge-wheels.py refuses a file that does not match its manifest
#   - every `OWNER/pinwheel/DIR@REF` that docs/ci.md and README.md name
#     is a directory of this repository holding an action.yml, and every
#     template path they give in it (packaging/gitlab/pinwheel.yml) exists
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/tiny-lib.sh"
. "$SRCDIR/tests/helpers/remotelib.sh"
[ -x "$NGINX" ] || skip_all "nginx missing (Debian package nginx)"
"$PY" -c 'import yaml' 2>/dev/null || skip_all "python3-yaml missing"
plan 25
export PINWHEEL_RETRY_BASE_MS=5
unset PINWHEEL_CACHE_URL
SIM="$SRCDIR/tests/helpers/ci_sim.py"
DOC="$SRCDIR/docs/ci.md"

run_cmd 0 "docs/ci.md: every yaml block parses; the files are extracted" "$PY" "$SIM" extract "$DOC" "$T/ci"
is "$(printf '%s\n' "$OUT" | grep -v '^[a-z]* -$')" "yaml .github/workflows/wheels.yml
yaml .gitlab-ci.yml
yaml .github/workflows/wheels-action.yml
yaml .gitlab-ci-template.yml
python ci/merge-wheels.py" "the GitHub workflows, the GitLab pipelines and the merge script (the action's and the template's: t6011)"
unlike "$(cat "$DOC")" "https?://[^ ]*\.(com|org|io|net)/" "example URLs are all mirror.example"
USES=$(cat "$DOC" "$SRCDIR/README.md" | grep -oE 'OWNER/pinwheel(/[a-z/]+)?@' | sort -u)
is "$USES" "OWNER/pinwheel/packaging/action@" "the docs name the action as OWNER/pinwheel/packaging/action@REF"
for u in $USES; do
	d=${u#OWNER/pinwheel}
	d=${d%@}
	[ -f "$SRCDIR$d/action.yml" ] || echo "$u: no action.yml in ${d#/}"
done >"$T/uses.err"
for f in $(cat "$DOC" "$SRCDIR/README.md" | grep -oE 'packaging/[a-z/]+\.yml' | sort -u); do
	[ -f "$SRCDIR/$f" ] || echo "$f: missing"
done >>"$T/uses.err"
is "$(cat "$T/uses.err")" "" "the action's directory and the template the docs name exist"

# The base (as in t5302): python3.11 with its stdlib and pip; a second
# base calls the same interpreter python3.12, so the matrix has two targets.
py_base_tar "$T/py.tar" && py_base_tar "$T/py12.tar" python3.12
ok $? "packed the test bases"

P="$T/proj"
mkdir -p "$P/ci"
cat >"$P/pinwheel.json" <<JSON
{"version": 1,
 "python": {"3.11": {"base": {"archives": [{"url": "file://$T/py.tar"}]}},
            "3.12": {"base": {"archives": [{"url": "file://$T/py12.tar"}]}}},
 "platforms": ["manylinux_x86_64"], "pure": true,
 "test": {"command": "python -c 'import tiny; assert tiny.VALUE == 42'"}}
JSON
tiny_files "$P"
cp "$T/ci/ci/merge-wheels.py" "$P/ci/"
R="$T/roots"
run_pw 0 "lock" --store "$R" lock "$P"
run_pw 0 "fetch the roots into R" --store "$R" fetch "$P"
G() { git -C "$P" -c user.name=t -c user.email=t@example.invalid "$@" >/dev/null 2>&1; }
G init -q && G add -A && GIT_COMMITTER_DATE="1700000000 +0000" G commit -q -m one && G tag v1.0.0
ok $? "the project is a git checkout with its lock and ci/merge-wheels.py, tagged v1.0.0"

# The reference: one build of the whole matrix, no remote.
cp -al "$R" "$T/ref-store"
run_pw 0 "one build of the whole matrix" --store "$T/ref-store" build "$P" --out "$T/ref"
mkdir -p "$T/bin"
ln -s "$PINWHEEL" "$T/bin/pinwheel"
PATH="$T/bin:$PATH"

# compare DIST DESC: the same wheels and sdist as the reference, byte for
# byte, and a manifest with the same subjects, targets and inputs.
compare() {
	"$PY" - "$T/ref" "$1" <<'PYX'
import hashlib, json, os, sys
ref, got = sys.argv[1], sys.argv[2]
files = lambda d: sorted(f for f in os.listdir(d) if f.endswith((".whl", ".tar.gz")))
if files(ref) != files(got):
    sys.exit(f"files {files(got)} != {files(ref)}")
for f in files(ref):
    if open(os.path.join(ref, f), "rb").read() != open(os.path.join(got, f), "rb").read():
        sys.exit(f"{f}: other bytes")
m1, m2 = (json.load(open(os.path.join(d, "pinwheel-manifest.json"))) for d in (ref, got))
subj = lambda m: sorted({(s["name"], s["digest"]["sha256"]) for s in m["subject"]})
if subj(m1) != subj(m2):
    sys.exit(f"subjects {subj(m2)} != {subj(m1)}")
del m1["subject"], m2["subject"]
if m1 != m2:
    sys.exit("the manifests differ beyond their subjects")
PYX
}

start_nginx
export CACHE="$NURL/ci-cache"
run_cmd 0 "the GitHub workflow runs: plan, a build per target, collect" \
	"$PY" "$SIM" github "$T/ci/.github/workflows/wheels.yml" --project "$P" --store "$R" \
	--work "$T/gh" --secret "PINWHEEL_CACHE_URL=$CACHE"
is "$(printf '%s\n' "$OUT" | sed 's/"lock": "[0-9a-f]*"/"lock": L/; s/"python": "3.1[12]", //; s/"python_tag": "cp31[12]", //' | grep '^job')" \
	'job plan: ok
job build {"arch": "x86_64", "base": "archive", "lock": L, "optional": false, "platform": "manylinux_x86_64", "target": "cp311-manylinux_x86_64"}: ok
job build {"arch": "x86_64", "base": "archive", "lock": L, "optional": false, "platform": "manylinux_x86_64", "target": "cp312-manylinux_x86_64"}: ok
job collect: ok' "one build job per target of the plan's matrix"
run_cmd 0 "GitHub: the collected dist is one full build's" compare "$T/gh/artifacts/dist"
is "$(ls "$T/gh/artifacts" | tr '\n' ' ')" "dist wheels-cp311-manylinux_x86_64 wheels-cp312-manylinux_x86_64 " "the artifacts: one per target, and dist"
is "$(nreq "$NLOG" '"PUT /ci-cache/ac/')" 6 "the jobs pushed six records (each its sdist, built in its target's root, its target's wheel and its smoke test)"
is "$(ls "$T/gh/artifacts/dist/logs" | tr '\n' ' ')" "cp311-manylinux_x86_64.log cp312-manylinux_x86_64.log sdist.log " "the logs are collected"

: >"$NLOG"
run_cmd 0 "the GitLab pipeline runs: three shards, collect" \
	"$PY" "$SIM" gitlab "$T/ci/.gitlab-ci.yml" --project "$P" --store "$R" \
	--work "$T/gl" --secret "PINWHEEL_CACHE_URL=$CACHE"
is "$(printf '%s\n' "$OUT" | grep '^job')" "job build [1]: ok
job build [2]: ok
job build [3]: ok
job collect: ok" "one job per shard"
run_cmd 0 "GitLab: the collected dist is one full build's" compare "$T/gl/gl-artifacts/collect/dist"
like "$(cat "$T/gl/build-3.log")" "shard 3/3 has no targets" "the empty shard says so and passes"
is "$(awk '{print $6}' "$NLOG" | sort -u | tr -d '"')" "GET" "the shards built nothing: GETs only"
is "$(cat "$T/gl"/build-*.log | grep -cE '^cp31[12]-manylinux_x86_64 +cached ')" 2 "both targets came from the remote cache"
run_cmd 0 "every pinwheel command line of docs/ci.md ran in a job" sh -c \
	'cat "$1"/*.log "$2"/*.log >"$3/all.log" && "$6" "$4" check-ran "$5" "$3"' sh "$T/gh" "$T/gl" "$T" "$SIM" "$DOC" "$PY"

# The merge script's refusals.
M="$T/gh/artifacts"
mkdir -p "$T/bad"
cp -a "$M/wheels-cp311-manylinux_x86_64" "$M/wheels-cp312-manylinux_x86_64" "$T/bad/"
W=$(cd "$T/bad/wheels-cp312-manylinux_x86_64" && ls ./*.whl | sed 's|^\./||')
printf x >>"$T/bad/wheels-cp312-manylinux_x86_64/$W"
run_cmd 1 "merge-wheels.py refuses a file its manifest does not name" "$PY" "$P/ci/merge-wheels.py" "$T/bad" "$T/bad-out"
like "$ERR" "^merge-wheels: '$T/bad/wheels-cp312-manylinux_x86_64/$W': sha256 is not the manifest's" "the error names the file"

#!/bin/sh
# t6011-dist-ci: pinwheel's composite GitHub Action
# (packaging/action/action.yml, `uses: OWNER/pinwheel/packaging/action@REF`)
# and GitLab CI template (packaging/gitlab/pinwheel.yml), tested as
# docs/ci.md's workflows are (t5602): the files parse and declare their inputs; the action's workflow
# and the template's pipeline of docs/ci.md run under the local stand-in
# (tests/helpers/ci_sim.py; the "Install pinwheel" step and before_script
# skipped, the pinwheel under test first on PATH) on a tiny project of two
# targets and collect the wheels, sdist and manifest of one `pinwheel
# build`; the input `only` builds only the targets it names; `cache-url`
# and the template's PINWHEEL_CACHE_URL reach the shared cache.
# as-user: no (t5602 runs docs/ci.md's workflows as the unprivileged user)
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/tiny-lib.sh"
. "$SRCDIR/tests/helpers/remotelib.sh"
[ -x "$NGINX" ] || skip_all "nginx missing (Debian package nginx)"
"$PY" -c 'import yaml' 2>/dev/null || skip_all "python3-yaml missing"
plan 15
export PINWHEEL_RETRY_BASE_MS=5
unset PINWHEEL_CACHE_URL
SIM="$SRCDIR/tests/helpers/ci_sim.py"
DOC="$SRCDIR/docs/ci.md"

run_cmd 0 "packaging/action/action.yml and packaging/gitlab/pinwheel.yml parse; their inputs" "$PY" - "$SRCDIR" <<'PYX'
import sys, yaml
src = sys.argv[1]
a = yaml.safe_load(open(f"{src}/packaging/action/action.yml"))
assert a["runs"]["using"] == "composite", a["runs"]
print("action:", " ".join(sorted(a["inputs"])), "->", " ".join(sorted(a["outputs"])))
g = yaml.safe_load(open(f"{src}/packaging/gitlab/pinwheel.yml"))
print("gitlab:", " ".join(sorted(k for k in g[".pinwheel-build"]["variables"] if k.startswith("PINWHEEL_"))))
PYX
is "$OUT" "action: cache-url only output-dir package-dir pinwheel -> output-dir
gitlab: PINWHEEL_CACHE_URL PINWHEEL_ONLY PINWHEEL_OUTPUT_DIR PINWHEEL_PACKAGE_DIR PINWHEEL_SPEC PINWHEEL_STORE" \
	"the action's inputs and output, the template's variables"
run_cmd 0 "docs/ci.md: the blocks are extracted" "$PY" "$SIM" extract "$DOC" "$T/ci"

py_base_tar "$T/py.tar" && py_base_tar "$T/py12.tar" python3.12
ok $? "packed the test bases"
P="$T/proj"
mkdir -p "$P/ci/gitlab"
cat >"$P/pinwheel.json" <<JSON
{"version": 1,
 "python": {"3.11": {"base": {"archives": [{"url": "file://$T/py.tar"}]}},
            "3.12": {"base": {"archives": [{"url": "file://$T/py12.tar"}]}}},
 "platforms": ["manylinux_x86_64"], "pure": true,
 "test": {"command": "python -c 'import tiny; assert tiny.VALUE == 42'"}}
JSON
tiny_files "$P"
cp "$SRCDIR/packaging/gitlab/pinwheel.yml" "$P/ci/gitlab/"
R="$T/roots"
run_pw 0 "lock and fetch" --store "$R" lock "$P"
pw --store "$R" -q fetch "$P" >/dev/null
G() { git -C "$P" -c user.name=t -c user.email=t@example.invalid "$@" >/dev/null 2>&1; }
G init -q && G add -A && GIT_COMMITTER_DATE="1700000000 +0000" G commit -q -m one && G tag v1.0.0
cp -al "$R" "$T/ref-store"
run_pw 0 "the reference: one build of the whole matrix" --store "$T/ref-store" build "$P" --out "$T/ref"
mkdir -p "$T/bin"
ln -s "$PINWHEEL" "$T/bin/pinwheel"
PATH="$T/bin:$PATH"

# same DIST: the wheels and sdist of the reference, byte for byte
same() {
	(cd "$T/ref" && sha256sum ./*.whl ./*.tar.gz) >"$T/want" &&
		(cd "$1" && sha256sum ./*.whl ./*.tar.gz) >"$T/got" && cmp -s "$T/want" "$T/got"
}

start_nginx
CACHE="$NURL/ci-cache"
run_cmd 0 "the action's workflow runs" "$PY" "$SIM" github "$T/ci/.github/workflows/wheels-action.yml" \
	--project "$P" --store "$R" --work "$T/gh" --secret "PINWHEEL_CACHE_URL=$CACHE" \
	--action "OWNER/pinwheel/packaging/action=$SRCDIR/packaging/action/action.yml"
run_cmd 0 "GitHub: the artifact is one full build's wheels and sdist" same "$T/gh/artifacts/dist"
is "$(grep -cE '^cp31[12]-manylinux_x86_64 +ok ' "$T/gh"/wheels.log) $(grep -c 'pinwheel build "\$DIR" --locked --out "\$OUT" --cache-url "\$CACHE_URL"' "$T/gh"/wheels.log)" "2 1" \
	"the action's step built both targets with pinwheel build --locked"
is "$(nreq "$NLOG" '"PUT /ci-cache/ac/')" 5 "cache-url reached the build: the sdist, two wheels and two smoke tests were pushed"

# `only`: a workflow of the action with one target
cat >"$T/only.yml" <<'YML'
name: one
on: [push]
jobs:
  one:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - uses: OWNER/pinwheel/packaging/action@v0.1.0
        with:
          only: cp312-manylinux_x86_64
          output-dir: out
      - uses: actions/upload-artifact@v4
        with:
          name: one
          path: out/
YML
run_cmd 0 "the action with only: one target" "$PY" "$SIM" github "$T/only.yml" \
	--project "$P" --store "$R" --work "$T/one" --action "OWNER/pinwheel/packaging/action=$SRCDIR/packaging/action/action.yml"
is "$(cd "$T/one/artifacts/one" && ls ./*.whl ./*.tar.gz | sed 's|^\./||' | sed 's/-[0-9][^-]*-py3-none-any/-V-py3-none-any/' | tr '\n' ' ')" \
	"tiny-V-py3-none-any.whl tiny-1.0.0.tar.gz " "only the named target's wheel, and the sdist"

: >"$NLOG"
run_cmd 0 "the template's pipeline runs (include + extends)" "$PY" "$SIM" gitlab "$T/ci/.gitlab-ci-template.yml" \
	--project "$P" --store "$R" --work "$T/gl" --secret "PINWHEEL_CACHE_URL=$CACHE"
run_cmd 0 "GitLab: the job's artifacts are one full build's wheels and sdist" same "$T/gl/gl-artifacts/wheels/dist"
is "$(cat "$T/gl"/wheels.log | grep -cE '^cp31[12]-manylinux_x86_64 +cached ')" 2 \
	"the project variable PINWHEEL_CACHE_URL won over the template's empty default: both targets from the shared cache"

#!/bin/sh
# t5305-build-sources: what `pinwheel build` takes as the source and what
# reaches the sdist (docs/build.md, "The source"):
#   - an sdist file as the operand: wheels built from it, no build_sdist,
#     the file copied unchanged to OUT and a subject of the manifest; a
#     file that is not NAME-VERSION.tar.gz is a usage error
#   - a directory without git holding PKG-INFO (an unpacked sdist) is its
#     own sdist: no build_sdist, packed as NAME-VERSION.tar.gz (PEP 625's
#     name) without pinwheel.json, pinwheel.lock or OUT
#   - a plain directory: the backend's sdist (one that packs everything it
#     sees, as maturin does without git) holds none of pinwheel's files
#   - a git checkout whose root has git: build_sdist sees the repository
#     (its version from `git describe`, a clean status, no remote, no
#     SETUPTOOLS_SCM_PRETEND_VERSION) and neither the tracked PKG-INFO
#     (maturin refuses to add one twice) nor the tracked pinwheel.json; the
#     wheel's version is the backend's; a backend that archives the commit
#     (meson-python's `git archive`) leaves the tracked pinwheel.json out of
#     the sdist (dropped at normalisation) and its own PKG-INFO wins
#   - a project below its repository's top (a monorepo): build_sdist runs
#     where the project sits in a view of the whole repository (the files
#     around it, the whole index, a clean status), so the backend's
#     version comes from the repository and it may read above the project
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/tiny-lib.sh"
plan 46
TGT=cp311-manylinux_x86_64

# ---- an sdist file as the operand
P="$T/proj"
tiny_plain "$P"
ok $? "the tiny project on the test base"
run_pw 0 "lock" lock "$P"
run_pw 0 "fetch" fetch "$P"
run_pw 0 "a first build makes an sdist" build "$P" --out "$T/first"
mkdir "$T/dist" && cp "$T/first/tiny-0.tar.gz" "$T/dist/tiny-0.tar.gz"
# what the backend would do if it ran: fail
echo x >"$P/FAIL_BUILD"
run_cmd 0 "build dist/tiny-0.tar.gz from the config's directory" \
	sh -c 'cd "$1" && "$2" build "$3" --out "$4"' sh "$P" "$PINWHEEL" "$T/dist/tiny-0.tar.gz" "$T/o1"
like "$ERR" "sdist: tiny-0.tar.gz \(given: copied unchanged, no build_sdist\)" "says the sdist is the given one"
run_cmd 0 "OUT holds the sdist unchanged" cmp "$T/dist/tiny-0.tar.gz" "$T/o1/tiny-0.tar.gz"
is "$(cd "$T/o1" && ls *.whl)" "tiny-0-py3-none-any.whl" "the wheel built from it"
SHA=$(sha256sum "$T/dist/tiny-0.tar.gz" | cut -d' ' -f1)
python3 -c 'import json,sys; print(" ".join(s["name"]+"="+s["digest"]["sha256"] for s in json.load(open(sys.argv[1]))["subject"] if s["name"].endswith(".tar.gz")))' \
	"$T/o1/pinwheel-manifest.json" >"$T/subj" 2>&1
is "$(cat "$T/subj")" "tiny-0.tar.gz=$SHA" "the manifest records the given sdist's sha256"
rm "$P/FAIL_BUILD"
echo x >"$T/notes.txt"
run_cmd 2 "a file that is not an sdist: usage error" sh -c 'cd "$1" && "$2" build "$3"' sh "$P" "$PINWHEEL" "$T/notes.txt"
like "$ERR" "'$T/notes.txt': expected a project directory or an sdist \(NAME-VERSION.tar.gz\)" "names the file and what was expected"

# ---- an unpacked sdist (no git, PKG-INFO at the top): its own sdist
U="$T/unpacked"
tiny_plain "$U"
printf 'Metadata-Version: 2.1\nName: Tiny.Pkg\nVersion: 0\n' >"$U/PKG-INFO"
cat >>"$U/_backend/minibackend.py" <<'PY'


def build_sdist(outdir, config_settings=None):
    raise RuntimeError("build_sdist ran on an unpacked sdist")
PY
run_pw 0 "lock the unpacked sdist" lock "$U"
run_pw 0 "build it" build "$U"
like "$ERR" "sdist: tiny_pkg-0.tar.gz \(the unpacked sdist itself: no build_sdist\)" "packed as PEP 625 names it, no build_sdist"
is "$(tar -tzf "$U/wheelhouse/tiny_pkg-0.tar.gz" | tr '\n' ' ')" \
	"tiny_pkg-0/ tiny_pkg-0/PKG-INFO tiny_pkg-0/_backend/ tiny_pkg-0/_backend/minibackend.py tiny_pkg-0/pyproject.toml tiny_pkg-0/tiny/ tiny_pkg-0/tiny/__init__.py " \
	"its members: the project's files, not pinwheel.json, pinwheel.lock or OUT"
like "$OUT" "^$TGT +ok +passed " "its wheel built and smoke-tested"

# ---- a plain directory: a backend that packs all it sees
D="$T/plain"
tiny_plain "$D"
cat >>"$D/_backend/minibackend.py" <<'PY'


def build_sdist(outdir, config_settings=None):
    with tarfile.open(os.path.join(outdir, "tiny-0.tar.gz"), "w:gz") as t:
        for top, dirs, files in os.walk("."):
            dirs.sort()
            for f in sorted(files):
                t.add(os.path.join(top, f), arcname="tiny-0/" + os.path.join(top, f)[2:])
    return "tiny-0.tar.gz"
PY
run_pw 0 "lock the plain project" lock "$D"
run_pw 0 "build it twice (the second sees OUT and the lock)" build "$D"
run_pw 0 "second build" build "$D" --no-cache
is "$(tar -tzf "$D/wheelhouse/tiny-0.tar.gz" | sort | tr '\n' ' ')" \
	"tiny-0/_backend/minibackend.py tiny-0/pyproject.toml tiny-0/tiny/__init__.py " \
	"the backend saw none of pinwheel.json, pinwheel.lock, OUT or the work directory"

# ---- a git checkout, the root with git: the backend sees the repository
GITLIBS=$(ldd /usr/bin/git | awk '/=>/ {print $3}')
# shellcheck disable=SC2086
tar -chf "$T/git.tar" /usr/bin/git $GITLIBS 2>/dev/null
ok $? "a layer with the host's git"
P="$T/gitproj"
mkdir -p "$P"
(T_P=$P; tiny_files "$T_P")
cat >"$P/pinwheel.json" <<JSON
{"version": 1,
 "python": {"3.11": {"base": {"archives": [{"url": "file://$T/py.tar"}, {"url": "file://$T/git.tar"}]}}},
 "platforms": ["manylinux_x86_64"], "pure": true,
 "test": {"command": "python -c 'import tiny; assert tiny.VALUE == 42, tiny.VALUE'"}}
JSON
printf 'Metadata-Version: 2.1\nName: tiny\nVersion: 0.9\n' >"$P/PKG-INFO"
cat >"$P/_backend/minibackend.py" <<'PY'
import base64, hashlib, io, os, subprocess, tarfile, zipfile

def git(*a):
    return subprocess.run(["git", *a], check=True, capture_output=True, text=True).stdout.strip()

def build_sdist(outdir, config_settings=None):
    if os.path.exists("PKG-INFO"):
        raise RuntimeError("File PKG-INFO was already added from /src/PKG-INFO, can't overwrite")
    assert "SETUPTOOLS_SCM_PRETEND_VERSION" not in os.environ, os.environ["SETUPTOOLS_SCM_PRETEND_VERSION"]
    tag, n, _ = git("describe", "--tags", "--long").rsplit("-", 2)
    version = f"{tag.lstrip('v')}.post{n}"
    facts = f"status=[{git('status', '--porcelain')}] remotes=[{git('remote')}]\n".encode()
    name = f"tiny-{version}"
    # as meson-python does: `git archive` of HEAD, then its own PKG-INFO
    arch = subprocess.run(["git", "archive", "--format=tar", f"--prefix={name}/", "HEAD"],
                          check=True, capture_output=True).stdout
    with tarfile.open(os.path.join(outdir, name + ".tar.gz"), "w:gz") as t:
        with tarfile.open(fileobj=io.BytesIO(arch)) as a:
            for m in a.getmembers():
                t.addfile(m, a.extractfile(m) if m.isfile() else None)
        for f, data in (("PKG-INFO", f"Metadata-Version: 2.1\nName: tiny\nVersion: {version}\n".encode()), ("FACTS", facts)):
            ti = tarfile.TarInfo(f"{name}/{f}")
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
    return name + ".tar.gz"

def build_wheel(outdir, config_settings=None, metadata_directory=None):
    version = [l.split(": ")[1] for l in open("PKG-INFO").read().splitlines() if l.startswith("Version: ")][0]
    di = f"tiny-{version}.dist-info"
    files = {"tiny/__init__.py": open("tiny/__init__.py", "rb").read(),
             f"{di}/METADATA": f"Metadata-Version: 2.1\nName: tiny\nVersion: {version}\n".encode(),
             f"{di}/WHEEL": b"Wheel-Version: 1.0\nGenerator: minibackend\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    rec = ""
    for n, data in files.items():
        h = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        rec += f"{n},sha256={h},{len(data)}\n"
    files[f"{di}/RECORD"] = (rec + f"{di}/RECORD,,\n").encode()
    name = f"tiny-{version}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(outdir, name), "w") as z:
        for n, data in files.items():
            z.writestr(n, data)
    return name
PY
printf 'wheelhouse/\n' >"$P/.gitignore"
G init -q && G add -A && G commit -q -m one && G tag v2.0.0 && echo '# two' >>"$P/tiny/__init__.py" &&
	G add -A && G commit -q -m two && G remote add origin https://mirror.example/tiny.git
ok $? "a git checkout: tag v2.0.0, one commit after, PKG-INFO tracked, a remote"
run_pw 0 "lock" lock "$P"
run_pw 0 "build" build "$P"
[ "$_st" = 0 ] || diag "$(tail -20 "$P/wheelhouse/logs/sdist.log" 2>/dev/null)"
like "$ERR" "source: git ls-files, with the repository \(.*\), version from the backend \(it sees the repository\)" \
	"the source line says the backend sees the repository"
is "$(cd "$P/wheelhouse" && ls *.whl *.tar.gz | tr '\n' ' ')" "tiny-2.0.0.post1-py3-none-any.whl tiny-2.0.0.post1.tar.gz " \
	"the version is the backend's, from git describe (not pinwheel's 2.0.1.dev1)"
is "$(tar -xOzf "$P/wheelhouse/tiny-2.0.0.post1.tar.gz" tiny-2.0.0.post1/FACTS)" "status=[] remotes=[]" \
	"build_sdist saw a clean work tree (PKG-INFO and pinwheel.json hidden, not deleted) and no remote"
is "$(tar -tzf "$P/wheelhouse/tiny-2.0.0.post1.tar.gz" | grep -v /$ | tr '\n' ' ')" \
	"tiny-2.0.0.post1/.gitignore tiny-2.0.0.post1/FACTS tiny-2.0.0.post1/PKG-INFO tiny-2.0.0.post1/_backend/minibackend.py tiny-2.0.0.post1/pyproject.toml tiny-2.0.0.post1/tiny/__init__.py " \
	"git archive's members but the tracked pinwheel.json, one PKG-INFO"
is "$(tar -xOzf "$P/wheelhouse/tiny-2.0.0.post1.tar.gz" tiny-2.0.0.post1/PKG-INFO | sed -n 3p)" "Version: 2.0.0.post1" \
	"PKG-INFO is the backend's (added after the tracked one), not the project's 0.9"
is "$(git -C "$P" status --porcelain)" "?? pinwheel.lock" "the user's checkout is untouched (but for lock's file)"

# ---- a project below its repository's top (a monorepo): build_sdist
# runs where the project sits in the repository (/src/python/tiny), with
# the repository's other files around it and the whole index
GP=$P
M="$T/mono"
P="$M/python/tiny"
mkdir -p "$P" "$M/docs"
(cd "$GP" && git ls-files | grep -v '^pinwheel.json$' | tar -cf - -T -) | tar -C "$P" -xf -
cp "$GP/pinwheel.json" "$P/"
printf 'the monorepo\n' >"$M/README.md"
printf 'docs\n' >"$M/docs/index.md"
cat >>"$P/_backend/minibackend.py" <<'PY'

_plain_sdist = build_sdist
def build_sdist(outdir, config_settings=None):
    # as setuptools_scm with root = "../..": the repository's top, above
    name = _plain_sdist(outdir, config_settings)
    prefix = git("rev-parse", "--show-prefix")
    with open("../../README.md") as f:
        above = f.read().strip()
    print(f"ABOVE cwd={os.getcwd()} prefix={prefix} above={above}", flush=True)
    return name
PY
P=$M
G init -q && G add -A && G commit -q -m one && G tag v3.0.0 && echo '# two' >>"$M/python/tiny/tiny/__init__.py" &&
	G add -A && G commit -q -m two
ok $? "a monorepo: the project in python/tiny, tag v3.0.0, one commit after"
P="$M/python/tiny"
run_pw 0 "lock the project below the top" lock "$P"
run_pw 0 "build the project below the top" build "$P"
[ "$_st" = 0 ] || diag "$(tail -20 "$P/wheelhouse/logs/sdist.log" 2>/dev/null)"
like "$ERR" "version from the backend \(it sees the repository\)" \
	"the source line says the backend sees the repository (it did not below the top)"
is "$(cd "$P/wheelhouse" && ls *.whl *.tar.gz | tr '\n' ' ')" "tiny-3.0.0.post1-py3-none-any.whl tiny-3.0.0.post1.tar.gz " \
	"the version is the backend's, from the repository's git describe"
is "$(tar -xOzf "$P/wheelhouse/tiny-3.0.0.post1.tar.gz" tiny-3.0.0.post1/FACTS)" "status=[] remotes=[]" \
	"a clean work tree: the files around the project are there, its left-out ones hidden"
is "$(tar -tzf "$P/wheelhouse/tiny-3.0.0.post1.tar.gz" | grep -v /$ | tr '\n' ' ')" \
	"tiny-3.0.0.post1/.gitignore tiny-3.0.0.post1/FACTS tiny-3.0.0.post1/PKG-INFO tiny-3.0.0.post1/_backend/minibackend.py tiny-3.0.0.post1/pyproject.toml tiny-3.0.0.post1/tiny/__init__.py " \
	"git archive in the project's directory: its members only, without pinwheel.json"
grep -qx "the repository: /src/.git (a clone, HEAD at [0-9a-f]*), the project at /src/python/tiny" "$P/wheelhouse/logs/sdist.log"
ok $? "the sdist log says where the repository and the project are"
grep -qx "ABOVE cwd=/src/python/tiny prefix=python/tiny/ above=the monorepo" "$P/wheelhouse/logs/sdist.log"
ok $? "build_sdist ran in the project's place in the repository and read a file above it"
is "$(git -C "$M" status --porcelain)" "?? python/tiny/pinwheel.lock" "the user's monorepo is untouched (but for lock's file)"

# A project configured by [tool.pinwheel] in its pyproject.toml: that file
# is the project's, so it stays in the exported source (the backend needs
# its build-system table); only pinwheel.json would be left out.
P="$T/toolproj"
mkdir -p "$P"
(T_P=$P; tiny_files "$T_P")
cat >>"$P/pyproject.toml" <<TOML

[tool.pinwheel]
platforms = ["manylinux_x86_64"]
pure = true

[tool.pinwheel.python."3.11".base]
archives = [{url = "file://$T/py.tar"}]
TOML
run_pw 0 "a [tool.pinwheel] project builds" build "$P"
like "$ERR" "sdist: build_sdist of minibackend in the root of" "its own backend, named by pyproject.toml, made the sdist"
is "$(tar -tzf "$P/wheelhouse/tiny-0.tar.gz" | grep -c '/pyproject.toml$')" "1" \
	"and the sdist has pyproject.toml"

# The config's env may give the release's epoch (a directory outside git
# otherwise gets 1980-01-01): the build says it, the sdist's and wheel's
# members carry it, and the backend sees it as SOURCE_DATE_EPOCH.
P="$T/epoch"
tiny_plain "$P"
python3 - "$P/pinwheel.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["env"] = {"SOURCE_DATE_EPOCH": "1700000000"}
json.dump(c, open(sys.argv[1], "w"))
PY
run_pw 0 "a build with env.SOURCE_DATE_EPOCH" build "$P" --out "$T/oe"
like "$ERR" "version from the backend, SOURCE_DATE_EPOCH 1700000000" "the build says the config's epoch"
python3 - "$T/oe" >"$T/times" 2>&1 <<'PY'
import sys, tarfile, zipfile, glob
w = glob.glob(sys.argv[1] + "/*.whl")[0]
print(sorted({"%04d-%02d-%02d %02d:%02d:%02d" % i.date_time for i in zipfile.ZipFile(w).infolist()}))
print(sorted({m.mtime for m in tarfile.open(sys.argv[1] + "/tiny-0.tar.gz").getmembers()}))
PY
is "$(cat "$T/times")" "['2023-11-14 22:13:20']
[1700000000]" "the wheel's and the sdist's members are dated from it"

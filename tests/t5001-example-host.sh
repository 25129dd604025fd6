#!/bin/sh
# The bundled example project (examples/hybrid) keeps the shape that pinwheel's
# demo and its config rely on.  Static checks only, with the host's python3
# (tomllib, ast): no network, no build.  The full build of the example (sdist,
# wheel from the sdist, tests in a fresh venv) is described in
# examples/hybrid/README.md.
. "$SRCDIR/tests/lib.sh"
EX="$SRCDIR/examples/hybrid"
NCHECKS=14
plan $NCHECKS

if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
	# A prerequisite that tests/deps.sh installs (Debian 12's python3 is 3.11).
	i=0
	while [ $i -lt $NCHECKS ]; do
		ok 1 "python3 >= 3.11 (tomllib) is there to read the example"
		i=$((i + 1))
	done
	exit 1
fi

# The checker prints one line per check: "0<TAB>description" when it holds,
# "1<TAB>description<TAB>why" when not.  Exactly NCHECKS lines; a crash
# prints fewer and the plan catches it.
cat >"$T/check.py" <<'EOF'
import ast, fnmatch, os, re, sys, tomllib

ex = sys.argv[1]
out = []


def check(desc, fn):
    try:
        why = fn()
    except Exception as e:  # a check that cannot even read its file fails
        why = f"{type(e).__name__}: {e}"
    out.append((desc, why))


def read(rel):
    with open(os.path.join(ex, rel), encoding="utf-8") as f:
        return f.read()


def toml(rel):
    with open(os.path.join(ex, rel), "rb") as f:
        return tomllib.load(f)


def setup_list(name):
    """The literal list NAME = [...] in setup.py."""
    for node in ast.parse(read("setup.py")).body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return ast.literal_eval(node.value)
    raise ValueError(f"setup.py has no list '{name}'")


def module_tuple(rel, name):
    for node in ast.walk(ast.parse(read(rel))):
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise ValueError(f"'{rel}' has no '{name}'")


pp = toml("pyproject.toml")


def build_requires():
    req = pp["build-system"]["requires"]
    names = {re.split(r"[<>=!~ ;\[]", r, maxsplit=1)[0].lower().replace("_", "-"): r for r in req}
    want = ["setuptools", "setuptools-rust", "setuptools-scm", "wheel", "cython", "numpy"]
    missing = [w for w in want if w not in names]
    if missing:
        return f"missing {missing}"
    pinned = [r for r in req if "==" in r]
    if pinned:
        return f"exact pins belong in pinwheel.json, not here: {pinned}"
    if not re.search(r">=\s*3\.1\b.*<\s*3\.2\b", names["cython"]):
        return f"Cython must be 3.1.x, got '{names['cython']}'"
    if not re.search(r">=\s*2\b", names["numpy"]):
        return f"numpy must be >=2, got '{names['numpy']}'"
    if pp["build-system"].get("build-backend") != "setuptools.build_meta":
        return "the backend is not setuptools.build_meta"


check("pyproject: setuptools backend, build requirements as lower bounds", build_requires)


def project_table():
    p = pp["project"]
    if p.get("dynamic") != ["version"]:
        return f"dynamic should be ['version'], got {p.get('dynamic')}"
    if p.get("requires-python") != ">=3.11":
        return f"requires-python should be '>=3.11', got '{p.get('requires-python')}'"
    st = pp["tool"]["setuptools"]
    if st["packages"]["find"].get("include") != ["hybrid*"]:
        return "packages.find.include is not ['hybrid*']"
    data = set(st["package-data"]["hybrid"])
    if not {"*.pyi", "py.typed", "*.pxd"} <= data:
        return f"package-data lacks .pyi, py.typed or .pxd: {sorted(data)}"
    scm = pp["tool"]["setuptools_scm"]
    if "fallback_version" not in scm:
        return "setuptools_scm has no fallback_version"
    if scm.get("search_parent_directories"):
        return "setuptools_scm must not read pinwheel's git history"


check("pyproject: dynamic scm version with fallback, Python >= 3.11, explicit discovery and data",
      project_table)

mods = setup_list("CYTHON_MODULES")


def cython_modules():
    if len(mods) < 6:
        return f"only {len(mods)} Cython extensions: {mods}"
    bad = []
    for m in mods:
        src = read(f"hybrid/{m}.pyx")
        if not re.search(r"^cimport numpy as cnp$", src, re.M) or "cnp.import_array()" not in src:
            bad.append(m)
    if bad:
        return f"not on numpy's C API (cimport numpy as cnp; cnp.import_array()): {bad}"


check("setup.py: at least six Cython extensions, each on numpy's C API", cython_modules)


def setup_flags():
    s = read("setup.py")
    need = ["NPY_NO_DEPRECATED_API", "numpy.get_include()", '"language_level": 3',
            "RustExtension(", '"hybrid._native"', "Binding.PyO3", '"--locked"']
    missing = [n for n in need if n not in s]
    if missing:
        return f"setup.py lacks {missing}"


check("setup.py: NPY_NO_DEPRECATED_API, numpy includes, language_level 3, PyO3 extension --locked",
      setup_flags)


def dtype_family():
    want = {"_rolling_f64": "cnp.float64_t", "_rolling_i64": "cnp.int64_t", "_rolling_u8": "cnp.uint8_t"}
    for m, t in want.items():
        if m not in mods:
            return f"'{m}' is not built"
        src = read(f"hybrid/{m}.pyx")
        if f"ctypedef {t} dtype_t" not in src or 'include "_rolling.pxi"' not in src:
            return f"'hybrid/{m}.pyx' does not specialise _rolling.pxi for {t}"
    if "dtype_t" not in read("hybrid/_rolling.pxi"):
        return "the template does not use dtype_t"


check("the rolling family: one .pxi template, a ctypedef per dtype (float64, int64, uint8)", dtype_family)


def cross_cimport():
    m = re.search(r"^from hybrid\._core cimport (.+)$", read("hybrid/_signals.pyx"), re.M)
    if not m:
        return "'hybrid/_signals.pyx' does not cimport hybrid._core"
    pxd = read("hybrid/_core.pxd")
    for name in (n.strip() for n in m.group(1).split(",")):
        if not re.search(rf"^cdef .*\b{name}\(", pxd, re.M):
            return f"'{name}' is not declared in 'hybrid/_core.pxd'"


check("_signals cimports cdef functions that _core.pxd declares", cross_cimport)

cargo = toml("Cargo.toml")


def cargo_toml():
    lib = cargo["lib"]
    if lib.get("crate-type") != ["cdylib"] or lib.get("name") != "_native":
        return f"[lib] should be cdylib named _native, got {lib}"
    deps = sorted(cargo.get("dependencies", {}))
    if deps != ["pyo3"]:
        return f"dependencies should be pyo3 only, got {deps}"
    prof = cargo["profile"]["release"]
    if prof.get("codegen-units") != 1 or prof.get("debug") is not False:
        return f"release profile needs codegen-units = 1 and debug = false, got {prof}"


check("Cargo.toml: cdylib _native, pyo3 only, reproducible release profile", cargo_toml)


def cargo_lock():
    lock = toml("Cargo.lock")
    if lock.get("version") != 3:
        return f"lockfile version {lock.get('version')}; cargo 1.63 (Debian 12) reads version 3 only"
    pk = {p["name"]: p for p in lock["package"]}
    if cargo["package"]["name"] not in pk:
        return "the crate itself is not in Cargo.lock"
    want = cargo["dependencies"]["pyo3"]["version"].lstrip("=^~ ")
    got = pk.get("pyo3", {}).get("version")
    if got != want:
        return f"Cargo.lock has pyo3 {got}, Cargo.toml asks for {want}"
    unsourced = [n for n, p in pk.items() if n != cargo["package"]["name"]
                 and not ("source" in p and "checksum" in p)]
    if unsourced:
        return f"packages without source and checksum: {unsourced}"


check("Cargo.lock: format 3, locks the pyo3 of Cargo.toml, every crate with a checksum", cargo_lock)

# Build outputs and files the sdist must not carry (see .gitignore).
IGNORED_DIRS = {"build", "dist", "target", "__pycache__", ".eggs"}


def sources():
    for root, dirs, files in os.walk(ex):
        dirs[:] = sorted(d for d in dirs if d not in IGNORED_DIRS
                         and not d.endswith(".egg-info") and not d.startswith("."))
        for f in sorted(files):
            rel = os.path.relpath(os.path.join(root, f), ex)
            if (f in (".gitignore", "pinwheel.json") or f.endswith((".so", ".pyc"))
                    or rel == "hybrid/_version.py" or re.fullmatch(r"hybrid/.*\.(c|html)", rel)):
                continue
            yield rel


def manifest():
    """The MANIFEST.in directives this example uses, applied to the tree."""
    files = list(sources())
    chosen = set()
    for n, line in enumerate(read("MANIFEST.in").splitlines(), 1):
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if words[0] == "include":
            for pat in words[1:]:
                chosen.update(f for f in files if fnmatch.fnmatchcase(f, pat))
        elif words[0] == "recursive-include":
            d = words[1].rstrip("/") + "/"
            for pat in words[2:]:
                chosen.update(f for f in files if f.startswith(d)
                              and fnmatch.fnmatchcase(os.path.basename(f), pat))
        else:
            return f"MANIFEST.in:{n}: '{words[0]}' is not understood by this check; extend it"
    return sorted(set(files) - chosen)


def manifest_complete():
    left = manifest()
    if isinstance(left, str):
        return left
    if left:
        return f"not in the sdist (MANIFEST.in): {left}"


check("MANIFEST.in puts every source of the example in the sdist", manifest_complete)


def required_in_sdist():
    files = set(sources())
    need = {"Cargo.toml", "Cargo.lock", "src/lib.rs", "setup.py", "pyproject.toml",
            "hybrid/_rolling.pxi", "hybrid/_core.pxd", "hybrid/py.typed", "tests/test_hybrid.py"}
    need |= {f"hybrid/{m}.pyx" for m in mods}
    missing = sorted(need - files)
    if missing:
        return f"missing files: {missing}"


check("the sources the build reads are all there", required_in_sdist)


def extension_lists():
    full = sorted([f"hybrid.{m}" for m in mods] + ["hybrid._native"])
    for rel, name in (("hybrid/__init__.py", "EXTENSIONS"), ("tests/test_hybrid.py", "EXTENSIONS")):
        got = sorted(module_tuple(rel, name))
        if got != full:
            return f"'{rel}' {name} is {got}, setup.py builds {full}"


check("the package and its tests know every extension setup.py builds", extension_lists)


def stubs():
    missing = [m for m in mods + ["_native"] if not os.path.exists(os.path.join(ex, f"hybrid/{m}.pyi"))]
    if missing:
        return f"no .pyi for {missing}"


check("every extension has a type stub", stubs)


def script_mode():
    t = read("tests/test_hybrid.py")
    if 'if __name__ == "__main__":' not in t or re.search(r"^\s*import pytest", t, re.M):
        return "tests/test_hybrid.py must run as a plain script, without pytest"
    if len(re.findall(r"^def test_", t, re.M)) < 8:
        return "fewer than 8 tests"


check("tests/test_hybrid.py runs under pytest and as a plain script", script_mode)


def no_host_leaks():
    bad = []
    for rel in sources():
        if rel == "Cargo.lock":  # cargo's own source ids, written by cargo
            continue
        text = read(rel)
        for m in re.finditer(r"(?<![\w.])/(work|root|home)/[\w.-]+|https?://[^\s)>\"']+", text):
            if not m.group(0).startswith("https://mirror.example"):
                bad.append(f"{rel}: {m.group(0)}")
    if bad:
        return "; ".join(bad[:5])


check("no machine paths or URLs other than https://mirror.example in the example", no_host_leaks)

for desc, why in out:
    print(f"{0 if why is None else 1}\t{desc}" + ("" if why is None else f"\t{why}"))
EOF

python3 "$T/check.py" "$EX" >"$T/results" 2>"$T/err"
while IFS="$(printf '\t')" read -r st desc why; do
	ok "$st" "$desc"
	[ "$st" = 0 ] || diag "$why"
done <"$T/results"
[ -s "$T/err" ] && diag "$(cat "$T/err")"
exit 0

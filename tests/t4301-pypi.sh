#!/bin/sh
# The PyPI provider against a loopback "simple" index: lock resolves two
# pins plus a transitive dependency to wheels with the index's sha256s (the
# root's pip, honouring PIP_INDEX_URL or the user's pip.conf); pip errors
# and a root without pip/python are one clear line; install works with the
# server stopped (no network), gives an importable, .pyc-free, read-only,
# reproducible tree (also in a read-only root); a tampered blob makes pip
# --require-hashes fail.
# The "root" is the host's /usr (test only: the product runs a root's python).
. "$SRCDIR/tests/lib.sh"
command -v python3 >/dev/null 2>&1 || skip_all "python3 not installed"
[ -x /usr/bin/python3 ] || skip_all "/usr/bin/python3 missing"
/usr/bin/python3 -c 'import pip' 2>/dev/null || skip_all "python3-pip not installed"
DRV="$SRCDIR/${BUILD:-build}/tests/helpers/pw-pypi"
[ -x "$DRV" ] || skip_all "pw-pypi helper not built"
plan 60

LAYER="$T/layer"
mkdir -p "$LAYER/usr"
for d in bin lib lib64 sbin; do ln -s "usr/$d" "$LAYER/$d"; done
ROOT="--layer $LAYER --ro-bind /usr:/usr"
STORE="$T/store"

cat >"$T/spec.json" <<'JSON'
[{"name": "foo", "version": "1.0", "requires": ["bar>=1.0"],
  "modules": {"foo/__init__.py": "import bar\nVALUE = 'foo' + bar.VALUE\ndef main():\n    print('cli', VALUE)\n"},
  "scripts": {"foo-cli": "foo:main"}},
 {"name": "bar", "version": "1.0", "modules": {"bar.py": "VALUE = '-bar1.0'\n"}},
 {"name": "bar", "version": "1.1", "modules": {"bar.py": "VALUE = '-bar1.1'\n"}},
 {"name": "Baz_Qux", "version": "2.0", "modules": {"baz_qux.py": "X = 2\n"}},
 {"name": "sdonly", "version": "0.1", "sdist_only": true},
 {"name": "yanky", "version": "0.5", "yanked": "broken", "modules": {"yanky.py": ""}}]
JSON
pypi_index

sha() { sha256sum "$T/www/files/$1" | cut -d' ' -f1; }
size() { wc -c <"$T/www/files/$1" | tr -d ' '; }
FILES="http://127.0.0.1:$PORT/files"
WANT="bar 1.1 $(sha bar-1.1-py3-none-any.whl) $(size bar-1.1-py3-none-any.whl) $FILES/bar-1.1-py3-none-any.whl
Baz_Qux 2.0 $(sha Baz_Qux-2.0-py3-none-any.whl) $(size Baz_Qux-2.0-py3-none-any.whl) $FILES/Baz_Qux-2.0-py3-none-any.whl
foo 1.0 $(sha foo-1.0-py3-none-any.whl) $(size foo-1.0-py3-none-any.whl) $FILES/foo-1.0-py3-none-any.whl"

# ---- lock ----
# shellcheck disable=SC2086
PIP_INDEX_URL=$INDEX run_cmd 0 "lock two pins" "$DRV" lock --store "$STORE" $ROOT foo==1.0 Baz-Qux==2.0
is "$OUT" "$WANT" "3 wheels (bar is transitive, newest allowed), index sha256s, sizes, urls, sorted"
printf '%s\n' "$OUT" >"$T/lock.txt"
for f in foo-1.0 bar-1.1 Baz_Qux-2.0; do
	cmp -s "$STORE/blobs/sha256/$(sha "$f-py3-none-any.whl")" "$T/www/files/$f-py3-none-any.whl"
	ok $? "lock warmed the store with $f"
done
# shellcheck disable=SC2086
PIP_INDEX_URL=$INDEX run_cmd 0 "lock again, pins in the other order" "$DRV" lock --store "$STORE" \
	$ROOT Baz-Qux==2.0 foo==1.0
is "$OUT" "$WANT" "same result"

# A read-only root (mount points in the layer): everything pip needs is under /tmp.
ROLAYER="$T/rolayer"
mkdir -p "$ROLAYER/usr" "$ROLAYER/tmp" "$ROLAYER/proc" "$ROLAYER/dev"
for d in bin lib lib64 sbin; do ln -s "usr/$d" "$ROLAYER/$d"; done
RO="--ro-root --layer $ROLAYER --ro-bind /usr:/usr"
# shellcheck disable=SC2086
PIP_INDEX_URL=$INDEX run_cmd 0 "lock in a read-only root" "$DRV" lock --store "$STORE" $RO foo==1.0 Baz-Qux==2.0
is "$OUT" "$WANT" "same wheels"

# pip's own configuration decides the index: the user's pip.conf.
mkdir -p "$HOME/.config/pip"
printf '[global]\nindex-url = %s\n' "$INDEX" >"$HOME/.config/pip/pip.conf"
# shellcheck disable=SC2086
run_cmd 0 "lock with the index from ~/.config/pip/pip.conf" env -u PIP_INDEX_URL "$DRV" lock $ROOT foo==1.0 Baz-Qux==2.0
is "$(printf '%s\n' "$OUT" | cut -d' ' -f1-3)" "$(printf '%s\n' "$WANT" | cut -d' ' -f1-3)" \
	"user pip.conf honoured (no store: no download)"
like "$OUT" "^bar 1.1 [0-9a-f]{64} - " "without a store the size is unknown"
rm "$HOME/.config/pip/pip.conf"
# shellcheck disable=SC2086
printf '[global]\nindex-url = %s\n' "$INDEX" >"$T/pip-env.conf"
# shellcheck disable=SC2086
PIP_CONFIG_FILE="$T/pip-env.conf" run_cmd 0 "lock with PIP_CONFIG_FILE" "$DRV" lock $ROOT bar==1.0
like "$OUT" "^bar 1.0 $(sha bar-1.0-py3-none-any.whl) - " "PIP_CONFIG_FILE honoured"

# Errors.
# shellcheck disable=SC2086
PIP_INDEX_URL=$INDEX run_cmd 1 "an sdist-only pin" "$DRV" lock --target cp311-test $ROOT sdonly==0.1
like "$ERR" "^pw-pypi: resolving the Python requirements of cp311-test: pip exited with status 1: ERROR: .*sdonly" \
	"sdist only: one line naming the target and the package"
is "$(printf '%s\n' "$ERR" | wc -l | tr -d ' ')" "1" "one line"
# shellcheck disable=SC2086
PIP_INDEX_URL=$INDEX run_cmd 1 "a version the index lacks" "$DRV" lock $ROOT bar==9.9
is "$ERR" "pw-pypi: resolving the Python requirements of test: pip exited with status 1: ERROR: No matching distribution found for bar==9.9" \
	"pip's reason quoted, not the lines before it"
# shellcheck disable=SC2086
PIP_INDEX_URL=$INDEX run_cmd 1 "a version the index lacks, beside a yanked one" "$DRV" lock $ROOT yanky==9.9
is "$ERR" "pw-pypi: resolving the Python requirements of test: pip exited with status 1: ERROR: No matching distribution found for yanky==9.9" \
	"pip's reason, not its 'Ignored the following yanked versions' line"
# shellcheck disable=SC2086
PIP_INDEX_URL=$INDEX run_cmd 1 "root without pip" "$DRV" lock --target cp311-x $ROOT \
	--tmpfs /usr/lib/python3/dist-packages foo==1.0
is "$ERR" "pw-pypi: root of cp311-x has no pip: add python3-pip to the base packages" "no pip: says what to add"
# shellcheck disable=SC2086
run_cmd 1 "root without that python" "$DRV" lock --target cp311-x --python /usr/bin/python9.9 $ROOT foo==1.0
is "$ERR" "pw-pypi: root of cp311-x has no python '/usr/bin/python9.9'" "no python: named"
# shellcheck disable=SC2086
run_cmd 1 "a bad pin" "$DRV" lock $ROOT 'foo==1.0;rm'
like "$ERR" "pin 'foo==1.0;rm' of test: expected a project name and an exact version" "bad pin refused before pip runs"

# ---- install, with the index stopped ----
kill "$SERVER"
wait "$SERVER" 2>/dev/null
kill -0 "$SERVER" 2>/dev/null
ok $((!$?)) "the index server is stopped"
NREQ=$(wc -l <"$T/server.log")
# shellcheck disable=SC2086
run_cmd 0 "install offline" "$DRV" install --store "$STORE" --root-id host-usr $ROOT "$T/lock.txt"
ID=${OUT%% *}
TREE=${OUT#* }
is "$TREE" "$STORE/trees/$ID" "the layer is a store tree"
SP="$TREE/usr/local/lib/python3.11/dist-packages"
[ -f "$SP/foo/__init__.py" ] && [ -f "$SP/bar.py" ] && [ -f "$SP/baz_qux.py" ]
ok $? "packages installed under usr/local/lib/python3.11/dist-packages"
is "$(head -1 "$TREE/usr/local/bin/foo-cli")" "#!/usr/bin/python3" "console script for the root's python"
is "$(find "$TREE" -name '*.pyc' -o -name __pycache__ | wc -l | tr -d ' ')" "0" "no .pyc files"
is "$(find "$TREE" -perm /222 ! -type l | wc -l | tr -d ' ')" "0" "the tree is read-only"
is "$(ls "$STORE/tmp" | wc -l | tr -d ' ')" "0" "no temp left in the store"
run_pw 0 "pinwheel imports foo with the layer over the root" run --layer "$LAYER" --ro-bind /usr:/usr \
	--ro-bind "$TREE/usr/local:/usr/local" -- python3 -c 'import foo, baz_qux; print(foo.VALUE, baz_qux.X)'
is "$OUT" "foo-bar1.1 2" "import foo (and its dependency bar) works"
run_pw 0 "the console script runs" run --layer "$LAYER" --ro-bind /usr:/usr \
	--ro-bind "$TREE/usr/local:/usr/local" -- foo-cli
is "$OUT" "cli foo-bar1.1" "foo-cli prints"
run_pw 0 "store verify accepts the layer" --store "$STORE" store verify
like "$OUT $ERR" "0 damaged" "layer digest matches its record"
like "$(cat "$STORE/trees/$ID.json")" '"kind": "pypi-install"' "record says what made it"
is "$(wc -l <"$T/server.log")" "$NREQ" "no request reached the index"

# shellcheck disable=SC2086
run_cmd 0 "install in a read-only root" "$DRV" install --store "$STORE" --root-id ro $RO "$T/lock.txt"
dig() { sed -n 's/.*"digest": "\([0-9a-f]*\)".*/\1/p' "$1"; }
is "$(dig "$STORE/trees/${OUT%% *}.json")" "$(dig "$STORE/trees/$ID.json")" "same content as in the writable root"

# shellcheck disable=SC2086
run_cmd 0 "install again" "$DRV" install --store "$STORE" --root-id host-usr $ROOT "$T/lock.txt"
is "$OUT" "$ID $TREE" "cached: same tree"
# shellcheck disable=SC2086
run_cmd 0 "install for another root id" "$DRV" install --store "$STORE" --root-id other $ROOT "$T/lock.txt"
unlike "$OUT" "^$ID " "another root: another tree id"

# Reproducible: a second store, same blobs, same content digest.
mkdir -p "$T/store2/blobs"
cp -R "$STORE/blobs/sha256" "$T/store2/blobs/"
# shellcheck disable=SC2086
run_cmd 0 "install into a second store" "$DRV" install --store "$T/store2" --root-id host-usr $ROOT "$T/lock.txt"
is "$(dig "$T/store2/trees/$ID.json")" "$(dig "$STORE/trees/$ID.json")" "same tree digest: reproducible"

# A tampered blob: pip --require-hashes refuses, nothing is committed.
mkdir -p "$T/store3/blobs"
cp -R "$STORE/blobs/sha256" "$T/store3/blobs/"
B="$T/store3/blobs/sha256/$(sha bar-1.1-py3-none-any.whl)"
chmod u+w "$B" && printf 'X' >>"$B"
# shellcheck disable=SC2086
run_cmd 1 "install with a tampered wheel" "$DRV" install --store "$T/store3" $ROOT "$T/lock.txt"
like "$ERR" "installing the wheels of the Python requirements layer: pip exited with status 1: ERROR: .*HASHES" \
	"pip's hash check fails, one line"
is "$(find "$T/store3/trees" "$T/store3/tmp" -mindepth 1 | wc -l | tr -d ' ')" "0" "no tree and no temp left"

# Bad wheel lists: caught before pip runs.
: >"$T/empty.txt"
# shellcheck disable=SC2086
run_cmd 0 "no wheels: an empty layer" "$DRV" install --store "$STORE" $ROOT "$T/empty.txt"
is "$(find "${OUT#* }" -mindepth 1 | wc -l | tr -d ' ')" "0" "the empty layer is empty"
{ cat "$T/lock.txt"; grep '^bar ' "$T/lock.txt" | sed 's/^bar /bar2 /'; } >"$T/dup.txt"
# shellcheck disable=SC2086
run_cmd 1 "two wheels with one file name" "$DRV" install --store "$STORE" $ROOT "$T/dup.txt"
is "$ERR" "pw-pypi: two wheels have the file name 'bar-1.1-py3-none-any.whl'" "duplicate file name named"
sed 's/^foo 1.0 [0-9a-f]*/foo 1.0 0000000000000000000000000000000000000000000000000000000000000000/' \
	"$T/lock.txt" >"$T/missing.txt"
# shellcheck disable=SC2086
run_cmd 1 "a wheel missing from the store" "$DRV" install --store "$STORE" $ROOT "$T/missing.txt"
like "$ERR" "^pw-pypi: wheel 'foo' 1.0: blob 0{64} is not in the store " "missing blob named"

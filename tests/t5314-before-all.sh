#!/bin/sh
# "before_all": once per root, in the build sandbox (no network, the
# sources read-only at /src), what it writes to the root becomes a cached
# layer of that root that build steps and the smoke test see; a second
# build finds it in the cache (the hook does not run again), a changed
# command runs it again, a failing hook fails the target with its log's
# tail, and removing a file from the root is refused by name.  The root
# is the host's python3.11 (test only).
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/tiny-lib.sh"
plan 52

P="$T/p"
tiny_plain "$P"
ok $? "the tiny project"
cat >"$P/hook.py" <<'PY'
import errno, os, socket, sys
print("BEFORE_ALL_RAN", *sys.argv[1:], flush=True)
try:
    socket.create_connection(("10.1.2.3", 80), timeout=5)
    print("NET: connected")
except OSError as e:
    print("NET:", errno.errorcode.get(e.errno, e.errno))
try:
    open("/src/written-by-hook", "w")
    print("SRC: writable")
except OSError as e:
    print("SRC:", errno.errorcode.get(e.errno, e.errno))
os.makedirs("/usr/local/include", exist_ok=True)
with open("/usr/local/include/foo.h", "w") as f:
    f.write("#define FOO 7\n")
os.makedirs("/usr/local/share/foo", exist_ok=True)
with open("/usr/local/share/foo/data.txt", "w") as f:
    f.write("foo-data\n")
os.makedirs("/tmp/scratch", exist_ok=True)  # /tmp is not the root's
PY
# config BEFORE_ALL: the project's config with that before_all; its
# before_build puts the layer's data file into the package, the smoke
# test checks it and reads the layer's header
config() {
	python3 - "$P/pinwheel.json" "$1" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["before_all"] = sys.argv[2]
c["before_build"] = ("python3.11 -c \"v = open('/usr/local/share/foo/data.txt').read().strip(); "
                     "open('tiny/__init__.py', 'a').write('FOO = ' + repr(v) + chr(10))\"")
c["test"]["command"] = ("python -c \"import tiny; assert tiny.FOO == 'foo-data', tiny.FOO; "
                        "print('SMOKE', open('/usr/local/include/foo.h').read().strip())\"")
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
}
TGT=cp311-manylinux_x86_64
BALOG=before_all-$TGT.log
config "python3.11 /src/hook.py one"
run_pw 0 "lock" lock "$P"
run_pw 0 "fetch" fetch "$P"
run_pw 0 "build with a before_all" build "$P"
like "$ERR" "before_all: running it in 1 root" "the hook ran"
L="$P/wheelhouse/logs/$BALOG"
is "$(grep -c '^BEFORE_ALL_RAN one$' "$L")" "1" "its output is in its own log ($BALOG)"
grep -qx "NET: EAFNOSUPPORT" "$L"
ok $? "no network in the hook (socket(AF_INET): EAFNOSUPPORT, as in every build step)"
grep -qx "SRC: EROFS" "$L"
ok $? "the sources are read-only to it (EROFS)"
[ ! -e "$P/written-by-hook" ]
ok $? "nothing written into the project"
ls "$P/wheelhouse"/tiny-*.whl >/dev/null 2>&1
ok $? "the wheel is built"
grep -q "SMOKE #define FOO 7" "$P/wheelhouse/logs/$TGT.log"
ok $? "the smoke test sees the layer's header"
python3 - "$P/wheelhouse"/tiny-*.whl <<'PY'
import sys, zipfile
src = zipfile.ZipFile(sys.argv[1]).read("tiny/__init__.py").decode()
sys.exit(0 if "FOO = 'foo-data'" in src else 1)
PY
ok $? "build steps see the layer (before_build put its data file into the wheel)"

# the layer in the store: a tree with the two files, none of /tmp
REC=$(ls "$PINWHEEL_STORE/cache/before_all/"*.json)
is "$(echo "$REC" | wc -l)" "1" "one record in STORE/cache/before_all"
TREE=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tree"])' "$REC")
LAYER="$PINWHEEL_STORE/trees/${TREE:-none}"
is "$(cd "$LAYER" && find . | LC_ALL=C sort | tr '\n' ' ')" \
	". ./usr ./usr/local ./usr/local/include ./usr/local/include/foo.h ./usr/local/share ./usr/local/share/foo ./usr/local/share/foo/data.txt " \
	"the layer holds what the hook wrote to the root (not /tmp, not the mount points)"
is "$(stat -c %Y "$LAYER/usr/local/include/foo.h")" "315532800" "its times are fixed"
like "$(cat "$LAYER.json")" '"kind": "before-all"' "the tree's record names its kind"
run_pw 0 "store verify checks the layer" store verify

# the second build: the hook does not run, the wheel is the cache's
run_pw 0 "a second build" build "$P" --out "$T/out2"
like "$ERR" "before_all: cached for the root of $TGT" "the layer came from the cache"
unlike "$ERR" "running it" "the hook did not run"
[ ! -e "$T/out2/logs/$BALOG" ]
ok $? "and left no log"
like "$ERR" "$TGT: cached" "the wheel came from the action cache"

# --no-cache runs it again; the same files give the same layer
run_pw 0 "--no-cache" build "$P" --out "$T/out3" --no-cache
is "$(grep -c '^BEFORE_ALL_RAN one$' "$T/out3/logs/$BALOG")" "1" "--no-cache ran the hook again"
is "$(ls -d "$PINWHEEL_STORE"/trees/*.json | xargs grep -l '"before-all"' | wc -l)" "1" \
	"the same files made the same layer"

# a changed command runs it again (and rebuilds the wheel)
config "python3.11 /src/hook.py two"
run_pw 0 "a changed before_all" build "$P" --out "$T/out4"
is "$(grep -c '^BEFORE_ALL_RAN two$' "$T/out4/logs/$BALOG")" "1" "the changed command ran"
unlike "$ERR" "$TGT: cached" "the wheel was built again"

# a failing hook: the failure report, the target FAILED, nothing stored
NREC=$(ls "$PINWHEEL_STORE/cache/before_all" | wc -l)
config "echo BROKEN-HOOK: no such library >&2; exit 3"
run_pw 1 "a failing before_all fails the build" build "$P" --out "$T/out5"
like "$ERR" "build: before_all-$TGT: before_all failed \\(exit status 3\\)" "the step and its status"
like "$ERR" "  \\| BROKEN-HOOK: no such library" "the tail of its log"
like "$OUT$ERR" "$TGT.*FAILED" "the target is FAILED"
is "$(ls "$PINWHEEL_STORE/cache/before_all" | wc -l)" "$NREC" "nothing recorded"
[ -z "$(ls "$T/out5"/*.whl 2>/dev/null)" ]
ok $? "no wheel"

# removing a file of the root is refused, naming it
config "python3.11 -c 'import os; os.unlink(\"/usr/lib/python3.11/this.py\")'"
run_pw 1 "a before_all that removes a file" build "$P" --out "$T/out6"
like "$ERR" "before_all removed '/usr/lib/python3.11/this.py' from the root; removing files is not supported" \
	"refused with the path"
is "$(ls "$PINWHEEL_STORE/cache/before_all" | wc -l)" "$NREC" "nothing recorded"

# a removed directory made again (opaque) is a removal too
config "python3.11 -c 'import shutil, os; shutil.rmtree(\"/usr/lib/python3.11/json\"); os.mkdir(\"/usr/lib/python3.11/json\")'"
run_pw 1 "a before_all that replaces a directory" build "$P" --out "$T/out7"
like "$ERR" "before_all removed '/usr/lib/python3.11/json' from the root; removing files is not supported" \
	"refused with the directory"

# one root, two targets (3.12 answers with the same interpreter here):
# the hook runs once, both targets build on its layer
py_base_tar "$T/py2.tar" python3.12
python3 - "$P/pinwheel.json" "$T/py2.tar" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["python"]["3.11"]["base"]["archives"][0]["url"] = "file://" + sys.argv[2]
c["python"]["3.12"] = c["python"]["3.11"]
json.dump(c, open(sys.argv[1], "w"), indent=1)
PY
config "python3.11 /src/hook.py shared"
run_pw 0 "lock two targets" lock "$P"
run_pw 0 "fetch" fetch "$P"
run_pw 0 "build two targets of one root" build "$P" --out "$T/out8"
like "$ERR" "before_all: running it in 1 root" "the hook ran once for both"
is "$(cat "$T/out8"/logs/before_all-*.log | grep -c '^BEFORE_ALL_RAN shared$')" "1" "one run, one log"
like "$ERR" "cp311-manylinux_x86_64: ok" "cp311 built on its layer"
like "$ERR" "cp312-manylinux_x86_64: ok" "cp312 too (smoke-tested: it read the layer's header)"
is "$(ls -a "$T/out8" | grep -c pinwheel-build)" "0" "the work directory (the capture too) is gone"

# [tool.pinwheel] takes it too (same schema); an empty one is refused
P="$T/toolproj"
mkdir -p "$P"
(T_P=$P; tiny_files "$T_P")
cat >>"$P/pyproject.toml" <<TOML

[tool.pinwheel]
platforms = ["manylinux_x86_64"]
pure = true
before_all = "echo TOOL-HOOK; echo '#define TOOL 1' >/usr/tool.h"
test = {command = "python -c \\"print('SMOKE', open('/usr/tool.h').read().strip())\\""}

[tool.pinwheel.python."3.11".base]
archives = [{url = "file://$T/py.tar"}]
TOML
run_pw 0 "a [tool.pinwheel] before_all" build "$P"
grep -qx "TOOL-HOOK" "$P/wheelhouse/logs/$BALOG"
ok $? "ran"
grep -q "SMOKE #define TOOL 1" "$P/wheelhouse/logs/$TGT.log"
ok $? "and its layer is in the root"
sed -i 's/^before_all = .*/before_all = ""/' "$P/pyproject.toml"
run_pw 2 "an empty before_all" build "$P"
like "$ERR" "pyproject.toml:[0-9]+:[0-9]+: before_all: must not be empty" "is refused by name"

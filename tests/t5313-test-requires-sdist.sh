#!/bin/sh
# test.requires may be sdists: a project the loopback index ships only as
# an sdist (built by a tiny PEP 517 backend the index serves as a wheel)
# is pinned by sha256 with its build requirement (the layer's
# "build_requires"), built into a wheel offline when the test-requires
# layer is made (the index is stopped by then), and imported by the smoke
# test; the build steps' sandbox still leaves that layer out; the lock
# validates against the lock schema; the build runs under the "build"
# seccomp profile (an inet socket is EAFNOSUPPORT, as in build steps).  An sdist
# whose build fails is one line naming it and its kept log.  The root is
# the host's python3.11 (test only).
# as-user: no (nothing here depends on who runs it; t53xx's other tests run rootless)
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/tiny-lib.sh"
plan 20

cat >"$T/spec.json" <<'JSON'
[{"name": "tinyback", "version": "1.0", "backend": true},
 {"name": "sdonly", "version": "0.1",
  "sdist": {"requires": ["tinyback==1.0"], "modules": {"sdonly.py": "VALUE = 'from-sdist'\n"}}},
 {"name": "broken", "version": "0.1",
  "sdist": {"requires": ["tinyback"], "modules": {"broken.py": ""}, "broken": true}},
 {"name": "bar", "version": "1.0", "modules": {"bar.py": "VALUE = 'bar'\n"}}]
JSON
pypi_index
export PIP_INDEX_URL="$INDEX" PIP_TRUSTED_HOST=127.0.0.1
sha() { sha256sum "$T/www/files/$1" | cut -d' ' -f1; }
size() { wc -c <"$T/www/files/$1" | tr -d ' '; }
py_base_tar "$T/py.tar"
ok $? "packed the test base"
TGT=cp311-manylinux_x86_64

# project P: an sdist-only test requirement beside a wheel
P="$T/p"
tiny_files "$P"
cat >"$P/pinwheel.json" <<JSON
{"version": 1,
 "python": {"3.11": {"base": {"archives": [{"url": "file://$T/py.tar"}]}}},
 "platforms": ["manylinux_x86_64"], "pure": true,
 "before_build": "if python3.11 -c 'import sdonly' 2>/dev/null; then echo SDONLY-VISIBLE; else echo SDONLY-HIDDEN; fi",
 "test": {"requires": ["sdonly==0.1", "bar==1.0"],
          "command": "python -c 'import sdonly, sdonly_build, bar; print(\"IMPORTED\", sdonly.VALUE, bar.VALUE); print(\"BUILT-WITH-INET\", sdonly_build.INET)'"}}
JSON
run_pw 0 "lock pins the sdist" lock "$P"
python3 - "$P/pinwheel.lock" "$TGT" >"$T/pins" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
arts = {a["sha256"]: a for a in d["artifacts"]}
for a in sorted(d["artifacts"], key=lambda a: a["name"]):
    if a["kind"] in ("wheel", "sdist"):
        print("artifact", a["kind"], a["name"], a["version"], a["sha256"], a["size"],
              a["urls"][0].rsplit("/", 1)[1])
layer = [l for l in d["roots"][sys.argv[2]]["layers"] if l["name"] == "test-requires"][0]
print("installs", " ".join(sorted(arts[s]["name"] for s in layer["artifacts"])))
print("built with", " ".join(arts[s]["name"] + " " + s for s in layer.get("build_requires", [])))
PY
is "$(cat "$T/pins")" "artifact wheel bar 1.0 $(sha bar-1.0-py3-none-any.whl) $(size bar-1.0-py3-none-any.whl) bar-1.0-py3-none-any.whl
artifact sdist sdonly 0.1 $(sha sdonly-0.1.tar.gz) $(size sdonly-0.1.tar.gz) sdonly-0.1.tar.gz
artifact wheel tinyback 1.0 $(sha tinyback-1.0-py3-none-any.whl) $(size tinyback-1.0-py3-none-any.whl) tinyback-1.0-py3-none-any.whl
installs bar sdonly
built with tinyback $(sha tinyback-1.0-py3-none-any.whl)" \
	"the sdist and its build requirement pinned by sha256; the backend is not installed"
run_pw 0 "lock --check accepts the lock" lock --check "$P"
if python3 -c 'import jsonschema' 2>/dev/null; then
	python3 - "$SRCDIR/profiles/schema/pinwheel.lock.schema.json" "$P/pinwheel.lock" <<'PY'
import json, sys, jsonschema
errs = list(jsonschema.Draft7Validator(json.load(open(sys.argv[1]))).iter_errors(json.load(open(sys.argv[2]))))
for e in errs:
    print("# %s: %s" % (list(e.path), e.message))
sys.exit(1 if errs else 0)
PY
	ok $? "the lock with an sdist and build_requires validates against the lock schema"
else
	skip "python3 jsonschema missing (tests/deps.sh installs python3-jsonschema)"
fi

# project B: an sdist whose build fails (its metadata builds, so lock works)
B="$T/b"
tiny_files "$B"
sed -e 's/"sdonly==0.1", "bar==1.0"/"broken==0.1"/' "$P/pinwheel.json" >"$B/pinwheel.json"
run_pw 0 "lock pins the broken sdist" lock "$B"

# Everything after the lock is offline: stop the index.
kill "$SERVER"
wait "$SERVER" 2>/dev/null
NREQ=$(wc -l <"$T/server.log")

run_pw 0 "fetch builds the sdist offline" fetch "$P"
TREE=$(find "$PINWHEEL_STORE/trees" -maxdepth 8 -path '*/dist-packages/sdonly.py' | head -1)
[ -n "$TREE" ] && [ -d "${TREE%/sdonly.py}/sdonly-0.1.dist-info" ] &&
	[ ! -e "${TREE%/sdonly.py}/tinyback.py" ]
ok $? "the layer has sdonly installed from the wheel built of its sdist, not its backend"
run_pw 0 "build" build "$P"
grep -qx "SDONLY-HIDDEN" "$P/wheelhouse/logs/$TGT.log"
ok $? "the build sandbox does not have sdonly (before_build could not import it)"
grep -qx "IMPORTED from-sdist bar" "$P/wheelhouse/logs/$TGT.log"
ok $? "the smoke test imports the package built from the sdist"
grep -qx "BUILT-WITH-INET EAFNOSUPPORT" "$P/wheelhouse/logs/$TGT.log"
ok $? "the sdist was built under the build profile (an inet socket refused: EAFNOSUPPORT, unfiltered it is allowed)"
run_pw 0 "fetch again" fetch "$P"
like "$OUT" "^$TGT  root [0-9a-f]{64}$" "the layer is cached (same root)"

run_pw 1 "fetch of the broken sdist fails" fetch "$B"
like "$ERR" "^pinwheel: fetch: target '$TGT': layer 'test-requires': building the sdist 'broken' 0\\.1 failed: pip exited with status 1: ERROR: Failed building wheel for broken \\(log: $PINWHEEL_STORE/tmp/tree-[0-9a-f]{64}\\.sdist-broken-0\\.1\\.log\\)$" \
	"one line naming the sdist, pip's reason and the kept log"
is "$(printf "%s\n" "$ERR" | grep -c "^pinwheel:")" "1" "one error line"
LOG=$(printf '%s\n' "$ERR" | sed -n 's/.*(log: \(.*\))$/\1/p')
grep -q "RuntimeError: tinyback: this sdist is broken on purpose" "$LOG"
ok $? "the log has the backend's error"
is "$(find "$PINWHEEL_STORE/trees" -maxdepth 8 -path '*/dist-packages/broken.py' | wc -l | tr -d ' ')" "0" \
	"no layer committed"
is "$(wc -l <"$T/server.log")" "$NREQ" "no request reached the index after the lock"

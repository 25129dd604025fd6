#!/bin/sh
# t5703-verify-against: `pinwheel verify --against` audits published
# wheels, with the tiny project of t5701 shipping a prebuilt ELF member
# (tiny/stamp.so, made by the host's cc):
#   - the wheel as built, with the manifest and a report file: exit 0,
#     "matched", the report names lock, config, published and rebuilt
#     wheel by sha256; --json prints it; the same from the published sdist
#     with the manifest's SOURCE_DATE_EPOCH
#   - a copy with one byte changed in a member, one member added and the
#     ELF member's .comment section changed: exit 1, each difference on
#     its own line
#   - a wheel whose tags match no target; a manifest of another lock;
#     a wheel that is not a subject of the manifest: one line each, exit 1
#   - the wheel as an URL (a loopback server): fetched by the fetcher,
#     checked against its subject's sha256, matched; bytes that are not
#     the subject's: exit 1, the fetcher's line; an URL without
#     --manifest: exit 2
#   - usage: --sdist without --against: exit 2
# as-user: no (resolution and comparison logic; rootless builds are t53xx's and t5701's)
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/helpers/verify-tiny.sh"
. "$SRCDIR/tests/helpers/fetchlib.sh"
plan 36
TGT=cp311-manylinux_x86_64
export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"

make_base
ok $? "packed the test base"
P="$T/proj"
make_tiny "$P" "" "SHIP_ELF"
ok $? "the tiny project with an ELF member: locked and fetched"
"$PINWHEEL" build "$P" --out "$T/rel" >/dev/null 2>"$T/build.err"
ok $? "built the release once"
W=$(ls "$T"/rel/*.whl)
WN=${W##*/}
LOCKSHA=$(sha256sum "$P/pinwheel.lock" | cut -d' ' -f1)
WSHA=$(sha256sum "$W" | cut -d' ' -f1)

run_pw 0 "the published wheel as built: exit 0" \
	verify "$P" --against "$W" --manifest "$T/rel/pinwheel-manifest.json" --report "$T/r.json"
like "$OUT" "^$WN +matched +${WSHA%"${WSHA#????????????}"} +${WSHA%"${WSHA#????????????}"}" \
	"the table: matched, the same digest published and rebuilt"
like "$OUT" "every published wheel matched its rebuild" "the last line says so"
python3 - "$T/r.json" >"$T/j" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
w = d["wheels"][0]
i = d["inputs"]
print(d["ok"], w["status"], w["target"], w["published"]["sha256"] == w["rebuilt"]["sha256"],
      sorted(k for k, v in i.items() if v), i["lock"]["sha256"], d["errors"])
PY
is "$(cat "$T/j")" "True matched $TGT True ['config', 'lock', 'manifest'] $LOCKSHA []" \
	"the report file: matched, inputs named by sha256"
is "$(ls "$TMPDIR")" "" "no temp directory left"
run_pw 0 "--json: exit 0" --json verify "$P" --against "$W"
printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["ok"], d["wheels"][0]["status"], d["inputs"]["sdist"], d["inputs"]["manifest"])' >"$T/j" 2>&1
is "$(cat "$T/j")" "True matched None None" "--json: the report on stdout"

# From the published sdist, with the manifest's SOURCE_DATE_EPOCH (an
# sdist alone has none: the default would change every zip date)
run_pw 0 "from the published sdist, with the manifest: exit 0" --json \
	verify "$P" --against "$W" --sdist "$T/rel/tiny-1.0.0.tar.gz" --manifest "$T/rel/pinwheel-manifest.json"
printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["ok"], d["wheels"][0]["status"], d["inputs"]["sdist"]["sha256"])' >"$T/j" 2>&1
is "$(cat "$T/j")" "True matched $(sha256sum "$T/rel/tiny-1.0.0.tar.gz" | cut -d' ' -f1)" \
	"matched, the sdist named by sha256"
like "$ERR" "SOURCE_DATE_EPOCH 1700000000" "the rebuild took the manifest's SOURCE_DATE_EPOCH"

# The wheel as published at an URL
cp "$W" "$WWW/$WN"
start_httpd
run_pw 0 "the wheel at an URL, with the manifest: exit 0" \
	--json verify "$P" --against "$BASE/ok/$WN" --manifest "$T/rel/pinwheel-manifest.json"
printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
w = d["wheels"][0]
print(d["ok"], w["status"], w["published"]["file"], w["published"]["sha256"])' >"$T/j" 2>&1
is "$(cat "$T/j")" "True matched $BASE/ok/$WN $WSHA" "matched, the URL named with its sha256"
grep -q "GET /ok/$WN" "$REQLOG"
ok $? "it was downloaded from the server"
run_pw 1 "bytes that are not the subject's: exit 1" \
	verify "$P" --against "$BASE/wrong/$WN" --manifest "$T/rel/pinwheel-manifest.json"
like "$ERR" "^pinwheel: verify: could not fetch '$WN': $BASE/wrong/$WN: sha256 mismatch: expected $WSHA, got [0-9a-f]{64}$" \
	"the fetcher's line names the wheel, the URL and both digests"
run_pw 2 "an URL without --manifest: exit 2" verify "$P" --against "$BASE/ok/$WN"
is "$ERR" "pinwheel: verify: '$BASE/ok/$WN': an URL needs --manifest (the sha256 of its subject is what the download is checked against)" \
	"the line says why"

# The tampered copy: one byte of tiny/__init__.py, a member added, the
# ELF member's .comment section changed (same size).
mkdir -p "$T/bad"
python3 - "$W" "$T/bad/$WN" <<'PY'
import sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zo:
    for info in zi.infolist():
        data = zi.read(info)
        if info.filename == "tiny/__init__.py":
            data = data.replace(b"42", b"43", 1)
        elif info.filename == "tiny/stamp.so":
            i = data.index(b"GCC:")
            data = data[:i] + b"gcc:" + data[i + 4:]
        zo.writestr(info, data)
    zo.writestr("tiny/extra.txt", b"not built by the project\n")
PY
ok $? "a tampered copy of the wheel"
run_pw 1 "the tampered wheel: exit 1" verify "$P" --against "$T/bad/$WN" --report "$T/bad.json"
like "$OUT" "^$WN +DIFFERS +[0-9a-f]{12} +${WSHA%"${WSHA#????????????}"}" "the table: DIFFERS"
like "$OUT" "^  changed tiny/__init__.py: content differs \\(12 vs 12 bytes\\)$" \
	"the changed byte: its member on its own line"
like "$OUT" "^  added tiny/extra.txt: only in the published wheel$" "the added member: on its own line"
like "$OUT" "^    -VALUE = 42
    \\+VALUE = 43$" "the changed byte: a diff of the rebuild (-) and the published wheel (+)"
like "$OUT" "^  changed tiny/stamp.so: content differs .*
    ELF section \\.comment: size ([0-9]+) vs \\1, first difference at offset 0x0$" \
	"the ELF member: the .comment section named, with the offset"
like "$OUT" "some published wheels did not match" "the last line says so"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
w = d["wheels"][0]
print(d["ok"], w["status"], sorted((x["kind"], x["member"]) for x in w["differences"]))' \
	"$T/bad.json" >"$T/j" 2>&1
is "$(cat "$T/j")" "False differs [('added', 'tiny/extra.txt'), ('changed', 'tiny/__init__.py'), ('changed', 'tiny/stamp.so')]" \
	"the report: differs, each member named"

cp "$W" "$T/bad/tiny-1.0.0-cp311-cp311-musllinux_1_2_aarch64.whl"
run_pw 1 "a wheel whose tags match no target: exit 1" \
	verify "$P" --against "$T/bad/tiny-1.0.0-cp311-cp311-musllinux_1_2_aarch64.whl"
like "$ERR" "^pinwheel: verify: '$T/bad/tiny-1.0.0-cp311-cp311-musllinux_1_2_aarch64.whl': its tags match no target of '$P/pinwheel.lock'$" \
	"one line naming the wheel and the lock"
sed 's/"lock_sha256": "[0-9a-f]*"/"lock_sha256": "'"$(printf %064d 0)"'"/' \
	"$T/rel/pinwheel-manifest.json" >"$T/other-manifest.json"
run_pw 1 "a manifest of another lock: exit 1" verify "$P" --against "$W" --manifest "$T/other-manifest.json"
is "$ERR" "pinwheel: verify: '$T/other-manifest.json' was built with lock sha256 $(printf %064d 0), but '$P/pinwheel.lock' has $LOCKSHA" \
	"one line naming both lock digests"
run_pw 1 "a wheel that is not a subject of the manifest: exit 1" \
	verify "$P" --against "$T/bad/$WN" --manifest "$T/rel/pinwheel-manifest.json"
like "$ERR" "pinwheel: verify: '$T/bad/$WN' \\(sha256 [0-9a-f]{64}\\) is not a subject of '$T/rel/pinwheel-manifest.json'" \
	"one line naming the wheel and the manifest"
run_pw 2 "--sdist without --against: exit 2" verify "$P" --sdist "$T/rel/tiny-1.0.0.tar.gz"

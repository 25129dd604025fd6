#!/bin/sh
# t5702-verify-diff: `pinwheel verify` explains what differs and finds
# leaks, with the tiny project of t5701 whose backend misbehaves:
#   - it writes the build time into a text member and over a placeholder in
#     a prebuilt ELF member: exit 1, the members named, a unified diff of
#     the text, the ELF section (.rodata) named, verify.json says differs
#   - its source holds the checkout's absolute path, so both builds leak it
#     identically: the wheels match, yet exit 1 naming member and offset
# as-user: no (resolution and comparison logic; rootless builds are t53xx's and t5701's)
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/helpers/verify-tiny.sh"
plan 13
TGT=cp311-manylinux_x86_64
export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"

make_base
ok $? "packed the test base"
P="$T/stamp"
make_tiny "$P" "" "STAMP_TEXT STAMP_ELF"
ok $? "a project whose wheel embeds the build time"
run_pw 1 "a wheel that differs: exit 1" verify "$P"
like "$OUT" "^$TGT +DIFFERS " "the table says the target differs"
like "$OUT" "changed tiny/_stamp.txt: content differs" "the text member is named"
printf '%s\n' "$OUT" | grep -A8 -- '--- a/tiny/_stamp.txt' >"$T/diff"
like "$(sed -n '2,5p' "$T/diff" | tr '\n' '|')" \
	'^ *\+\+\+ b/tiny/_stamp.txt\| *@@ -1,4 \+1,4 @@\| *built\| *at\|' "a unified diff of the text member"
like "$(sed -n '6,7p' "$T/diff" | tr '\n' '|')" '^ *-[0-9]{20}\| *\+[0-9]{20}\|$' "the diff shows the two times"
like "$OUT" "changed tiny/stamp.so: content differs .*
 *ELF section \\.rodata: size [0-9]+ vs [0-9]+, first difference at offset 0x" \
	"the ELF member's differing section is named"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
t = d["targets"][0]
ch = {x["member"]: x for x in t["differences"] if x["kind"] == "changed"}
print(t["status"], d["ok"], sorted(ch), [s["name"] for s in ch["tiny/stamp.so"]["sections"]])' \
	"$P/wheelhouse/verify.json" >"$T/j" 2>&1
is "$(cat "$T/j")" "differs False ['tiny-1.0.0.dist-info/RECORD', 'tiny/_stamp.txt', 'tiny/stamp.so'] ['.rodata']" \
	"verify.json: differs, the changed members and the ELF section"

Q="$T/leaky"
make_tiny "$Q" "WHERE = '$Q'"
ok $? "a project whose source holds its checkout path"
run_pw 1 "an identical leak in both builds: exit 1" verify "$Q"
like "$OUT" "^$TGT +LEAKS +([0-9a-f]{12}) +\\1" "the table: same digests, yet the target leaks"
like "$OUT" "leak \\(build A\\): tiny/__init__.py: checkout path \\(A\\) '$Q' at offset 20" \
	"the leak is named with its member and offset"

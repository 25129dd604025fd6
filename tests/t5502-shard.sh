#!/bin/sh
# t5502-shard: `plan --shard` and `build --shard K/N`: the round-robin rule
# (the i-th selected target in matrix order goes to shard i % N + 1), the
# slices' union is the selection and they are disjoint, adding a target
# moves only the targets after it, an empty shard is exit 0; the sdist is
# written to OUT by shard 1 only; `plan --format github` with a current
# lock is a valid strategy.matrix carrying the lock's sha256.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/tiny-lib.sh"
plan 35

mkdir -p "$T/p"
printf 'x\n' >"$T/a.tgz"
cat >"$T/p/pinwheel.json" <<JSON
{"version": 1, "manylinux": "native",
 "python": {"3.11": {"base": {"archive": {"url": "file://$T/a.tgz"}}},
            "3.12": {"base": {"archive": {"url": "file://$T/a.tgz"}}},
            "3.13": {"base": {"archive": {"url": "file://$T/a.tgz"}}}},
 "platforms": ["manylinux_x86_64", "manylinux_aarch64"]}
JSON
run_pw 0 "plan" plan "$T/p"
ALL=$OUT
run_pw 0 "plan --shard 1/2" plan "$T/p" --shard 1/2
S1=$OUT
is "$S1" "cp311-manylinux_x86_64
cp312-manylinux_x86_64
cp313-manylinux_x86_64" "shard 1/2: the 1st, 3rd and 5th targets in matrix order"
run_pw 0 "plan --shard 2/2" plan "$T/p" --shard 2/2
S2=$OUT
is "$(printf '%s\n%s\n' "$S1" "$S2" | sort)" "$(printf '%s\n' "$ALL" | sort)" "the union of 1/2 and 2/2 is every target"
is "$(printf '%s\n%s\n' "$S1" "$S2" | sort | uniq -d)" "" "1/2 and 2/2 are disjoint"
for k in 1 2 3 4; do
	pw plan "$T/p" --shard "$k/4" >>"$T/u" 2>/dev/null
done
is "$(sort "$T/u")" "$(printf '%s\n' "$ALL" | sort)" "four shards: each target exactly once"
run_pw 0 "plan --shard 1/2 again" plan "$T/p" --shard 1/2
is "$OUT" "$S1" "the same slice every time"
run_pw 0 "plan --shard 2/2 --only (after the selection)" plan "$T/p" --shard 2/2 --skip 'cp311-*'
is "$OUT" "cp312-manylinux_aarch64
cp313-manylinux_aarch64" "shards deal the selection left after --only/--skip"
# A new Python at the end of the matrix leaves the others' shards alone.
sed 's|"3.13": {"base": {"archive": {"url": "file://[^"]*"}}}|&, "3.14": {"base": {"archive": {"url": "file://'"$T"'/a.tgz"}}}|' \
	"$T/p/pinwheel.json" >"$T/c" && cp "$T/c" "$T/p/pinwheel.json"
run_pw 0 "plan --shard 1/2 after adding 3.14" plan "$T/p" --shard 1/2
is "$(printf '%s\n' "$OUT" | grep -v cp314)" "$S1" "adding a target at the end moves no other target"
run_pw 0 "an empty shard: exit 0" plan "$T/p" --shard 9/9
is "$OUT" "" "an empty shard prints no target"
like "$ERR" "shard 9/9 has no targets" "and says so"
for bad in 0/2 3/2 2 x/y; do
	run_pw 2 "--shard $bad: exit 2" plan "$T/p" --shard "$bad"
done
like "$ERR" "--shard expects K/N with 1 <= K <= N, got 'x/y'" "the bad value is named"

# Builds: two targets (the test root answers as python3.12 too).
tiny_setup 3.11 3.12
pw lock "$P" >/dev/null 2>&1 && pw fetch "$P" >/dev/null 2>&1
ok $? "lock and fetch the tiny project"
run_pw 0 "plan --format github with a current lock" plan "$P" --format github
printf '%s' "$OUT" | python3 -m json.tool >/dev/null
ok $? "it is valid JSON"
LSHA=$(sha256sum "$P/pinwheel.lock" | cut -d' ' -f1)
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print([e["target"] for e in d["include"]], sorted({e["lock"] for e in d["include"]}))' "$OUT" >"$T/g"
is "$(cat "$T/g")" "['cp311-manylinux_x86_64', 'cp312-manylinux_x86_64'] ['$LSHA']" \
	"strategy.matrix include: every target with the lock's sha256"
run_pw 0 "build --shard 2/2" build "$P" --shard 2/2 --out "$T/o2"
is "$(cd "$T/o2" && ls *.whl *.tar.gz 2>/dev/null | sed 's/^tiny-[^-]*-py3/W-py3/; s/^tiny-.*\.tar\.gz$/SDIST/')" "W-py3-none-any.whl" "shard 2/2: its wheel, no sdist in OUT"
like "$OUT" "^cp312-manylinux_x86_64 +ok .*
sdist +ok .*not in OUT: shard 1 writes it" "shard 2/2 built cp312 only and says where the sdist goes"
run_pw 0 "build --shard 1/2" build "$P" --shard 1/2 --out "$T/o1"
is "$(cd "$T/o1" && ls *.whl *.tar.gz 2>/dev/null | sed 's/^tiny-[^-]*-py3/W-py3/; s/^tiny-.*\.tar\.gz$/SDIST/')" "W-py3-none-any.whl
SDIST" "shard 1/2: its wheel and the sdist (from the cache: the same root as 2/2's)"
run_pw 0 "build --shard 3/3: no targets, exit 0" build "$P" --shard 3/3 --out "$T/o3"
like "$ERR" "shard 3/3 has no targets: nothing to build" "an empty shard says so"
is "$(ls -A "$T/o3" 2>/dev/null)" "" "an empty shard writes nothing"
run_pw 0 "build --shard 3/3 --json" --json build "$P" --shard 3/3 --out "$T/o3"
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["ok"], d["targets"], d["shard"])' "$OUT" >"$T/e"
is "$(cat "$T/e")" "True [] {'k': 3, 'n': 3}" "--json: an empty shard is an ok document without targets"

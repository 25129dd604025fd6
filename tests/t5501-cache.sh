#!/bin/sh
# t5501-cache: the action cache of `pinwheel build` on the tiny project:
#   - a cold build records the sdist and the target; a second build into the
#     same OUT and into another OUT is all "cached" (table, --json), the log
#     says it came from the cache and keeps the original, and the manifest
#     is byte-identical to the built one; nothing ran in a sandbox
#   - --no-cache builds again (same wheel, same manifest) and still records
#   - a source edit and a config env change are misses
#   - a damaged blob in the store: a warning, a rebuild, the good wheel
#   - store ls lists action records, store gc keeps the blobs they name
#   - the live display on a TTY
#   - SIGINT and SIGTERM during a build: exit 130/143, no temp directory
#     and no wheel left in OUT
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/tiny-lib.sh"
plan 51
TGT=cp311-manylinux_x86_64

tiny_setup 3.11
ok $? "the tiny project and its root"
run_pw 0 "lock" lock "$P"
run_pw 0 "fetch" fetch "$P"
HASH=$(git -C "$P" rev-parse --short HEAD)
V="1.2.1.dev1"
W="tiny-$V-py3-none-any.whl"
WRE=$(printf '%s' "$W" | sed 's/[.+]/\\&/g')

run_pw 0 "cold build" build "$P"
like "$OUT" "^$TGT +ok +passed " "cold: the target was built"
like "$OUT" "^sdist +ok " "cold: the sdist was built"
is "$(ls "$PINWHEEL_STORE/ac" | grep -c '^[0-9a-f]\{64\}\.json$')" "3" \
	"three action records (sdist, the target's wheel, its smoke test)"
cp "$P/wheelhouse/pinwheel-manifest.json" "$T/manifest.cold"
cp "$P/wheelhouse/logs/$TGT.log" "$T/log.cold"
WSHA=$(sha256sum "$P/wheelhouse/$W" | cut -d' ' -f1)

run_pw 0 "warm build into the same OUT" build "$P"
like "$OUT" "^$TGT +cached +passed " "warm: the target is cached"
like "$OUT" "^sdist +cached " "warm: the sdist is cached"
like "$ERR" "$TGT: cached \\($WRE\\)" "warm: says so as it goes"
unlike "$ERR" "building $TGT" "warm: no worker started"
cmp -s "$T/manifest.cold" "$P/wheelhouse/pinwheel-manifest.json"
ok $? "warm: the manifest is byte-identical to the cold one"
head -n 1 "$P/wheelhouse/logs/$TGT.log" >"$T/first"
like "$(cat "$T/first")" "^pinwheel .*: $TGT taken from the action cache \\(key [0-9a-f]{64}\\)" \
	"warm: the log's first line names the cache and the key"
tail -n +2 "$P/wheelhouse/logs/$TGT.log" | cmp -s - "$T/log.cold"
ok $? "warm: the rest of the log is the original build's"
is "$(ls -A "$P/wheelhouse" | tr '\n' ' ')" "logs pinwheel-manifest.json $W tiny-$V.tar.gz " \
	"warm: OUT holds the same files, no temp directory"

run_pw 0 "warm build into another OUT, --json" --json build "$P" --out "$T/out2"
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); t=d["targets"][0]; print(t["cached"], t["ok"], t["sha256"], d["sdist"]["cached"])' \
	"$OUT" >"$T/j"
is "$(cat "$T/j")" "True True $WSHA True" "another OUT: a hit, cached: true in JSON"
cmp -s "$T/manifest.cold" "$T/out2/pinwheel-manifest.json"
ok $? "another OUT: the same manifest"
is "$(sha256sum "$T/out2/$W" | cut -d' ' -f1)" "$WSHA" "another OUT: the same wheel"

run_pw 0 "--no-cache builds" build "$P" --no-cache --out "$T/out3"
like "$OUT" "^$TGT +ok +passed " "--no-cache: built, not cached"
cmp -s "$T/manifest.cold" "$T/out3/pinwheel-manifest.json"
ok $? "--no-cache: the same manifest as from the cache"

# The store knows about the records.
run_pw 0 "store ls" store ls
like "$OUT" "ac [0-9a-f]{64} $TGT 2 outputs" "store ls lists the target's record"
run_pw 0 "store gc keeping the lock" store gc --keep "$P/pinwheel.lock"
run_pw 0 "after gc: still cached" build "$P" --out "$T/out4"
like "$OUT" "^$TGT +cached " "gc kept the blobs the records name"

# A damaged blob: a warning, a rebuild, never a bad wheel.
B="$PINWHEEL_STORE/blobs/sha256/$WSHA"
chmod u+w "$B" && printf 'garbage' >"$B"
run_pw 0 "a damaged blob: the build still succeeds" build "$P" --out "$T/out5"
like "$ERR" "blob $WSHA of '$WRE' is damaged.*rebuilding $TGT" "it warns and rebuilds"
like "$OUT" "^$TGT +ok +passed " "the target was built again"
is "$(sha256sum "$T/out5/$W" | cut -d' ' -f1)" "$WSHA" "the wheel in OUT is the good one"
is "$(sha256sum "$B" | cut -d' ' -f1)" "$WSHA" "the store holds good bytes again"
run_pw 0 "then cached again" build "$P" --out "$T/out6"
like "$OUT" "^$TGT +cached " "the rebuild was recorded"

# Misses: a source edit, a config env change.
echo 'VALUE = 42  # edited' >"$P/tiny/__init__.py" && tiny_commit edit
run_pw 0 "after a source edit" build "$P" --out "$T/out7"
like "$OUT" "^$TGT +ok +passed " "a source edit is a miss"
like "$OUT" "^sdist +ok " "... for the sdist too"
sed 's/"version": 1,/"version": 1, "env": {"TINY_FLAVOUR": "b"},/' "$P/pinwheel.json" >"$T/c" &&
	cp "$T/c" "$P/pinwheel.json" && tiny_commit env
run_pw 0 "relock after the config change" lock "$P"
run_pw 0 "after a config env change" build "$P" --out "$T/out8"
like "$OUT" "^$TGT +ok +passed " "a config env change is a miss"
grep -q "TINY_FLAVOUR=b" "$T/out8/logs/$TGT.log"
ok $? "the build step saw the new variable"

# On a TTY (script(1) gives one): the live display redraws a line per
# running target with its step; the finished target prints once.
script -qec "\"$PINWHEEL\" build \"$P\" --no-cache --out \"$T/out-tty\"" /dev/null >"$T/tty" 2>&1
ok $? "a build on a TTY exits 0"
grep -q "$(printf '\033')\[K  $TGT .*build_wheel" "$T/tty"
ok $? "the TTY shows a redrawn line with the target and its step"
is "$(grep -c "\[1/1\] $TGT: ok" "$T/tty")" 1 "the finished target is printed once"

# Interrupted builds: the backend waits inside its sandbox.
touch "$P/SLOW" && tiny_commit slow
for sig in INT TERM; do
	O="$T/out-$sig"
	mkdir -p "$O"
	"$PINWHEEL" build "$P" --out "$O" >"$T/sig.out" 2>"$T/sig.err" &
	PID=$!
	i=0
	while ! grep -q BUILD_WHEEL_STARTED "$O/logs/$TGT.log" 2>/dev/null && [ $i -lt 600 ]; do
		i=$((i + 1))
		sleep 0.1 # bounded poll for the worker's log (60 s at most)
	done
	kill -"$sig" "$PID"
	wait "$PID"
	st=$?
	want=130
	[ "$sig" = TERM ] && want=143
	is "$st" "$want" "SIG$sig during build_wheel: exit $want"
	like "$(cat "$T/sig.err")" "stopped by SIG$sig" "SIG$sig: says so"
	is "$(ls -A "$O" | grep -v '^logs$' | grep -v '\.tar\.gz$' | tr '\n' ' ')" "" \
		"SIG$sig: no temp directory and no wheel in OUT"
done

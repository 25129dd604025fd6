#!/bin/sh
# The test runner behind `make check`.  Runs every unit binary and every
# integration script (tests/t*.sh), each producing TAP, keeps each one's
# output in $BUILD/test-logs/, and ends with one line "N passed, N failed"
# (", N skipped").  Integration scripts also run as an unprivileged user
# created here when we are root, unless they say "# as-user: no".
# PINWHEEL_NO_SKIP=1 (set by CI) turns skips into failures.
# TESTS="pattern" restricts to test names matching the shell pattern.
set -u
: "${BUILD:=build}" "${SRCDIR:=$(pwd)}" "${PINWHEEL:=$SRCDIR/$BUILD/pinwheel}"
export SRCDIR PINWHEEL BUILD
LOGS="$SRCDIR/$BUILD/test-logs"
rm -rf "$LOGS" && mkdir -p "$LOGS" || exit 1
passed=0 failed=0 skipped=0 failures="" total_secs=0
TEST_USER=pinwheel-test

ensure_user() {
	id -u "$TEST_USER" >/dev/null 2>&1 && return 0
	useradd --system --no-create-home --shell /bin/sh "$TEST_USER" >/dev/null 2>&1
}

# tally NAME LOG STATUS: count the TAP results in LOG
tally() {
	name=$1 log=$2 st=$3
	p=$(grep -c '^ok ' "$log" | tr -d ' ')
	s=$(grep -c '^ok .*# *[Ss][Kk][Ii][Pp]' "$log" | tr -d ' ')
	f=$(grep -c '^not ok ' "$log" | tr -d ' ')
	plan=$(grep -m1 -E '^1\.\.[0-9]+' "$log" | sed 's/^1\.\.\([0-9]*\).*/\1/')
	p=$((p - s))
	note=""
	if grep -q -E '^1\.\.0 *# *[Ss][Kk][Ii][Pp]' "$log"; then
		s=$((s + 1))
		note=$(grep -m1 -E '^1\.\.0' "$log" | sed 's/^1\.\.0 *# *[Ss][Kk][Ii][Pp] *//')
	elif [ -z "$plan" ] || [ $((p + s + f)) -ne "$plan" ]; then
		f=$((f + 1)); note="plan ${plan:-missing}, ran $((p + s + f - 1))"
	elif [ "$st" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=$((f + 1)); note="exit status $st"
	fi
	if [ "${PINWHEEL_NO_SKIP:-0}" = 1 ] && [ "$s" -gt 0 ]; then
		f=$((f + s)); note="$note (skips count as failures here)"; s=0
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	secs=${4:-0}
	total_secs=$((total_secs + secs))
	printf '%6d %s\n' "$secs" "$name" >>"$LOGS/durations"
	if [ "$f" -gt 0 ]; then
		printf 'FAIL %-40s %d passed, %d failed %s (%ds)\n' "$name" "$p" "$f" "$note" "$secs"
		grep -E '^not ok|^#' "$log" | head -20 | sed 's/^/     /'
		failures="$failures $name"
	elif [ "$s" -gt 0 ] && [ "$p" -eq 0 ]; then
		printf 'SKIP %-40s %s (%ds)\n' "$name" "$note" "$secs"
	else
		printf 'ok   %-40s %d passed%s (%ds)\n' "$name" "$p" "$( [ "$s" -gt 0 ] && echo ", $s skipped")" "$secs"
	fi
}

selected() {
	[ -z "${TESTS:-}" ] && return 0
	for pat in $TESTS; do
		case "$1" in $pat) return 0 ;; esac
	done
	return 1
}

for bin in ${UNIT_BINS:-}; do
	name=$(basename "$bin")
	selected "$name" || continue
	log="$LOGS/$name.log"
	t0=$(date +%s)
	CMOCKA_MESSAGE_OUTPUT=TAP "$SRCDIR/$bin" >"$log" 2>&1
	tally "$name" "$log" $? $(($(date +%s) - t0))
done

as_user=0 USER_SRCDIR=$SRCDIR USER_PINWHEEL=$PINWHEEL STAGE=""
if [ "$(id -u)" -eq 0 ] && [ "${PINWHEEL_ROOTLESS:-1}" = 1 ]; then
	ensure_user && as_user=1
	[ "$as_user" = 1 ] || echo "warning: could not create user $TEST_USER; rootless runs skipped"
fi
# The unprivileged user must be able to read the tests and run the binary.
# A checkout below a private directory (mode 0700) is not reachable: then
# stage a world-readable copy of what the tests use.
if [ "$as_user" = 1 ] && ! setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --clear-groups \
	sh -c 'test -r "$1/tests/lib.sh" && test -x "$2"' sh "$SRCDIR" "$PINWHEEL" 2>/dev/null; then
	STAGE=$(mktemp -d /tmp/pinwheel-stage.XXXXXX) || exit 1
	trap 'rm -rf "$STAGE"' EXIT
	chmod 755 "$STAGE" &&
		mkdir -p "$STAGE/$BUILD" &&
		for d in tests profiles examples; do
			[ ! -d "$SRCDIR/$d" ] || cp -a "$SRCDIR/$d" "$STAGE/" || exit 1
		done &&
		cp -a "$PINWHEEL" "$STAGE/$BUILD/pinwheel" &&
		{ [ ! -d "$SRCDIR/$BUILD/tests" ] || cp -a "$SRCDIR/$BUILD/tests" "$STAGE/$BUILD/"; } &&
		chmod -R a+rX "$STAGE" || { echo "could not stage tests for $TEST_USER" >&2; exit 1; }
	USER_SRCDIR=$STAGE USER_PINWHEEL=$STAGE/$BUILD/pinwheel
fi

for t in "$SRCDIR"/tests/t[0-9]*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	selected "$name" || continue
	log="$LOGS/$name.log"
	t0=$(date +%s)
	(cd "$LOGS" && sh "$t") >"$log" 2>&1
	tally "$name" "$log" $? $(($(date +%s) - t0))
	if [ "$as_user" = 1 ] && ! grep -q '^# as-user: no' "$t"; then
		log="$LOGS/$name.as-user.log"
		t0=$(date +%s)
		(cd / && setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --clear-groups \
			--inh-caps=-all --bounding-set=-all \
			env -i PATH="$PATH" HOME=/nonexistent SRCDIR="$USER_SRCDIR" \
			PINWHEEL="$USER_PINWHEEL" BUILD="$BUILD" PINWHEEL_AS_USER=1 \
			${PINWHEEL_NO_SKIP:+PINWHEEL_NO_SKIP=$PINWHEEL_NO_SKIP} \
			sh "$USER_SRCDIR/tests/$name.sh") >"$log" 2>&1
		tally "$name (as $TEST_USER)" "$log" $? $(($(date +%s) - t0))
	fi
done

if [ "${FUZZ_SMOKE:-1}" = 1 ] && [ -z "${TESTS:-}" ]; then
	log="$LOGS/fuzz.log"
	t0=$(date +%s)
	(cd "$SRCDIR" && make --no-print-directory fuzz-build >"$LOGS/fuzz-build.log" 2>&1 &&
		FUZZ_TIME="${FUZZ_TIME:-3}" sh tests/fuzz/run.sh build-fuzz/tests/fuzz/*) >"$log" 2>&1
	st=$?
	fuzz_secs=$(($(date +%s) - t0))
	[ -s "$log" ] || echo "not ok 1 - fuzz build failed (see $LOGS/fuzz-build.log)" >"$log"
	tally "fuzz (libFuzzer, ${FUZZ_TIME:-3}s each)" "$log" $st "$fuzz_secs"
fi

echo
if [ -s "$LOGS/durations" ]; then
	echo "slowest (of ${total_secs}s; all in $LOGS/durations):"
	sort -rn "$LOGS/durations" | head -8
fi
[ -n "$failures" ] && echo "failed:$failures" && echo "logs: $LOGS"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]

#!/bin/sh
# Run each libFuzzer binary for FUZZ_TIME seconds on its seed corpus
# (tests/fuzz/corpus/NAME, plus a scratch copy so the repo is not written).
# Prints TAP: one line per harness.
set -u
: "${FUZZ_TIME:=5}"
n=0
for b in "$@"; do n=$((n + 1)); done
echo "1..$n"
i=0
for b in "$@"; do
	i=$((i + 1))
	name=$(basename "$b")
	seed="tests/fuzz/corpus/$name"
	work=$(mktemp -d) || exit 1
	[ -d "$seed" ] && cp -R "$seed/." "$work/" 2>/dev/null
	if "$b" -max_total_time="$FUZZ_TIME" -rss_limit_mb=2048 -timeout=10 \
		-artifact_prefix="$work/" "$work" >"$work.log" 2>&1; then
		echo "ok $i - $name ran ${FUZZ_TIME}s: $(grep -o 'Done [0-9]* runs' "$work.log" | tail -1)"
	else
		echo "not ok $i - $name found a crash"
		tail -30 "$work.log" | sed 's/^/# /'
		for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
			[ -e "$a" ] && echo "# reproducer: $(base64 -w0 "$a")"
		done
	fi
	rm -rf "$work" "$work.log"
done

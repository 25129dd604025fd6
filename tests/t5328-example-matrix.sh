#!/bin/sh
# t5328-example-matrix: the bundled example's target matrix, as `make demo`
# builds it (no network, no build): cp311, cp313, cp314 and cp315 on x86_64
# and aarch64, the free-threaded cp313t on x86_64 only (its "exclude"), each
# on the suite that carries it; the build requirements pin numpy per Python
# under markers (2.5.5 is the first with cp315 wheels, 2.4.6 the last with
# cp313t ones); dropping aarch64 without dropping the exclude is an error
# naming it (what t5301's trimmed copy must avoid).
. "$SRCDIR/tests/lib.sh"
plan 7

EX="$SRCDIR/examples/hybrid"
run_pw 0 "plan the example" plan "$EX"
is "$OUT" "cp311-manylinux_x86_64
cp311-manylinux_aarch64
cp313-manylinux_x86_64
cp313-manylinux_aarch64
cp313t-manylinux_x86_64
cp314-manylinux_x86_64
cp314-manylinux_aarch64
cp315-manylinux_x86_64
cp315-manylinux_aarch64" "nine targets; cp313t on x86_64 only"

run_pw 0 "plan --format json" plan "$EX" --format json
is "$(printf '%s' "$OUT" | python3 -c '
import json, sys
print(" ".join("%s:%s:%s" % (t["python_tag"], t["arch"], t["suite"]) for t in json.load(sys.stdin)
               if t["python_tag"] in ("cp313t", "cp315")))')" \
	"cp313t:x86_64:trixie cp315:x86_64:sid cp315:aarch64:sid" \
	"cp313t on trixie (its CPython from trixie's source), cp315 on sid"

is "$(python3 -c '
import json, sys
print(" | ".join(r for r in json.load(open(sys.argv[1]))["build_requires"] if r.startswith("numpy")))' \
	"$EX/pinwheel.json")" \
	"numpy==2.4.6; python_version < '3.15' | numpy==2.5.5; python_version >= '3.15'" \
	"numpy pinned per Python under markers"

mkdir -p "$T/x"
cp "$EX/pinwheel.json" "$T/x/pinwheel.json"
sed -i 's/"platforms": \[[^]]*\]/"platforms": ["manylinux_x86_64"]/' "$T/x/pinwheel.json"
LINE=$(grep -n '"exclude"' "$T/x/pinwheel.json" | cut -d: -f1)
run_pw 2 "x86_64 alone with the aarch64 exclude left in" plan "$T/x"
is "$ERR" "pinwheel: plan: $T/x/pinwheel.json:$LINE:15: exclude[0]: 'cp313t-manylinux_aarch64' matches no target (did you mean 'cp313t-manylinux_x86_64'?)" \
	"the stale exclude is named, not ignored"

#!/bin/sh
# The CLI contract: every command exists, --help is true, unknown input is a
# usage error (exit 2) naming what was wrong.
. "$SRCDIR/tests/lib.sh"
plan 25

run_pw 0 "--version exits 0" --version
like "$OUT" '^pinwheel [0-9]+\.[0-9]+\.[0-9]+$' "--version prints the version"
run_pw 0 "--help exits 0" --help
bad=""
for c in lock fetch build verify plan audit repair inspect run store; do
	"$PINWHEEL" $c --help >"$T/h" 2>&1 || bad="$bad $c(status)"
	head -1 "$T/h" | grep -q "^usage: pinwheel $c" || bad="$bad $c(usage)"
done
is "$bad" "" "every command has a --help that exits 0 and starts with its usage"
run_pw 2 "no command is a usage error" 
like "$ERR" 'usage: pinwheel' "no command prints the usage"
run_pw 2 "an unknown command is a usage error" frobnicate
is "$ERR" "pinwheel: 'frobnicate' is not a pinwheel command
see 'pinwheel --help'" "an unknown command is named"
run_pw 2 "an unknown global option is a usage error" --frob
like "$ERR" "unknown option '--frob'" "the unknown option is named"
run_pw 2 "a bad --color is a usage error" --color=purple --version
like "$ERR" "expects auto, always or never, got 'purple'" "--color names what it expects"
run_pw 2 "--store without a value is a usage error" --store
like "$ERR" "'--store' needs a directory" "--store says it needs a directory"
for c in build verify audit repair inspect; do
	"$PINWHEEL" $c >/dev/null 2>"$T/err.$c"; echo $? >"$T/st.$c"
done
is "$(cat "$T"/st.* | sort -u)" 2 "commands without a project or an argument exit 2"
run_pw 0 "global options may precede the command" -q --json --color=never lock --help
run_pw 0 "--help lists every command" --help
for c in lock fetch build verify plan audit repair inspect run store; do
	printf '%s\n' "$OUT" | grep -q "^  $c " || echo "missing $c"
done >"$T/missing"
is "$(cat "$T/missing")" "" "--help lists every command"
like "$OUT" '--store DIR' "--help documents --store"
like "$OUT" 'exit status: 0 success, 1 the work failed, 2 usage' "--help documents the exit statuses"
run_pw 0 "-h works like --help" -h
like "$OUT" '^usage: pinwheel' "-h prints the usage"
run_pw 0 "help after the command's options works" store ls --help
like "$OUT" "^usage: pinwheel store" "store ... --help prints the store usage"
# Start-up cost: libcurl, libarchive and libcrypto are opened on first use
# (lib/libload.c), so `pinwheel run` and `--version` do not pay for them.
is "$(ldd "$PINWHEEL" | grep -cE 'libcurl|libarchive|libcrypto|libgnutls|libicu')" 0 \
	"the binary links none of libcurl, libarchive, libcrypto (and their dependencies)"

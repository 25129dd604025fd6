#!/bin/sh
# Positive tests: a C compiler, Python and a shell pipeline run normally in a
# root made of the host's /usr, and the output bind receives files owned by
# the invoking user.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/sandbox-lib.sh"
plan 12
mkdir -p "$T/src" "$T/out"
cat >"$T/src/hello.c" <<'C'
#include <stdio.h>
int main(void) { printf("hello from %s\n", "c"); return 0; }
C
run_sb 0 "gcc compiles and links in the sandbox" --ro-bind "$T/src:/src" --bind "$T/out:/out" \
	--cwd /src -- gcc -O2 -o /out/hello hello.c
run_sb 0 "the program runs in the sandbox" --bind "$T/out:/out" -- /out/hello
is "$OUT" "hello from c" "the compiled program prints"
is "$(stat -c %u:%g "$T/out/hello")" "$(id -u):$(id -g)" "the output is owned by the invoking user"
run_sb 0 "python runs" -- python3 -c 'import sys, sysconfig, ssl, hashlib; print(sys.version_info[0], hashlib.sha256(b"pw").hexdigest()[:8])'
is "$OUT" "3 30c952fa" "python3 with its stdlib"
run_sb 0 "python writes to the output bind" --bind "$T/out:/out" -- \
	python3 -c 'open("/out/py.txt", "w").write("ok\n")'
is "$(cat "$T/out/py.txt"):$(stat -c %u "$T/out/py.txt")" "ok:$(id -u)" "python's output file belongs to the invoking user"
run_sb 0 "a shell pipeline runs" -- sh -c 'seq 1 1000 | grep 7 | sort -rn | head -3 | tr "\n" " "'
is "$OUT" "997 987 979 " "seq | grep | sort | head | tr"
run_sb 0 "stdin reaches the command" -- sh -c 'wc -l' <"$T/src/hello.c"
is "$OUT" "2" "stdin is passed through"

#!/bin/sh
# The build profile must not break what builds run: under `pinwheel run`
# (profile build, no --net) gcc compiles and links a threaded C program
# that then runs (glibc's pthread_create meets clone3's ENOSYS and falls
# back to clone), a shell pipeline forks, and python3 starts threads and
# subprocesses and uses AF_UNIX sockets, while an inet socket gets
# EAFNOSUPPORT (errno 97).
. "$SRCDIR/tests/lib.sh"
command -v gcc >/dev/null || skip_all "gcc not installed"
[ -x /usr/bin/python3 ] || skip_all "python3 not installed"
plan 7
base="--ro-bind /usr:/usr --symlink usr/bin:/bin --symlink usr/lib:/lib --symlink usr/lib64:/lib64"
mkdir -p "$T/src" && chmod 755 "$T" "$T/src"
cat >"$T/src/t.c" <<'C'
#include <pthread.h>
#include <stdio.h>
static void *f(void *a) { return a; }
int main(void)
{
	pthread_t t[4];
	long sum = 0;
	for (long i = 0; i < 4; i++)
		if (pthread_create(&t[i], NULL, f, (void *)i))
			return 1;
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(t[i], &r);
		sum += (long)r;
	}
	printf("threads %ld\n", sum);
	return 0;
}
C
cat >"$T/src/t.py" <<'PY'
import socket, subprocess, threading
t = threading.Thread(target=lambda: None)
t.start()
t.join()
print(subprocess.run(["echo", "sub"], capture_output=True, text=True).stdout.strip())
a, b = socket.socketpair()
a.send(b"x")
print("unix", b.recv(1).decode())
try:
    socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    print("inet opened")
except OSError as e:
    print("inet", e.errno)
PY
chmod 644 "$T/src/t.c" "$T/src/t.py"

# shellcheck disable=SC2086
run_pw 0 "gcc compiles and links under the build profile" run $base --ro-bind "$T/src:/src" -- \
	gcc -O1 -pthread -o /tmp/t /src/t.c
# shellcheck disable=SC2086
run_pw 0 "a threaded program compiled and run in the sandbox" run $base --ro-bind "$T/src:/src" -- \
	sh -c 'gcc -O1 -pthread -o /tmp/t /src/t.c && /tmp/t'
is "$OUT" "threads 6" "pthread_create works (clone3 ENOSYS, fallback to clone)"
# shellcheck disable=SC2086
run_pw 0 "a shell pipeline" run $base -- sh -c 'echo hello | tr a-z A-Z | cat'
is "$OUT" "HELLO" "fork, exec and pipes work"
# shellcheck disable=SC2086
run_pw 0 "python3: threads, subprocess, sockets" run $base --ro-bind "$T/src:/src" -- /usr/bin/python3 /src/t.py
is "$OUT" "sub
unix x
inet 97" "python threads and subprocesses work; AF_UNIX works, AF_INET gets EAFNOSUPPORT"

/* sbprobe - probes run inside the sandbox by the tests/t20*-run-*.sh
 * scripts.  Each prints one line: "ok ..." or the errno name of the
 * failure (e.g. "ENETUNREACH"), so tests can assert the exact denial.
 *
 *   sbprobe connect4 ADDR PORT     TCP connect
 *   sbprobe resolve NAME           getaddrinfo (prints the EAI_* name)
 *   sbprobe open PATH | write PATH
 *   sbprobe kill PID               kill(PID, 0)
 *   sbprobe mount                  mount a tmpfs on /tmp
 *   sbprobe userns                 unshare(CLONE_NEWUSER)
 *   sbprobe euid                   print the effective uid
 *   sbprobe forkbomb MAX           fork until it fails (children wait)
 *   sbprobe fill PATH              write to PATH until it fails
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int fail(int err)
{
	const char *n = strerrorname_np(err);

	printf("%s\n", n ? n : "E?");
	return 1;
}

static const char *eai_name(int e)
{
	switch (e) {
	case EAI_AGAIN: return "EAI_AGAIN";
	case EAI_NONAME: return "EAI_NONAME";
	case EAI_FAIL: return "EAI_FAIL";
	case EAI_SYSTEM: return "EAI_SYSTEM";
	default: return "EAI_OTHER";
	}
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IONBF, 0);
	if (!strcmp(op, "connect4") && argc == 4) {
		struct sockaddr_in sa = { .sin_family = AF_INET };
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return fail(errno);
		sa.sin_port = htons((unsigned short)atoi(argv[3]));
		if (inet_pton(AF_INET, argv[2], &sa.sin_addr) != 1)
			return fail(EINVAL);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			return fail(errno);
		printf("ok connected\n");
		return 0;
	}
	if (!strcmp(op, "resolve") && argc == 3) {
		struct addrinfo *ai = NULL;
		int r = getaddrinfo(argv[2], NULL, NULL, &ai);

		if (r) {
			printf("%s\n", eai_name(r));
			return 1;
		}
		freeaddrinfo(ai);
		printf("ok resolved\n");
		return 0;
	}
	if ((!strcmp(op, "open") || !strcmp(op, "write")) && argc == 3) {
		int w = op[0] == 'w';
		int fd = open(argv[2], w ? O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC : O_RDONLY | O_CLOEXEC,
			      0644);

		if (fd < 0)
			return fail(errno);
		if (w && write(fd, "x\n", 2) != 2)
			return fail(errno);
		close(fd);
		printf("ok\n");
		return 0;
	}
	if (!strcmp(op, "kill") && argc == 3) {
		if (kill(atoi(argv[2]), 0) < 0)
			return fail(errno);
		printf("ok\n");
		return 0;
	}
	if (!strcmp(op, "mount")) {
		if (mount("none", "/tmp", "tmpfs", 0, NULL) < 0)
			return fail(errno);
		printf("ok\n");
		return 0;
	}
	if (!strcmp(op, "userns")) {
		if (unshare(CLONE_NEWUSER) < 0)
			return fail(errno);
		printf("ok\n");
		return 0;
	}
	if (!strcmp(op, "euid")) {
		printf("%u\n", (unsigned)geteuid());
		return 0;
	}
	if (!strcmp(op, "forkbomb") && argc == 3) {
		int max = atoi(argv[2]), n = 0, p[2], err = 0;

		if (pipe(p) < 0)
			return fail(errno);
		for (; n < max; n++) {
			pid_t c = fork();
			char b;

			if (c < 0) {
				err = errno;
				break;
			}
			if (c == 0) {
				close(p[1]);
				(void)!read(p[0], &b, 1); /* until the parent closes */
				_exit(0);
			}
		}
		close(p[1]);
		while (wait(NULL) > 0)
			;
		if (err) {
			printf("%s after %d\n", strerrorname_np(err), n);
			return 1;
		}
		printf("ok %d\n", n);
		return 0;
	}
	if (!strcmp(op, "fill") && argc == 3) {
		static char block[1 << 16];
		int fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd < 0)
			return fail(errno);
		for (;;)
			if (write(fd, block, sizeof(block)) < 0)
				return fail(errno);
	}
	fprintf(stderr, "usage: sbprobe OP ARGS (see the source)\n");
	return 2;
}

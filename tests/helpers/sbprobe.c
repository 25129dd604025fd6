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
 *   sbprobe open-rw PATH           open read-write (no O_CREAT)
 *   sbprobe readlink PATH | opendir PATH
 *   sbprobe poke-mem PID           the shape of an exploit of a process that
 *                                  shares the host side's memory: its maps,
 *                                  then one byte of /proc/PID/mem read and
 *                                  written back unchanged
 *   sbprobe create-suid PATH | mknod-suid PATH | tmpfile-suid DIR
 *   sbprobe setfcap PATH           set a security.capability xattr
 *   sbprobe rewrite PATH           read PATH and write the same bytes back
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
#include <sys/stat.h>
#include <sys/xattr.h>
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
	case EAI_AGAIN:
		return "EAI_AGAIN";
	case EAI_NONAME:
		return "EAI_NONAME";
	case EAI_FAIL:
		return "EAI_FAIL";
	case EAI_SYSTEM:
		return "EAI_SYSTEM";
	default:
		return "EAI_OTHER";
	}
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IONBF, 0);
	if (!strcmp(op, "connect4") && argc == 4) {
		struct sockaddr_in sa = {.sin_family = AF_INET};
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
		int fd =
		    open(argv[2],
			 w ? O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC : O_RDONLY | O_CLOEXEC, 0644);

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
	if (!strcmp(op, "open-rw") && argc == 3) {
		int fd = open(argv[2], O_RDWR | O_CLOEXEC);

		if (fd < 0)
			return fail(errno);
		close(fd);
		printf("ok\n");
		return 0;
	}
	if (!strcmp(op, "readlink") && argc == 3) {
		char b[4096];
		ssize_t n = readlink(argv[2], b, sizeof(b) - 1);

		if (n < 0)
			return fail(errno);
		printf("ok %.*s\n", (int)n, b);
		return 0;
	}
	if (!strcmp(op, "opendir") && argc == 3) {
		int fd = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0)
			return fail(errno);
		close(fd);
		printf("ok\n");
		return 0;
	}
	if (!strcmp(op, "poke-mem") && argc == 3) {
		char path[64], line[512];
		unsigned long lo = 0, hi = 0;
		unsigned char byte;
		FILE *f;
		int fd;

		snprintf(path, sizeof(path), "/proc/%s/maps", argv[2]);
		f = fopen(path, "re");
		if (!f)
			return fail(errno);
		while (fgets(line, sizeof(line), f))
			if (strstr(line, " r") && sscanf(line, "%lx-%lx", &lo, &hi) == 2)
				break;
		fclose(f);
		snprintf(path, sizeof(path), "/proc/%s/mem", argv[2]);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return fail(errno);
		if (pread(fd, &byte, 1, (off_t)lo) != 1 || pwrite(fd, &byte, 1, (off_t)lo) != 1)
			return fail(errno);
		close(fd);
		printf("ok wrote %s at %lx\n", path, lo);
		return 0;
	}
	if ((!strcmp(op, "create-suid") || !strcmp(op, "tmpfile-suid")) && argc == 3) {
		int t = op[0] == 't';
		int fd = open(argv[2], t ? O_TMPFILE | O_WRONLY | O_CLOEXEC
					 : O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 04755);

		if (fd < 0)
			return fail(errno);
		close(fd);
		printf("ok\n");
		return 0;
	}
	if (!strcmp(op, "mknod-suid") && argc == 3) {
		if (mknod(argv[2], S_IFREG | 04755, 0) < 0)
			return fail(errno);
		printf("ok\n");
		return 0;
	}
	if (!strcmp(op, "setfcap") && argc == 3) {
		/* VFS_CAP_REVISION_2, effective, CAP_NET_RAW permitted */
		static const unsigned char v[20] = {0, 0, 0, 2, 0, 0x20, 0, 0};

		if (setxattr(argv[2], "security.capability", v, sizeof(v), 0) < 0)
			return fail(errno);
		printf("ok\n");
		return 0;
	}
	if (!strcmp(op, "rewrite") && argc == 3) {
		char b[4096];
		ssize_t n;
		int fd = open(argv[2], O_RDWR | O_CLOEXEC);

		if (fd < 0)
			return fail(errno);
		n = read(fd, b, sizeof(b));
		if (n < 0 || pwrite(fd, b, (size_t)n, 0) < 0)
			return fail(errno);
		close(fd);
		printf("ok\n");
		return 0;
	}
	fprintf(stderr, "usage: sbprobe OP ARGS (see the source)\n");
	return 2;
}

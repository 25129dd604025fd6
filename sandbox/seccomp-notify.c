/* seccomp-notify.c - the supervisor of supervised programs (seccomp.h):
 * answers socketcall(SYS_SOCKET) and socketcall(SYS_SOCKETPAIR) from an
 * ABI where the filter cannot read their arguments (seccomp-demux.c).
 *
 * One notification: read the argument block from the caller's memory,
 * make sure the notification is still live, run the program on the direct
 * call with those arguments (socket/socketpair on the same ABI, whose
 * rules the program carries in BPF), then
 *  - allowed: make the socket(s) here, with the caller's type flags, and
 *    put them into the caller (SECCOMP_IOCTL_NOTIF_ADDFD); the kernel never
 *    runs the caller's call, so a thread of the caller that rewrites the
 *    block after we read it changes nothing;
 *  - an errno: answer it;
 *  - kill: SIGKILL to the caller (the filter's SIGSYS could not be caught,
 *    a sent one could); trap: SIGSYS; and ENOSYS.
 * The sockets are made with the supervisor's credentials: the caller (the
 * sandbox's init) clears its effective capabilities first, so they carry
 * no more than the command's own would.
 *
 * Only system calls, no allocation: init runs this between its signals.
 */
#include <fcntl.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "pinwheel/seccomp.h"
#include "seccomp-int.h"

#define CALL_SOCKET 1	  /* SYS_SOCKET of socketcall(2) */
#define CALL_SOCKETPAIR 8 /* SYS_SOCKETPAIR */
#define NOTIF_BUF 512	  /* room for the kernel's notification structs */

union notif_req {
	struct seccomp_notif n;
	char b[NOTIF_BUF];
};
union notif_resp {
	struct seccomp_notif_resp r;
	char b[NOTIF_BUF];
};

static struct seccomp_notif_sizes sizes;

static int respond(int listener, uint64_t id, int64_t val, int err)
{
	union notif_resp resp;

	memset(&resp, 0, sizeof(resp));
	resp.r.id = id;
	resp.r.val = val;
	resp.r.error = err ? -err : 0;
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
		return -errno; /* ENOENT: the caller is gone (killed meanwhile) */
	return 0;
}

/* Put @fd into the caller as a new descriptor; its number, or -errno. */
static int add_fd(int listener, uint64_t id, int fd, bool cloexec, bool send)
{
	struct seccomp_notif_addfd a;
	int r;

	memset(&a, 0, sizeof(a));
	a.id = id;
	a.srcfd = (uint32_t)fd;
	a.newfd_flags = cloexec ? O_CLOEXEC : 0;
	a.flags = send ? SECCOMP_ADDFD_FLAG_SEND : 0;
	r = ioctl(listener, SECCOMP_IOCTL_NOTIF_ADDFD, &a);
	return r < 0 ? -errno : r;
}

static int do_socket(int listener, uint64_t id, const uint64_t *a)
{
	int type = (int)a[1], fd, r;

	fd = socket((int)a[0], type, (int)a[2]);
	if (fd < 0)
		return respond(listener, id, 0, errno);
	/* with FLAG_SEND the new descriptor is the call's result at once
	 * (kernel 5.14); before that, add it and answer */
	r = add_fd(listener, id, fd, type & SOCK_CLOEXEC, true);
	if (r == -EINVAL)
		r = add_fd(listener, id, fd, type & SOCK_CLOEXEC, false);
	else if (r >= 0) {
		close(fd);
		return 0;
	}
	close(fd);
	if (r == -ENOENT)
		return 0;
	return r >= 0 ? respond(listener, id, r, 0) : respond(listener, id, 0, -r);
}

static int do_socketpair(int listener, uint64_t id, pid_t pid, const uint64_t *a)
{
	int type = (int)a[1], sv[2], rfd[2] = {-1, -1}, err = 0;
	struct iovec local, remote;

	if (socketpair((int)a[0], type, (int)a[2], sv) < 0)
		return respond(listener, id, 0, errno);
	for (int i = 0; i < 2 && !err; i++) {
		rfd[i] = add_fd(listener, id, sv[i], type & SOCK_CLOEXEC, false);
		if (rfd[i] < 0)
			err = -rfd[i];
	}
	close(sv[0]);
	close(sv[1]);
	if (err == ENOENT)
		return 0;
	if (!err) {
		/* int sv[2] of the caller: 32-bit ints on every ABI */
		local = (struct iovec){rfd, sizeof(rfd)};
		remote = (struct iovec){(void *)(uintptr_t)a[3], sizeof(rfd)};
		if (process_vm_writev(pid, &local, 1, &remote, 1, 0) != (ssize_t)sizeof(rfd))
			err = EFAULT; /* the descriptors stay in the caller, unnamed */
	}
	return respond(listener, id, 0, err);
}

int pw_seccomp_supervise(const struct pw_seccomp_prog *p, int listener)
{
	union notif_req req;
	struct seccomp_data sd;
	const struct pw_sc_demux *d;
	unsigned char block[4 * 8];
	uint64_t a[4] = {0}, id;
	struct iovec local, remote;
	unsigned nargs;
	uint32_t act;
	pid_t pid;

	if (!sizes.seccomp_notif) {
		if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
			return -errno;
		if (sizes.seccomp_notif > NOTIF_BUF || sizes.seccomp_notif_resp > NOTIF_BUF) {
			sizes.seccomp_notif = 0;
			return -E2BIG;
		}
	}
	memset(&req, 0, sizeof(req));
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
		return errno == EINTR || errno == ENOENT ? 0 : -errno;
	id = req.n.id;
	pid = (pid_t)req.n.pid;
	d = pw_sc_demux_find(req.n.data.arch);
	if (!d || (uint32_t)req.n.data.nr != d->socketcall ||
	    (req.n.data.args[0] != CALL_SOCKET && req.n.data.args[0] != CALL_SOCKETPAIR))
		return respond(listener, id, 0, ENOSYS); /* nothing else is sent to us */
	nargs = req.n.data.args[0] == CALL_SOCKET ? 3 : 4;
	local = (struct iovec){block, nargs * d->word};
	remote = (struct iovec){(void *)(uintptr_t)req.n.data.args[1], nargs * d->word};
	if (process_vm_readv(pid, &local, 1, &remote, 1, 0) != (ssize_t)(nargs * d->word))
		return respond(listener, id, 0, EFAULT);
	/* the pid we read from is still the caller (not a reused one) */
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0)
		return 0;
	for (unsigned i = 0; i < nargs; i++) {
		if (d->word == 4) {
			uint32_t v;

			memcpy(&v, block + 4 * i, 4);
			a[i] = v;
		} else {
			memcpy(&a[i], block + 8 * i, 8);
		}
	}
	memset(&sd, 0, sizeof(sd));
	sd.nr = (int)(nargs == 3 ? d->nr_socket : d->nr_socketpair);
	sd.arch = req.n.data.arch;
	sd.instruction_pointer = req.n.data.instruction_pointer;
	for (unsigned i = 0; i < nargs; i++)
		sd.args[i] = a[i];
	act = pw_seccomp_prog_eval(p, &sd);
	switch (act & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_ALLOW:
	case SECCOMP_RET_LOG:
		return nargs == 3 ? do_socket(listener, id, a) : do_socketpair(listener, id, pid, a);
	case SECCOMP_RET_ERRNO:
		return respond(listener, id, 0, (int)(act & SECCOMP_RET_DATA));
	case SECCOMP_RET_KILL_PROCESS:
	case SECCOMP_RET_KILL_THREAD:
		kill(pid, SIGKILL); /* the filter's SIGSYS cannot be caught; ours could */
		return respond(listener, id, 0, ENOSYS);
	case SECCOMP_RET_TRAP:
		kill(pid, SIGSYS);
		return respond(listener, id, 0, ENOSYS);
	default:
		return respond(listener, id, 0, ENOSYS);
	}
}

/* net.c - the sandbox's network namespace: created, and its loopback
 * interface brought up with one rtnetlink RTM_NEWLINK message (no `ip`
 * binary; a new namespace has only "lo", down, at index 1), by a helper
 * thread of init while init builds the mounts.  Creating a network
 * namespace is the costliest part of the start (~0.3 ms, most of it
 * registering "lo" and its sysctls), and it shares nothing with the mount
 * work: on two CPUs the two overlap.  init joins the namespace with setns()
 * before it starts the command, so every process of the sandbox, init
 * included, is in it.
 *
 * The thread shares init's (and pinwheel's) memory and TLS: it makes raw
 * system calls only, writes its failing step into its own context, and
 * init waits for it (CLONE_CHILD_CLEARTID futex) before it reads any of
 * its results.  Without CLONE_VM (ASan builds) init does the same work
 * itself, in sequence. */
#include <linux/futex.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "sandbox-int.h"

/* Bring up "lo"; the socket is returned in *sock (namespace handle). */
static int lo_up(struct sb_ctx *c, int *sock)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req;
	struct {
		struct nlmsghdr nh;
		struct nlmsgerr err;
	} ack;
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	ssize_t n;
	int fd, r = 0;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return sb_step(c, errno, "netlink socket");
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = RTM_NEWLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.nh.nlmsg_seq = 1;
	req.ifi.ifi_family = AF_UNSPEC;
	req.ifi.ifi_index = 1; /* "lo" is always index 1 in a new namespace */
	req.ifi.ifi_flags = IFF_UP;
	req.ifi.ifi_change = IFF_UP;
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = sb_step(c, errno, "bring up lo");
		goto out;
	}
	n = PW_TEMP_FAILURE_RETRY(recv(fd, &ack, sizeof(ack), 0));
	if (n < 0)
		r = sb_step(c, errno, "bring up lo");
	else if ((size_t)n < sizeof(ack) || ack.nh.nlmsg_type != NLMSG_ERROR)
		r = sb_step(c, EPROTO, "bring up lo");
	else if (ack.err.error)
		r = sb_step(c, -ack.err.error, "bring up lo");
out:
	if (r < 0)
		close(fd);
	else
		*sock = fd;
	return r;
}

/* In the thread (or init): a new network namespace with lo up; n->nsfd
 * gets a handle of it. */
static int net_work(struct sb_net *n)
{
	int sock = -1, r;

	if (unshare(CLONE_NEWNET) < 0)
		return sb_step(&n->ctx, errno, "create the network namespace");
	r = lo_up(&n->ctx, &sock);
	if (r < 0)
		return r;
	n->nsfd = ioctl(sock, SIOCGSKNS);
	if (n->nsfd < 0)
		r = sb_step(&n->ctx, errno, "open the network namespace");
	close(sock);
	return r;
}

static int net_entry(void *arg)
{
	struct sb_net *n = arg;

	n->err = net_work(n);
	return 0; /* glibc's clone ends the thread with SYS_exit */
}

int sb_net_start(struct sb_ctx *c, struct sb_net *n)
{
	memset(n, 0, sizeof(*n));
	n->ctx = *c;
	n->nsfd = -1;
	if (!c->net_stack) {
		/* No shared memory: init does it now, already in the namespace. */
		int r = net_work(n);

		if (n->nsfd >= 0)
			close(n->nsfd);
		n->nsfd = -1;
		if (r < 0)
			memcpy(c->step, n->ctx.step, sizeof(c->step));
		return r;
	}
	n->tid0 = clone(net_entry, c->net_stack,
			CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
			    CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID,
			n, &n->tid, NULL, &n->tid);
	if (n->tid0 < 0)
		return sb_step(c, errno, "start the network thread");
	return 0;
}

int sb_net_join(struct sb_ctx *c, struct sb_net *n)
{
	pid_t tid;
	int r;

	if (!c->net_stack)
		return 0;
	/* The kernel zeroes n->tid and wakes us when the thread is gone. */
	while ((tid = __atomic_load_n(&n->tid, __ATOMIC_ACQUIRE)) != 0)
		syscall(SYS_futex, &n->tid, FUTEX_WAIT, tid, NULL, NULL, 0);
	/* The thread was pid 2 of the sandbox.  So that the command is pid 2
	 * as it was before the thread existed (and is with --net), wait until
	 * the kernel has released that pid (the futex wakes us a little
	 * earlier), then rewind the namespace's pid counter. */
	if (c->last_pid_fd >= 0) {
		for (int i = 0; i < 100000 && syscall(SYS_tgkill, 1, n->tid0, 0) == 0; i++)
			sched_yield();
		(void)!write(c->last_pid_fd, "1\n", 2);
		close(c->last_pid_fd);
		c->last_pid_fd = -1;
	}
	if (n->err < 0) {
		memcpy(c->step, n->ctx.step, sizeof(c->step));
		return n->err;
	}
	r = setns(n->nsfd, CLONE_NEWNET) < 0 ? sb_step(c, errno, "join the network namespace") : 0;
	close(n->nsfd);
	n->nsfd = -1;
	return r;
}

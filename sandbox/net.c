/* net.c - the sandbox's network namespace: created by the command's
 * process (pid 2) while init builds the mounts (exec.c; init joins it and
 * brings "lo" up while the command installs its filter), or by init itself
 * under --emulate; the loopback interface is brought up with one rtnetlink
 * RTM_NEWLINK message (no `ip` binary; a new namespace has only "lo",
 * down, at index 1).  Creating a network namespace is the costliest step
 * of the start (~0.3 ms, most of it registering "lo" and its sysctls) and
 * shares nothing with the mount work, so on two CPUs the two overlap. */
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

/* Bring up "lo"; the socket is returned in *sock. */
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

int sb_net_new(struct sb_ctx *c)
{
	if (unshare(CLONE_NEWNET) < 0)
		return sb_step(c, errno, "create the network namespace");
	return 0;
}

int sb_net_lo_up(struct sb_ctx *c)
{
	int sock = -1, r;

	r = lo_up(c, &sock);
	if (r == 0)
		close(sock);
	return r;
}

int sb_net_setup(struct sb_ctx *c)
{
	int r = sb_net_new(c);

	return r < 0 ? r : sb_net_lo_up(c);
}

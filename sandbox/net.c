/* net.c - bring up the loopback interface of a new network namespace with
 * one rtnetlink RTM_NEWLINK message (no `ip` binary).  A new namespace has
 * only "lo", down, at index 1. */
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>

#include "sandbox-int.h"

int sb_child_lo_up(struct sb_ctx *c)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req;
	struct {
		struct nlmsghdr nh;
		struct nlmsgerr err;
	} ack;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
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
	close(fd);
	return r;
}

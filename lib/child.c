/* child.c - a forked process dies with its parent (include/pinwheel/child.h). */
#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "pinwheel/child.h"

int pw_child_die_with_parent(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return -errno;
	/* the parent died before the prctl: no signal will come */
	if (getppid() != parent)
		return -ESRCH;
	return 0;
}

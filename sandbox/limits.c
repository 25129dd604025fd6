/* limits.c - resource limits of the command, the pids cgroup used when the
 * invoking user is host root, and the --status-json report.
 *
 * RLIMIT_NPROC is counted per user and per user namespace, so inside our
 * namespace it bounds the processes of the sandbox (its uid maps to the
 * invoking user).  The kernel never applies it to processes whose real uid
 * is host root, which is what the sandbox user maps to when pinwheel runs
 * as root: then a pids cgroup (v2 when "pids" is delegated to our cgroup,
 * else the v1 hierarchy) carries the limit.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "pinwheel/buf.h"
#include "pinwheel/fsutil.h"
#include "sandbox-int.h"

static int set_limit(struct sb_ctx *c, int res, const char *name, uint64_t v, bool cap_at_hard)
{
	struct rlimit rl;

	if (cap_at_hard && getrlimit(res, &rl) == 0 && rl.rlim_max != RLIM_INFINITY &&
	    v > rl.rlim_max)
		v = rl.rlim_max;
	rl.rlim_cur = rl.rlim_max = (rlim_t)v;
	if (setrlimit(res, &rl) < 0)
		return sb_step(c, errno, "setrlimit %s", name);
	return 0;
}

int sb_child_rlimits(struct sb_ctx *c)
{
	const struct pw_sandbox_spec *s = c->spec;
	int r = 0;

	if (s->memory && (r = set_limit(c, RLIMIT_AS, "RLIMIT_AS", s->memory, false)) < 0)
		return r;
	if (s->memory && (r = set_limit(c, RLIMIT_DATA, "RLIMIT_DATA", s->memory, false)) < 0)
		return r;
	if (s->pids && (r = set_limit(c, RLIMIT_NPROC, "RLIMIT_NPROC", s->pids, false)) < 0)
		return r;
	if (s->fsize && (r = set_limit(c, RLIMIT_FSIZE, "RLIMIT_FSIZE", s->fsize, false)) < 0)
		return r;
	if (s->nofile && (r = set_limit(c, RLIMIT_NOFILE, "RLIMIT_NOFILE", s->nofile, true)) < 0)
		return r;
	if (s->cpu_s) {
		/* Soft limit: SIGXCPU; one second later the hard one kills. */
		struct rlimit rl = {(rlim_t)s->cpu_s, (rlim_t)s->cpu_s + 1};

		if (setrlimit(RLIMIT_CPU, &rl) < 0)
			return sb_step(c, errno, "setrlimit RLIMIT_CPU");
	}
	/* With ASLR off the layout of the address space is a function of
	 * the stack's soft limit (the mmap base sits below the largest stack
	 * it allows; unlimited switches to the legacy layout): the usual
	 * 8 MiB whatever the caller's, which the command may still raise up
	 * to the hard limit. */
	if (s->no_aslr) {
		struct rlimit rl;

		if (getrlimit(RLIMIT_STACK, &rl) < 0)
			return sb_step(c, errno, "getrlimit RLIMIT_STACK");
		rl.rlim_cur = rl.rlim_max != RLIM_INFINITY && rl.rlim_max < (8u << 20)
				  ? rl.rlim_max
				  : (rlim_t)(8u << 20);
		if (setrlimit(RLIMIT_STACK, &rl) < 0)
			return sb_step(c, errno, "setrlimit RLIMIT_STACK");
	}
	/* No core dumps: they leak memory contents into the outputs. */
	return set_limit(c, RLIMIT_CORE, "RLIMIT_CORE", 0, false);
}

/* The directory of our cgroup in the pids hierarchy, or NULL. */
static char *pids_cgroup_dir(void)
{
	struct pw_buf b = PW_BUF_INIT(1 << 16);
	char *line, *save = NULL, *v2 = NULL, *v1 = NULL, *dir = NULL;
	struct stat st;

	if (pw_read_file("/proc/self/cgroup", &b) < 0)
		goto out;
	for (line = strtok_r(b.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *ctl = strchr(line, ':'), *path;

		if (!ctl || !(path = strchr(ctl + 1, ':')))
			continue;
		*path++ = '\0';
		ctl++;
		if (!strcmp(ctl, ""))
			v2 = path;
		else if (strstr(ctl, "pids"))
			v1 = path;
	}
	if (v2) {
		struct pw_buf sub = PW_BUF_INIT(4096);
		char *p = pw_xasprintf("/sys/fs/cgroup%s/cgroup.subtree_control",
				       strcmp(v2, "/") ? v2 : "");

		if (pw_read_file(p, &sub) == 0 && strstr(sub.buf, "pids"))
			dir = pw_xasprintf("/sys/fs/cgroup%s", strcmp(v2, "/") ? v2 : "");
		pw_buf_release(&sub);
		free(p);
	}
	if (!dir && v1) {
		char *p = pw_xasprintf("/sys/fs/cgroup/pids%s", strcmp(v1, "/") ? v1 : "");

		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
			dir = p;
		else
			free(p);
	}
out:
	pw_buf_release(&b);
	return dir;
}

static int write_str(const char *dir, const char *name, const char *v)
{
	char *p = pw_path_join(dir, name);
	int fd = open(p, O_WRONLY | O_CLOEXEC), r;

	free(p);
	if (fd < 0)
		return -errno;
	r = pw_write_all(fd, v, strlen(v));
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

int sb_cgroup_setup(pid_t pid, uint64_t max, bool required, char **path, struct pw_err *e)
{
	char *parent = pids_cgroup_dir(), *dir = NULL, v[32];
	int r;

	*path = NULL;
	if (!parent) {
		if (!required)
			return 0;
		return pw_err_set(e, ENOTSUP,
				  "--pids: no pids cgroup is available, and RLIMIT_NPROC does not "
				  "apply to host root; run pinwheel as a regular user or mount the "
				  "pids cgroup controller");
	}
	dir = pw_xasprintf("%s/pinwheel-%d", parent, (int)pid);
	free(parent);
	if (mkdir(dir, 0755) < 0) {
		r = errno;
		if (!required) {
			free(dir);
			return 0;
		}
		r = pw_err_sys(e, r, "--pids: create cgroup '%s'", dir);
		free(dir);
		return r;
	}
	snprintf(v, sizeof(v), "%llu", (unsigned long long)max);
	r = write_str(dir, "pids.max", v);
	if (r == 0) {
		snprintf(v, sizeof(v), "%d", (int)pid);
		r = write_str(dir, "cgroup.procs", v);
	}
	if (r < 0) {
		int err = -r;

		rmdir(dir);
		if (!required) {
			free(dir);
			return 0;
		}
		r = pw_err_sys(e, err, "--pids: set up cgroup '%s'", dir);
		free(dir);
		return r;
	}
	*path = dir;
	return 0;
}

void sb_cgroup_remove(char *path)
{
	/* Every process of the sandbox is gone when we get here. */
	rmdir(path);
	free(path);
}

int pw_sandbox_result_write_json(const struct pw_sandbox_result *res, const char *path,
				 struct pw_err *e)
{
	struct pw_buf b = PW_BUF_INIT(4096);
	int r;

	pw_buf_addf(&b, "{\n");
	if (res->exited)
		pw_buf_addf(&b, "  \"exit_code\": %d,\n  \"signal\": null,\n", res->exit_code);
	else
		pw_buf_addf(&b, "  \"exit_code\": null,\n  \"signal\": %d,\n", res->signal);
	pw_buf_addf(&b,
		    "  \"status\": %d,\n"
		    "  \"limit\": %s%s%s,\n"
		    "  \"wall_ms\": %.3f,\n"
		    "  \"user_ms\": %.3f,\n"
		    "  \"sys_ms\": %.3f,\n"
		    "  \"max_rss_kib\": %llu\n}\n",
		    res->status, res->limit ? "\"" : "",
		    res->limit ? pw_limit_name(res->limit) : "null", res->limit ? "\"" : "",
		    (double)res->wall_us / 1000.0, (double)res->user_us / 1000.0,
		    (double)res->sys_us / 1000.0, (unsigned long long)res->max_rss_kib);
	r = pw_write_file_atomic(path, b.buf, b.len, 0644);
	pw_buf_release(&b);
	if (r < 0)
		return pw_err_sys(e, -r, "write '%s'", path);
	return 0;
}

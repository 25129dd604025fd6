/* lockstep.c - running a root's own tools at lock time (see lockstep.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pinwheel/buf.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/lockstep.h"
#include "pinwheel/untrusted.h"
#include "pinwheel/workdir.h"

#define LOG_MAX (4u << 20)
#define LINE_MAX_BYTES 300

void pw_lockstep_spec_copy(struct pw_sandbox_spec *d, const struct pw_sandbox_spec *s)
{
	size_t i;

	pw_sandbox_spec_init(d);
	for (i = 0; i < s->n_layers; i++)
		pw_sandbox_spec_add_layer(d, s->layers[i]);
	d->binds = pw_xcalloc(s->n_binds + 1, sizeof(*d->binds));
	for (i = 0; i < s->n_binds; i++) {
		d->binds[i].kind = s->binds[i].kind;
		d->binds[i].src = s->binds[i].src ? pw_xstrdup(s->binds[i].src) : NULL;
		d->binds[i].dst = pw_xstrdup(s->binds[i].dst);
		d->binds[i].size = s->binds[i].size;
	}
	d->n_binds = s->n_binds;
	d->env = pw_xcalloc(s->n_env + 1, sizeof(*d->env));
	for (i = 0; i < s->n_env; i++)
		d->env[i] = pw_xstrdup(s->env[i]);
	d->n_env = s->n_env;
	d->cwd = s->cwd ? pw_xstrdup(s->cwd) : NULL;
	d->hostname = s->hostname ? pw_xstrdup(s->hostname) : NULL;
	d->source_date_epoch = s->source_date_epoch ? pw_xstrdup(s->source_date_epoch) : NULL;
	d->uid = s->uid;
	d->gid = s->gid;
	d->net = s->net;
	d->ro_root = s->ro_root;
	d->tmp_size = s->tmp_size;
	d->timeout_ms = s->timeout_ms;
	d->grace_ms = s->grace_ms;
	d->memory = s->memory;
	d->pids = s->pids;
	d->pids_required = s->pids_required;
	d->fsize = s->fsize;
	d->cpu_s = s->cpu_s;
	d->nofile = s->nofile;
	d->seccomp = s->seccomp;
	d->emulate_arch = s->emulate_arch ? pw_xstrdup(s->emulate_arch) : NULL;
	d->emulate_qemu = s->emulate_qemu ? pw_xstrdup(s->emulate_qemu) : NULL;
}

char *pw_lockstep_tmpdir(const char *tag, int *lockfd, struct pw_err *e)
{
	const char *t = getenv("TMPDIR");
	const char *parent = t && *t == '/' ? t : "/tmp";
	_cleanup_free_ char *prefix = pw_xasprintf("pinwheel-%s.", tag);
	struct pw_workdir wd;
	int r = pw_workdir_make(&wd, parent, prefix, true);

	if (r < 0) {
		pw_err_sys(e, -r, "could not create a temp dir '%s/%sXXXXXX'", parent, prefix);
		errno = -r;
		return NULL;
	}
	*lockfd = wd.fd;
	return wd.path;
}

int pw_lockstep_bind(struct pw_sandbox_spec *s, bool rw, const char *src, const char *dst,
		     struct pw_err *e)
{
	_cleanup_free_ char *arg = pw_xasprintf("%s:%s", src, dst);

	return pw_sandbox_spec_add_bind(s, rw ? PW_BIND_RW : PW_BIND_RO, arg, e);
}

bool pw_lockstep_is_file(const char *path)
{
	struct stat st;

	return path && *path == '/' && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int pw_lockstep_net(struct pw_sandbox_spec *s, struct pw_err *e)
{
	static const char *const pass[] = {
	    "http_proxy",  "https_proxy", "no_proxy",  "HTTP_PROXY",
	    "HTTPS_PROXY", "NO_PROXY",	  "ALL_PROXY", "all_proxy",
	};
	int r = 0;

	s->net = true;
	for (size_t i = 0; i < PW_ARRAY_SIZE(pass) && r == 0; i++)
		r = pw_sandbox_spec_add_env(s, pass[i], true, e);
	if (r == 0 && !s->ro_root && pw_lockstep_is_file("/etc/resolv.conf"))
		r = pw_lockstep_bind(s, false, "/etc/resolv.conf", "/etc/resolv.conf", e);
	return r;
}

/* dup2() @from onto @to, retrying on EINTR/EBUSY. */
static int redirect(int from, int to)
{
	int r;

	do
		r = dup2(from, to);
	while (r < 0 && (errno == EINTR || errno == EBUSY));
	return r < 0 ? -errno : 0;
}

int pw_lockstep_run(const struct pw_sandbox_spec *s, char *const argv[], const char *log,
		    struct pw_sandbox_result *res, struct pw_err *e)
{
	_cleanup_close_ int lfd = -1, out = -1, err = -1;
	int r, r1, r2;

	memset(res, 0, sizeof(*res));
	lfd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (lfd < 0)
		return pw_err_sys(e, errno, "could not create the log '%s'", log);
	out = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	if (out < 0)
		return pw_err_sys(e, errno, "could not save stdout");
	err = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (err < 0)
		return pw_err_sys(e, errno, "could not save stderr");
	fflush(stdout);
	fflush(stderr);
	r = redirect(lfd, STDOUT_FILENO);
	if (r == 0)
		r = redirect(lfd, STDERR_FILENO);
	if (r < 0) {
		redirect(out, STDOUT_FILENO);
		redirect(err, STDERR_FILENO);
		return pw_err_sys(e, -r, "could not send the output to '%s'", log);
	}
	r = pw_sandbox_run(s, argv, res, e);
	r1 = redirect(out, STDOUT_FILENO);
	r2 = redirect(err, STDERR_FILENO);
	if (r == 0 && (r1 < 0 || r2 < 0))
		r = pw_err_sys(e, -(r1 < 0 ? r1 : r2), "could not restore stdout and stderr");
	return r;
}

/* The last LOG_MAX bytes of @log, whose directory is ours but bound into
 * the step's sandbox (so the name may now be a symlink or a FIFO): taken as
 * untrusted.h says.  0, or -errno with e saying what was found. */
static int log_tail(const char *log, struct pw_buf *b, struct pw_err *e)
{
	const char *slash = strrchr(log, '/');
	_cleanup_free_ char *dir = slash ? pw_xasprintf("%.*s", (int)(slash - log), log) : NULL;
	_cleanup_close_ int dfd = -1, fd = -1;
	struct stat st;
	int r;

	dfd = open(dir ? (*dir ? dir : "/") : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return pw_err_sys(e, errno, "could not open '%s'", log);
	fd = pw_untrusted_open(dfd, slash ? slash + 1 : log, log, UINT64_MAX, &st, e);
	if (fd < 0)
		return fd;
	if (st.st_size > (off_t)LOG_MAX && lseek(fd, st.st_size - (off_t)LOG_MAX, SEEK_SET) < 0)
		return pw_err_sys(e, errno, "could not read '%s'", log);
	r = pw_read_fd(fd, b);
	return r < 0 && r != -E2BIG ? pw_err_sys(e, -r, "could not read '%s'", log) : 0;
}

/* @ordered: markers in order of preference, else any of them. */
static char *log_line(const char *log, const char *const *markers, bool ordered)
{
	struct pw_buf b = PW_BUF_INIT(LOG_MAX);
	struct pw_err e = PW_ERR_INIT;
	char *line, *p, *save = NULL, *last = NULL, *hit = NULL;
	size_t best = SIZE_MAX; /* the index of hit's marker */
	int r = log_tail(log, &b, &e);

	if (r < 0 || b.len == 0) {
		pw_buf_release(&b);
		return pw_xstrdup(r < 0 && r != -ENOENT ? e.msg : "");
	}
	pw_buf_add(&b, "", 1);
	for (p = strtok_r(b.buf, "\n", &save); p && best; p = strtok_r(NULL, "\n", &save)) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			continue;
		last = p;
		for (size_t i = 0; markers && markers[i] && i < best; i++)
			if (!strncmp(p, markers[i], strlen(markers[i]))) {
				hit = p;
				best = ordered ? i : 0;
			}
	}
	line = pw_xasprintf("%.*s", LINE_MAX_BYTES, hit ? hit : last ? last : "");
	pw_buf_release(&b);
	for (p = line; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return line;
}

char *pw_lockstep_log_line(const char *log, const char *const *markers)
{
	return log_line(log, markers, false);
}

char *pw_lockstep_log_line_pref(const char *log, const char *const *markers)
{
	return log_line(log, markers, true);
}

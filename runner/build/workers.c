/* workers.c - the jobs of `pinwheel build` (the sdist, then the
 * targets), each in a forked worker that writes its steps and its result
 * down a pipe; the parent's live display and its reports as jobs end; the
 * signals that stop a build (runner/build/build_int.h). */
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/wait.h>

#include "build_int.h"
#include "pinwheel/child.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/log.h"

#define RESULT_MAX 65536

static volatile sig_atomic_t got_signal;

/* In a worker: where step names go for the parent's live display. */
static int progress_fd = -1;

static void on_signal(int sig)
{
	got_signal = sig;
}

void pw_build_trap_signals(struct sigaction old[2])
{
	struct sigaction sa;

	got_signal = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old[0]);
	sigaction(SIGTERM, &sa, &old[1]);
}

void pw_build_untrap_signals(const struct sigaction old[2])
{
	sigaction(SIGINT, &old[0], NULL);
	sigaction(SIGTERM, &old[1], NULL);
}

int pw_build_stopped(void)
{
	return got_signal;
}

void pw_build_progress(const char *step)
{
	if (progress_fd >= 0)
		dprintf(progress_fd, "S %s\n", step);
}

static const char *job_name(const struct build *b, size_t job)
{
	if (job > SDIST_JOB(b))
		return b->ba[job - BA_JOB(b, 0)].name;
	return job == SDIST_JOB(b) ? "sdist" : b->c.targets[job].id;
}

/* The worker: build job @job, write its result record to @fd. */
static void worker(struct build *b, size_t job, int fd)
{
	struct target_result res;
	struct pw_err e = PW_ERR_INIT;
	json_t *j;
	char *txt;
	double t0 = pw_build_now();
	int logfd, r;

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	memset(&res, 0, sizeof(res));
	snprintf(res.smoke, sizeof(res.smoke), "-");
	progress_fd = fd;
	logfd = pw_build_open_log(b, job_name(b, job), &e);
	if (logfd < 0) {
		r = logfd;
	} else if (job > SDIST_JOB(b)) {
		r = pw_build_before_all(b, job - BA_JOB(b, 0), &res, logfd, &e);
	} else if (job == SDIST_JOB(b)) {
		r = pw_build_sdist(b, b->sdist_ti, logfd, &e);
		snprintf(res.wheel, sizeof(res.wheel), "%s", b->sdist);
		memcpy(res.sha256, b->sdist_sha, PW_SHA256_HEX);
	} else if (b->retest[job].dir) {
		r = pw_build_retest(b, job, &res, logfd, &e);
	} else {
		r = pw_build_target(b, job, &res, logfd, &e);
	}
	if (logfd >= 0 && r < 0)
		dprintf(logfd, "\npinwheel: %s: %s\n", job_name(b, job), e.msg);
	j = json_pack("{s:b,s:s,s:s,s:I,s:s,s:s,s:b,s:f,s:s}", "ok", r == 0, "wheel", res.wheel,
		      "tag", res.tag, "size", (json_int_t)res.size, "sha256", res.sha256,
		      "smoke", res.smoke, "kept", res.kept, "secs", pw_build_now() - t0, "error",
		      r < 0 ? e.msg : "");
	if (j)
		json_object_set_new(
		    j, "roots",
		    json_pack("{s:s,s:s}", "passed", res.smoke_roots, "failed", res.failed_root));
	if (j && res.cc_on)
		json_object_set_new(j, "cc",
				    json_pack("[I,I,I,I,b,b,I,I,I,I]", (json_int_t)res.cc.hits,
					      (json_int_t)res.cc.misses, (json_int_t)res.cc.skipped,
					      (json_int_t)res.cc.corrupt, res.cc.zig_warm,
					      res.cc.zig_damaged, (json_int_t)res.cc.rhits,
					      (json_int_t)res.cc.rmisses, (json_int_t)res.cc.rskipped,
					      (json_int_t)res.cc.rcorrupt));
	txt = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (txt) {
		pw_write_all(fd, "R ", 2);
		pw_write_all(fd, txt, strlen(txt));
		pw_write_all(fd, "\n", 1);
	}
	free(txt);
	json_decref(j);
	if (logfd >= 0)
		close(logfd);
}

/* The worker's messages: "S STEP" lines while it works, one "R JSON" line
 * at the end. */
static void read_result(struct target_result *res, const char *txt, size_t n)
{
	const char *r = NULL;
	json_t *j;
	const char *s;

	for (const char *p = txt, *end = txt + n; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (end - p > 2 && !strncmp(p, "R ", 2))
			r = p + 2;
		p = nl ? nl + 1 : end;
	}
	j = r ? json_loadb(r, (size_t)(txt + n - r), JSON_DISABLE_EOF_CHECK, NULL) : NULL;

	res->done = true;
	if (!j) {
		snprintf(res->error, sizeof(res->error), "the worker ended without a result");
		snprintf(res->smoke, sizeof(res->smoke), "-");
		return;
	}
	res->ok = json_is_true(json_object_get(j, "ok"));
#define S(k, f)                                                                                    \
	if ((s = json_string_value(json_object_get(j, k))))                                        \
	snprintf(res->f, sizeof(res->f), "%s", s)
	S("wheel", wheel);
	S("tag", tag);
	S("sha256", sha256);
	S("smoke", smoke);
	S("error", error);
	if ((s = json_string_value(json_object_get(json_object_get(j, "roots"), "passed"))))
		snprintf(res->smoke_roots, sizeof(res->smoke_roots), "%s", s);
	if ((s = json_string_value(json_object_get(json_object_get(j, "roots"), "failed"))))
		snprintf(res->failed_root, sizeof(res->failed_root), "%s", s);
#undef S
	res->kept = json_is_true(json_object_get(j, "kept"));
	if (json_is_array(json_object_get(j, "cc"))) {
		json_t *cc = json_object_get(j, "cc");

		res->cc_on = true;
		res->cc.hits = (unsigned)json_integer_value(json_array_get(cc, 0));
		res->cc.misses = (unsigned)json_integer_value(json_array_get(cc, 1));
		res->cc.skipped = (unsigned)json_integer_value(json_array_get(cc, 2));
		res->cc.corrupt = (unsigned)json_integer_value(json_array_get(cc, 3));
		res->cc.zig_warm = json_is_true(json_array_get(cc, 4));
		res->cc.zig_damaged = json_is_true(json_array_get(cc, 5));
		res->cc.rhits = (unsigned)json_integer_value(json_array_get(cc, 6));
		res->cc.rmisses = (unsigned)json_integer_value(json_array_get(cc, 7));
		res->cc.rskipped = (unsigned)json_integer_value(json_array_get(cc, 8));
		res->cc.rcorrupt = (unsigned)json_integer_value(json_array_get(cc, 9));
	}
	res->size = (uint64_t)json_integer_value(json_object_get(j, "size"));
	res->secs = json_real_value(json_object_get(j, "secs"));
	json_decref(j);
}

struct slot {
	pid_t pid;
	int fd;
	size_t job;
	double t0;
	char step[80];
	struct pw_buf buf;
	int logfd;	     /* -v: the job's log, read as it grows (-1: not yet open) */
	struct pw_buf line; /* -v: the log's last line, not yet complete */
};

/* -v streams each running job's output live: the lines its log gained
 * since the last look, prefixed with the job's name (escaped as any
 * untrusted text); with @all the last line even when it has no newline
 * (the job ended). */
#define STREAM_LINE_MAX 4096

static void stream_line(const struct build *b, const struct slot *s, const char *l, size_t n)
{
	if (n && l[n - 1] == '\r')
		n--;
	pw_info("  %s | %.*s", job_name(b, s->job), (int)n, l);
}

static void stream_log(const struct build *b, struct slot *s, bool all)
{
	char tmp[8192];
	ssize_t n;

	if (pw_log_verbosity() < 1)
		return;
	if (s->logfd < 0) {
		_cleanup_free_ char *p = pw_xasprintf("%s/%s.log", b->logs, job_name(b, s->job));

		s->logfd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (s->logfd < 0)
			return;
	}
	while ((n = read(s->logfd, tmp, sizeof(tmp))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (tmp[i] == '\n') {
				stream_line(b, s, s->line.buf, s->line.len);
				pw_buf_reset(&s->line);
			} else if (pw_buf_add(&s->line, tmp + i, 1) < 0) {
				stream_line(b, s, s->line.buf, s->line.len);
				pw_buf_reset(&s->line);
			}
		}
	}
	if (all && s->line.len) {
		stream_line(b, s, s->line.buf, s->line.len);
		pw_buf_reset(&s->line);
	}
}

static void stream_close(struct slot *s)
{
	if (s->logfd >= 0)
		close(s->logfd);
	s->logfd = -1;
	pw_buf_release(&s->line);
}

/* The live display on a TTY: one redrawn line per running job (name,
 * step, elapsed) below the lines already printed. */
struct live {
	bool on;
	unsigned drawn;
};

static void live_clear(struct live *lv)
{
	if (!lv->on || !lv->drawn)
		return;
	fprintf(stderr, "\033[%uA\033[J", lv->drawn);
	lv->drawn = 0;
}

static void live_draw(struct live *lv, const struct build *b, const struct slot *slots,
		      size_t nslots)
{
	double now = pw_build_now();

	if (!lv->on)
		return;
	live_clear(lv);
	for (size_t k = 0; k < nslots; k++) {
		if (slots[k].pid < 0)
			continue;
		fprintf(stderr, "\033[K  %-28s %-22.22s %5.0fs\n", job_name(b, slots[k].job),
			slots[k].step[0] ? slots[k].step : "starting", now - slots[k].t0);
		lv->drawn++;
	}
	fflush(stderr);
}

/* The last "S STEP" of @s's buffer becomes its step. */
static void take_step(struct slot *s)
{
	const char *buf = s->buf.buf, *last = NULL;
	size_t i = 0;

	while (i < s->buf.len) {
		const char *nl = memchr(buf + i, '\n', s->buf.len - i);

		if (!nl)
			break;
		if (!strncmp(buf + i, "S ", 2))
			last = buf + i + 2;
		i = (size_t)(nl - buf) + 1;
	}
	if (last) {
		const char *nl = strchr(last, '\n');

		snprintf(s->step, sizeof(s->step), "%.*s", (int)(nl - last), last);
	}
}

static void kill_workers(struct slot *slots, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (slots[k].pid > 0)
			kill(slots[k].pid, SIGKILL);
	for (size_t k = 0; k < n; k++) {
		if (slots[k].pid <= 0)
			continue;
		while (waitpid(slots[k].pid, NULL, 0) < 0 && errno == EINTR)
			;
		close(slots[k].fd);
		pw_buf_release(&slots[k].buf);
		stream_close(&slots[k]);
		slots[k].pid = -1;
	}
}

/* The jobs of one pw_build_run_jobs(), run in @width slots. */
struct pool {
	struct build *b;
	const size_t *jobs;
	size_t njobs, next, running, ndone;
	struct target_result *res;
	struct slot *slots;
	size_t width;
	struct live lv;
	pid_t parent;
};

/* Start a worker for the next job in each free slot; true when one
 * started. */
static bool start_workers(struct pool *p)
{
	struct build *b = p->b;
	bool started = false;

	for (size_t k = 0; k < p->width && p->next < p->njobs && !got_signal; k++) {
		size_t job = p->jobs[p->next];
		int fds[2];
		pid_t pid;

		if (p->slots[k].pid >= 0)
			continue;
		if (pipe2(fds, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
			snprintf(p->res[job].error, sizeof(p->res[job].error),
				 "could not start a worker: %s", strerror(errno));
			p->res[job].done = true;
			p->next++;
			continue;
		}
		if (pid == 0) {
			/* a kill -9 of pinwheel kills the worker, whose death
			 * kills its sandbox (child.h) */
			if (pw_child_die_with_parent(p->parent) < 0)
				_exit(127);
			close(fds[0]);
			worker(b, job, fds[1]);
			_exit(0);
		}
		close(fds[1]);
		if (!p->lv.on)
			pw_info("%s %s (log: %s/%s.log)",
				job < SDIST_JOB(b) && b->retest[job].dir ? "testing" : "building",
				job_name(b, job), b->logs, job_name(b, job));
		p->slots[k] = (struct slot){pid,
					    fds[0],
					    job,
					    pw_build_now(),
					    "",
					    PW_BUF_INIT(RESULT_MAX),
					    -1,
					    PW_BUF_INIT(STREAM_LINE_MAX)};
		p->running++;
		p->next++;
		started = true;
	}
	return started;
}

/* Read what the worker of @s wrote: a step for the display, or at its
 * end its result, reported. */
static void read_slot(struct pool *p, struct slot *s)
{
	struct build *b = p->b;
	struct target_result *rs;
	char tmp[1024];
	ssize_t n;

	n = read(s->fd, tmp, sizeof(tmp));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n > 0) {
		size_t before = s->buf.len;

		pw_buf_add(&s->buf, tmp, (size_t)n);
		take_step(s);
		if (!p->lv.on && pw_log_verbosity() > 0 && s->step[0] &&
		    memmem(s->buf.buf + before, s->buf.len - before, "S ", 2))
			pw_info("  %s: %s", job_name(b, s->job), s->step);
		return;
	}
	/* EOF: the worker is done. */
	while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
		;
	live_clear(&p->lv);
	stream_log(b, s, true);
	stream_close(s);
	close(s->fd);
	rs = &p->res[s->job];
	read_result(rs, s->buf.buf, s->buf.len);
	pw_buf_release(&s->buf);
	p->ndone++;
	live_clear(&p->lv);
	if (rs->ok)
		pw_info("[%zu/%zu] %s: ok (%.0f s)", p->ndone, p->njobs, job_name(b, s->job),
			rs->secs);
	else
		pw_build_report_failure(b, job_name(b, s->job), rs);
	s->pid = -1;
	p->running--;
}

/* Wait for the running workers to write or end (a second at most with
 * the live display, to redraw it), then read them.  false when poll()
 * failed. */
static bool wait_workers(struct pool *p)
{
	struct pollfd pfd[64];
	size_t np = 0;

	for (size_t k = 0; k < p->width; k++)
		if (p->slots[k].pid >= 0)
			pfd[np++] = (struct pollfd){.fd = p->slots[k].fd, .events = POLLIN};
	/* -v: a look at the logs four times a second */
	if (poll(pfd, np, pw_log_verbosity() > 0 ? 250 : p->lv.on ? 1000 : -1) < 0 &&
	    errno != EINTR)
		return false;
	if (got_signal)
		return true;
	if (pw_log_verbosity() > 0) {
		live_clear(&p->lv);
		for (size_t k = 0; k < p->width; k++)
			if (p->slots[k].pid >= 0)
				stream_log(p->b, &p->slots[k], false);
	}
	for (size_t k = 0, q = 0; k < p->width; k++) {
		struct slot *s = &p->slots[k];

		if (s->pid < 0)
			continue;
		if (pfd[q++].revents & (POLLIN | POLLHUP | POLLERR))
			read_slot(p, s);
	}
	if (p->lv.on)
		live_draw(&p->lv, p->b, p->slots, p->width);
	return true;
}

int pw_build_run_jobs(struct build *b, const size_t *jobs, size_t njobs, size_t width,
		      struct target_result *res)
{
	struct pool p = {.b = b,
			 .jobs = jobs,
			 .njobs = njobs,
			 .res = res,
			 .lv = {.on = pw_log_progress_enabled()},
			 .parent = getpid()};
	int ret = 0;

	if (width > njobs)
		width = njobs;
	if (width == 0)
		return 0;
	if (width > 64)
		width = 64;
	p.width = width;
	p.slots = pw_xcalloc(width, sizeof(*p.slots));
	for (size_t k = 0; k < width; k++)
		p.slots[k].pid = -1;
	fflush(stdout);
	fflush(stderr);
	for (;;) {
		bool started = start_workers(&p);

		if (got_signal) {
			live_clear(&p.lv);
			kill_workers(p.slots, p.width);
			ret = -EINTR;
			break;
		}
		if (!p.running)
			break;
		if (started)
			live_draw(&p.lv, b, p.slots, p.width);
		if (!wait_workers(&p))
			break;
	}
	live_clear(&p.lv);
	free(p.slots);
	return ret;
}

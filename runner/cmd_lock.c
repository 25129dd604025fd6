/* cmd_lock.c - `pinwheel lock [DIR] [--check]`: resolve DIR/pinwheel.json
 * into DIR/pinwheel.lock through the providers (include/pinwheel/
 * provider.h), or check that the lock is fresh. */
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pinwheel/child.h"
#include "pinwheel/cli.h"
#include "pinwheel/config.h"
#include "pinwheel/emulator.h"
#include "pinwheel/fetch.h"
#include "pinwheel/fetch_ui.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/json.h"
#include "pinwheel/lock.h"
#include "pinwheel/provider.h"
#include "pinwheel/seccomp.h"
#include "pinwheel/session.h"
#include "pinwheel/store.h"
#include "pinwheel/workdir.h"

struct args {
	const char *dir;
	bool check;
	bool upgrade;
	unsigned jobs;
};

static const struct pw_opt lock_opts[] = {
    PW_OPT_PROJECT_DIR(struct args, dir),
    {.name = "--check",
     .kind = PW_ARG_NONE,
     PW_OPT_AT(struct args, check),
     .help = "write nothing: recompute the lock without the network where possible and exit 1 "
	     "when pinwheel.lock is missing or stale, naming what changed"},
    {.name = "--upgrade",
     .kind = PW_ARG_NONE,
     PW_OPT_AT(struct args, upgrade),
     .help = "ignore the pins of the existing lock: resolve every Debian base, Python "
	     "requirement, crate and archive again"},
    PW_OPT_JOBS(struct args, jobs,
		"resolve up to N targets at once, each in a worker process (default: the "
		"number of CPUs; 1: one after another in this process); the lock is the "
		"same bytes whatever N"),
    PW_OPT_DOC("--json", "print a summary object on stdout"),
    PW_OPT_DOC("--events",
	       "JSON Lines on stderr: \"resolve\" per block of each target (start, then done "
	       "or failed), \"download\" per artifact of a root a tool runs in, \"compose\" "
	       "per such root, then \"done\" (docs/cli.md)"),
};

const struct pw_cli_cmd pw_cli_lock = {
    .name = "lock",
    .opts = lock_opts,
    .nopts = PW_ARRAY_SIZE(lock_opts),
    .usage = "usage: pinwheel lock [DIR] [--check | --upgrade] [--jobs N]\n\n"
	     "Resolve every input named by DIR/pinwheel.json (DIR defaults to .; without\n"
	     "one, DIR/pyproject.toml's [tool.pinwheel] over what zero config derives\n"
	     "from it): base roots, interpreters, build requirements (with what the\n"
	     "project's backend adds at its get_requires_for_build_* hooks, asked\n"
	     "offline in the root), Rust toolchain, crates, test requirements (an sdist\n"
	     "where a project has no fitting wheel) and extra archives, for every target\n"
	     "of the matrix, to artifacts pinned by sha256 and size, and write\n"
	     "DIR/pinwheel.lock (atomically; untouched when nothing\n"
	     "changed).  Pins already in the lock are kept while the config still asks for\n"
	     "the same thing, so relocking gives identical bytes: a Debian base or a list\n"
	     "of Python pins whose part of pinwheel.json is unchanged keeps its layer as\n"
	     "it is, even when the mirror or the index has moved on; changing one relocks\n"
	     "only that part (and what is resolved in it).  An archive given\n"
	     "without sha256 or size is downloaded once through the store.  Build\n"
	     "requirements are resolved by the target root's own pip in the sandbox, so\n"
	     "the root's base is fetched into the store and built first; pip's own\n"
	     "configuration (PIP_INDEX_URL, pip.conf) picks the index.  Targets are\n"
	     "resolved in parallel (--jobs), each in its own worker; the lock is\n"
	     "merged in matrix order, so it is the same bytes as a lock one target\n"
	     "after another, and the first failing target in matrix order is the one\n"
	     "reported (the targets after it are cancelled; nothing is written).\n",
    .epilogue = "docs/config.md describes pinwheel.json, docs/lock.md the lock.\n\n"
		"exit status: 0 written (or fresh with --check), 1 resolution failed (or\n"
		"stale with --check), 2 usage error or a bad pinwheel.json\n",
};

/* pw_provider_ctx.ui of `pinwheel lock`. */
struct lock_ui {
	struct pw_ctx *ctx;
	struct pw_seccomp_prog *prog;
	bool worker; /* in a worker of `lock --jobs N`: others draw too */
	int step_fd; /* a worker's pipe to the parent: "S BLOCK" per block */
};

/* pw_provider_ctx.fetch: the artifacts of a root a provider runs a tool
 * in (the base's .debs can be hundreds of MiB): with the progress display
 * on a terminal, else quietly (lock prints nothing per artifact). */
static int fetch_root(struct pw_provider_ctx *pc, const char *target, struct pw_store *s,
		      struct pw_fetch_item *items, size_t n, struct pw_fetch_opts *o,
		      struct pw_err *e)
{
	const struct lock_ui *ui = pc->ui;
	const struct pw_ctx *ctx = ui ? ui->ctx : NULL;
	struct pw_ctx quiet;

	if (ui && ui->worker) {
		/* several workers share the terminal: one line, no live
		 * display (--events still gets the download events) */
		uint64_t bytes = 0;

		for (size_t i = 0; i < n; i++)
			bytes += items[i].size == PW_STORE_SIZE_UNKNOWN ? 0 : items[i].size;
		if (pw_log_verbosity() >= 1 || pw_log_progress_enabled())
			pw_info("lock: %s: fetching the %zu artifacts of its root (%.1f MiB) to "
				"run its tools",
				target, n, (double)bytes / 1048576.0);
		if (!pw_log_events())
			return pw_fetch_run(s, items, n, o, e);
	} else if (ctx && !ctx->json && ctx->verbosity >= 0 && isatty(STDERR_FILENO))
		pw_info("lock: fetching the root of %s to run its tools", target);
	else if (!ctx || !pw_log_events())
		return pw_fetch_run(s, items, n, o, e);
	/* lock's stdout is its --json summary alone: no artifact objects */
	quiet = *ctx;
	quiet.json = false;
	return pw_fetch_ui_run(&quiet, target, s, items, n, o) == PW_EXIT_OK ? 0 : -EIO;
}

/* pw_provider_ctx.seccomp: the "lock" profile (build's, with the network),
 * compiled once per `pinwheel lock` (session.h caches it in the store). */
static int lock_seccomp(struct pw_provider_ctx *pc, const struct pw_seccomp_prog **prog,
			struct pw_err *e)
{
	struct lock_ui *ui = pc->ui;

	if (!ui->prog) {
		int r = pw_seccomp_for_store(pc->store_dir, "lock", true, &ui->prog, e);

		if (r < 0)
			return pw_err_prefix(e, "seccomp");
	}
	*prog = ui->prog;
	return 0;
}

/* pw_provider_ctx.compose: said on a terminal or with -v, and as an event. */
static void compose(struct pw_provider_ctx *pc, const char *target, size_t nlayers,
		    const struct pw_root_plan *done)
{
	(void)pc;
	if (!done && (pw_log_verbosity() >= 1 || pw_log_progress_enabled()))
		pw_info("lock: composing the root of %s (%zu layers) to run its tools", target,
			nlayers);
	pw_fetch_ui_compose_event("lock", target, nlayers, done, NULL);
}

/* pw_provider_ctx.note: one line on stderr. */
static void note(struct pw_provider_ctx *pc, const char *msg)
{
	(void)pc;
	pw_info("%s", msg);
}

static double mono(void)
{
	return pw_fetch_ui_now();
}

/* --events: {"event": "resolve", "status": "start"|"done"|"failed",
 * "target", "block", "provider", "index", "of"}, "ms" when it ended,
 * "error" when it failed. */
static void resolve_event(const struct pw_block *b, const struct pw_target_info *ti,
			  const char *block, size_t i, size_t n, int r, double t0,
			  const struct pw_err *e)
{
	json_t *j;

	if (!pw_log_events())
		return;
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I}", "event", "resolve", "status",
		      t0 == 0 ? "start" : r == 0 ? "done" : "failed", "target", ti->id, "block",
		      block, "provider", b->provider->name, "index", (json_int_t)(i + 1), "of",
		      (json_int_t)n);
	if (j && t0 != 0)
		json_object_set_new(j, "ms", json_integer(pw_fetch_ui_ms(t0)));
	if (j && r < 0)
		json_object_set_new(j, "error", json_string(e->msg));
	pw_json_event(j);
}

/* One block of one target, said as it starts on a terminal (or with -v):
 * "lock: [2/3] cp313-manylinux_x86_64: build_requires (pypi)", and with
 * the seconds it took when it ends; a lock of a cold store is minutes of
 * resolving and downloading that would otherwise be silent.  With
 * --events, a "resolve" event at both ends. */
static int lock_block(struct pw_provider_ctx *pc, const struct pw_block *b,
		      const struct pw_target_info *ti, size_t i, size_t n, struct pw_lockset *ls,
		      struct pw_err *e)
{
	const struct lock_ui *ui = pc->ui;
	bool say = pw_log_verbosity() >= 1 || pw_log_progress_enabled();
	const char *place = b->key->place == PW_PLACE_BASE   ? "base."
			    : b->key->place == PW_PLACE_TEST ? "test."
							     : "";
	char block[64];
	double t0 = mono();
	int r;

	snprintf(block, sizeof(block), "%s%s", place, b->key->key);
	if (ui && ui->worker)
		dprintf(ui->step_fd, "S %s\n", block); /* for the parent's "still" lines */
	if (say)
		pw_info("lock: [%zu/%zu] %s: %s (%s)", i + 1, n, ti->id, block, b->provider->name);
	resolve_event(b, ti, block, i, n, 0, 0, e);
	r = pw_block_lock(pc, b, ti, ls, e);
	if (r < 0 && !strstr(e->msg, ti->id))
		pw_err_prefix(e, "%s", ti->id); /* every error names its target */
	resolve_event(b, ti, block, i, n, r, t0, e);
	if (say && r == 0 && mono() - t0 >= 1.0)
		pw_info("lock: [%zu/%zu] %s: %s done (%.0f s)", i + 1, n, ti->id, b->key->key,
			mono() - t0);
	return r;
}

/* The old root of target @t (config.h, docs/config.md "test.old_root"), a
 * root of its own in the lock ("ID-SUITE"): its base (an older Debian
 * suite with the target's CPython built from source there), then what the
 * smoke test needs (test.requires and the project's dependencies,
 * resolved by that root's pip).  A
 * defaulted old root whose CPython has no tarball the mirror serves
 * (-ENOPKG) is dropped: one warning, and the lock records why
 * ("no_old_root"), so build and plan say so without the network; offline
 * (lock --check) the prior lock's record stands. */
static int resolve_old(const struct pw_config *c, const struct pw_target *t,
		       const struct pw_target_info *ti, size_t i, struct pw_provider_ctx *pc,
		       struct pw_lockset *ls, struct pw_err *e)
{
	struct pw_target_info oi = *ti;
	const char *why = t->old_default ? pw_lockset_no_old_root(pc->prior, t->id) : NULL;
	int r;

	if (pc->offline && why) {
		pw_lockset_set_no_old_root(ls, t->id, why);
		return 0;
	}
	oi.id = t->old_id;
	oi.base = &t->old_base;
	pw_lockset_root(ls, t->old_id);
	r = lock_block(pc, &t->old_base, &oi, i, c->ntargets, ls, e);
	/* test.requires and the project's dependencies (config.h old_blocks) */
	for (size_t j = 0; j < c->nold_blocks && r == 0; j++)
		r = lock_block(pc, &c->old_blocks[j], &oi, i, c->ntargets, ls, e);
	if (r == -ENOPKG && t->old_default) {
		pw_warn("lock: %s: no old root %s: %s", t->id, t->old_suite, e->msg);
		pw_lockset_drop_target(ls, t->old_id);
		pw_lockset_set_no_old_root(ls, t->id, e->msg);
		pw_err_clear(e);
		r = 0;
	}
	return r;
}

/* Target @i of @c into @ls: the provider of each block of the config, in
 * root order (enum pw_stage: the base first; blocks of one stage in the
 * config's order), then its old root.  0 or -errno with e->msg. */
static int resolve_target(const struct pw_config *c, size_t i, struct pw_provider_ctx *pc,
			  struct pw_lockset *ls, struct pw_err *e)
{
	const struct pw_target *t = &c->targets[i];
	struct pw_target_info ti;
	int r = 0;

	pw_target_info(c, t, &ti);
	pw_lockset_root(ls, t->id);
	for (int stage = 0; stage < PW_STAGE_N && r == 0; stage++) {
		if (t->py->base.key->stage == (enum pw_stage)stage)
			r = lock_block(pc, &t->py->base, &ti, i, c->ntargets, ls, e);
		for (size_t j = 0; j < c->nblocks && r == 0; j++)
			if (c->blocks[j].key->stage == (enum pw_stage)stage)
				r = lock_block(pc, &c->blocks[j], &ti, i, c->ntargets, ls, e);
	}
	if (r == 0 && t->old_id)
		r = resolve_old(c, t, &ti, i, pc, ls, e);
	return r;
}

/* Every target of @c into @ls, one after another.  0 or -errno. */
static int resolve(const struct pw_config *c, struct pw_provider_ctx *pc, struct pw_lockset *ls,
		   struct pw_err *e)
{
	int r = 0;

	for (size_t i = 0; i < c->ntargets && r == 0; i++)
		r = resolve_target(c, i, pc, ls, e);
	return r;
}

/* ---- `lock --jobs N`: one worker process per target ----
 *
 * Each worker resolves its target into a lockset of its own, with the
 * parent's provider context (the previous lock's pins, the store
 * directory, a directory the workers share for the run: provider.h's
 * pw_provider_share_begin(); its own store handle and seccomp program),
 * and writes down a pipe "S BLOCK" lines as it goes (the parent's "still
 * resolving" lines), then its lock text ("L" and pw_lock_render()'s
 * bytes) or its error ("E" and the message).  The parent reads every pipe
 * as it fills (poll), and at the end parses each text and merges the
 * locksets in matrix order (pw_lockset_merge()): exactly what resolve()
 * would have filled, since a provider pins a target from the config, the
 * previous lock and the network; where a serial lock takes a pin another
 * target found first (an archive's download, a crate's url), a worker
 * gets the same pin from the share or the network (the writer sorts what
 * the order of resolution could change).  Workers start foreign targets
 * first (start_order()).  Processes, not threads: a provider redirects the
 * process's stdout and stderr around each tool it runs (lockstep.h).
 *
 * Failure: when target K fails, the workers of targets after K are killed
 * (their sandboxes die with them, child.h) and none is started; those
 * before K run to their end, so the error reported is the first in matrix
 * order, as a serial lock's.  A SIGINT or SIGTERM of pinwheel kills every
 * worker.  Nothing is written then. */

#define WORKER_OUT_MAX PW_JSON_MAX_FILE

static volatile sig_atomic_t lock_signal;

static void on_signal(int sig)
{
	lock_signal = sig;
}

static unsigned cpu_count(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return (unsigned)CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

/* The worker of target @i: resolve, write the result to @fd. */
static void lock_worker(const struct pw_config *c, size_t i, struct pw_provider_ctx *parent, int fd)
{
	struct lock_ui *pui = parent->ui;
	struct lock_ui ui = {.ctx = pui->ctx, .worker = true, .step_fd = fd};
	struct pw_provider_ctx pc = *parent;
	struct pw_lockset ls = PW_LOCKSET_INIT;
	struct pw_err e = PW_ERR_INIT;
	char *text;
	size_t len;
	int r;

	pc.store = NULL;
	pc.ui = &ui;
	r = resolve_target(c, i, &pc, &ls, &e);
	if (r == 0) {
		text = pw_lock_render(&ls, c->lock_digest, &len);
		if (len > WORKER_OUT_MAX) {
			r = pw_err_set(&e, E2BIG,
				       "target '%s': its part of the lock has more "
				       "than %u MiB",
				       c->targets[i].id, WORKER_OUT_MAX >> 20);
		} else if (pw_write_all(fd, "L", 1) < 0 || pw_write_all(fd, text, len) < 0) {
			r = -EPIPE; /* the parent is gone or cancelled us */
		}
		free(text);
	}
	if (r < 0 && r != -EPIPE) {
		if (!e.msg[0])
			pw_err_set(&e, -r, "target '%s': %s", c->targets[i].id, strerror(-r));
		if (pw_write_all(fd, "E", 1) == 0)
			pw_write_all(fd, e.msg, strlen(e.msg));
	}
	if (pc.store)
		pw_store_close(pc.store);
	pw_seccomp_prog_free(ui.prog);
	pw_lockset_release(&ls);
}

enum job_state { JOB_WAITING, JOB_RUNNING, JOB_OK, JOB_FAILED, JOB_CANCELLED };

struct lock_job {
	enum job_state state;
	pid_t pid;
	int fd;
	struct pw_buf out; /* what the worker wrote */
	size_t res;	   /* where its result starts in @out (after "S" lines) */
	char step[64];	   /* the block it resolves now */
	double t0;
};

struct lock_pool {
	const struct pw_config *c;
	struct pw_provider_ctx *pc;
	struct lock_job *jobs;
	size_t *order; /* targets in the order workers start */
	size_t next, running, first_failed;
	unsigned width;
	pid_t parent;
};

static void job_reap(struct lock_job *j)
{
	while (waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
		;
	close(j->fd);
	j->fd = -1;
	j->pid = -1;
}

/* Kill and reap the running workers of targets from @from on. */
static void cancel_from(struct lock_pool *p, size_t from)
{
	for (size_t i = from; i < p->c->ntargets; i++)
		if (p->jobs[i].state == JOB_RUNNING)
			kill(p->jobs[i].pid, SIGKILL);
	for (size_t i = from; i < p->c->ntargets; i++) {
		if (p->jobs[i].state == JOB_RUNNING) {
			job_reap(&p->jobs[i]);
			p->running--;
		}
		if (p->jobs[i].state == JOB_RUNNING || p->jobs[i].state == JOB_WAITING)
			p->jobs[i].state = JOB_CANCELLED;
	}
}

static int start_one(struct lock_pool *p, size_t i, struct pw_err *e)
{
	struct lock_job *j = &p->jobs[i];
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return pw_err_sys(e, errno, "target '%s': could not start a worker",
				  p->c->targets[i].id);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		int err = errno;

		close(fds[0]);
		close(fds[1]);
		return pw_err_sys(e, err, "target '%s': could not start a worker",
				  p->c->targets[i].id);
	}
	if (pid == 0) {
		/* a kill -9 of pinwheel kills the worker, whose death kills
		 * its sandboxes (child.h) */
		if (pw_child_die_with_parent(p->parent) < 0)
			_exit(127);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		close(fds[0]);
		lock_worker(p->c, i, p->pc, fds[1]);
		close(fds[1]);
		_exit(0);
	}
	close(fds[1]);
	j->state = JOB_RUNNING;
	j->pid = pid;
	j->fd = fds[0];
	j->t0 = mono();
	p->running++;
	return 0;
}

/* Read what the worker of job @i wrote; at EOF, reap it and judge. */
static void read_job(struct lock_pool *p, size_t i)
{
	struct lock_job *j = &p->jobs[i];
	char tmp[65536];
	ssize_t n = read(j->fd, tmp, sizeof(tmp));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n > 0 && pw_buf_add(&j->out, tmp, (size_t)n) == 0) {
		/* "S BLOCK\n" lines come first, then the result */
		const char *nl;

		while (j->out.len - j->res > 2 && !strncmp(j->out.buf + j->res, "S ", 2) &&
		       (nl = memchr(j->out.buf + j->res, '\n', j->out.len - j->res))) {
			snprintf(j->step, sizeof(j->step), "%.*s",
				 (int)(nl - (j->out.buf + j->res) - 2), j->out.buf + j->res + 2);
			j->res = (size_t)(nl - j->out.buf) + 1;
		}
		return;
	}
	if (n != 0) /* past WORKER_OUT_MAX (the worker is wrong), or a read
		     * error: it may be blocked writing, so no waiting for it */
		kill(j->pid, SIGKILL);
	job_reap(j);
	p->running--;
	if (n == 0 && j->out.len > j->res + 1 && j->out.buf[j->res] == 'L') {
		j->state = JOB_OK;
		return;
	}
	j->state = JOB_FAILED;
	if (i < p->first_failed) {
		p->first_failed = i;
		cancel_from(p, i + 1);
	}
}

/* The message of failed job @i into @e. */
static int job_error(const struct lock_pool *p, size_t i, struct pw_err *e)
{
	const struct lock_job *j = &p->jobs[i];

	if (j->out.len > j->res + 1 && j->out.buf[j->res] == 'E')
		return pw_err_set(e, EIO, "%.*s", (int)(j->out.len - j->res - 1),
				  j->out.buf + j->res + 1);
	return pw_err_set(e, EIO, "target '%s': its worker ended without a result",
			  p->c->targets[i].id);
}

/* Parse each worker's lock text and merge them in matrix order. */
static int merge_jobs(struct lock_pool *p, struct pw_lockset *ls, struct pw_err *e)
{
	for (size_t i = 0; i < p->c->ntargets; i++) {
		struct pw_lockset part;
		_cleanup_free_ char *name = pw_xasprintf("(the worker of %s)", p->c->targets[i].id);
		const struct lock_job *j = &p->jobs[i];
		int r =
		    pw_lock_parse(name, j->out.buf + j->res + 1, j->out.len - j->res - 1, &part, e);

		if (r < 0)
			return r;
		pw_lockset_merge(ls, &part);
	}
	return 0;
}

/* Foreign targets first (their tools run under qemu: the longest to
 * resolve), then the others, each in matrix order: the lock's bytes do not
 * depend on it, the wall-clock time does. */
static size_t *start_order(const struct pw_config *c)
{
	size_t *o = pw_xcalloc(c->ntargets + 1, sizeof(*o)), n = 0;

	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < c->ntargets; i++) {
			struct pw_target_info ti;

			pw_target_info(c, &c->targets[i], &ti);
			if (pw_emulator_needed(ti.arch) == (pass == 0))
				o[n++] = i;
		}
	return o;
}

/* How often the running targets are said while workers are quiet (a
 * root's pip under qemu is minutes): every 30 s, or every
 * $PINWHEEL_LOCK_STILL_SECS (the tests' 1). */
static double heartbeat_secs(void)
{
	const char *v = getenv("PINWHEEL_LOCK_STILL_SECS");
	char *end;
	long n;

	if (!v || !*v)
		return 30;
	n = strtol(v, &end, 10);
	return *end || n < 1 || n > 3600 ? 30 : (double)n;
}

/* "lock: still resolving ID (BLOCK, N s), ..." for the running workers. */
static void still(const struct lock_pool *p)
{
	struct pw_buf b = PW_BUF_INIT(1u << 16);
	double now = mono();

	for (size_t i = 0; i < p->c->ntargets; i++) {
		const struct lock_job *j = &p->jobs[i];

		if (j->state != JOB_RUNNING)
			continue;
		pw_buf_addf(&b, "%s%s (%s, %.0f s)", b.len ? ", " : "", p->c->targets[i].id,
			    j->step[0] ? j->step : "starting", now - j->t0);
	}
	if (b.len)
		pw_info("lock: still resolving %s", b.buf);
	pw_buf_release(&b);
}

static int resolve_parallel(const struct pw_config *c, struct pw_provider_ctx *pc, unsigned width,
			    struct pw_lockset *ls, struct pw_err *e)
{
	struct lock_pool p = {.c = c, .pc = pc, .width = width, .parent = getpid()};
	struct pw_workdir share = PW_WORKDIR_INIT;
	const char *tmp = getenv("TMPDIR");
	struct sigaction sa, old[2];
	struct pollfd *pfd;
	size_t *who;
	double beat = 0, last = mono();
	int r;

	/* what one worker pins for all (provider.h, "share") */
	r = pw_workdir_make(&share, tmp && *tmp == '/' ? tmp : "/tmp", "pinwheel-lock-share.",
			    true);
	if (r < 0)
		return pw_err_sys(e, -r, "could not create a temp dir in '%s'",
				  tmp && *tmp == '/' ? tmp : "/tmp");
	pc->share_dir = share.path;

	p.first_failed = c->ntargets;
	p.jobs = pw_xcalloc(c->ntargets + 1, sizeof(*p.jobs));
	p.order = start_order(c);
	pfd = pw_xcalloc(c->ntargets + 1, sizeof(*pfd));
	who = pw_xcalloc(c->ntargets + 1, sizeof(*who));
	for (size_t i = 0; i < c->ntargets; i++)
		p.jobs[i] = (struct lock_job){
		    .state = JOB_WAITING, .pid = -1, .fd = -1, .out = PW_BUF_INIT(WORKER_OUT_MAX)};
	if (pw_log_verbosity() >= 1 || pw_log_progress_enabled()) {
		pw_info("lock: resolving %zu targets, %u at a time", c->ntargets, width);
		beat = heartbeat_secs();
	}
	lock_signal = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old[0]);
	sigaction(SIGTERM, &sa, &old[1]);
	for (;;) {
		size_t np = 0;

		while (r == 0 && !lock_signal && p.running < width && p.next < c->ntargets) {
			size_t i = p.order[p.next++];

			if (i < p.first_failed) /* else cancelled already */
				r = start_one(&p, i, e);
		}
		if (r < 0 || lock_signal) {
			cancel_from(&p, 0);
			break;
		}
		if (!p.running)
			break;
		for (size_t i = 0; i < c->ntargets; i++)
			if (p.jobs[i].state == JOB_RUNNING) {
				pfd[np] = (struct pollfd){.fd = p.jobs[i].fd, .events = POLLIN};
				who[np++] = i;
			}
		if (poll(pfd, np, beat > 0 ? 1000 : -1) < 0) {
			if (errno == EINTR)
				continue;
			r = pw_err_sys(e, errno, "lock: could not wait for the workers");
			cancel_from(&p, 0);
			break;
		}
		for (size_t k = 0; k < np; k++)
			if (p.jobs[who[k]].state == JOB_RUNNING &&
			    (pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
				read_job(&p, who[k]);
		if (beat > 0 && mono() - last >= beat) {
			still(&p);
			last = mono();
		}
	}
	sigaction(SIGINT, &old[0], NULL);
	sigaction(SIGTERM, &old[1], NULL);
	if (r == 0 && lock_signal)
		r = pw_err_set(e, EINTR, "stopped by %s: every worker was killed",
			       lock_signal == SIGINT ? "SIGINT" : "SIGTERM");
	else if (r == 0 && p.first_failed < c->ntargets)
		r = job_error(&p, p.first_failed, e);
	else if (r == 0)
		r = merge_jobs(&p, ls, e);
	for (size_t i = 0; i < c->ntargets; i++)
		pw_buf_release(&p.jobs[i].out);
	pc->share_dir = NULL;
	pw_workdir_release(&share, true);
	free(p.order);
	free(p.jobs);
	free(pfd);
	free(who);
	return r;
}

/* resolve(), or with @jobs > 1 and more than one target, resolve_parallel()
 * (0: the number of CPUs). */
static int resolve_jobs(const struct pw_config *c, struct pw_provider_ctx *pc, unsigned jobs,
			struct pw_lockset *ls, struct pw_err *e)
{
	unsigned width = jobs ? jobs : cpu_count();

	if (width > c->ntargets)
		width = (unsigned)c->ntargets;
	if (width <= 1 || pc->offline)
		return resolve(c, pc, ls, e);
	return resolve_parallel(c, pc, width, ls, e);
}

static bool has_art(const struct pw_lockset *ls, const struct pw_artifact *a)
{
	for (size_t i = 0; i < ls->n; i++)
		if (!strcmp(ls->artifacts[i].kind, a->kind) &&
		    !strcmp(ls->artifacts[i].name, a->name) &&
		    !strcmp(ls->artifacts[i].sha256, a->sha256))
			return true;
	return false;
}

static bool has_root(const struct pw_lockset *ls, const char *target)
{
	for (size_t i = 0; i < ls->nroots; i++)
		if (!strcmp(ls->roots[i].target, target))
			return true;
	return false;
}

/* Tell what differs between the lock on disk and the one we would write. */
static size_t explain(const struct pw_lockset *old, const struct pw_lockset *new,
		      const char *digest)
{
	size_t i, n = 0;

	if (strcmp(old->config_digest, digest)) {
		pw_error("lock: pinwheel.json changed since pinwheel.lock was written");
		n++;
	}
	if (!old->pinwheel || strcmp(old->pinwheel, PW_VERSION)) {
		pw_error("lock: pinwheel.lock was written by pinwheel %s, this is %s",
			 old->pinwheel ? old->pinwheel : "(unknown)", PW_VERSION);
		n++;
	}
	for (i = 0; i < new->nroots; i++)
		if (!has_root(old, new->roots[i].target) && ++n)
			pw_error("lock: target '%s' is new", new->roots[i].target);
	for (i = 0; i < old->nroots; i++)
		if (!has_root(new, old->roots[i].target) && ++n)
			pw_error("lock: target '%s' is gone", old->roots[i].target);
	for (i = 0; i < new->n; i++)
		if (!has_art(old, &new->artifacts[i]) && ++n)
			pw_error("lock: %s '%s' (%.12s) is new", new->artifacts[i].kind,
				 new->artifacts[i].name, new->artifacts[i].sha256);
	for (i = 0; i < old->n; i++)
		if (!has_art(new, &old->artifacts[i]) && ++n)
			pw_error("lock: %s '%s' (%.12s) is no longer needed",
				 old->artifacts[i].kind, old->artifacts[i].name,
				 old->artifacts[i].sha256);
	if (!n) {
		pw_error("lock: pinwheel.lock differs from what 'pinwheel lock' would write "
			 "(edited by hand?)");
		n++;
	}
	return n;
}

static void summary(const char *status, const char *path, const struct pw_config *c,
		    const struct pw_lockset *ls, const char *lock_sha, const char *reason)
{
	json_t *o = json_object();

	json_object_set_new(o, "status", json_string(status));
	json_object_set_new(o, "lock", json_string(path));
	json_object_set_new(o, "targets", json_integer((json_int_t)c->ntargets));
	json_object_set_new(o, "artifacts", json_integer((json_int_t)(ls ? ls->n : 0)));
	json_object_set_new(o, "config_digest", json_string(c->lock_digest));
	if (lock_sha)
		json_object_set_new(o, "lock_sha256", json_string(lock_sha));
	if (reason)
		json_object_set_new(o, "reason", json_string(reason));
	pw_json_print_line(o);
	json_decref(o);
}

static int check(struct pw_ctx *ctx, const struct pw_config *c, const char *lockpath)
{
	struct pw_lockset old = PW_LOCKSET_INIT, new = PW_LOCKSET_INIT;
	struct lock_ui ui = {.ctx = ctx};
	struct pw_provider_ctx pc = {.offline = true, .project_dir = c->dir, .ui = &ui};
	struct pw_buf b = PW_BUF_INIT(PW_JSON_MAX_FILE);
	struct pw_err e = PW_ERR_INIT;
	_cleanup_free_ char *bytes = NULL, *storedir = NULL;
	char sha[PW_SHA256_HEX];
	double t0 = mono();
	size_t len;
	int r, st = PW_EXIT_FAIL;

	r = pw_lock_read(lockpath, &b, &e);
	if (r < 0) {
		if (r == -ENOENT)
			pw_error("lock: '%s' is stale: it does not exist", lockpath);
		else
			pw_error("lock: '%s' is stale: %s", lockpath, e.msg);
		if (ctx->json)
			summary("stale", lockpath, c, NULL, NULL, r == -ENOENT ? "missing" : e.msg);
		goto out;
	}
	pw_sha256_mem(b.buf, b.len, sha);
	storedir = pw_ctx_store_dir(ctx);
	if (pw_lock_parse(lockpath, b.buf, b.len, &old, &e) < 0 ||
	    pw_lock_check_blobs(lockpath, &old, storedir, &e) < 0) {
		pw_error("lock: '%s' is stale: it is not a valid lock: %s", lockpath, e.msg);
		if (ctx->json)
			summary("stale", lockpath, c, NULL, sha, "invalid");
		goto out;
	}
	pc.prior = &old;
	r = resolve(c, &pc, &new, &e);
	if (r == -ENOSYS && !strcmp(old.config_digest, c->lock_digest)) {
		/* A provider cannot recompute offline yet: the digest decides. */
		pw_debug("lock: %s", e.msg);
		pw_info("'%s' is fresh (the config digest matches)", lockpath);
		if (ctx->json)
			summary("fresh", lockpath, c, &old, sha, NULL);
		st = PW_EXIT_OK;
		goto out;
	}
	if (r < 0) {
		if (strcmp(old.config_digest, c->lock_digest))
			pw_error("lock: '%s' is stale: pinwheel.json changed since it was written",
				 lockpath);
		else
			pw_error("lock: '%s' is stale", lockpath);
		pw_error("lock: %s", e.msg);
		if (ctx->json)
			summary("stale", lockpath, c, NULL, sha, e.msg);
		goto out;
	}
	bytes = pw_lock_render(&new, c->lock_digest, &len);
	if (len == b.len && !memcmp(bytes, b.buf, len)) {
		pw_info("'%s' is fresh", lockpath);
		if (ctx->json)
			summary("fresh", lockpath, c, &new, sha, NULL);
		st = PW_EXIT_OK;
		goto out;
	}
	pw_error("lock: '%s' is stale:", lockpath);
	explain(&old, &new, c->lock_digest);
	if (ctx->json)
		summary("stale", lockpath, c, &new, sha, "changed");
out:
	pw_fetch_ui_done_event("lock", st == PW_EXIT_OK ? "fresh" : "stale", t0);
	pw_buf_release(&b);
	pw_lockset_release(&old);
	pw_lockset_release(&new);
	return st;
}

int pw_lock_project(struct pw_ctx *ctx, const struct pw_config *c, const char *lockpath,
		    bool upgrade, unsigned jobs)
{
	struct pw_lockset old = PW_LOCKSET_INIT, new = PW_LOCKSET_INIT;
	struct lock_ui ui = {.ctx = ctx};
	struct pw_provider_ctx pc = {.project_dir = c->dir,
				     .ui = &ui,
				     .note = note,
				     .fetch = fetch_root,
				     .seccomp = lock_seccomp,
				     .compose = compose};
	struct pw_buf b = PW_BUF_INIT(PW_JSON_MAX_FILE);
	struct pw_err e = PW_ERR_INIT;
	_cleanup_free_ char *bytes = NULL, *storedir = NULL;
	char sha[PW_SHA256_HEX];
	const char *status = "failed";
	double t0 = mono();
	size_t len;
	int r, st = PW_EXIT_FAIL;

	storedir = pw_ctx_store_dir(ctx);
	r = pw_lock_read(lockpath, &b, &e);
	if (r == 0) {
		if (upgrade) {
			pw_debug("lock: --upgrade: not reusing the pins of '%s'", lockpath);
		} else if (pw_lock_parse(lockpath, b.buf, b.len, &old, &e) == 0 &&
			   pw_lock_check_blobs(lockpath, &old, storedir, &e) == 0) {
			pc.prior = &old;
		} else {
			pw_lockset_release(&old);
			pw_warn("ignoring the pins of the existing lock: %s", e.msg);
		}
	} else if (r != -ENOENT) {
		pw_error("lock: %s", e.msg);
		goto out;
	}
	pc.store_dir = storedir;
	r = resolve_jobs(c, &pc, jobs, &new, &e);
	if (r < 0) {
		pw_error("lock: %s", e.msg);
		if (ctx->json)
			summary("failed", lockpath, c, NULL, NULL, e.msg);
		goto out;
	}
	bytes = pw_lock_render(&new, c->lock_digest, &len);
	pw_sha256_mem(bytes, len, sha);
	if (len == b.len && !memcmp(bytes, b.buf, len)) {
		pw_info("'%s' is up to date (%zu targets, %zu artifacts)", lockpath, c->ntargets,
			new.n);
		if (ctx->json)
			summary("unchanged", lockpath, c, &new, sha, NULL);
		status = "unchanged";
		st = PW_EXIT_OK;
		goto out;
	}
	r = pw_write_file_atomic(lockpath, bytes, len, 0644);
	if (r < 0) {
		pw_error("lock: could not write '%s': %s", lockpath, strerror(-r));
		goto out;
	}
	pw_info("wrote '%s' (%zu targets, %zu artifacts)", lockpath, c->ntargets, new.n);
	if (ctx->json)
		summary("written", lockpath, c, &new, sha, NULL);
	status = "written";
	st = PW_EXIT_OK;
out:
	pw_fetch_ui_done_event("lock", status, t0);
	if (pc.store)
		pw_store_close(pc.store);
	pw_seccomp_prog_free(ui.prog);
	pw_buf_release(&b);
	pw_lockset_release(&old);
	pw_lockset_release(&new);
	return st;
}

int pw_cmd_lock(struct pw_ctx *ctx, int argc, char **argv)
{
	struct args a = {NULL, false, false, 0};
	struct pw_config c;
	struct pw_err e = PW_ERR_INIT;
	_cleanup_free_ char *lockpath = NULL;
	int st;

	st = pw_cli_parse(ctx, &pw_cli_lock, &a, argc, argv, NULL);
	if (st != PW_CLI_GO)
		return st;
	if (a.check && a.upgrade)
		return pw_usage_error("lock", "--check and --upgrade exclude each other");
	if (pw_config_load(a.dir ? a.dir : ".", &c, &e) < 0) {
		pw_error("lock: %s", e.msg);
		return PW_EXIT_USAGE;
	}
	lockpath =
	    strcmp(c.dir, ".") ? pw_path_join(c.dir, PW_LOCK_FILE) : pw_xstrdup(PW_LOCK_FILE);
	st = a.check ? check(ctx, &c, lockpath)
		     : pw_lock_project(ctx, &c, lockpath, a.upgrade, a.jobs);
	pw_config_release(&c);
	return st;
}

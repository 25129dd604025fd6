/* cmd_run.c - `pinwheel run [OPTIONS] -- CMD ARGS...`: one command in the
 * sandbox.  Parses the options into a struct pw_sandbox_spec (with
 * --target, the target's root: session.h), compiles the seccomp profile,
 * runs, and exits with the command's status. */
#include <string.h>

#include "pinwheel/cli.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/sandbox.h"
#include "pinwheel/seccomp.h"
#include "pinwheel/session.h"
#include "pinwheel/store.h"

/* SECONDS with up to 3 decimals, to milliseconds. */
static int parse_seconds(const char *s, uint64_t *ms)
{
	const char *dot = strchr(s, '.');
	uint64_t whole, frac = 0;
	char buf[32];
	size_t n, i;

	n = dot ? (size_t)(dot - s) : strlen(s);
	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (pw_parse_u64(buf, &whole) < 0 || whole > UINT64_MAX / 1000 - 1)
		return -EINVAL;
	if (dot) {
		const char *f = dot + 1;
		size_t len = strlen(f);

		if (len == 0 || len > 3)
			return -EINVAL;
		for (i = 0; i < 3; i++) {
			if (i < len && (f[i] < '0' || f[i] > '9'))
				return -EINVAL;
			frac = frac * 10 + (i < len ? (uint64_t)(f[i] - '0') : 0);
		}
	}
	*ms = whole * 1000 + frac;
	return 0;
}

struct run_opts {
	struct pw_sandbox_spec spec;
	const char *seccomp;
	const char *status_json;
	const char *target;  /* --target */
	const char *project; /* --project or DIR */
};

/* The .call of the options that are more than a value in a field: each
 * gets its field (the spec for most), returns 0 or -EINVAL (opts.h). */
static int add_layer(const struct pw_opt *o, void *spec, const char *const *v, struct pw_err *e)
{
	(void)o, (void)e;
	pw_sandbox_spec_add_layer(spec, v[0]);
	return 0;
}

static int add_bind(const struct pw_opt *o, void *spec, const char *const *v, struct pw_err *e)
{
	enum pw_bind_kind k = !strcmp(o->name, "--ro-bind") ? PW_BIND_RO
			      : !strcmp(o->name, "--bind")  ? PW_BIND_RW
			      : !strcmp(o->name, "--tmpfs") ? PW_BIND_TMPFS
							    : PW_BIND_SYMLINK;

	return pw_sandbox_spec_add_bind(spec, k, v[0], e);
}

static int add_env(const struct pw_opt *o, void *spec, const char *const *v, struct pw_err *e)
{
	return pw_sandbox_spec_add_env(spec, v[0], !strcmp(o->name, "--env-pass"), e);
}

static int set_string(const struct pw_opt *o, void *field, const char *const *v, struct pw_err *e)
{
	char **s = field;

	(void)e;
	if (!strcmp(o->name, "--source-date-epoch")) {
		uint64_t n;

		if (pw_parse_u64(v[0], &n) < 0)
			return -EINVAL;
	}
	free(*s);
	*s = pw_xstrdup(v[0]);
	return 0;
}

static int set_seconds(const struct pw_opt *o, void *field, const char *const *v, struct pw_err *e)
{
	bool cpu = !strcmp(o->name, "--cpu");
	uint64_t ms;

	(void)e;
	if (parse_seconds(v[0], &ms) < 0 || (cpu && ms % 1000))
		return -EINVAL;
	*(uint64_t *)field = cpu ? ms / 1000 : ms;
	return 0;
}

static int set_pids(const struct pw_opt *o, void *spec, const char *const *v, struct pw_err *e)
{
	struct pw_sandbox_spec *s = spec;

	(void)o, (void)e;
	if (pw_parse_u64(v[0], &s->pids) < 0)
		return -EINVAL;
	s->pids_required = s->pids > 0;
	return 0;
}

static int set_emulate(const struct pw_opt *o, void *spec, const char *const *v, struct pw_err *e)
{
	struct pw_sandbox_spec *s = spec;

	(void)o, (void)e;
	free(s->emulate_arch);
	free(s->emulate_qemu);
	s->emulate_arch = pw_xstrdup(v[0]);
	s->emulate_qemu = pw_xstrdup(v[1]);
	return 0;
}

/* --project DIR, or DIR after --target. */
static int set_project(const struct pw_opt *o, void *opts, const char *const *v, struct pw_err *e)
{
	struct run_opts *r = opts;

	if (!o->name && (!r->target || r->project))
		return pw_err_set(e, EINVAL, "expected '--' before the command '%s'", v[0]);
	if (r->project)
		return pw_err_set(e, EINVAL, "one project DIR only, got '%s' and '%s'", r->project,
				  v[0]);
	r->project = v[0];
	return 0;
}

#define SPEC(f) PW_OPT_AT(struct run_opts, spec.f)
#define SPEC_ALL PW_OPT_AT(struct run_opts, spec)
#define CALL1(fn, w) .kind = PW_ARG_CALL, .call = (fn), .nargs = 1, .what = (w)

static const struct pw_opt run_sandbox_opts[] = {
    PW_OPT_HEADING("root file system:"),
    {.name = NULL, .kind = PW_ARG_CALL, .call = set_project, .nargs = 1, .meta = "DIR"},
    PW_OPT_TARGET(struct run_opts, target,
		  "the root of target ID of DIR/pinwheel.lock (DIR defaults to .), as 'pinwheel "
		  "fetch' built it in the store: its layers (the lock's last on top) and binds for "
		  "layers with another dest; --layer and binds given here go over them"),
    {.name = "--project",
     .meta = "DIR",
     CALL1(set_project, "a directory"),
     .help = "the same as giving DIR"},
    {.name = "--layer",
     .meta = "DIR",
     SPEC_ALL,
     CALL1(add_layer, "a directory"),
     .help = "a read-only layer (repeatable; the first is on top), composed with overlayfs over "
	     "a tmpfs upper that vanishes at exit; without layers the root is a tmpfs"},
    {.name = "--ro-root",
     .kind = PW_ARG_NONE,
     SPEC(ro_root),
     .help = "make the root read-only instead: one layer is bound as it is, several form an "
	     "overlay without upper (the fastest start); the mount points (/proc, /dev, /tmp, "
	     "bind destinations) must then exist in the layers"},
    {.name = "--ro-bind",
     .meta = "SRC:DST",
     SPEC_ALL,
     CALL1(add_bind, "SRC:DST"),
     .help = "bind SRC read-only at DST (recursive, nosuid, nodev)"},
    {.name = "--bind",
     .meta = "SRC:DST",
     SPEC_ALL,
     CALL1(add_bind, "SRC:DST"),
     .help = "bind SRC writable at DST (recursive, nosuid, nodev)"},
    {.name = "--tmpfs",
     .meta = "DST[:SIZE]",
     SPEC_ALL,
     CALL1(add_bind, "DST[:SIZE]"),
     .help = "a tmpfs at DST (default size: --tmp-size)"},
    {.name = "--symlink",
     .meta = "TARGET:LINK",
     SPEC_ALL,
     CALL1(add_bind, "TARGET:LINK"),
     .help = "create the symlink LINK -> TARGET (e.g. usr/bin:/bin)"},
    {.name = "--cwd",
     .meta = "DIR",
     SPEC(cwd),
     CALL1(set_string, "a directory"),
     .help = "working directory (default /tmp/home)"},
    {.name = "--tmp-size",
     .kind = PW_ARG_SIZE,
     .meta = "SIZE",
     SPEC(tmp_size),
     .help = "size of the /tmp tmpfs and of the root's upper layer (default 4G; K, M, G "
	     "suffixes)\nalways present: /proc (this sandbox's pids), /dev (null, zero, full, "
	     "random, urandom, tty, shm, ptmx, pts), /tmp"},
    PW_OPT_HEADING("identity and environment:"),
    {.name = "--uid",
     .kind = PW_ARG_UINT,
     .meta = "N",
     SPEC(uid),
     .min = 0,
     .max = 65534,
     .help = "the uid (and gid) inside, default 1000, mapped to the invoking user; 0 is root of "
	     "the namespace (keeps its capabilities there, none over the host)"},
    {.name = "--env",
     .meta = "K=V",
     SPEC_ALL,
     CALL1(add_env, "K=V"),
     .help = "set a variable (repeatable)"},
    {.name = "--env-pass",
     .meta = "K",
     SPEC_ALL,
     CALL1(add_env, "a variable name"),
     .help = "pass K from pinwheel's environment when set"},
    {.name = "--source-date-epoch",
     .meta = "N",
     SPEC(source_date_epoch),
     CALL1(set_string, "a decimal Unix time"),
     .help = "set SOURCE_DATE_EPOCH\nbaseline: PATH, HOME=/tmp/home, TZ=UTC, LC_ALL=C.UTF-8, "
	     "PYTHONHASHSEED=0 (--env PYTHONHASHSEED=... wins), hostname 'pinwheel', umask 022"},
    {.name = "--no-aslr",
     .kind = PW_ARG_NONE,
     SPEC(no_aslr),
     .help = "turn address space layout randomisation off for the command "
	     "(personality ADDR_NO_RANDOMIZE, as setarch -R; what build steps always do)"},
    {.name = "--linux32",
     .kind = PW_ARG_NONE,
     SPEC(linux32),
     .help = "the 32-bit execution domain (personality PER_LINUX32, as setarch i686): uname "
	     "says i686; what --target gives an i686 target on x86_64"},
    {.name = "--net",
     .kind = PW_ARG_NONE,
     SPEC(net),
     .help = "share the host network (lock steps only); the default is a new network namespace "
	     "with only 'lo' up"},
    {.name = "--seccomp",
     .kind = PW_ARG_STR,
     .meta = "NAME|PATH|none",
     PW_OPT_AT(struct run_opts, seccomp),
     .what = "a profile name, a path or none",
     .help = "the seccomp profile (default 'build')"},
    PW_OPT_HEADING("limits (0 means none):"),
    {.name = "--timeout",
     .meta = "SECONDS",
     SPEC(timeout_ms),
     CALL1(set_seconds, "seconds (up to 3 decimals)"),
     .help = "wall clock; then SIGTERM to every process of the sandbox, --grace later SIGKILL "
	     "of all of it"},
    {.name = "--grace",
     .meta = "SECONDS",
     SPEC(grace_ms),
     CALL1(set_seconds, "seconds (up to 3 decimals)"),
     .help = "between SIGTERM and SIGKILL on timeout (default 2)"},
    {.name = "--memory",
     .kind = PW_ARG_SIZE,
     .meta = "BYTES",
     SPEC(memory),
     .help = "RLIMIT_AS and RLIMIT_DATA (default none)"},
    {.name = "--pids",
     .meta = "N",
     SPEC_ALL,
     CALL1(set_pids, "a number"),
     .help = "processes of the sandbox (default 4096; RLIMIT_NPROC, a pids cgroup when run as "
	     "root)"},
    {.name = "--fsize",
     .kind = PW_ARG_SIZE,
     .meta = "BYTES",
     SPEC(fsize),
     .help = "largest file written (default 64G)"},
    {.name = "--cpu",
     .meta = "SECONDS",
     SPEC(cpu_s),
     CALL1(set_seconds, "whole seconds"),
     .help = "CPU time of each process (default none)"},
    {.name = "--nofile",
     .kind = PW_ARG_UINT,
     .meta = "N",
     SPEC(nofile),
     .what = "a number",
     .help = "open files (default 65536)"},
    PW_OPT_HEADING("other:"),
    {.name = "--emulate",
     SPEC_ALL,
     .kind = PW_ARG_CALL,
     .call = set_emulate,
     .nargs = 2,
     .meta = "ARCH QEMU",
     .what = "ARCH and QEMU_PATH",
     .help = "run ARCH binaries with the static qemu-user binary QEMU (host path), registered in "
	     "a binfmt_misc instance of the sandbox only (Linux >= 6.7); ARCH is aarch64, arm, "
	     "ppc64le, s390x, riscv64, i386 or x86_64"},
    {.name = "--status-json",
     .kind = PW_ARG_STR,
     .meta = "FILE",
     PW_OPT_AT(struct run_opts, status_json),
     .what = "a file",
     .help = "write exit code or signal, wall/user/sys time, max RSS and the limit that fired "
	     "(timeout, cpu, fsize)"},
};

#undef SPEC
#undef SPEC_ALL
#undef CALL1

const struct pw_cli_cmd pw_cli_run = {
    .name = "run",
    .opts = run_sandbox_opts,
    .nopts = PW_ARRAY_SIZE(run_sandbox_opts),
    .flags = PW_OPTS_STOP_DASHDASH,
    .usage = "usage: pinwheel run [SANDBOX OPTIONS] -- CMD [ARGS]...\n"
	     "       pinwheel run --target ID [DIR] [SANDBOX OPTIONS] -- CMD [ARGS]...\n\n"
	     "Run one command in a rootless sandbox: new user, mount, pid, network, ipc,\n"
	     "uts and cgroup namespaces, a fresh root (pivot_root), a seccomp filter,\n"
	     "no_new_privs, resource limits, a cleared environment.  Nothing of the host\n"
	     "is visible unless bound.  CMD without a '/' is searched in the sandbox PATH.\n",
    .epilogue = "exit status: the command's, or 128+N when it was killed by signal N;\n"
		"125 the sandbox could not be set up (the error names the step), 126 the\n"
		"command is not executable, 127 the command was not found, 2 usage error\n"
		"(with --target also: no or a bad pinwheel.lock, an unknown target, a root\n"
		"not fetched yet).\n",
};

/* Parse argv[1..] up to "--" into @o.  Returns PW_CLI_GO with *cmd the
 * index of the command, or the status to exit with. */
static int parse(struct pw_ctx *ctx, struct run_opts *o, int argc, char **argv, int *cmd)
{
	int st = pw_cli_parse(ctx, &pw_cli_run, o, argc, argv, cmd);

	if (st != PW_CLI_GO)
		return st;
	if (*cmd < 0)
		return pw_usage_error("run", "no command given (expected '-- CMD [ARGS]...')");
	if (*cmd >= argc)
		return pw_usage_error("run", "no command after '--'");
	if (o->project && !o->target)
		return pw_usage_error("run", "a project DIR needs --target");
	o->spec.gid = o->spec.uid; /* --uid N sets both */
	return PW_CLI_GO;
}

/* --target: open the project's session, check that the target's root is
 * in the store and compose it into @o->spec.  Returns 0 or an exit status
 * after printing one line. */
static int compose_target(struct pw_ctx *ctx, struct run_opts *o, struct pw_session *ss)
{
	_cleanup_free_ char *storedir = pw_ctx_store_dir(ctx);
	struct pw_err e = PW_ERR_INIT;
	struct pw_root_plan p;

	if (pw_session_open(ss, o->project, storedir, 0, &e) < 0 ||
	    pw_session_target(ss, o->target, &p, &e) < 0) {
		pw_error("run: %s", e.msg);
		return PW_EXIT_USAGE;
	}
	pw_debug("target %s: root %s (%zu trees)", p.target, p.id, p.n);
	pw_roots_to_spec(ss->store, &p, &o->spec);
	if (o->spec.emulate_qemu)
		pw_debug("target %s: --emulate %s '%s'", p.target, o->spec.emulate_arch,
			 o->spec.emulate_qemu);
	pw_root_plan_release(&p);
	return 0;
}

int pw_cmd_run(struct pw_ctx *ctx, int argc, char **argv)
{
	struct pw_session ss = PW_SESSION_INIT;
	struct run_opts o;
	struct pw_sandbox_result res;
	struct pw_err e = PW_ERR_INIT;
	struct pw_seccomp_prog *prog = NULL, *own = NULL;
	int cmd, r, status;

	memset(&o, 0, sizeof(o));
	pw_sandbox_spec_init(&o.spec);
	/* As in build steps; --env and --env-pass given later replace it. */
	pw_sandbox_spec_add_env(&o.spec, "PYTHONHASHSEED=0", false, &e);
	o.seccomp = "build";
	status = parse(ctx, &o, argc, argv, &cmd);
	if (status != PW_CLI_GO)
		goto out;
	if (o.target) {
		status = compose_target(ctx, &o, &ss);
		if (status)
			goto out;
	}
	if (pw_sandbox_spec_check(&o.spec, &e) < 0) {
		status = pw_usage_error("run", "%s", e.msg);
		goto out;
	}
	if (o.target) {
		r = pw_session_seccomp(&ss, o.seccomp, o.spec.net, &prog, &e);
	} else {
		_cleanup_free_ char *store = pw_ctx_store_dir(ctx);

		r = pw_seccomp_for_store(store, o.seccomp, o.spec.net, &own, &e);
		prog = own;
	}
	if (r < 0) {
		pw_error("run: seccomp: %s", e.msg);
		status = PW_SANDBOX_EXIT_SETUP;
		goto out;
	}
	o.spec.seccomp = prog;
	/* pinwheel exits right after: the kernel's teardown of the
	 * namespaces need not be waited for (see sandbox.h). */
	o.spec.no_teardown_wait = true;
	r = pw_sandbox_run(&o.spec, argv + cmd, &res, &e);
	if (r < 0)
		pw_error("run: %s", e.msg);
	status = res.status;
	if (o.status_json && pw_sandbox_result_write_json(&res, o.status_json, &e) < 0) {
		pw_error("run: --status-json: %s", e.msg);
		if (status == 0)
			status = PW_EXIT_FAIL;
	}
out:
	pw_seccomp_prog_free(own);
	pw_session_close(&ss);
	pw_sandbox_spec_release(&o.spec);
	return status;
}

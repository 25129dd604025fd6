/* cmd_run.c - `pinwheel run [OPTIONS] -- CMD ARGS...`: one command in the
 * sandbox.  Parses the options into a struct pw_sandbox_spec (with
 * --target, the target's root from pinwheel.lock: toolchains/roots.c), compiles
 * the seccomp profile, runs, and exits with the command's status. */
#include <string.h>

#include "pinwheel/cli.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/lock.h"
#include "pinwheel/roots.h"
#include "pinwheel/sandbox.h"
#include "pinwheel/seccomp.h"
#include "pinwheel/store.h"

const char pw_help_run[] =
    "usage: pinwheel run [SANDBOX OPTIONS] -- CMD [ARGS]...\n"
    "       pinwheel run --target ID [DIR] [SANDBOX OPTIONS] -- CMD [ARGS]...\n\n"
    "Run one command in a rootless sandbox: new user, mount, pid, network, ipc,\n"
    "uts and cgroup namespaces, a fresh root (pivot_root), a seccomp filter,\n"
    "no_new_privs, resource limits, a cleared environment.  Nothing of the host\n"
    "is visible unless bound.  CMD without a '/' is searched in the sandbox PATH.\n"
    "\nroot file system:\n"
    "  --target ID            the root of target ID of DIR/pinwheel.lock (DIR\n"
    "                         defaults to .), as 'pinwheel fetch' built it in the\n"
    "                         store: its layers (the lock's last on top) and binds\n"
    "                         for layers with another dest; --layer and binds given\n"
    "                         here go over them\n"
    "  --project DIR          the same as giving DIR\n"
    "  --layer DIR            a read-only layer (repeatable; the first is on top),\n"
    "                         composed with overlayfs over a tmpfs upper that\n"
    "                         vanishes at exit; without layers the root is a tmpfs\n"
    "  --ro-root              make the root read-only instead: one layer is bound\n"
    "                         as it is, several form an overlay without upper (the\n"
    "                         fastest start); the mount points (/proc, /dev, /tmp,\n"
    "                         bind destinations) must then exist in the layers\n"
    "  --ro-bind SRC:DST      bind SRC read-only at DST (recursive, nosuid, nodev)\n"
    "  --bind SRC:DST         bind SRC writable at DST (recursive, nosuid, nodev)\n"
    "  --tmpfs DST[:SIZE]     a tmpfs at DST (default size: --tmp-size)\n"
    "  --symlink TARGET:LINK  create the symlink LINK -> TARGET (e.g. usr/bin:/bin)\n"
    "  --cwd DIR              working directory (default /tmp/home)\n"
    "  --tmp-size SIZE        size of the /tmp tmpfs and of the root's upper layer\n"
    "                         (default 4G; K, M, G suffixes)\n"
    "                         always present: /proc (this sandbox's pids), /dev (null,\n"
    "                         zero, full, random, urandom, tty, shm, ptmx, pts), /tmp\n"
    "\nidentity and environment:\n"
    "  --uid N                the uid (and gid) inside, default 1000, mapped to the\n"
    "                         invoking user; 0 is root of the namespace (keeps its\n"
    "                         capabilities there, none over the host)\n"
    "  --env K=V              set a variable (repeatable)\n"
    "  --env-pass K           pass K from pinwheel's environment when set\n"
    "  --source-date-epoch N  set SOURCE_DATE_EPOCH\n"
    "                         baseline: PATH, HOME=/tmp/home, TZ=UTC, LC_ALL=C.UTF-8,\n"
    "                         hostname 'pinwheel', umask 022\n"
    "  --net                  share the host network (lock steps only); the default\n"
    "                         is a new network namespace with only 'lo' up\n"
    "  --seccomp NAME|PATH|none  the seccomp profile (default 'build')\n"
    "\nlimits (0 means none):\n"
    "  --timeout SECONDS      wall clock; then SIGTERM to every process of the\n"
    "                         sandbox, --grace later SIGKILL of all of it\n"
    "  --grace SECONDS        between SIGTERM and SIGKILL on timeout (default 2)\n"
    "  --memory BYTES         RLIMIT_AS and RLIMIT_DATA (default none)\n"
    "  --pids N               processes of the sandbox (default 4096; RLIMIT_NPROC,\n"
    "                         a pids cgroup when run as root)\n"
    "  --fsize BYTES          largest file written (default 64G)\n"
    "  --cpu SECONDS          CPU time of each process (default none)\n"
    "  --nofile N             open files (default 65536)\n"
    "\nother:\n"
    "  --emulate ARCH QEMU    run ARCH binaries with the static qemu-user binary QEMU\n"
    "                         (host path), registered in a binfmt_misc instance of\n"
    "                         the sandbox only (Linux >= 6.7); ARCH is aarch64, arm,\n"
    "                         ppc64le, s390x, riscv64, i386 or x86_64\n"
    "  --status-json FILE     write exit code or signal, wall/user/sys time, max RSS\n"
    "                         and the limit that fired (timeout, cpu, fsize)\n"
    "\nexit status: the command's, or 128+N when it was killed by signal N;\n"
    "125 the sandbox could not be set up (the error names the step), 126 the\n"
    "command is not executable, 127 the command was not found, 2 usage error\n"
    "(with --target also: no or a bad pinwheel.lock, an unknown target, a root\n"
    "not fetched yet).\n";

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

/* Parse argv[1..] up to "--".  Returns the index of the command or a
 * negative value after printing a usage error. */
static int parse(struct pw_ctx *ctx, struct run_opts *o, int argc, char **argv)
{
	struct pw_sandbox_spec *s = &o->spec;
	struct pw_err e = PW_ERR_INIT;
	int i, r;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		bool missing = false;
		uint64_t n;

#define OPT(name) ((v = pw_opt_arg(name, argc, argv, &i, &missing)) || missing)
#define NEED(name)                                                                                 \
	do {                                                                                       \
		if (missing)                                                                       \
			return -pw_usage_error("run", "option '%s' needs a value", name);          \
	} while (0)
		if (!strcmp(a, "--"))
			return i + 1 < argc ? i + 1
					    : -pw_usage_error("run", "no command after '--'");
		r = pw_global_opt(ctx, argc, argv, &i);
		if (r < 0)
			return -PW_EXIT_USAGE;
		if (r > 0)
			continue;
		if (!strcmp(a, "--net")) {
			s->net = true;
		} else if (!strcmp(a, "--ro-root")) {
			s->ro_root = true;
		} else if (OPT("--layer")) {
			NEED("--layer");
			pw_sandbox_spec_add_layer(s, v);
		} else if (OPT("--ro-bind") || OPT("--bind") || OPT("--tmpfs") ||
			   OPT("--symlink")) {
			enum pw_bind_kind k = !strncmp(a, "--ro-bind", 9) ? PW_BIND_RO
					      : !strncmp(a, "--bind", 6)  ? PW_BIND_RW
					      : !strncmp(a, "--tmpfs", 7) ? PW_BIND_TMPFS
									  : PW_BIND_SYMLINK;

			if (missing)
				return -pw_usage_error("run", "option '%s' needs a value", a);
			if (pw_sandbox_spec_add_bind(s, k, v, &e) < 0)
				return -pw_usage_error("run", "%s", e.msg);
		} else if (OPT("--target")) {
			NEED("--target");
			o->target = v;
		} else if (OPT("--project")) {
			NEED("--project");
			if (o->project)
				return -pw_usage_error("run",
						       "one project DIR only, got '%s' and '%s'",
						       o->project, v);
			o->project = v;
		} else if (OPT("--cwd")) {
			NEED("--cwd");
			free(s->cwd);
			s->cwd = pw_xstrdup(v);
		} else if (OPT("--env")) {
			NEED("--env");
			if (pw_sandbox_spec_add_env(s, v, false, &e) < 0)
				return -pw_usage_error("run", "%s", e.msg);
		} else if (OPT("--env-pass")) {
			NEED("--env-pass");
			if (pw_sandbox_spec_add_env(s, v, true, &e) < 0)
				return -pw_usage_error("run", "%s", e.msg);
		} else if (OPT("--source-date-epoch")) {
			NEED("--source-date-epoch");
			if (pw_parse_u64(v, &n) < 0)
				return -pw_usage_error("run",
						       "--source-date-epoch '%s': expected a "
						       "decimal Unix time",
						       v);
			free(s->source_date_epoch);
			s->source_date_epoch = pw_xstrdup(v);
		} else if (OPT("--uid")) {
			NEED("--uid");
			if (pw_parse_u64(v, &n) < 0 || n > 65534)
				return -pw_usage_error("run",
						       "--uid '%s': expected a number from 0 "
						       "to 65534",
						       v);
			s->uid = (uid_t)n;
			s->gid = (gid_t)n;
		} else if (OPT("--seccomp")) {
			NEED("--seccomp");
			o->seccomp = v;
		} else if (OPT("--status-json")) {
			NEED("--status-json");
			o->status_json = v;
		} else if (OPT("--timeout") || OPT("--grace") || OPT("--cpu")) {
			uint64_t ms;
			bool is_cpu = !strncmp(a, "--cpu", 5);

			if (missing)
				return -pw_usage_error("run", "option '%s' needs a value", a);
			if (parse_seconds(v, &ms) < 0 || (is_cpu && ms % 1000))
				return -pw_usage_error("run", "%.9s '%s': expected %s", a, v,
						       is_cpu ? "whole seconds"
							      : "seconds (up to 3 decimals)");
			if (is_cpu)
				s->cpu_s = ms / 1000;
			else if (!strncmp(a, "--timeout", 9))
				s->timeout_ms = ms;
			else
				s->grace_ms = ms;
		} else if (OPT("--memory") || OPT("--fsize") || OPT("--tmp-size")) {
			if (missing)
				return -pw_usage_error("run", "option '%s' needs a value", a);
			if (pw_parse_size(v, &n) < 0)
				return -pw_usage_error("run",
						       "'%s': expected a size in bytes "
						       "(K, M, G suffixes allowed), got '%s'",
						       a, v);
			if (!strncmp(a, "--memory", 8))
				s->memory = n;
			else if (!strncmp(a, "--fsize", 7))
				s->fsize = n;
			else
				s->tmp_size = n;
		} else if (OPT("--pids") || OPT("--nofile")) {
			bool pids = !strncmp(a, "--pids", 6);

			if (missing)
				return -pw_usage_error("run", "option '%s' needs a value", a);
			if (pw_parse_u64(v, &n) < 0)
				return -pw_usage_error("run", "%s '%s': expected a number",
						       pids ? "--pids" : "--nofile", v);
			if (pids) {
				s->pids = n;
				s->pids_required = n > 0;
			} else {
				s->nofile = n;
			}
		} else if (!strcmp(a, "--emulate")) {
			if (i + 2 >= argc)
				return -pw_usage_error(
				    "run", "option '--emulate' needs ARCH and QEMU_PATH");
			free(s->emulate_arch);
			free(s->emulate_qemu);
			s->emulate_arch = pw_xstrdup(argv[++i]);
			s->emulate_qemu = pw_xstrdup(argv[++i]);
		} else if (a[0] == '-') {
			return -pw_usage_error("run", "unknown option '%s'", a);
		} else if (o->target && !o->project) {
			o->project = a;
		} else {
			return -pw_usage_error("run", "expected '--' before the command '%s'", a);
		}
#undef OPT
#undef NEED
	}
	return -pw_usage_error("run", "no command given (expected '-- CMD [ARGS]...')");
}

/* --target: check that the target's root is in the store and compose it
 * into @o->spec.  Returns 0 or an exit status after printing one line. */
static int compose_target(struct pw_ctx *ctx, struct run_opts *o)
{
	struct pw_lockset lf = PW_LOCKSET_INIT;
	struct pw_err e = PW_ERR_INIT;
	struct pw_root_plan p;
	const struct pw_root *root;
	_cleanup_free_ char *lockpath = NULL, *storedir = NULL;
	struct pw_store *s = NULL;
	int st = PW_EXIT_USAGE;

	lockpath = pw_path_join(o->project ? o->project : ".", PW_LOCK_FILE);
	if (pw_lock_load(lockpath, &lf, &e) < 0) {
		pw_error("run: %s", e.msg);
		return PW_EXIT_USAGE;
	}
	root = pw_lockset_find_root(&lf, o->target);
	if (!root) {
		pw_error("run: target '%s' is not in '%s' (%zu targets there)", o->target, lockpath,
			 lf.nroots);
		goto out;
	}
	storedir = pw_ctx_store_dir(ctx);
	if (!storedir) {
		pw_error("run: no store directory: use --store, $PINWHEEL_STORE or set HOME");
		goto out;
	}
	s = pw_store_open(storedir, &e);
	if (!s) {
		pw_error("run: %s", e.msg);
		goto out;
	}
	if (pw_lock_check_blobs(lockpath, &lf, pw_store_dir(s), &e) < 0) {
		pw_error("run: %s", e.msg);
		goto out;
	}
	if (pw_roots_plan(s, &lf, root, PW_ROOTS_CHECK, &p, &e) < 0) {
		pw_error("run: %s", e.msg);
		goto out;
	}
	if (pw_roots_check_emulation(&p, &e) < 0) { /* a foreign root runs under its qemu */
		pw_error("run: %s", e.msg);
		pw_root_plan_release(&p);
		goto out;
	}
	pw_debug("target %s: root %s (%zu trees)", p.target, p.id, p.n);
	pw_roots_to_spec(s, &p, &o->spec);
	if (o->spec.emulate_qemu)
		pw_debug("target %s: --emulate %s '%s'", p.target, o->spec.emulate_arch,
			 o->spec.emulate_qemu);
	pw_root_plan_release(&p);
	st = 0;
out:
	if (s)
		pw_store_close(s);
	pw_lockset_release(&lf);
	return st;
}

int pw_cmd_run(struct pw_ctx *ctx, int argc, char **argv)
{
	struct run_opts o;
	struct pw_sandbox_result res;
	struct pw_err e = PW_ERR_INIT;
	struct pw_seccomp_prog *prog = NULL;
	char *store = NULL, *cache = NULL;
	int cmd, r, status;

	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (pw_is_help(argv[i])) {
			fputs(pw_help_run, stdout);
			return PW_EXIT_OK;
		}
	memset(&o, 0, sizeof(o));
	pw_sandbox_spec_init(&o.spec);
	o.seccomp = "build";
	cmd = parse(ctx, &o, argc, argv);
	if (cmd < 0) {
		status = -cmd;
		goto out;
	}
	if (o.project && !o.target) {
		status = pw_usage_error("run", "a project DIR needs --target");
		goto out;
	}
	if (o.target) {
		status = compose_target(ctx, &o);
		if (status)
			goto out;
	}
	if (pw_sandbox_spec_check(&o.spec, &e) < 0) {
		status = pw_usage_error("run", "%s", e.msg);
		goto out;
	}
	if (strcmp(o.seccomp, "none") != 0) {
		struct pw_seccomp_opts so = {.allow_net = o.spec.net, .cache_dir = NULL};

		store = pw_ctx_store_dir(ctx);
		if (store)
			cache = pw_path_join(store, "cache/seccomp");
		so.cache_dir = cache;
		prog = pw_seccomp_compile(o.seccomp, &so, &e);
		if (!prog) {
			pw_error("run: seccomp: %s", e.msg);
			status = PW_SANDBOX_EXIT_SETUP;
			goto out;
		}
		o.spec.seccomp = prog;
	}
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
	pw_seccomp_prog_free(prog);
	free(cache);
	free(store);
	pw_sandbox_spec_release(&o.spec);
	return status;
}

/* cpython.c - CPython built from a pinned source archive (include/
 * pinwheel/cpython.h): the key "cpython" of a Debian base, its lock (the
 * upstream tarball from the suite's Sources index or the config, the
 * build dependencies from the suite), and the layer "cpython-3.Nt-ARCH"
 * (the build root and the interpreter built in it). */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pinwheel/artifact.h"
#include "pinwheel/buf.h"
#include "pinwheel/cpython.h"
#include "pinwheel/debian.h"
#include "pinwheel/derived.h"
#include "pinwheel/emulator.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/jcheck.h"
#include "pinwheel/jpos.h"
#include "pinwheel/lockstep.h"
#include "pinwheel/provider.h"
#include "pinwheel/roots.h"
#include "pinwheel/sandbox.h"
#include "pinwheel/seccomp.h"
#include "pinwheel/store.h"
#include "pinwheel/target.h"

/* The build recipe; its version is part of every tree id.  The arguments:
 * $1 the prefix, $2 the interpreter's name (python3.13t), then configure's
 * own.  The source is read-only at /tmp/pinwheel-src (an out-of-tree
 * build), the work directory /tmp/pinwheel-out is the host's; the step
 * in progress is written to step, everything else to build.log. */
#define RECIPE_VERSION "cpython-build;v1"
static const char recipe[] =
    "set -eu\n"
    "out=/tmp/pinwheel-out\n"
    "exec >$out/build.log 2>&1\n"
    "prefix=$1 exe=$2\n"
    "shift 2\n"
    "mkdir $out/build\n"
    "cd $out/build\n"
    "echo configure >$out/step\n"
    "/tmp/pinwheel-src/configure --prefix=\"$prefix\" --with-ensurepip=install \"$@\"\n"
    "echo make >$out/step\n"
    "make -j\"$(nproc)\"\n"
    "echo 'make install' >$out/step\n"
    "make install DESTDIR=$out/tree\n"
    "ln -s \"$exe\" \"$out/tree$prefix/bin/python\"\n"
    "echo 'the check of the installed interpreter' >$out/step\n"
    "\"$out/tree$prefix/bin/python\" -c 'import sys, sysconfig, pip; print(sys.version, "
    "sysconfig.get_config_var(\"Py_GIL_DISABLED\"))'\n"
    "echo done >$out/step\n";

/* The cross build of a foreign target's interpreter (docs/debian.md,
 * "CPython for a foreign target"): $1 the prefix, $2 the interpreter's
 * name, $3 the target's GNU triplet, $4 this machine's, then configure's
 * own.  The root has this machine's tools and the cross compiler over the
 * target's headers and libraries (multiarch), and the build interpreter of
 * the same version at the prefix itself (it byte-compiles the library and
 * installs pip for the target, so its prefix must be the target's; pip by
 * its own pip with --ignore-installed, as ensurepip would find the build
 * interpreter's pip there and install nothing).  The
 * interpreter built cannot run here: the check is that the target's
 * sysconfig and pip are in place (the smoke test runs it, emulated). */
#define CROSS_RECIPE_VERSION "cpython-cross-build;v1"
static const char cross_recipe[] =
    "set -eu\n"
    "out=/tmp/pinwheel-out\n"
    "exec >$out/build.log 2>&1\n"
    "prefix=$1 exe=$2 host=$3 build=$4\n"
    "shift 4\n"
    "mkdir $out/build\n"
    "cd $out/build\n"
    "echo configure >$out/step\n"
    "export PKG_CONFIG_LIBDIR=/usr/lib/$host/pkgconfig:/usr/share/pkgconfig\n"
    "/tmp/pinwheel-src/configure --prefix=\"$prefix\" --with-ensurepip=no "
    "--host=\"$host\" --build=\"$build\" --with-build-python=\"$prefix/bin/$exe\" "
    "ac_cv_file__dev_ptmx=yes ac_cv_file__dev_ptc=no ac_cv_buggy_getaddrinfo=no \"$@\"\n"
    "echo make >$out/step\n"
    "make -j\"$(nproc)\"\n"
    "echo 'make install' >$out/step\n"
    "make install DESTDIR=$out/tree\n"
    "echo 'the install of pip' >$out/step\n"
    "\"$prefix/bin/$exe\" -m pip install --no-index --no-cache-dir --disable-pip-version-check "
    "--ignore-installed --root \"$out/tree\" --find-links "
    "\"$out/tree$prefix/lib/$exe/ensurepip/_bundled\" "
    "pip\n"
    "ln -s \"$exe\" \"$out/tree$prefix/bin/python\"\n"
    "echo 'the check of the installed interpreter' >$out/step\n"
    "test -x \"$out/tree$prefix/bin/$exe\"\n"
    "ls \"$out/tree$prefix/lib/$exe/\"_sysconfigdata_*_linux_$host.py\n"
    "ls -d \"$out/tree$prefix/lib/$exe/site-packages/pip\"\n"
    "echo done >$out/step\n";

bool pw_cpython_arg_ok(const char *s)
{
	size_t n;

	if (!s || !*s)
		return false;
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
			return false;
	if (!strncmp(s, "--", 2)) {
		n = strspn(s + 2, "abcdefghijklmnopqrstuvwxyz0123456789-");
		return n > 0 && (s[2 + n] == '\0' || s[2 + n] == '=');
	}
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
		return false;
	n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
	return s[n] == '=';
}

void pw_cpython_tree_id(const char *source_sha, const char *root_id, const char *prefix,
			char *const *configure, size_t nconfigure, char id[PW_SHA256_HEX])
{
	struct pw_buf b = PW_BUF_INIT(SIZE_MAX / 2);

	pw_buf_addf(&b, "%s\n%s\nsource %s\nroot %s\nprefix %s\n", RECIPE_VERSION, recipe,
		    source_sha, root_id, prefix);
	for (size_t i = 0; i < nconfigure; i++)
		pw_buf_addf(&b, "configure %s\n", configure[i]);
	pw_sha256_mem(b.buf, b.len, id);
	pw_buf_release(&b);
}

/* ---- the layer "cpython-3.N[t]-ARCH" ---- */

/* Parse a layer name into the minor version, free-threading and the
 * Debian architecture (borrowed from @name).  false when it is not one. */
static bool layer_parse(const char *name, unsigned *minor, bool *ft, const char **arch)
{
	const char *p, *dash;
	unsigned m = 0;
	size_t d = 0;

	if (!name || strncmp(name, "cpython-3.", 10))
		return false;
	p = name + 10;
	while (*p >= '0' && *p <= '9' && d < 3) {
		m = m * 10 + (unsigned)(*p++ - '0');
		d++;
	}
	if (!d || m < 6)
		return false;
	*ft = *p == 't';
	p += *ft;
	if (*p != '-')
		return false;
	dash = p + 1;
	if (!*dash || strspn(dash, "abcdefghijklmnopqrstuvwxyz0123456789") != strlen(dash))
		return false;
	*minor = m;
	*arch = dash;
	return true;
}

struct cpython_build {
	struct pw_store *store;
	const char *id, *src_path, *prefix, *exe, *label;
	const char *layers[2];		  /* the root's trees, top first (NULL: none) */
	const struct pw_root_plan *lower; /* and below them these, or NULL */
	const char *recipe;
	const char *triplets[2]; /* the cross recipe's target and build triplets */
	char *const *configure;
	size_t nconfigure;
};

/* The first line of the small file @path without its newline, or "". */
static char *read_line(const char *path)
{
	char buf[128] = "";
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n;

	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	buf[strcspn(buf, "\n")] = '\0';
	for (char *c = buf; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
			*c = '?';
	return pw_xstrdup(buf);
}

/* The last non-empty line of the log @path (at most 160 bytes, printable),
 * or "". */
static char *log_last_line(const char *path)
{
	char buf[4096];
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	ssize_t n = 0;
	char *end, *start;

	if (fd < 0)
		return pw_xstrdup("");
	if (fstat(fd, &st) == 0 && st.st_size > (off_t)sizeof(buf) - 1)
		(void)lseek(fd, st.st_size - (off_t)sizeof(buf) + 1, SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	end = buf + strlen(buf);
	while (end > buf && (end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\r'))
		end--;
	*end = '\0';
	start = strrchr(buf, '\n');
	start = start ? start + 1 : buf;
	if (strlen(start) > 160)
		start[160] = '\0';
	for (char *c = start; *c; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
			*c = '?';
	return pw_xstrdup(start);
}

/* The failed build's log kept as STORE/cache/cpython/<id>.log; the path,
 * or NULL. */
static char *keep_log(const struct cpython_build *cb, const char *logp)
{
	_cleanup_free_ char *dir = pw_xasprintf("%s/cache/cpython", pw_store_dir(cb->store));
	char *kept = pw_xasprintf("%s/%s.log", dir, cb->id);
	struct stat st;

	if (pw_mkdir_p(dir, 0755) < 0 || lstat(logp, &st) < 0 || !S_ISREG(st.st_mode) ||
	    rename(logp, kept) < 0) {
		free(kept);
		return NULL;
	}
	return kept;
}

/* Build the interpreter into @dirfd (pw_derived_tree_make()): in a work
 * directory beside the store's temp dir of the tree (its name starts with
 * the tree's lock key, so `store gc` sweeps one a killed build left), run
 * the recipe in the build root, then move DESTDIR's entries in. */
static int build_tree(void *ud, int dirfd, json_t *record, struct pw_err *e)
{
	const struct cpython_build *cb = ud;
	_cleanup_free_ char *work = NULL, *tree = NULL, *logp = NULL, *stepp = NULL, *bind = NULL;
	struct pw_sandbox_spec s;
	struct pw_sandbox_result res;
	struct pw_seccomp_prog *prog = NULL;
	char **argv = NULL;
	size_t na = 0;
	int r;

	pw_sandbox_spec_init(&s);
	work = pw_xasprintf("%s/tmp/tree-%s.work.XXXXXX", pw_store_dir(cb->store), cb->id);
	if (!mkdtemp(work)) {
		r = pw_err_sys(e, errno, "could not create '%s'", work);
		work[0] = '\0';
		goto out;
	}
	tree = pw_path_join(work, "tree");
	logp = pw_path_join(work, "build.log");
	stepp = pw_path_join(work, "step");
	if (mkdir(tree, 0755) < 0) {
		r = pw_err_sys(e, errno, "could not create '%s'", tree);
		goto out;
	}
	r = pw_seccomp_for_store(pw_store_dir(cb->store), "build", false, &prog, e);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < PW_ARRAY_SIZE(cb->layers); i++)
		if (cb->layers[i])
			pw_sandbox_spec_add_layer(&s, cb->layers[i]);
	if (cb->lower)
		pw_roots_to_spec(cb->store, cb->lower, &s);
	s.seccomp = prog;
	s.net = false;
	s.source_date_epoch = pw_xstrdup("315532800");
	s.cwd = pw_xstrdup("/tmp");
	bind = pw_xasprintf("%s:/tmp/pinwheel-src", cb->src_path);
	r = pw_sandbox_spec_add_bind(&s, PW_BIND_RO, bind, e);
	free(bind);
	bind = pw_xasprintf("%s:/tmp/pinwheel-out", work);
	if (r == 0)
		r = pw_sandbox_spec_add_bind(&s, PW_BIND_RW, bind, e);
	if (r < 0)
		goto out;
	argv = pw_xcalloc(cb->nconfigure + 9, sizeof(*argv));
	argv[na++] = (char *)"/bin/sh";
	argv[na++] = (char *)"-c";
	argv[na++] = (char *)cb->recipe;
	argv[na++] = (char *)"sh";
	argv[na++] = (char *)cb->prefix;
	argv[na++] = (char *)cb->exe;
	for (size_t i = 0; i < PW_ARRAY_SIZE(cb->triplets); i++)
		if (cb->triplets[i])
			argv[na++] = (char *)cb->triplets[i];
	for (size_t i = 0; i < cb->nconfigure; i++)
		argv[na++] = cb->configure[i];
	memset(&res, 0, sizeof(res));
	r = pw_sandbox_run(&s, argv, &res, e);
	if (r < 0) {
		pw_err_prefix(e, "%s", cb->label);
		goto out;
	}
	if (!res.exited || res.exit_code != 0) {
		_cleanup_free_ char *step = read_line(stepp), *last = log_last_line(logp);
		_cleanup_free_ char *kept = keep_log(cb, logp);
		_cleanup_free_ char *how =
		    !res.exited ? pw_xasprintf("was killed by signal %d", res.signal)
				: pw_xasprintf("exited with status %d", res.exit_code);

		r = pw_err_set(e, EIO, "%s: %s %s (log: %s)%s%s", cb->label,
			       *step ? step : "the build", how, kept ? kept : "not kept",
			       *last ? ": " : "", last);
		goto out;
	}
	r = pw_store_move_entries(tree, dirfd, e);
	if (r == 0 && json_object_set_new(record, "cpython", json_string(cb->label)) < 0)
		r = pw_err_set(e, ENOMEM, "could not build the tree record");
out:
	free(argv);
	pw_sandbox_spec_release(&s);
	pw_seccomp_prog_free(prog);
	if (work && *work)
		pw_rm_rf(work);
	return r;
}

/* The .debs of layer @l whose sha256 are @shas (@n) as Debian artifacts
 * of @arch (the strings borrowed from the lock) into *out (caller frees).
 * 0 or -EINVAL naming one that is not a .deb of the lock. */
static int debs_of(struct pw_layer_ctx *lc, const struct pw_layer *l, char *const *shas, size_t n,
		   const char *arch, struct pw_deb_artifact **out, struct pw_err *e)
{
	struct pw_deb_artifact *debs = pw_xcalloc(n + 1, sizeof(*debs));

	for (size_t i = 0; i < n; i++) {
		const struct pw_artifact *la = pw_lockset_find_sha(lc->ls, shas[i]);
		struct pw_deb_artifact *a = &debs[i];

		if (!la || strcmp(la->kind, "deb")) {
			free(debs);
			return pw_err_set(e, EINVAL,
					  "layer '%s': artifact %s is not a .deb of the lock",
					  l->name, shas[i]);
		}
		a->package = la->package ? la->package : la->name;
		a->version = la->version ? la->version : (char *)"";
		a->arch = (char *)arch;
		a->url = la->nurls ? la->urls[0] : NULL;
		memcpy(a->sha256, la->sha256, sizeof(a->sha256));
		a->size = la->size;
	}
	*out = debs;
	return 0;
}

/* One interpreter tree (@cb with its id set) made unless the store has it;
 * the source tree unpacked first.  0 or -errno. */
static int make_interp(struct pw_layer_ctx *lc, const struct pw_artifact *src,
		       struct cpython_build *cb, struct pw_err *e)
{
	static const struct pw_unpack_opts strip1 = {.strip = 1};
	_cleanup_free_ char *src_path = NULL;
	bool cached = true;
	int r;

	if (pw_store_has_tree(lc->store, cb->id))
		return 0;
	r = pw_store_make_tree(lc->store, src->sha256, &strip1, &src_path, &cached, e);
	if (r < 0)
		return r;
	cb->src_path = src_path;
	cached = true;
	r = pw_derived_tree_make(lc->store, cb->id, PW_CPYTHON_LAYER_HOW, build_tree, cb, NULL,
				 &cached, e);
	cb->src_path = NULL;
	lc->plan->nbuilt += r == 0 && !cached;
	return r;
}

/* This machine's GNU triplet (configure's --build), or NULL. */
static const char *host_triplet(void)
{
	return !strcmp(pw_host_arch(), "x86_64") ? "x86_64-linux-gnu"
						 : pw_cross_gnu_triplet(pw_host_arch());
}

/* The cross-built interpreter's tree id: the cross recipe, the tarball,
 * the trees of its build root (this machine's tools and cross compiler,
 * the build interpreter, the target's root below them) and configure. */
static void cross_tree_id(const char *source_sha, const char *tools_id, const char *buildpy_id,
			  const char *lower_id, const char *prefix, const char *host,
			  const char *build, char *const *configure, size_t nconfigure,
			  char id[PW_SHA256_HEX])
{
	struct pw_buf b = PW_BUF_INIT(SIZE_MAX / 2);

	pw_buf_addf(&b,
		    "%s\n%s\nsource %s\ntools %s\nbuild-python %s\nbelow %s\nprefix %s\n"
		    "host %s\nbuild %s\n",
		    CROSS_RECIPE_VERSION, cross_recipe, source_sha, tools_id, buildpy_id, lower_id,
		    prefix, host, build);
	for (size_t i = 0; i < nconfigure; i++)
		pw_buf_addf(&b, "configure %s\n", configure[i]);
	pw_sha256_mem(b.buf, b.len, id);
	pw_buf_release(&b);
}

/* The layer of a foreign target's interpreter (l->build: the build
 * interpreter's root; see provide_cross()): the build interpreter made as
 * the host's own layer makes it (the same tree id: a store that has
 * cpython-3.N-HOST has it), then the cross build in this machine's tools
 * over the trees of the root so far.  Only the interpreter is laid into
 * the root. */
static int build_cross(struct pw_layer_ctx *lc, const struct pw_layer *l,
		       const struct pw_artifact *src, const char *arch, const char *prefix,
		       const char *exe, const char *label, struct pw_err *e)
{
	const char *host = pw_host_debian_arch(), *host_gnu = host_triplet();
	const char *tgt = NULL, *gnu;
	struct pw_deb_artifact *tools = NULL, *bdebs = NULL;
	_cleanup_free_ char *tools_id = NULL, *broot_id = NULL, *tools_path = NULL,
			    *broot_path = NULL, *bpy_path = NULL, *blabel = NULL;
	char bpy_id[PW_SHA256_HEX], lower_id[PW_SHA256_HEX], id[PW_SHA256_HEX];
	bool cached = true;
	int r;

	for (const struct pw_platform *p = pw_platforms; p->name && !tgt; p++)
		if (!strcmp(p->debian_arch, arch))
			tgt = p->arch;
	gnu = pw_cross_gnu_triplet(tgt);
	if (!gnu || !host || !host_gnu || !strcmp(arch, host))
		return pw_err_set(e, EINVAL,
				  "layer '%s': 'build_requires' (a cross build) needs a foreign "
				  "architecture with a cross compiler, not '%s'",
				  l->name, arch);
	r = debs_of(lc, l, l->artifacts + 1, l->n - 1, host, &tools, e);
	if (r == 0)
		r = debs_of(lc, l, l->build, l->nbuild, host, &bdebs, e);
	if (r < 0)
		goto out;
	tools_id = pw_debian_root_id(tools, l->n - 1, host);
	broot_id = pw_debian_root_id(bdebs, l->nbuild, host);
	pw_cpython_tree_id(src->sha256, broot_id, prefix, l->configure, l->nconfigure, bpy_id);
	pw_root_plan_id(lc->plan, lower_id);
	cross_tree_id(src->sha256, tools_id, bpy_id, lower_id, prefix, gnu, host_gnu, l->configure,
		      l->nconfigure, id);
	if (lc->store && !pw_store_has_tree(lc->store, id)) {
		struct cpython_build cb = {.store = lc->store, .prefix = prefix, .exe = exe};

		/* the build interpreter, as the host's own layer builds it */
		cb.id = bpy_id;
		cb.recipe = recipe;
		cb.label = blabel = pw_xasprintf("%s: the build interpreter (%s)", label, host);
		cb.configure = l->configure;
		cb.nconfigure = l->nconfigure;
		if (!pw_store_has_tree(lc->store, bpy_id)) {
			r = pw_debian_make_root(lc->store, bdebs, l->nbuild, host, &broot_path,
						&cached, e);
			if (r < 0)
				goto out;
			lc->plan->nbuilt += !cached;
			cb.layers[0] = broot_path;
			r = make_interp(lc, src, &cb, e);
			if (r < 0)
				goto out;
		}
		r = pw_debian_make_root(lc->store, tools, l->n - 1, host, &tools_path, &cached, e);
		if (r < 0)
			goto out;
		lc->plan->nbuilt += !cached;
		bpy_path = pw_store_tree_path(lc->store, bpy_id);
		cb.id = id;
		cb.recipe = cross_recipe;
		cb.label = label;
		cb.layers[0] = bpy_path;
		cb.layers[1] = tools_path;
		cb.lower = lc->plan;
		cb.triplets[0] = gnu;
		cb.triplets[1] = host_gnu;
		r = make_interp(lc, src, &cb, e);
		if (r < 0)
			goto out;
	}
	pw_layer_ctx_add(lc, pw_xstrdup(id), l, "/");
out:
	free(tools); /* the strings are borrowed from the lock */
	free(bdebs);
	return r;
}

static int build_cpython(struct pw_layer_ctx *lc, const struct pw_layer *l, struct pw_err *e)
{
	const struct pw_artifact *src;
	struct pw_deb_artifact *debs = NULL;
	_cleanup_free_ char *prefix = NULL, *exe = NULL, *root_id = NULL, *root_path = NULL,
			    *label = NULL;
	const char *arch;
	char id[PW_SHA256_HEX];
	unsigned minor;
	bool ft, cached = true;
	int r = 0;

	if (!layer_parse(l->name, &minor, &ft, &arch) || l->n < 2)
		return pw_err_set(e, EINVAL,
				  "expected a layer 'cpython-3.N[t]-ARCH' of a source archive and "
				  "the .debs of its build root");
	src = pw_lockset_find_sha(lc->ls, l->artifacts[0]);
	if (!src || strcmp(src->kind, "archive"))
		return pw_err_set(e, EINVAL,
				  "layer '%s': its first artifact must be the source "
				  "archive (kind \"archive\")",
				  l->name);
	prefix = pw_xasprintf(PW_CPYTHON_PREFIX_FMT, minor, minor, ft ? "t" : "");
	exe = pw_xasprintf("python3.%u%s", minor, ft ? "t" : "");
	label = pw_xasprintf("the CPython 3.%u%s build (%s)", minor, ft ? "t" : "", arch);
	if (l->nbuild)
		return build_cross(lc, l, src, arch, prefix, exe, label, e);
	r = debs_of(lc, l, l->artifacts + 1, l->n - 1, arch, &debs, e);
	if (r < 0)
		return r;
	root_id = pw_debian_root_id(debs, l->n - 1, arch);
	pw_cpython_tree_id(src->sha256, root_id, prefix, l->configure, l->nconfigure, id);
	if (lc->store) {
		r = pw_debian_make_root(lc->store, debs, l->n - 1, arch, &root_path, &cached, e);
		if (r < 0)
			goto out;
		lc->plan->nbuilt += !cached;
		if (!pw_store_has_tree(lc->store, id)) {
			struct cpython_build cb = {.store = lc->store,
						   .id = id,
						   .prefix = prefix,
						   .exe = exe,
						   .label = label,
						   .layers = {root_path, NULL},
						   .recipe = recipe,
						   .configure = l->configure,
						   .nconfigure = l->nconfigure};

			r = make_interp(lc, src, &cb, e);
			if (r < 0)
				goto out;
		}
	}
	pw_layer_ctx_add(lc, steal_pointer(&root_id), l, "/");
	pw_layer_ctx_add(lc, pw_xstrdup(id), l, "/");
out:
	free(debs); /* the strings are borrowed from the lock */
	return r;
}

/* ---- lock ---- */

static void cpython_input(const struct pw_debian_spec *base, const struct pw_cpython_spec *spec,
			  const struct pw_target_info *t, char *const *configure, size_t nconfigure,
			  char *const *packages, size_t npackages, char hex[PW_SHA256_HEX])
{
	struct pw_buf b = PW_BUF_INIT(SIZE_MAX / 2);

	pw_buf_addf(&b, "cpython-layer;v1\nsuite %s\narch %s\nmirror %s\nkeyring %s\npython %s\n",
		    base->suite, t->debian_arch, base->mirror ? base->mirror : "",
		    base->keyring ? base->keyring : "", t->python);
	if (pw_emulator_needed(t->arch))
		pw_buf_addf(&b, "cross-built on %s\n", pw_host_debian_arch());
	if (spec && spec->url)
		pw_buf_addf(&b, "source %s %s\n", spec->url, spec->sha256);
	else
		pw_buf_addf(&b, "source-suite %s\n",
			    spec && spec->source_suite ? spec->source_suite : base->suite);
	for (size_t i = 0; i < nconfigure; i++)
		pw_buf_addf(&b, "configure %s\n", configure[i]);
	for (size_t i = 0; i < npackages; i++)
		pw_buf_addf(&b, "package %s\n", packages[i]);
	pw_sha256_mem(b.buf, b.len, hex);
	pw_buf_release(&b);
}

/* The suites the lock looks in when the source suite's Sources lists no
 * tarball of python3.N that the mirror serves, newest first (a suite the
 * mirror does not carry is passed over). */
static const char *const fallback_suites[] = {"sid", "trixie", "bookworm", "bullseye"};

/* The first tarball of @pkg in @suite's Sources (newest first) that the
 * mirror serves (a HEAD answered 2xx) into @ds; every one tried is added
 * to @tried ("URL (HTTP 404)", "URL (not found)" for a file: mirror).  1 found, 0 none (also:
 * @suite or @pkg not on the mirror), -errno when the mirror cannot be read. */
static int pick_served(const struct pw_debian_opts *base_o, const char *suite, const char *pkg,
		       struct pw_deb_source *ds, struct pw_buf *tried, struct pw_err *e)
{
	struct pw_debian_opts o = *base_o;
	struct pw_deb_source *v = NULL;
	size_t n = 0, i;
	int r;

	o.suite = suite;
	r = pw_debian_source_origs(&o, pkg, &v, &n, e);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	for (i = 0; i < n; i++) {
		struct pw_err he = PW_ERR_INIT;
		long code = 0;

		r = pw_deb_http_head(v[i].url, &code, &he);
		if (r == 0)
			break;
		if (r != -ENOENT && r != -EIO) {
			r = pw_err_set(e, -r, "%s", he.msg);
			goto out;
		}
		if (code)
			pw_buf_addf(tried, "%s%s (HTTP %ld)", tried->len ? ", " : "", v[i].url,
				    code);
		else /* file: */
			pw_buf_addf(tried, "%s%s (not found)", tried->len ? ", " : "", v[i].url);
	}
	r = i < n;
	if (r) {
		*ds = v[i];
		memset(&v[i], 0, sizeof(v[i]));
	}
out:
	for (i = 0; i < n; i++)
		pw_deb_source_release(&v[i]);
	free(v);
	return r;
}

/* The source archive: the config's, or the upstream tarball of
 * python3.N that the mirror serves (pick_served()) from the source suite,
 * else from the other suites of fallback_suites; added to @out, its sha256
 * into @sha.  -ENOPKG when no suite has one the mirror serves (e->msg
 * names the package and every URL tried with its status). */
static int lock_source(struct pw_provider_ctx *pc, const struct pw_debian_spec *base,
		       const struct pw_cpython_spec *spec, const struct pw_target_info *t,
		       const char *field, unsigned minor, struct pw_lockset *out,
		       char sha[PW_SHA256_HEX], struct pw_err *e)
{
	struct pw_artifact a;
	struct pw_deb_source ds = {0};
	_cleanup_free_ char *keyring = NULL, *pkg = NULL, *name = NULL;
	struct pw_buf tried = PW_BUF_INIT(1u << 16);
	struct pw_debian_opts o;
	const char *first;
	char *urls[1];
	int r;

	memset(&a, 0, sizeof(a));
	a.kind = (char *)"archive";
	a.nurls = 1;
	a.urls = urls;
	if (spec && spec->url) {
		const char *slash = strrchr(spec->url, '/');

		name = pw_xstrdup(slash && slash[1] ? slash + 1 : spec->url);
		urls[0] = spec->url;
		a.name = name;
		a.size = spec->size;
		memcpy(a.sha256, spec->sha256, PW_SHA256_HEX);
		memcpy(sha, spec->sha256, PW_SHA256_HEX);
		pw_lockset_add(out, &a, t->id);
		return 0;
	}
	keyring = pw_debian_spec_keyring(pc, base);
	memset(&o, 0, sizeof(o));
	first = spec && spec->source_suite ? spec->source_suite : base->suite;
	o.arch = t->debian_arch;
	o.mirror = base->mirror;
	o.keyring = keyring;
	pkg = pw_xasprintf("python3.%u", minor);
	r = pick_served(&o, first, pkg, &ds, &tried, e);
	for (size_t i = 0; r == 0 && i < PW_ARRAY_SIZE(fallback_suites); i++)
		if (strcmp(fallback_suites[i], first))
			r = pick_served(&o, fallback_suites[i], pkg, &ds, &tried, e);
	if (r == 0)
		r = pw_err_set(e, ENOPKG,
			       "%s (%s): the mirror serves no upstream tarball of %s (%s%s; "
			       "looked in %s and the other suites it carries)",
			       field, t->id, pkg, tried.len ? "tried " : "none listed",
			       tried.len ? tried.buf : "", first);
	else if (r < 0)
		pw_err_prefix(e, "%s (%s)", field, t->id);
	pw_buf_release(&tried);
	if (r < 0)
		return r;
	a.name = ds.file;
	a.version = ds.upstream;
	a.package = ds.package;
	a.snap_archive = ds.snap_archive;
	a.snap_date = ds.snap_date;
	a.snap_path = ds.snap_path;
	urls[0] = ds.url;
	memcpy(a.sha256, ds.sha256, PW_SHA256_HEX);
	a.size = ds.size;
	memcpy(sha, ds.sha256, PW_SHA256_HEX);
	pw_lockset_add(out, &a, t->id);
	pw_deb_source_release(&ds);
	return 0;
}

/* The lock of @packages for @arch in @base's suite into @lk (with the
 * required set unless @no_required); errors prefixed with @field and the
 * target.  0 or -errno. */
static int lock_debs(struct pw_provider_ctx *pc, const struct pw_debian_spec *base,
		     const struct pw_target_info *t, const char *field, const char *arch,
		     char *const *packages, size_t npackages, bool no_required,
		     struct pw_debian_lock *lk, struct pw_err *e)
{
	_cleanup_free_ char *keyring = pw_debian_spec_keyring(pc, base);
	struct pw_debian_opts o;
	int r;

	memset(&o, 0, sizeof(o));
	o.suite = base->suite;
	o.arch = arch;
	o.mirror = base->mirror;
	o.packages = (const char *const *)packages;
	o.npackages = npackages;
	o.keyring = keyring;
	o.no_required = no_required;
	r = pw_debian_lock(NULL, &o, lk, e);
	if (r < 0)
		pw_err_prefix(e, "%s.packages (%s, %s)", field, t->id, arch);
	return r;
}

/* Append the .debs of @lk to @out (for @t) and their sha256 to @shas
 * (of *n, room for all) unless already there. */
static void add_debs(struct pw_lockset *out, const struct pw_target_info *t,
		     const struct pw_debian_lock *lk, const char **shas, size_t *n)
{
	for (size_t i = 0; i < lk->n; i++) {
		size_t k = 0;

		while (k < *n && strcmp(shas[k], lk->v[i].sha256))
			k++;
		if (k < *n)
			continue;
		pw_lockset_add_deb(out, &lk->v[i], t->id);
		shas[(*n)++] = lk->v[i].sha256;
	}
}

/* The interpreter of a foreign target (aarch64 on x86_64), cross-compiled
 * on this machine's side (docs/debian.md, "CPython for a foreign
 * target"): two layers after the base.  "debian-SUITE-cpython-ARCH" (how
 * "debian-root"): the target architecture's build dependencies (@packages
 * with build-essential replaced by libc6-dev, without the required set),
 * the headers and libraries the cross compiler links against, laid into
 * the root as the native build root is.  "cpython-3.N-ARCH" (how
 * "cpython"): the tarball, then this machine's build root (@packages for
 * the host architecture, what the host's own interpreter of that version
 * is built in) and the cross compiler gcc-TRIPLET; "build_requires" are
 * the host build root's .debs alone, so the build interpreter (configure's
 * --with-build-python) is the very tree the host's layer cpython-3.N-HOST
 * builds. */
static int provide_cross(struct pw_provider_ctx *pc, const struct pw_debian_spec *base,
			 const struct pw_cpython_spec *spec, const struct pw_target_info *t,
			 const char *field, const char *layer, const char *input,
			 char *const *configure, size_t nconfigure, char *const *packages,
			 size_t npackages, unsigned minor, struct pw_lockset *out, struct pw_err *e)
{
	const char *host = pw_host_debian_arch(), *gnu = pw_cross_gnu_triplet(t->arch);
	_cleanup_free_ char *libs =
	    pw_xasprintf("debian-%s-cpython-%s", base->suite, t->debian_arch);
	_cleanup_free_ char *cc = NULL;
	struct pw_debian_lock lk_host = {0}, lk_cc = {0}, lk_tgt = {0};
	char **tpk = NULL, *cpk[1];
	const char **shas = NULL, **bshas = NULL;
	char sha[PW_SHA256_HEX];
	size_t n = 0, nb = 0;
	int r;

	if (!host || !gnu)
		return pw_err_set(e, ENOTSUP, "%s (%s): no cross compiler for %s on this machine",
				  field, t->id, t->arch);
	if (pc->offline || (pw_lockset_layer_unchanged(pc->prior, t->id, libs, input) &&
			    pw_lockset_layer_unchanged(pc->prior, t->id, layer, input))) {
		r = pw_lockset_reuse_layer(pc->prior, t->id, libs, field, out, e);
		if (r == 0 && pc->offline)
			pw_lockset_set_layer_input(out, t->id, input);
		if (r == 0)
			r = pw_lockset_reuse_layer(pc->prior, t->id, layer, field, out, e);
		if (r == 0 && pc->offline)
			pw_lockset_set_layer_input(out, t->id, input);
		return r;
	}
	r = lock_source(pc, base, spec, t, field, minor, out, sha, e);
	if (r < 0)
		return r;
	/* the target's side: its libraries and headers (multiarch) */
	tpk = pw_xcalloc(npackages + 1, sizeof(*tpk));
	for (size_t i = 0; i < npackages; i++)
		tpk[i] =
		    !strcmp(packages[i], "build-essential") ? (char *)"libc6-dev" : packages[i];
	cc = pw_xasprintf("gcc-%s", gnu);
	cpk[0] = cc;
	r = lock_debs(pc, base, t, field, t->debian_arch, tpk, npackages, true, &lk_tgt, e);
	if (r == 0)
		r = lock_debs(pc, base, t, field, host, packages, npackages, false, &lk_host, e);
	if (r == 0)
		r = lock_debs(pc, base, t, field, host, cpk, 1, true, &lk_cc, e);
	if (r < 0)
		goto out;
	shas = pw_xcalloc(lk_tgt.n + lk_host.n + lk_cc.n + 2, sizeof(*shas));
	add_debs(out, t, &lk_tgt, shas, &n);
	pw_lockset_add_layer(out, t->id, libs, "debian-root", "/", shas, n, NULL);
	pw_lockset_set_layer_input(out, t->id, input);
	shas[0] = sha;
	n = 1;
	add_debs(out, t, &lk_host, shas, &n);
	bshas = pw_xcalloc(lk_host.n + 1, sizeof(*bshas));
	for (size_t i = 0; i < lk_host.n; i++)
		bshas[nb++] = lk_host.v[i].sha256;
	add_debs(out, t, &lk_cc, shas, &n);
	pw_lockset_add_layer(out, t->id, layer, PW_CPYTHON_LAYER_HOW, "/", shas, n, NULL);
	pw_lockset_set_layer_build(out, t->id, bshas, nb);
	pw_lockset_set_layer_configure(out, t->id, (const char *const *)configure, nconfigure);
	pw_lockset_set_layer_input(out, t->id, input);
out:
	free(shas);
	free(bshas);
	free(tpk);
	pw_debian_lock_release(&lk_tgt);
	pw_debian_lock_release(&lk_host);
	pw_debian_lock_release(&lk_cc);
	return r;
}

int pw_provide_cpython(struct pw_provider_ctx *pc, const struct pw_debian_spec *base,
		       const struct pw_cpython_spec *spec, const struct pw_target_info *t,
		       struct pw_lockset *out, struct pw_err *e)
{
	static const char *const dflt[] = {PW_CPYTHON_DEFAULT_PACKAGES};
	size_t vlen = strlen(t->python);
	bool ft = vlen && t->python[vlen - 1] == 't';
	_cleanup_free_ char *layer = NULL, *field = NULL;
	char **configure = NULL, *const * packages;
	size_t nconfigure = 0, npackages;
	const char **shas = NULL;
	unsigned minor = 0;
	struct pw_debian_lock lk = {0};
	struct pw_debian_opts o;
	_cleanup_free_ char *keyring = NULL;
	char input[PW_SHA256_HEX], sha[PW_SHA256_HEX];
	int r;

	if (!spec && !ft)
		return 0; /* Debian's own interpreter */
	if (sscanf(t->python, "3.%u", &minor) != 1)
		return pw_err_set(e, EINVAL, "%s: not a CPython version", t->python);
	field = spec ? pw_xstrdup(spec->field) : pw_xasprintf("%s.cpython", base->field);
	packages = spec && spec->packages ? spec->packages : (char *const *)dflt;
	npackages = spec && spec->packages ? spec->npackages : PW_ARRAY_SIZE(dflt);
	configure = pw_xcalloc((spec ? spec->nconfigure : 0) + 2, sizeof(*configure));
	if (ft)
		configure[nconfigure++] = (char *)"--disable-gil";
	for (size_t i = 0; spec && i < spec->nconfigure; i++)
		configure[nconfigure++] = spec->configure[i];
	layer = pw_xasprintf("cpython-3.%u%s-%s", minor, ft ? "t" : "", t->debian_arch);
	cpython_input(base, spec, t, configure, nconfigure, packages, npackages, input);
	if (pw_emulator_needed(t->arch)) { /* cross-compiled here, never emulated */
		r = provide_cross(pc, base, spec, t, field, layer, input, configure, nconfigure,
				  packages, npackages, minor, out, e);
		goto out;
	}
	if (pc->offline || pw_lockset_layer_unchanged(pc->prior, t->id, layer, input)) {
		r = pw_lockset_reuse_layer(pc->prior, t->id, layer, field, out, e);
		if (r == 0 && pc->offline)
			pw_lockset_set_layer_input(out, t->id, input);
		goto out;
	}
	r = lock_source(pc, base, spec, t, field, minor, out, sha, e);
	if (r < 0)
		goto out;
	keyring = pw_debian_spec_keyring(pc, base);
	memset(&o, 0, sizeof(o));
	o.suite = base->suite;
	o.arch = t->debian_arch;
	o.mirror = base->mirror;
	o.packages = (const char *const *)packages;
	o.npackages = npackages;
	o.keyring = keyring;
	r = pw_debian_lock(NULL, &o, &lk, e);
	if (r < 0) {
		pw_err_prefix(e, "%s.packages (%s)", field, t->id);
		goto out;
	}
	shas = pw_xcalloc(lk.n + 2, sizeof(*shas));
	shas[0] = sha;
	for (size_t i = 0; i < lk.n; i++) {
		pw_lockset_add_deb(out, &lk.v[i], t->id);
		shas[i + 1] = lk.v[i].sha256;
	}
	pw_lockset_add_layer(out, t->id, layer, PW_CPYTHON_LAYER_HOW, "/", shas, lk.n + 1, NULL);
	pw_lockset_set_layer_configure(out, t->id, (const char *const *)configure, nconfigure);
	pw_lockset_set_layer_input(out, t->id, input);
out:
	free(shas);
	free(configure);
	pw_debian_lock_release(&lk);
	return r;
}

/* ---- the config: python.VERSION.base.debian.cpython ---- */

void pw_cpython_spec_free(struct pw_cpython_spec *spec)
{
	if (!spec)
		return;
	free(spec->field);
	free(spec->source_suite);
	free(spec->url);
	for (size_t i = 0; i < spec->nconfigure; i++)
		free(spec->configure[i]);
	free(spec->configure);
	for (size_t i = 0; i < spec->npackages; i++)
		free(spec->packages[i]);
	free(spec->packages);
	free(spec);
}

static char **strv_dup(char *const *v, size_t n)
{
	char **o;

	if (!v)
		return NULL;
	o = pw_xcalloc(n + 1, sizeof(*o));
	for (size_t i = 0; i < n; i++)
		o[i] = pw_xstrdup(v[i]);
	return o;
}

struct pw_cpython_spec *pw_cpython_spec_dup(const struct pw_cpython_spec *s, const char *field)
{
	struct pw_cpython_spec *o = pw_xcalloc(1, sizeof(*o));

	o->field = pw_xstrdup(field);
	if (!s)
		return o;
	o->source_suite = s->source_suite ? pw_xstrdup(s->source_suite) : NULL;
	o->url = s->url ? pw_xstrdup(s->url) : NULL;
	memcpy(o->sha256, s->sha256, sizeof(o->sha256));
	o->size = s->size;
	o->configure = strv_dup(s->configure, s->nconfigure);
	o->nconfigure = s->nconfigure;
	o->packages = strv_dup(s->packages, s->npackages);
	o->npackages = s->npackages;
	return o;
}

static const char *check_arg(const char *s)
{
	return pw_cpython_arg_ok(s) ? NULL
				    : "a configure argument \"--NAME[=VALUE]\" or \"NAME=VALUE\" "
				      "(printable ASCII)";
}

static const char *check_package(const char *s)
{
	for (const char *c = s; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || strchr("+-.:", *c)))
			return "a Debian package name (lowercase letters, digits, + - . and an "
			       "optional :arch)";
	return NULL;
}

/* "source": "debian" (the default) or {"url": URL, "sha256": HEX}. */
static int parse_source(const struct pw_jcheck *j, json_t *o, const struct pw_jpos *p,
			const char *field, struct pw_cpython_spec *spec)
{
	static const char *const keys[] = {"url", "sha256", "size"};
	_cleanup_free_ char *f = pw_jcheck_field(field, "source");
	_cleanup_free_ char *sha = NULL;
	const struct pw_jpos *sp;
	json_t *v;
	int r;

	sp = pw_jpos_member(o, p, "source", &v);
	if (!v || (json_is_string(v) && !strcmp(json_string_value(v), "debian")))
		return 0;
	if (!json_is_object(v))
		return pw_jcheck_type(j, sp, f,
				      "\"debian\" or an object with 'url', 'sha256' and 'size'", v);
	r = pw_jcheck_keys(j, v, sp, f, keys, PW_ARRAY_SIZE(keys));
	if (r == 0)
		r = pw_jcheck_str(j, v, sp, f, "url", true, &spec->url);
	if (r == 0 && !pw_jcheck_url_ok(spec->url))
		r = pw_jcheck_fail(j, pw_jpos_member(v, sp, "url", &(json_t *){NULL}), true, f,
				   "'url' must be an http://, https:// or file:// url");
	if (r == 0)
		r = pw_jcheck_str(j, v, sp, f, "sha256", true, &sha);
	if (r == 0 && !pw_sha256_hex_valid(sha))
		r = pw_jcheck_fail(j, pw_jpos_member(v, sp, "sha256", &(json_t *){NULL}), true, f,
				   "'sha256' must be 64 lowercase hex digits");
	if (r == 0)
		memcpy(spec->sha256, sha, PW_SHA256_HEX);
	if (r == 0) {
		const struct pw_jpos *zp = pw_jpos_member(v, sp, "size", &v);

		if (!json_is_integer(v) || json_integer_value(v) < 1)
			r = pw_jcheck_fail(j, v ? zp : sp, v != NULL, f, "%s",
					   v ? "'size' must be a positive integer (bytes)"
					     : "missing 'size' (bytes)");
		else
			spec->size = (uint64_t)json_integer_value(v);
	}
	return r;
}

int pw_cpython_parse(const struct pw_jcheck *j, json_t *obj, const struct pw_jpos *p,
		     const char *field, const char *key, struct pw_cpython_spec **out)
{
	static const char *const keys[] = {"source", "source_suite", "configure", "packages"};
	struct pw_cpython_spec *spec = pw_xcalloc(1, sizeof(*spec));
	const struct pw_jpos *kp;
	json_t *v;
	int r;

	*out = spec;
	spec->field = pw_jcheck_field(field, key);
	kp = pw_jpos_member(obj, p, key, &v);
	if (!json_is_object(v))
		return pw_jcheck_type(j, kp, spec->field, "an object (or {} for the defaults)", v);
	r = pw_jcheck_keys(j, v, kp, spec->field, keys, PW_ARRAY_SIZE(keys));
	if (r == 0)
		r = parse_source(j, v, kp, spec->field, spec);
	if (r == 0)
		r = pw_jcheck_str(j, v, kp, spec->field, "source_suite", false,
				  &spec->source_suite);
	if (r == 0 && spec->source_suite && check_package(spec->source_suite))
		r = pw_jcheck_fail(j, pw_jpos_member(v, kp, "source_suite", &(json_t *){NULL}),
				   true, spec->field,
				   "'source_suite' must be a suite like \"sid\"");
	if (r == 0 && spec->source_suite && spec->url)
		r = pw_jcheck_fail(j, kp, true, spec->field,
				   "'source_suite' and a 'source' archive exclude each other");
	if (r == 0)
		r = pw_jcheck_strv(j, v, kp, spec->field, "configure", false, check_arg,
				   &spec->configure, &spec->nconfigure);
	if (r == 0)
		r = pw_jcheck_strv(j, v, kp, spec->field, "packages", false, check_package,
				   &spec->packages, &spec->npackages);
	return r;
}

static const char *const kinds[] = {NULL};
static const struct pw_layer_kind hows[] = {
    {PW_CPYTHON_LAYER_HOW, build_cpython},
};

/* No keys of its own (the key "cpython" is the Debian base's) and no
 * kinds of its own ("archive" and "deb"): the layer's builder. */
const struct pw_provider pw_provider_cpython = {
    .name = "cpython",
    .kinds = kinds,
    .hows = hows,
    .nhows = PW_ARRAY_SIZE(hows),
};

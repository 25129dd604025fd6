/* provider_zig.c - the "zig" provider (include/pinwheel/zig.h): the key
 * "manylinux" (each platform's glibc floor), the `ziglang` wheel pinned
 * for each target with a floor by the root's own pip (pypi.h), the layer
 * "zig-TRIPLE" (the wheel's Zig and the cc/c++ wrappers) and the
 * variables that make every build tool use them. */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pinwheel/buf.h"
#include "pinwheel/derived.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/hash.h"
#include "pinwheel/jcheck.h"
#include "pinwheel/layout.h"
#include "pinwheel/provider.h"
#include "pinwheel/pypi.h"
#include "pinwheel/roots.h"
#include "pinwheel/sandbox.h"
#include "pinwheel/store.h"
#include "pinwheel/zig.h"

#define ZIG_REQ_DEFAULT "ziglang"
#define ZIG_MAX_PLATFORMS 16

struct zig_floor {
	char *platform;
	unsigned minor;
};

struct zig_spec {
	char *field;	    /* "manylinux" */
	unsigned dflt;	    /* the floor of the platforms not named; 0: native */
	struct zig_floor *per; /* platforms named in the object form */
	size_t nper;
	struct pw_pin req;  /* the ziglang requirement ("ziglang" unless "zig" says) */
	bool implicit;	    /* no "manylinux" key: dflt is pinwheel's default */
};

static const char *zig_arch(const char *arch, const char **abi, unsigned *min_minor);

/* ---- floors ---- */

bool pw_zig_floor_known(unsigned minor)
{
	static const unsigned known[] = {17, 24, 26, 27, 28, 31, 34, 35, 36, 37, 38, 39, 40, 41};

	for (size_t i = 0; i < PW_ARRAY_SIZE(known); i++)
		if (known[i] == minor)
			return true;
	return false;
}

/* "native" -> 0, "2014"/"manylinux2014" -> 17, "2_N"/"manylinux_2_N" -> N;
 * -1 for anything else. */
static int floor_parse(const char *s)
{
	unsigned long v = 0;
	size_t i;

	if (!strcmp(s, "native"))
		return 0;
	if (!strncmp(s, "manylinux", 9)) {
		s += 9;
		if (*s == '_')
			s++;
	}
	if (!strcmp(s, "2014"))
		return 17;
	if (strncmp(s, "2_", 2))
		return -1;
	for (i = 2; s[i] >= '0' && s[i] <= '9' && i < 5; i++)
		v = v * 10 + (unsigned long)(s[i] - '0');
	if (i == 2 || s[i] || (s[2] == '0'))
		return -1;
	return pw_zig_floor_known((unsigned)v) ? (int)v : -1;
}

/* The floor of @platform: its own, else the default.  pinwheel's own
 * default (the config has no "manylinux" key) is what PyPI's projects
 * ship, manylinux2014; on an architecture where Zig's glibc starts later
 * (ppc64le: 2.19) it becomes the oldest policy Zig can meet there
 * (2_24), where a floor the user wrote is refused at lock instead. */
static unsigned spec_floor(const struct zig_spec *spec, const char *platform, bool *raised)
{
	const char *abi, *arch = !strncmp(platform, "manylinux_", 10) ? platform + 10 : "";
	unsigned minor = spec->dflt, zmin = 0;

	if (raised)
		*raised = false;
	for (size_t i = 0; i < spec->nper; i++)
		if (!strcmp(spec->per[i].platform, platform))
			return spec->per[i].minor;
	if (!spec->implicit || !minor || !zig_arch(arch, &abi, &zmin) || minor >= zmin)
		return minor;
	for (minor = zmin; !pw_zig_floor_known(minor) && minor < 99; minor++)
		;
	if (raised)
		*raised = true;
	return minor;
}

unsigned pw_zig_floor(const struct pw_block *b, const char *platform)
{
	if (!b || b->provider != &pw_provider_zig)
		return 0;
	return spec_floor(b->spec, platform, NULL);
}

unsigned pw_zig_blocks_floor(const struct pw_block *blocks, size_t n, const char *platform)
{
	for (size_t i = 0; i < n; i++)
		if (blocks[i].provider == &pw_provider_zig)
			return pw_zig_floor(&blocks[i], platform);
	return 0;
}

/* Zig's name of the architecture and the ABI of its Linux triple, and
 * the oldest glibc (2.@min_minor) Zig provides for it (measured with
 * ziglang 0.17: powerpc64le from 2.19); NULL for an architecture
 * pinwheel has no Zig target for. */
static const char *zig_arch(const char *arch, const char **abi, unsigned *min_minor)
{
	static const struct {
		const char *arch, *zig, *abi, *rust;
		unsigned min;
	} map[] = {
	    {"x86_64", "x86_64", "gnu", "x86_64-unknown-linux-gnu", 17},
	    {"aarch64", "aarch64", "gnu", "aarch64-unknown-linux-gnu", 17},
	    {"i686", "x86", "gnu", "i686-unknown-linux-gnu", 17},
	    {"ppc64le", "powerpc64le", "gnu", "powerpc64le-unknown-linux-gnu", 19},
	    {"s390x", "s390x", "gnu", "s390x-unknown-linux-gnu", 17},
	    {"armv7l", "arm", "gnueabihf", "armv7-unknown-linux-gnueabihf", 17},
	};

	for (size_t i = 0; i < PW_ARRAY_SIZE(map); i++)
		if (!strcmp(map[i].arch, arch)) {
			*abi = map[i].abi;
			*min_minor = map[i].min;
			return map[i].zig;
		}
	return NULL;
}

/* Rust's triple for Zig's "ARCH-linux-ABI.2.N" (NULL when unknown), and
 * Debian's multiarch directory name into *multiarch. */
static const char *rust_triple_ma(const char *triple, const char **multiarch)
{
	static const struct {
		const char *zig, *rust, *ma;
	} map[] = {
	    {"x86_64-linux-gnu.", "x86_64-unknown-linux-gnu", "x86_64-linux-gnu"},
	    {"aarch64-linux-gnu.", "aarch64-unknown-linux-gnu", "aarch64-linux-gnu"},
	    {"x86-linux-gnu.", "i686-unknown-linux-gnu", "i386-linux-gnu"},
	    {"powerpc64le-linux-gnu.", "powerpc64le-unknown-linux-gnu", "powerpc64le-linux-gnu"},
	    {"s390x-linux-gnu.", "s390x-unknown-linux-gnu", "s390x-linux-gnu"},
	    {"arm-linux-gnueabihf.", "armv7-unknown-linux-gnueabihf", "arm-linux-gnueabihf"},
	};

	for (size_t i = 0; i < PW_ARRAY_SIZE(map); i++)
		if (!strncmp(triple, map[i].zig, strlen(map[i].zig))) {
			if (multiarch)
				*multiarch = map[i].ma;
			return map[i].rust;
		}
	return NULL;
}

static const char *rust_triple(const char *triple)
{
	return rust_triple_ma(triple, NULL);
}

/* ---- the wrappers ---- */

/* A POSIX sh wrapper: drops what clang (Zig's driver) refuses or what
 * would undo the floor (another --target), sets Zig's caches under /tmp
 * when the caller did not, and runs `zig MODE -target TRIPLE`.  The flags
 * come from Debian's Python sysconfig (gcc's -specs=, fat LTO objects) and
 * from rustc's link line (--target=, which Zig's driver would take for
 * another target).  Zig searches its own libc headers only: the root's
 * /usr/include and its multiarch directory (Python's pyconfig.h, the
 * headers of -dev packages) come after them (-idirafter), so glibc's own
 * headers are always Zig's, of the floor's version.  In a build step with
 * the compile cache (compile_cache.h) the command runs behind its wrapper,
 * named by PINWHEEL_CC_WRAP; elsewhere (lock steps, `pinwheel run`) the
 * variable is unset and Zig runs directly. */
char *pw_zig_wrapper(const char *mode, const char *triple)
{
	const char *ma = "";

	rust_triple_ma(triple, &ma);
	return pw_xasprintf(
	    "#!/bin/sh\n"
	    "# pinwheel: zig %s for %s (the manylinux floor; docs/wheels.md)\n"
	    ": \"${ZIG_GLOBAL_CACHE_DIR:=/tmp/zig-cache}\"\n"
	    ": \"${ZIG_LOCAL_CACHE_DIR:=$ZIG_GLOBAL_CACHE_DIR}\"\n"
	    "export ZIG_GLOBAL_CACHE_DIR ZIG_LOCAL_CACHE_DIR\n"
	    "n=0\n"
	    "for a\n"
	    "do\n"
	    "\tif [ \"$n\" = 0 ]; then set --; n=1; fi\n"
	    "\tcase $a in\n"
	    "\t-specs=*|-ffat-lto-objects|-fno-fat-lto-objects|--target=*) continue ;;\n"
	    "\tesac\n"
	    "\tset -- \"$@\" \"$a\"\n"
	    "done\n"
	    "exec ${PINWHEEL_CC_WRAP:+\"$PINWHEEL_CC_WRAP\"} " PW_ZIG_DIR
	    "/zig %s -target %s -idirafter /usr/include/%s -idirafter /usr/include \"$@\"\n",
	    mode, triple, mode, triple, ma);
}

struct wrappers {
	const char *names[2];
	char *texts[2];
};

static int write_wrappers(void *ud, int dirfd, json_t *record, struct pw_err *e)
{
	struct wrappers *w = ud;

	(void)record;
	for (size_t i = 0; i < 2; i++) {
		int fd = openat(dirfd, w->names[i], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
		int r;

		if (fd < 0)
			return pw_err_sys(e, errno, "zig wrapper '%s'", w->names[i]);
		r = pw_write_all(fd, w->texts[i], strlen(w->texts[i]));
		if (r == 0 && fchmod(fd, 0755) < 0)
			r = -errno;
		if (close(fd) < 0 && r == 0)
			r = -errno;
		if (r < 0)
			return pw_err_sys(e, -r, "zig wrapper '%s'", w->names[i]);
	}
	return 0;
}

/* ---- the layer "zig-TRIPLE" ---- */

/* The triple of a layer name "zig-x86_64-linux-gnu.2.17", or NULL. */
static const char *layer_triple(const char *name)
{
	const char *t;

	if (!name || strncmp(name, "zig-", 4))
		return NULL;
	t = name + 4;
	if (!rust_triple(t) || strspn(t, "abcdefghijklmnopqrstuvwxyz0123456789_.-") != strlen(t))
		return NULL;
	return t;
}

static int build_zig(struct pw_layer_ctx *lc, const struct pw_layer *l, struct pw_err *e)
{
	const struct pw_unpack_opts o = {.subdir = "ziglang"};
	const char *triple = layer_triple(l->name);
	struct wrappers w = {{"cc", "c++"}, {NULL, NULL}};
	struct pw_buf b = PW_BUF_INIT(SIZE_MAX / 2);
	char id[PW_SHA256_HEX];
	bool cached = true;
	int r = 0;

	if (!triple || l->n != 1)
		return pw_err_set(e, EINVAL,
				  "expected a layer 'zig-ARCH-linux-ABI.2.N' of one ziglang wheel");
	if (lc->store) {
		r = pw_store_make_tree(lc->store, l->artifacts[0], &o, NULL, &cached, e);
		if (r < 0)
			return r;
		lc->plan->nbuilt += !cached;
	}
	pw_layer_ctx_add(lc, pw_store_tree_id(l->artifacts[0], &o), l, PW_ZIG_DIR);
	w.texts[0] = pw_zig_wrapper("cc", triple);
	w.texts[1] = pw_zig_wrapper("c++", triple);
	pw_buf_addf(&b, "zig-cc;v1\n%s\n%s", w.texts[0], w.texts[1]);
	pw_sha256_mem(b.buf, b.len, id);
	pw_buf_release(&b);
	if (lc->store) {
		cached = true;
		r = pw_derived_tree_make(lc->store, id, "zig-cc", write_wrappers, &w, NULL, &cached,
					 e);
		if (r == 0)
			lc->plan->nbuilt += !cached;
	}
	if (r == 0)
		pw_layer_ctx_add(lc, pw_xstrdup(id), l, PW_ZIG_BIN);
	free(w.texts[0]);
	free(w.texts[1]);
	return r;
}

/* What a root with a zig layer gives every process: the compilers and
 * linkers of each build system, and Zig's caches in the step's /tmp. */
static void zig_root_env(const struct pw_root_plan *p, struct pw_sandbox_spec *s)
{
	const char *triple = NULL, *rust;
	char **v;
	size_t n = 0;

	for (size_t i = 0; i < p->n && !triple; i++)
		if (p->trees[i].how && !strcmp(p->trees[i].how, PW_ZIG_LAYER_HOW))
			triple = layer_triple(p->trees[i].layer);
	if (!triple)
		return;
	rust = rust_triple(triple);
	v = pw_xcalloc(8, sizeof(*v));
	v[n++] = pw_xstrdup("CC=" PW_ZIG_BIN "/cc");
	v[n++] = pw_xstrdup("CXX=" PW_ZIG_BIN "/c++");
	v[n++] = pw_xstrdup("LDSHARED=" PW_ZIG_BIN "/cc -shared");
	v[n++] = pw_xstrdup("LDCXXSHARED=" PW_ZIG_BIN "/c++ -shared");
	v[n++] = pw_xstrdup("ZIG_GLOBAL_CACHE_DIR=/tmp/zig-cache");
	v[n++] = pw_xstrdup("ZIG_LOCAL_CACHE_DIR=/tmp/zig-cache");
	if (rust) {
		char *kv = pw_xasprintf("CARGO_TARGET_%s_LINKER=" PW_ZIG_BIN "/cc", rust);

		for (char *c = kv + strlen("CARGO_TARGET_"); *c != '='; c++)
			*c = *c == '-' ? '_' : (*c >= 'a' && *c <= 'z') ? (char)(*c - 32) : *c;
		v[n++] = kv;
	}
	pw_roots_prepend_env(s, v, n);
}

/* ---- lock ---- */

/* The layer's input: the requirement, the triple, the layers below and,
 * for a target of another architecture than this machine's, the
 * architecture of the Zig that runs here (@host; NULL for the target's
 * own). */
static void zig_input(const struct zig_spec *spec, const struct pw_lockset *ls, const char *target,
		      const char *triple, const char *host, char hex[PW_SHA256_HEX])
{
	struct pw_buf b = PW_BUF_INIT(SIZE_MAX / 2);
	char below[PW_SHA256_HEX];

	pw_lockset_layers_digest(ls, target, below);
	if (spec->req.req)
		pw_buf_addf(&b, "zig-layer;v1\nreq %s\n", spec->req.req);
	else
		pw_buf_addf(&b, "zig-layer;v1\nreq %s==%s\n", spec->req.name, spec->req.version);
	pw_buf_addf(&b, "triple %s\nbelow %s\n", triple, below);
	if (host)
		pw_buf_addf(&b, "zig-arch %s\n", host);
	pw_sha256_mem(b.buf, b.len, hex);
	pw_buf_release(&b);
}

static int lock_zig(struct pw_provider_ctx *pc, const void *p, const struct pw_target_info *t,
		    struct pw_lockset *out, struct pw_err *e)
{
	const struct zig_spec *spec = p;
	unsigned minor = 0, zmin = 0;
	const char *za, *abi = NULL, *host;
	_cleanup_free_ char *triple = NULL, *layer = NULL, *python = NULL;
	struct pw_sandbox_spec root;
	struct pw_artifact *w = NULL;
	struct pw_store *store;
	char input[PW_SHA256_HEX];
	size_t nw = 0;
	bool standalone = false, raised;
	int r;

	minor = spec_floor(spec, t->platform, &raised);
	if (!minor || t->pure)
		return 0; /* native: the root's glibc decides; pure: nothing links */
	if (raised && pc->note) {
		_cleanup_free_ char *msg = pw_xasprintf(
		    "%s: %s: floor manylinux_2_%u, the oldest Zig provides for %s (the default "
		    "manylinux2014 needs glibc 2.17; give \"%s\" to choose)",
		    spec->field, t->id, minor, t->arch, t->platform);

		pc->note(pc, msg);
	}
	za = zig_arch(t->arch, &abi, &zmin);
	if (!za)
		return pw_err_set(e, ENOSYS,
				  "%s: no Zig target for %s (architecture %s): give \"%s\": "
				  "\"native\"",
				  spec->field, t->id, t->arch, t->platform);
	if (minor < zmin)
		return pw_err_set(e, ENOSYS,
				  "%s: %s: Zig provides glibc for %s from 2.%u on, not the floor's "
				  "2.%u: give \"%s\": \"2_24\" or newer, or \"native\"",
				  spec->field, t->id, t->arch, zmin, minor, t->platform);
	/* Zig is a cross compiler: a target of another architecture gets the
	 * Zig of this machine's, run natively from the (emulated) root */
	host = strcmp(t->arch, pw_host_arch()) ? pw_host_arch() : NULL;
	triple = pw_xasprintf("%s-linux-%s.2.%u", za, abi, minor);
	layer = pw_xasprintf("zig-%s", triple);
	zig_input(spec, out, t->id, triple, host, input);
	if (pc->offline || pw_lockset_layer_unchanged(pc->prior, t->id, layer, input)) {
		r = pw_lockset_reuse_layer(pc->prior, t->id, layer, spec->field, out, e);
		if (r == 0 && pc->offline)
			pw_lockset_set_layer_input(out, t->id, input);
		return r;
	}
	store = pw_provider_store(pc, spec->field, e);
	if (!store)
		return -errno;
	for (size_t i = 0; i < out->nroots; i++)
		if (!strcmp(out->roots[i].target, t->id))
			for (size_t k = 0; k < out->roots[i].n; k++)
				standalone |= !strcmp(out->roots[i].layers[k].dest, PW_PYTHON_MOUNT);
	python = pw_python_exe(standalone ? PW_PYTHON_MOUNT "/bin" : "/usr/bin", t->python);
	pw_sandbox_spec_init(&root);
	r = pw_roots_compose(pc, out, t->id, &root, NULL, e);
	if (r == 0) {
		/* a root with the manylinux layout (an image, CPython built from
		 * source: cpython.h) has its interpreter at /opt/python */
		char *img = pw_python_is_pypy(t->python) ? NULL : pw_pypi_image_python(&root, t->python);

		if (img) {
			free(python);
			python = img;
		}
	}
	/* ... by this machine's interpreter of the same suite when that is
	 * sound (pypi.h, pw_pypi_host_root()), else by the target's own under
	 * qemu */
	if (r == 0 && host) {
		struct pw_sandbox_spec hroot;
		char *why = NULL;
		int n;

		pw_sandbox_spec_init(&hroot);
		n = pw_pypi_host_root(pc, out, t, python, &hroot, &why, e);
		if (n >= 0 && pc->note) {
			_cleanup_free_ char *msg =
			    why ? pw_xasprintf("%s: %s: resolved under qemu: %s", spec->field, t->id,
					       why)
				: pw_xasprintf("%s: %s: resolved natively by the %s %s of its suite, "
					       "as %s",
					       spec->field, t->id, pw_host_debian_arch(),
					       strrchr(python, '/') + 1, t->arch);
			pc->note(pc, msg);
		}
		if (n < 0)
			r = n;
		else
			r = pw_pypi_resolve_arch(store, n == 1 ? &hroot : &root, t->id, python,
						 &spec->req, 1, host, &w, &nw, e);
		pw_sandbox_spec_release(&hroot);
		free(why);
	}
	else if (r == 0)
		r = pw_pypi_resolve(store, &root, t->id, python, &spec->req, 1, &w, &nw, e);
	if (r == 0 && (nw != 1 || strcmp(w[0].name, "ziglang")))
		r = pw_err_set(e, EINVAL, "ziglang resolved to %zu wheels for %s, expected one", nw,
			       t->id);
	if (r == 0) {
		const char *sha = w[0].sha256;

		pw_lockset_add(out, &w[0], t->id);
		pw_lockset_add_layer(out, t->id, layer, PW_ZIG_LAYER_HOW, PW_ZIG_DIR, &sha, 1, NULL);
		pw_lockset_set_layer_input(out, t->id, input);
	} else
		pw_err_prefix(e, "%s", spec->field);
	pw_pypi_artifacts_free(w, nw);
	pw_sandbox_spec_release(&root);
	return r;
}

/* ---- the config ---- */

static void defaulted(void *p)
{
	((struct zig_spec *)p)->implicit = true;
}

static void spec_free(void *p)
{
	struct zig_spec *spec = p;

	if (!spec)
		return;
	free(spec->field);
	for (size_t i = 0; i < spec->nper; i++)
		free(spec->per[i].platform);
	free(spec->per);
	free(spec->req.name);
	free(spec->req.version);
	free(spec->req.req);
	free(spec);
}

static int floor_value(const struct pw_jcheck *j, json_t *v, const struct pw_jpos *p,
		       const char *field, unsigned *out)
{
	int m;

	if (!json_is_string(v))
		return pw_jcheck_type(j, p, field, "a manylinux floor like \"2014\" or \"2_28\"", v);
	m = floor_parse(json_string_value(v));
	if (m < 0)
		return pw_jcheck_fail(j, p, false, field,
				      "expected \"2014\", \"2_17\", \"2_28\", ... (a manylinux policy "
				      "from 2_17 to 2_41) or \"native\", got '%s'",
				      json_string_value(v));
	*out = (unsigned)m;
	return 0;
}

/* "manylinux": "2014", or {"default": "2014", "manylinux_aarch64": "2_28",
 * "zig": "ziglang==0.17.1"}: the floor of the platforms not named, each
 * platform's own, and the requirement of the ziglang wheel. */
static int parse_manylinux(const struct pw_jcheck *j, json_t *obj, const struct pw_jpos *p,
			   const char *field, const char *key, void **out)
{
	struct zig_spec *spec = pw_xcalloc(1, sizeof(*spec));
	_cleanup_free_ char *f = pw_jcheck_field(field, key);
	const struct pw_jpos *kp;
	const char *k;
	json_t *o, *v;
	int r;

	*out = spec;
	spec->field = pw_xstrdup(f);
	{
		struct pw_err pe = PW_ERR_INIT;

		pw_req_parse(ZIG_REQ_DEFAULT, &spec->req, &pe);
	}
	kp = pw_jpos_member(obj, p, key, &o);
	if (json_is_string(o))
		return floor_value(j, o, kp, f, &spec->dflt);
	if (!json_is_object(o))
		return pw_jcheck_type(j, kp, f, "a floor (\"2014\", \"2_28\", ...) or an object", o);
	json_object_foreach(o, k, v) {
		_cleanup_free_ char *kf = pw_jcheck_field(f, k);
		const struct pw_jpos *vp = pw_jpos_member(o, kp, k, &(json_t *){NULL});

		if (!strcmp(k, "default")) {
			r = floor_value(j, v, vp, kf, &spec->dflt);
		} else if (!strcmp(k, "zig")) {
			struct pw_pin pin = {0};
			struct pw_err pe = PW_ERR_INIT;

			if (!json_is_string(v))
				return pw_jcheck_type(j, vp, kf, "a requirement like \"ziglang==0.17.1\"",
						      v);
			r = pw_req_parse(json_string_value(v), &pin, &pe);
			if (r == 0 && strcmp(pin.name, "ziglang"))
				r = pw_err_set(&pe, EINVAL, "expected a requirement on ziglang, got '%s'",
					       pin.name);
			if (r < 0) {
				free(pin.name);
				free(pin.version);
				free(pin.req);
				return pw_jcheck_fail(j, vp, false, kf, "%s", pe.msg);
			}
			free(spec->req.name);
			free(spec->req.version);
			free(spec->req.req);
			spec->req = pin;
		} else {
			r = pw_platform_check(j, vp, kf, k);
			if (r == 0 && spec->nper >= ZIG_MAX_PLATFORMS)
				r = pw_jcheck_fail(j, vp, true, kf, "too many platforms");
			if (r == 0) {
				spec->per = pw_xrealloc(spec->per, (spec->nper + 1) * sizeof(*spec->per));
				spec->per[spec->nper].platform = pw_xstrdup(k);
				spec->per[spec->nper].minor = 0;
				spec->nper++;
				r = floor_value(j, v, vp, kf, &spec->per[spec->nper - 1].minor);
			}
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static const struct pw_provider_key keys[] = {
    {PW_PLACE_TOP, "manylinux", PW_STAGE_TOOLCHAIN, parse_manylinux},
};
static const char *const key_defaults[] = {"\"" PW_ZIG_DEFAULT_FLOOR "\""};
static const struct pw_layer_kind hows[] = {
    {PW_ZIG_LAYER_HOW, build_zig},
};

const struct pw_provider pw_provider_zig = {
    .name = "zig",
    .keys = keys,
    .nkeys = PW_ARRAY_SIZE(keys),
    .key_defaults = key_defaults,
    .defaulted = defaulted,
    .spec_free = spec_free,
    .lock = lock_zig,
    .hows = hows,
    .nhows = PW_ARRAY_SIZE(hows),
    .root_env = zig_root_env,
};

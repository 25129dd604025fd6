/* provider_pypi.c - the "pypi" provider (include/pinwheel/provider.h,
 * pypi.h): "build_requires" and "test.requires" pinned for each target by
 * the root's own pip (pw_pypi_resolve()) in the root composed so far
 * (pw_roots_compose()), and the "pypi-install" layers built at fetch
 * (pw_pypi_build_layer()). */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "pinwheel/buf.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/jcheck.h"
#include "pinwheel/layout.h"
#include "pinwheel/oci.h"
#include "pinwheel/provider.h"
#include "pinwheel/pypi.h"
#include "pinwheel/roots.h"
#include "pinwheel/sandbox.h"
#include "pinwheel/pyproject.h"

/* ---- lock ---- */

/* "build_requires" -> "build-requires", "test.requires" -> "test-requires". */
static char *layer_name(const char *field)
{
	char *s = pw_xstrdup(field);

	for (char *p = s; *p; p++)
		if (*p == '_' || *p == '.')
			*p = '-';
	return s;
}

/* The layer's input digest (artifact.h, struct pw_layer): the field, the
 * pins (normalised, sorted) and the layers below it in the target's root
 * (another base may resolve to other wheels). */
static void pypi_input(const struct pw_pypi_spec *spec, const struct pw_lockset *ls,
		       const char *target, char hex[PW_SHA256_HEX])
{
	struct pw_buf b = PW_BUF_INIT(SIZE_MAX / 2);
	char **p = pw_xcalloc(spec->n + 1, sizeof(*p));
	char below[PW_SHA256_HEX];
	size_t i;

	for (i = 0; i < spec->n; i++) {
		_cleanup_free_ char *norm = pw_pypi_normalize(spec->pins[i].name);
		if (spec->pins[i].req) /* exact pins keep the digest they had */
			p[i] = pw_xasprintf("req %s", spec->pins[i].req);
		else
			p[i] = pw_xasprintf("%s==%s", norm, spec->pins[i].version);
	}
	if (spec->n > 1)
		pw_sort_strings(p, spec->n);
	pw_lockset_layers_digest(ls, target, below);
	pw_buf_addf(&b, "pypi-layer;v1\nfield %s\nbelow %s\n", spec->field, below);
	for (i = 0; i < spec->n; i++) {
		pw_buf_addf(&b, "pin %s\n", p[i]);
		free(p[i]);
	}
	free(p);
	pw_sha256_mem(b.buf, b.len, hex);
	pw_buf_release(&b);
}

char *pw_pypi_image_python(const struct pw_sandbox_spec *s, const char *version)
{
	size_t n = strlen(version);
	bool ft = n && version[n - 1] == 't';
	_cleanup_free_ char *v = pw_xstrdup(version);

	if (ft)
		v[n - 1] = '\0';
	for (size_t i = 0; i < s->n_layers; i++) {
		int fd = open(s->layers[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		char *py;

		if (fd < 0)
			continue;
		py = pw_oci_python(fd, v, ft);
		close(fd);
		if (py)
			return py;
	}
	return NULL;
}

/* ---- a foreign target's pip run natively (pypi.h) ---- */

/* The first layer of @target's root in @ls whose how is @how, or NULL. */
static const struct pw_layer *layer_how(const struct pw_lockset *ls, const char *target,
					const char *how)
{
	const struct pw_root *rt = pw_lockset_find_root(ls, target);

	for (size_t i = 0; rt && i < rt->n; i++)
		if (!strcmp(rt->layers[i].how, how))
			return &rt->layers[i];
	return NULL;
}

/* The version of the artifact named @name in layer @l of @ls, or NULL. */
static const char *layer_version(const struct pw_lockset *ls, const struct pw_layer *l,
				 const char *name)
{
	for (size_t i = 0; l && i < l->n; i++) {
		const struct pw_artifact *a = pw_lockset_find_sha(ls, l->artifacts[i]);

		if (a && a->name && !strcmp(a->name, name))
			return a->version ? a->version : "";
	}
	return NULL;
}

/* Is the package @name the same version in both bases?  NULL, or why not
 * (caller frees). */
static char *same_version(const struct pw_lockset *ls, const struct pw_layer *tl,
			  const struct pw_lockset *hls, const struct pw_layer *hl, const char *name,
			  const struct pw_target_info *t)
{
	const char *a = layer_version(ls, tl, name), *b = layer_version(hls, hl, name);

	if (!a && !b)
		return NULL;
	if (a && b && !strcmp(a, b))
		return NULL;
	return pw_xasprintf("the %s %s is %s but the %s one is %s", t->debian_arch, name,
			    a ? a : "missing", pw_host_debian_arch(), b ? b : "missing");
}

/* The architectures whose wheel tags and markers pip derives from the
 * machine name alone on a 64-bit host (packaging's tags: no ELF header
 * read, no 32-bit special case). */
static bool native_arch_ok(const char *arch)
{
	static const char *const ok[] = {"x86_64", "aarch64", "ppc64le", "s390x", "riscv64", NULL};

	for (size_t i = 0; ok[i]; i++)
		if (!strcmp(ok[i], arch))
			return sizeof(void *) == 8;
	return false;
}

int pw_pypi_host_root(struct pw_provider_ctx *pc, const struct pw_lockset *ls,
		      const struct pw_target_info *t, const char *python,
		      struct pw_sandbox_spec *root, char **why, struct pw_err *e)
{
	const char *host = pw_host_arch(), *env = getenv("PINWHEEL_LOCK_NATIVE");
	struct pw_lockset hls = PW_LOCKSET_INIT;
	struct pw_target_info hti = *t;
	struct pw_err he = PW_ERR_INIT;
	const struct pw_layer *tl, *hl, *tp, *hp;
	_cleanup_free_ char *hid = NULL, *hplat = NULL, *pkg = NULL, *kv = NULL;
	const char *exe = strrchr(python, '/');
	size_t pl = strlen(t->platform), al = strlen(t->arch);
	int r = 0;

	*why = NULL;
	if (!pw_emulator_needed(t->arch))
		return 0;
	if (env && !strcmp(env, "0")) {
		*why = pw_xstrdup("PINWHEEL_LOCK_NATIVE=0");
		return 0;
	}
	if (!native_arch_ok(t->arch) || !native_arch_ok(host)) {
		*why = pw_xasprintf("pip derives the wheel tags of %s from its interpreter", t->arch);
		return 0;
	}
	if (!t->base || !t->base->provider || strcmp(t->base->provider->name, "debian") ||
	    strncmp(python, "/usr/bin/", 9) || !(tl = layer_how(ls, t->id, "debian-root"))) {
		*why = pw_xstrdup("its interpreter is not a Debian suite's /usr/bin one");
		return 0;
	}
	/* the sibling target of this machine's architecture */
	if (pl <= al + 1 || strcmp(t->platform + pl - al, t->arch) || t->platform[pl - al - 1] != '_') {
		*why = pw_xasprintf("no %s platform beside '%s'", host, t->platform);
		return 0;
	}
	hplat = pw_xasprintf("%.*s%s", (int)(pl - al), t->platform, host);
	hid = pw_xasprintf("%s-%s", t->python_tag, hplat);
	hti.id = hid;
	hti.platform = hplat;
	hti.arch = host;
	hti.debian_arch = pw_host_debian_arch();
	pw_lockset_root(&hls, hid);
	r = pw_block_lock(pc, t->base, &hti, &hls, &he);
	if (r < 0) {
		*why = pw_xasprintf("its base for %s: %s", hti.debian_arch, he.msg);
		r = 0;
		goto out;
	}
	hl = layer_how(&hls, hid, "debian-root");
	pkg = pw_xasprintf("%s-minimal", exe + 1);
	if (!hl)
		*why = pw_xasprintf("no Debian root for %s", hti.debian_arch);
	else if (!layer_version(ls, tl, pkg))
		*why = pw_xasprintf("its base has no package %s", pkg);
	if (!*why)
		*why = same_version(ls, tl, &hls, hl, pkg, t);
	if (!*why)
		*why = same_version(ls, tl, &hls, hl, "libc6", t);
	if (!*why)
		*why = same_version(ls, tl, &hls, hl, "python3-pip", t);
	tp = pw_lockset_find_layer(ls, t->id, PW_PIP_LAYER);
	hp = pw_lockset_find_layer(&hls, hid, PW_PIP_LAYER);
	if (!*why && (!tp != !hp || (tp && (tp->n != 1 || hp->n != 1 ||
					    strcmp(tp->artifacts[0], hp->artifacts[0])))))
		*why = pw_xasprintf("its pip layer differs from the %s one", hti.debian_arch);
	if (*why)
		goto out;
	r = pw_roots_compose(pc, &hls, hid, root, NULL, e);
	if (r < 0) {
		pw_err_prefix(e, "the %s root its requirements are resolved in", hti.debian_arch);
		goto out;
	}
	kv = pw_xasprintf("%s=%s", PW_PYPI_MACHINE_ENV, t->arch);
	r = pw_sandbox_spec_add_env(root, kv, false, e);
	r = r < 0 ? r : 1;
out:
	pw_lockset_release(&hls);
	return r;
}

/* test.requires (PW_TEST_LAYER's field) may pin sdists (pypi.h). */
static bool sdists_allowed(const struct pw_pypi_spec *spec)
{
	return !strcmp(spec->field, "test.requires");
}

/* "build_requires" of a project whose pyproject.toml names a backend:
 * what its get_requires_for_build_* hooks add (pw_pypi_backend_requires(),
 * with the static requirements @w installed) is resolved together with
 * the config's requirements, and *w is that resolution.  0 or -errno. */
static int add_backend_requires(struct pw_provider_ctx *pc, const struct pw_pypi_spec *spec,
				struct pw_store *store, const struct pw_sandbox_spec *root,
				const struct pw_sandbox_spec *rroot, const char *root_id,
				const struct pw_target_info *t, const char *python,
				struct pw_artifact **w, size_t *nw, struct pw_err *e)
{
	struct pw_pypi_backend be = {.srcdir = pc->project_dir ? pc->project_dir : "."};
	struct pw_pep517 pep;
	struct pw_pin *pins = NULL;
	struct pw_artifact *w2 = NULL;
	struct pw_buf note = PW_BUF_INIT(1u << 16);
	char **reqs = NULL;
	size_t nreqs = 0, np = 0, nw2 = 0, i;
	int r;

	/* no pyproject.toml or no build-backend: PEP 517's fallback, setuptools'
	 * legacy backend, adds at most "wheel", which zero config asks for */
	if (pw_pep517_read(be.srcdir, &pep, e) < 0)
		return pw_err_prefix(e, "the backend of %s", t->id);
	if (pep.from_default) {
		pw_pep517_release(&pep);
		return 0;
	}
	be.backend = pep.backend;
	be.path = pep.path;
	while (be.path[be.npath])
		be.npath++;
	r = pw_pypi_backend_requires(store, root, root_id, t->id, python, *w, *nw, &be, &reqs,
				     &nreqs, e);
	if (r < 0 || nreqs == 0)
		goto out;
	pins = pw_xcalloc(spec->n + nreqs + 1, sizeof(*pins));
	memcpy(pins, spec->pins, spec->n * sizeof(*pins)); /* borrowed */
	np = spec->n;
	pw_buf_addf(&note, "%s: the backend '%s' of %s adds", spec->field, be.backend, t->id);
	for (i = 0; i < nreqs; i++) {
		r = pw_req_parse(reqs[i], &pins[np], e);
		if (r < 0) {
			pw_err_prefix(e, "the backend '%s' of %s asked for '%.100s'", be.backend,
				      t->id, reqs[i]);
			goto out;
		}
		np++;
		pw_buf_addf(&note, "%s %s", i ? "," : "", reqs[i]);
	}
	if (pc->note)
		pc->note(pc, note.buf);
	r = pw_pypi_resolve(store, rroot, t->id, python, pins, np, &w2, &nw2, e);
	if (r == -EAGAIN && rroot != root) { /* wheels only: not expected */
		pw_err_clear(e);
		r = pw_pypi_resolve(store, root, t->id, python, pins, np, &w2, &nw2, e);
	}
	if (r == 0) {
		pw_pypi_artifacts_free(*w, *nw);
		*w = w2;
		*nw = nw2;
	}
out:
	for (i = spec->n; i < np; i++) {
		free(pins[i].name);
		free(pins[i].version);
		free(pins[i].req);
	}
	free(pins);
	pw_pypi_strings_free(reqs, nreqs);
	pw_buf_release(&note);
	pw_pep517_release(&pep);
	return r < 0 ? r : 0;
}

/* One line through pc->note: "FIELD: TARGET: WHAT: DETAIL". */
static void say(struct pw_provider_ctx *pc, const struct pw_pypi_spec *spec,
		const struct pw_target_info *t, const char *what, const char *detail)
{
	_cleanup_free_ char *msg = NULL;

	if (!pc->note)
		return;
	msg = detail ? pw_xasprintf("%s: %s: %s: %s", spec->field, t->id, what, detail)
		     : pw_xasprintf("%s: %s: %s", spec->field, t->id, what);
	pc->note(pc, msg);
}

/* The config's requirements of @spec resolved in @root: sdists allowed for
 * the smoke test's (built at fetch in the layer's sandbox), build steps'
 * requirements wheels only. */
static int resolve_pins(const struct pw_pypi_spec *spec, struct pw_store *store,
			const struct pw_sandbox_spec *root, const struct pw_target_info *t,
			const char *python, struct pw_artifact **w, size_t *nw,
			struct pw_artifact **bw, size_t *nbw, struct pw_err *e)
{
	if (sdists_allowed(spec))
		return pw_pypi_resolve_sdists(store, root, t->id, python, spec->pins, spec->n, w,
					      nw, bw, nbw, e);
	return pw_pypi_resolve(store, root, t->id, python, spec->pins, spec->n, w, nw, e);
}

static int lock_pypi(struct pw_provider_ctx *pc, const void *p, const struct pw_target_info *t,
		     struct pw_lockset *out, struct pw_err *e)
{
	const struct pw_pypi_spec *spec = p;
	_cleanup_free_ char *layer = layer_name(spec->field), *python = NULL;
	struct pw_sandbox_spec root, host;
	struct pw_artifact *w = NULL, *bw = NULL;
	struct pw_store *store;
	char input[PW_SHA256_HEX], root_id[PW_SHA256_HEX], *why = NULL;
	size_t nw = 0, nbw = 0;
	bool native = false;
	int r;

	if (!spec->n)
		return 0; /* nothing pinned: no layer */
	pypi_input(spec, out, t->id, input);
	if (pc->offline || pw_lockset_layer_unchanged(pc->prior, t->id, layer, input)) {
		r = pw_lockset_reuse_layer(pc->prior, t->id, layer, spec->field, out, e);
		if (r == 0 && pc->offline)
			pw_lockset_set_layer_input(out, t->id, input);
		return r;
	}
	store = pw_provider_store(pc, spec->field, e);
	if (!store)
		return -errno;
	pw_sandbox_spec_init(&host);
	/* a standalone Python base is at /install (layout.h), Debian's in /usr */
	{
		bool standalone = false;
		const struct pw_root *rt = NULL;

		for (size_t i = 0; i < out->nroots && !rt; i++)
			if (!strcmp(out->roots[i].target, t->id))
				rt = &out->roots[i];
		for (size_t i = 0; rt && i < rt->n; i++)
			standalone |= !strcmp(rt->layers[i].dest, PW_PYTHON_MOUNT);
		python = pw_python_exe(standalone ? PW_PYTHON_MOUNT "/bin" : "/usr/bin", t->python);
	}
	pw_sandbox_spec_init(&root);
	r = pw_roots_compose(pc, out, t->id, &root, root_id, e);
	if (r == 0) {
		/* an image with the manylinux layout has its own (oci.h) */
		char *img = pw_python_is_pypy(t->python) ? NULL : pw_pypi_image_python(&root, t->python);

		if (img) {
			free(python);
			python = img;
		}
	}
	/* a foreign target's pip runs natively when that is sound (pypi.h) */
	if (r == 0) {
		r = pw_pypi_host_root(pc, out, t, python, &host, &why, e);
		native = r == 1;
		r = r < 0 ? r : 0;
		if (why)
			say(pc, spec, t, "resolved under qemu", why);
	}
	if (r == 0)
		r = resolve_pins(spec, store, native ? &host : &root, t, python, &w, &nw, &bw, &nbw,
				 e);
	if (r == -EAGAIN && native) {
		/* pip would have built an sdist: that needs the target's own
		 * interpreter */
		say(pc, spec, t, "resolved under qemu", e->msg);
		pw_err_clear(e);
		native = false;
		r = resolve_pins(spec, store, &root, t, python, &w, &nw, &bw, &nbw, e);
	} else if (r == 0 && native) {
		_cleanup_free_ char *how = pw_xasprintf(
		    "resolved natively by the %s %s of its suite, as %s", pw_host_debian_arch(),
		    strrchr(python, '/') + 1, t->arch);
		say(pc, spec, t, how, NULL);
	}
	if (r == 0 && !strcmp(spec->field, "build_requires"))
		r = add_backend_requires(pc, spec, store, &root, native ? &host : &root, root_id,
					 t, python, &w, &nw, e);
	if (r == 0) {
		pw_pypi_lockset_add_build(out, t->id, layer, w, nw, bw, nbw);
		pw_lockset_set_layer_input(out, t->id, input);
	} else
		pw_err_prefix(e, "%s", spec->field);
	pw_pypi_artifacts_free(w, nw);
	pw_pypi_artifacts_free(bw, nbw);
	pw_sandbox_spec_release(&root);
	pw_sandbox_spec_release(&host);
	free(why);
	return r;
}

/* ---- pinwheel's own pip: the layer "pip" ---- */

int pw_pypi_lock_pip(struct pw_provider_ctx *pc, const struct pw_target_info *t,
		     const char *field, struct pw_lockset *out, struct pw_err *e)
{
	struct pw_buf b = PW_BUF_INIT(SIZE_MAX / 2);
	_cleanup_free_ char *python = pw_python_exe("/usr/bin", t->python);
	char below[PW_SHA256_HEX], input[PW_SHA256_HEX];
	struct pw_pin pin = {0};
	struct pw_err pe = PW_ERR_INIT;
	struct pw_sandbox_spec root;
	struct pw_artifact *w = NULL;
	struct pw_store *store;
	size_t nw = 0;
	int r;

	pw_lockset_layers_digest(out, t->id, below);
	pw_buf_addf(&b, "pip-layer;v1\nreq %s\nbelow %s\n", PW_PIP_REQ, below);
	pw_sha256_mem(b.buf, b.len, input);
	pw_buf_release(&b);
	if (pc->offline || pw_lockset_layer_unchanged(pc->prior, t->id, PW_PIP_LAYER, input)) {
		r = pw_lockset_reuse_layer(pc->prior, t->id, PW_PIP_LAYER, field, out, e);
		if (r == 0 && pc->offline)
			pw_lockset_set_layer_input(out, t->id, input);
		return r;
	}
	store = pw_provider_store(pc, field, e);
	if (!store)
		return -errno;
	r = pw_pin_parse(PW_PIP_REQ, &pin, &pe);
	if (r < 0)
		return pw_err_set(e, EINVAL, "%s", pe.msg);
	pw_sandbox_spec_init(&root);
	r = pw_roots_compose(pc, out, t->id, &root, NULL, e);
	if (r == 0)
		r = pw_pypi_bootstrap_pip(store, &root, t->id, python, &pin, &w, &nw, e);
	if (r == 0) {
		const char *sha = w[0].sha256;

		pw_lockset_add(out, &w[0], t->id);
		pw_lockset_add_layer(out, t->id, PW_PIP_LAYER, "unpack", PW_PIP_DIR, &sha, 1,
				     NULL);
		pw_lockset_set_layer_input(out, t->id, input);
	} else
		pw_err_prefix(e, "%s", field);
	pw_pypi_artifacts_free(w, nw);
	pw_sandbox_spec_release(&root);
	free(pin.name);
	free(pin.version);
	free(pin.req);
	return r;
}

/* ---- the layer: "pypi-install" ---- */

/* "cp311-manylinux_x86_64" -> "/usr/bin/python3.11" ("cp313t" ->
 * "python3.13t", "pp311" -> "pypy3.11"): the interpreter of a Debian
 * base, or under PW_PYTHON_MOUNT when the trees so far have a standalone
 * Python there, or the image's /opt/python/cp311-cp311/bin/python
 * (manylinux). */
static char *target_python(const struct pw_layer_ctx *lc)
{
	const struct pw_root_plan *t = lc->plan;
	_cleanup_free_ char *v = pw_python_of_target(t->target);
	const char *dir = "/usr/bin";
	char *py;
	size_t n;
	bool ft;

	if (!v)
		return NULL;
	n = strlen(v);
	ft = v[n - 1] == 't';
	if (!pw_python_is_pypy(v)) {
		_cleanup_free_ char *plain = pw_xstrdup(v);

		plain[n - ft] = '\0';
		py = lc->rstore ? pw_roots_python(lc->rstore, t, plain, ft) : NULL;
		if (py)
			return py;
	}
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->trees[i].dest, PW_PYTHON_MOUNT))
			dir = PW_PYTHON_MOUNT "/bin";
	return pw_python_exe(dir, v);
}

/* The layer's wheels installed by the root's own pip into a derived tree
 * over the trees below it (pw_pypi_build_layer()). */
/* @n digests of the lock as artifacts (into @w, borrowing the lock's
 * strings); 0 or -EINVAL naming a digest the lock lacks. */
static int lock_artifacts(const struct pw_lockset *ls, char *const *shas, size_t n,
			  struct pw_artifact *w, struct pw_err *e)
{
	for (size_t i = 0; i < n; i++) {
		const struct pw_artifact *la = pw_lockset_find_sha(ls, shas[i]);

		if (!la)
			return pw_err_set(e, EINVAL, "no artifact %s in the lock", shas[i]);
		w[i].kind = la->kind;
		w[i].name = la->name;
		w[i].version = la->version;
		w[i].urls = la->urls;
		w[i].nurls = la->nurls;
		memcpy(w[i].sha256, la->sha256, sizeof(w[i].sha256));
		w[i].size = la->size;
	}
	return 0;
}

/* The layer's wheels installed, and its sdists built and installed, by
 * the root's own pip into a derived tree over the trees below it
 * (pw_pypi_build_layer()). */
static int build_pypi_install(struct pw_layer_ctx *lc, const struct pw_layer *l, struct pw_err *e)
{
	struct pw_artifact *w = pw_xcalloc(l->n + 1, sizeof(*w));
	struct pw_artifact *b = pw_xcalloc(l->nbuild + 1, sizeof(*b));
	_cleanup_free_ char *python = target_python(lc);
	char rid[PW_SHA256_HEX], *id = NULL;
	int r = 0;

	if (!python) {
		r = pw_err_set(e, EINVAL,
			       "expected a target like \"cp311-...\" or \"pp311-...\" for "
			       "how \"pypi-install\"");
		goto out;
	}
	r = lock_artifacts(lc->ls, l->artifacts, l->n, w, e);
	if (r == 0)
		r = lock_artifacts(lc->ls, l->build, l->nbuild, b, e);
	if (r < 0)
		goto out;
	pw_root_plan_id(lc->plan, rid);
	if (lc->store) {
		struct pw_sandbox_spec s;

		pw_sandbox_spec_init(&s);
		pw_roots_to_spec(lc->store, lc->plan, &s);
		r = pw_pypi_build_layer(lc->store, &s, rid, python, w, l->n, b, l->nbuild, &id, e);
		pw_sandbox_spec_release(&s);
		if (r < 0)
			goto out;
		/* pw_pypi_build_layer() does not say whether it was cached */
	} else {
		id = pw_pypi_layer_id(rid, w, l->n, b, l->nbuild);
	}
	pw_layer_ctx_add(lc, id, l, NULL);
out:
	free(w); /* the strings are borrowed from the lock */
	free(b);
	return r;
}

/* ---- the config ---- */

/* PEP 508 name: letters, digits, and . _ - inside. */
static bool pin_name_ok(const char *s, size_t n)
{
	if (!n || n > 200)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum =
		    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
		if (!alnum && !((i > 0 && i + 1 < n) && strchr("._-", c)))
			return false;
	}
	return true;
}

/* An exact PEP 440 version: starts with a digit, then digits, letters and
 * . ! + _ - (no wildcard, no range, no spaces). */
static bool pin_version_ok(const char *s)
{
	if (!(*s >= '0' && *s <= '9'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr(".!+_-", *s)))
			return false;
	return true;
}

int pw_pin_parse(const char *s, struct pw_pin *out, struct pw_err *e)
{
	const char *eq = strstr(s, "==");

	out->name = out->version = NULL;
	if (!eq || eq[2] == '=')
		return pw_err_set(e, EINVAL, "'%s' is not an exact pin: expected name==version", s);
	if (!pin_name_ok(s, (size_t)(eq - s)))
		return pw_err_set(e, EINVAL,
				  "'%s': the name must be a PyPI project name (letters, digits, . "
				  "_ -), without extras or spaces",
				  s);
	if (!pin_version_ok(eq + 2))
		return pw_err_set(e, EINVAL,
				  "'%s' is not an exact pin: the version must be exact (like "
				  "2.1.3), without wildcards, ranges or markers",
				  s);
	out->name = pw_xasprintf("%.*s", (int)(eq - s), s);
	out->version = pw_xstrdup(eq + 2);
	return 0;
}

/* PEP 508 without URLs: name, [extras], specifiers (optionally in
 * parentheses) and "; marker", which pip judges in the target's root. */
int pw_req_parse(const char *s, struct pw_pin *out, struct pw_err *e)
{
	static const char *const ops[] = {"===", "==", "!=", "<=", ">=", "~=", "<", ">"};
	const char *p, *name, *semi;
	size_t n, len;
	bool paren = false;

	out->name = out->version = out->req = NULL;
	while (*s == ' ')
		s++;
	len = strlen(s);
	while (len && s[len - 1] == ' ')
		len--;
	if (len > 1000)
		return pw_err_set(e, EINVAL, "a requirement of more than 1000 characters");
	{
		_cleanup_free_ char *t = pw_xasprintf("%.*s", (int)len, s);

		if (pw_pin_parse(t, out, e) == 0)
			return 0;
	}
	name = s;
	for (n = 0; n < len && (strchr("._-", s[n]) || (s[n] >= 'a' && s[n] <= 'z') ||
				(s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= '0' && s[n] <= '9'));
	     n++)
		;
	if (!pin_name_ok(name, n))
		return pw_err_set(e, EINVAL,
				  "'%.*s': expected a PyPI project name (letters, digits, . _ -) "
				  "first",
				  (int)len, s);
	semi = memchr(s, ';', len);
	p = s + n;
#define SKIP_WS()                                                                                  \
	while (p < s + len && *p == ' ')                                                           \
	p++
	SKIP_WS();
	if (p < s + len && *p == '[') {
		const char *close = memchr(p, ']', (size_t)(s + len - p));

		if (!close || (semi && close > semi))
			goto bad;
		for (const char *q = p + 1; q < close; q++)
			if (!(strchr("._-, ", *q) || (*q >= 'a' && *q <= 'z') ||
			      (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9')))
				goto bad;
		p = close + 1;
		SKIP_WS();
	}
	if (p < s + len && *p == '@')
		return pw_err_set(e, EINVAL,
				  "'%.*s': a direct reference (name @ url) cannot be pinned from "
				  "an index: give a version range",
				  (int)len, s);
	if (p < s + len && *p == '(') {
		paren = true;
		p++;
	}
	/* clauses: OP VERSION, separated by ',' */
	while (p < s + len && (!semi || p < semi) && *p != ')') {
		size_t i, v = 0;

		SKIP_WS();
		for (i = 0; i < PW_ARRAY_SIZE(ops); i++)
			if (!strncmp(p, ops[i], strlen(ops[i])))
				break;
		if (i == PW_ARRAY_SIZE(ops))
			goto bad;
		p += strlen(ops[i]);
		SKIP_WS();
		while (p + v < s + len && ((p[v] >= 'a' && p[v] <= 'z') || (p[v] >= 'A' && p[v] <= 'Z') ||
					   (p[v] >= '0' && p[v] <= '9') || strchr(".*+!_-", p[v])))
			v++;
		if (!v)
			goto bad;
		p += v;
		SKIP_WS();
		if (p < s + len && *p == ',')
			p++;
		else
			break;
	}
	if (paren) {
		if (p >= s + len || *p != ')')
			goto bad;
		p++;
		SKIP_WS();
	}
#undef SKIP_WS
	if (p < s + len && p != semi)
		goto bad;
	if (semi) {
		const char *m = semi + 1;

		while (m < s + len && *m == ' ')
			m++;
		if (m == s + len)
			goto bad;
		for (; m < s + len; m++)
			if ((unsigned char)*m < 0x20 || (unsigned char)*m > 0x7e)
				goto bad;
	}
	out->name = pw_xasprintf("%.*s", (int)n, name);
	out->req = pw_xasprintf("%.*s", (int)len, s);
	return 0;
bad:
	return pw_err_set(e, EINVAL,
			  "'%.*s' is not a requirement: expected name[extras], version "
			  "specifiers like >=1.2,<2 and an optional '; marker'",
			  (int)len, s);
}

/* PyPI normalised name: lowercase, runs of . _ - become one -. */
/* @out has room for strlen(@s) + 1 bytes (it may be @s itself). */
static void norm_name(const char *s, char *out)
{
	size_t o = 0;

	for (; *s; s++) {
		if (strchr("._-", *s)) {
			if (o && out[o - 1] == '-')
				continue;
			out[o++] = '-';
		} else {
			out[o++] = (*s >= 'A' && *s <= 'Z') ? (char)(*s - 'A' + 'a') : *s;
		}
	}
	out[o] = '\0';
}

static void spec_free(void *p)
{
	struct pw_pypi_spec *s = p;

	for (size_t i = 0; i < s->n; i++) {
		free(s->pins[i].name);
		free(s->pins[i].version);
		free(s->pins[i].req);
	}
	free(s->pins);
	free((char *)s->field);
	free(s);
}

/* "build_requires", "test.requires": an array of requirements (exact
 * pins or ranges); a project may appear twice only under markers. */
static int parse_pins(const struct pw_jcheck *j, json_t *obj, const struct pw_jpos *p,
		      const char *field, const char *key, void **spec)
{
	struct pw_pypi_spec *out = pw_xcalloc(1, sizeof(*out));
	_cleanup_free_ char *f = pw_jcheck_field(field, key);
	const struct pw_jpos *kp;
	struct pw_err pe = PW_ERR_INIT;
	json_t *v, *x;
	char **norm;
	size_t i, dup;

	*spec = out;
	out->field = pw_xstrdup(f);
	kp = pw_jpos_member(obj, p, key, &v);
	if (!json_is_array(v))
		return pw_jcheck_type(j, kp, f,
				      "an array of requirements like \"numpy==2.3.5\" or "
				      "\"numpy>=2\"",
				      v);
	out->pins = pw_xcalloc(json_array_size(v) + 1, sizeof(*out->pins));
	for (i = 0; i < json_array_size(v); i++) {
		_cleanup_free_ char *ef = pw_jcheck_elem(f, i);
		x = json_array_get(v, i);
		if (!json_is_string(x))
			return pw_jcheck_fail(j, pw_jpos_elem(kp, i), false, ef,
					      "expected a requirement like \"numpy==2.3.5\", got %s",
					      pw_jcheck_type_name(x));
		if (pw_req_parse(json_string_value(x), &out->pins[i], &pe) < 0)
			return pw_jcheck_fail(j, pw_jpos_elem(kp, i), false, ef, "%s", pe.msg);
		out->n++;
	}
	norm = pw_xcalloc(out->n + 1, sizeof(*norm));
	for (i = 0; i < out->n; i++) {
		/* under a marker a project may be named again (per Python) */
		if (out->pins[i].req && strchr(out->pins[i].req, ';'))
			norm[i] = pw_xasprintf("%zu;", i);
		else {
			norm[i] = pw_xstrdup(out->pins[i].name);
			norm_name(out->pins[i].name, norm[i]);
		}
	}
	dup = pw_jcheck_first_dup(norm, out->n);
	for (i = 0; i < out->n; i++)
		free(norm[i]);
	free(norm);
	if (dup != SIZE_MAX) {
		_cleanup_free_ char *ef = pw_jcheck_elem(f, dup);
		return pw_jcheck_fail(j, pw_jpos_elem(kp, dup), false, ef, "'%s' is pinned twice",
				      out->pins[dup].name);
	}
	return 0;
}

static const struct pw_provider_key keys[] = {
    {PW_PLACE_TOP, "build_requires", PW_STAGE_REQUIRES, parse_pins},
    {PW_PLACE_TEST, "requires", PW_STAGE_TEST, parse_pins},
};
static const char *const kinds[] = {"wheel", "sdist", NULL};
static const struct pw_layer_kind hows[] = {
    {PW_PYPI_LAYER_HOW, build_pypi_install},
};

const struct pw_provider pw_provider_pypi = {
    .name = "pypi",
    .keys = keys,
    .nkeys = PW_ARRAY_SIZE(keys),
    .spec_free = spec_free,
    .lock = lock_pypi,
    .kinds = kinds,
    .hows = hows,
    .nhows = PW_ARRAY_SIZE(hows),
};

/* deb_resolve.c - the package index of one suite/arch and the dependency
 * closure of a set of packages in it (rules in docs/debian.md "Resolver").
 *
 * The index keeps the packages of the native architecture and "all",
 * sorted by name and then by version, highest first; a second array maps
 * each virtual name (Provides) to its providers, sorted by virtual name
 * and provider name.  The resolver is greedy and deterministic: a FIFO
 * worklist, Pre-Depends then Depends of each package in field order, the
 * first alternative that can be satisfied, never a second version of a
 * name.  Conflicts and Breaks are not looked at: the root is extracted,
 * not installed.
 */
#include <ctype.h>
#include <string.h>

#include "pinwheel/buf.h"
#include "pinwheel/debian.h"

struct prov {
	char *vname;   /* the virtual name */
	char *version; /* "(= V)" of a versioned Provides, or NULL */
	size_t pkg;    /* index into v */
};

struct pw_deb_index {
	char *arch, *where;
	struct pw_deb_pkg *v;
	size_t n, alloc;
	struct prov *p;
	size_t np;
	char **comps;
	size_t ncomps;
};

struct pw_deb_index *pw_deb_index_new(const char *arch, const char *where)
{
	struct pw_deb_index *ix = pw_xcalloc(1, sizeof(*ix));

	ix->arch = pw_xstrdup(arch);
	ix->where = pw_xstrdup(where);
	return ix;
}

static void free_provides(struct pw_deb_index *ix)
{
	size_t i;

	for (i = 0; i < ix->np; i++) {
		free(ix->p[i].vname);
		free(ix->p[i].version);
	}
	free(ix->p);
	ix->p = NULL;
	ix->np = 0;
}

void pw_deb_index_free(struct pw_deb_index *ix)
{
	size_t i;

	if (!ix)
		return;
	for (i = 0; i < ix->n; i++) {
		struct pw_deb_pkg *k = &ix->v[i];
		free(k->name);
		free(k->version);
		free(k->arch);
		free(k->multi_arch);
		free(k->depends);
		free(k->pre_depends);
		free(k->provides);
		free(k->filename);
		free(k->sha256);
	}
	free(ix->v);
	free_provides(ix);
	for (i = 0; i < ix->ncomps; i++)
		free(ix->comps[i]);
	free(ix->comps);
	free(ix->arch);
	free(ix->where);
	free(ix);
}

size_t pw_deb_index_count(const struct pw_deb_index *ix)
{
	return ix->n;
}

static char *dup_or_null(const char *s)
{
	return s ? pw_xstrdup(s) : NULL;
}

static int cmp_pkg(const void *a, const void *b)
{
	const struct pw_deb_pkg *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	c = pw_deb_version_cmp(y->version, x->version); /* highest first */
	if (c)
		return c;
	return strcmp(x->arch, y->arch);
}

static int cmp_prov(const void *a, const void *b, void *ud)
{
	const struct prov *x = a, *y = b;
	const struct pw_deb_index *ix = ud;
	int c = strcmp(x->vname, y->vname);

	if (c)
		return c;
	c = strcmp(ix->v[x->pkg].name, ix->v[y->pkg].name);
	if (c)
		return c;
	return x->pkg < y->pkg ? -1 : x->pkg > y->pkg;
}

/* ---- relationship fields ---- */

struct alt {
	char *name;
	char *archq; /* after ':', or NULL */
	enum pw_deb_rel rel;
	char *ver;
	char *text; /* as written, normalised spacing */
	bool skip;  /* an [arch] restriction excludes it */
};

struct clause {
	struct alt *a;
	size_t n;
	char *text;
};

static void clause_release(struct clause *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->a[i].name);
		free(c->a[i].archq);
		free(c->a[i].ver);
		free(c->a[i].text);
	}
	free(c->a);
	free(c->text);
	memset(c, 0, sizeof(*c));
}

static void clauses_free(struct clause *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		clause_release(&c[i]);
	free(c);
}

static bool name_char(int c)
{
	return isalnum(c) || c == '+' || c == '-' || c == '.';
}

static const char *skip_ws(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	return s;
}

/* Parse one alternative from [s, end).  0 or -EINVAL. */
static int parse_alt(const char *s, const char *end, const char *arch, struct alt *a)
{
	const char *p;
	struct pw_buf t = PW_BUF_INIT(1u << 16);

	memset(a, 0, sizeof(*a));
	s = skip_ws(s);
	for (p = s; p < end && name_char((unsigned char)*p); p++)
		;
	if (p == s)
		return -EINVAL;
	a->name = pw_xasprintf("%.*s", (int)(p - s), s);
	pw_buf_add(&t, s, (size_t)(p - s));
	if (p < end && *p == ':') {
		const char *q = ++p;
		while (p < end && (isalnum((unsigned char)*p) || *p == '-'))
			p++;
		if (p == q)
			goto bad;
		a->archq = pw_xasprintf("%.*s", (int)(p - q), q);
		pw_buf_addf(&t, ":%s", a->archq);
	}
	for (;;) {
		p = skip_ws(p);
		if (p >= end)
			break;
		if (*p == '(') {
			const char *q, *close = memchr(p, ')', (size_t)(end - p));
			size_t k;

			if (!close || a->ver)
				goto bad;
			q = skip_ws(p + 1);
			if (!strncmp(q, "<<", 2)) {
				a->rel = PW_DEB_LT;
				k = 2;
			} else if (!strncmp(q, "<=", 2)) {
				a->rel = PW_DEB_LE;
				k = 2;
			} else if (!strncmp(q, ">=", 2)) {
				a->rel = PW_DEB_GE;
				k = 2;
			} else if (!strncmp(q, ">>", 2)) {
				a->rel = PW_DEB_GT;
				k = 2;
			} else if (*q == '=') {
				a->rel = PW_DEB_EQ;
				k = 1;
			} else if (*q == '<') {
				a->rel = PW_DEB_LE;
				k = 1;
			} /* obsolete forms */
			else if (*q == '>') {
				a->rel = PW_DEB_GE;
				k = 1;
			} else
				goto bad;
			q = skip_ws(q + k);
			{
				const char *ve = close;
				while (ve > q &&
				       (ve[-1] == ' ' || ve[-1] == '\t' || ve[-1] == '\n'))
					ve--;
				if (ve == q)
					goto bad;
				a->ver = pw_xasprintf("%.*s", (int)(ve - q), q);
			}
			pw_buf_addf(&t, " (%s %s)", pw_deb_rel_str(a->rel), a->ver);
			p = close + 1;
		} else if (*p == '[') {
			/* Architecture restriction (source packages mostly):
			 * "[amd64 arm64]" or "[!i386]". */
			const char *close = memchr(p, ']', (size_t)(end - p)), *q = p + 1;
			bool any_pos = false, match_pos = false, neg_hit = false;

			if (!close)
				goto bad;
			while (q < close) {
				size_t k;
				bool neg;

				q = skip_ws(q);
				neg = *q == '!';
				if (neg)
					q++;
				for (k = 0; q + k < close && !strchr(" \t\n", q[k]); k++)
					;
				if (k) {
					bool hit = strlen(arch) == k && !strncmp(q, arch, k);
					if (neg && hit)
						neg_hit = true;
					if (!neg) {
						any_pos = true;
						match_pos |= hit;
					}
				}
				q += k;
			}
			if (neg_hit || (any_pos && !match_pos))
				a->skip = true;
			p = close + 1;
		} else if (*p == '<') {
			/* Build profiles: only meaningful for source packages. */
			const char *close = memchr(p, '>', (size_t)(end - p));
			if (!close)
				goto bad;
			p = close + 1;
		} else {
			goto bad;
		}
	}
	a->text = pw_buf_detach(&t, NULL);
	return 0;
bad:
	pw_buf_release(&t);
	free(a->name);
	free(a->archq);
	free(a->ver);
	memset(a, 0, sizeof(*a));
	return -EINVAL;
}

/* Parse a Depends-like field into clauses.  0 or -EINVAL. */
static int parse_rel(const char *field, const char *arch, struct clause **out, size_t *nout)
{
	struct clause *cs = NULL;
	size_t n = 0;
	const char *s = field;

	*out = NULL;
	*nout = 0;
	while (*skip_ws(s)) {
		const char *ce = s + strcspn(s, ",");
		struct clause c = {0};
		struct pw_buf t = PW_BUF_INIT(1u << 16);
		const char *as = s;

		while (as < ce) {
			const char *ae = as + strcspn(as, "|");
			struct alt a;

			if (ae > ce)
				ae = ce;
			if (parse_alt(as, ae, arch, &a) < 0) {
				pw_buf_release(&t);
				clause_release(&c);
				clauses_free(cs, n);
				return -EINVAL;
			}
			c.a = pw_xrealloc(c.a, (c.n + 1) * sizeof(*c.a));
			c.a[c.n++] = a;
			pw_buf_addf(&t, "%s%s", t.len ? " | " : "", a.text);
			as = ae + (ae < ce ? 1 : 0);
			if (ae < ce && !*skip_ws(as)) {
				pw_buf_release(&t);
				clause_release(&c);
				clauses_free(cs, n);
				return -EINVAL;
			}
		}
		c.text = pw_buf_detach(&t, NULL);
		cs = pw_xrealloc(cs, (n + 1) * sizeof(*cs));
		cs[n++] = c;
		s = *ce ? ce + 1 : ce;
	}
	*out = cs;
	*nout = n;
	return 0;
}

/* ---- building the index ---- */

static void add_provides(struct pw_deb_index *ix, size_t k)
{
	struct clause *cs;
	size_t n, i, j;

	if (!ix->v[k].provides || parse_rel(ix->v[k].provides, ix->arch, &cs, &n) < 0)
		return; /* checked when the package was added */
	for (i = 0; i < n; i++)
		for (j = 0; j < cs[i].n; j++) {
			struct prov *p;

			ix->p = pw_xrealloc(ix->p, (ix->np + 1) * sizeof(*ix->p));
			p = &ix->p[ix->np++];
			p->vname = pw_xstrdup(cs[i].a[j].name);
			p->version =
			    cs[i].a[j].rel == PW_DEB_EQ ? pw_xstrdup(cs[i].a[j].ver) : NULL;
			p->pkg = k;
		}
	clauses_free(cs, n);
}

static void reindex(struct pw_deb_index *ix)
{
	size_t i;

	if (ix->n > 1)
		qsort(ix->v, ix->n, sizeof(*ix->v), cmp_pkg);
	free_provides(ix);
	for (i = 0; i < ix->n; i++)
		add_provides(ix, i);
	if (ix->np > 1)
		qsort_r(ix->p, ix->np, sizeof(*ix->p), cmp_prov, ix);
}

static int check_rel(const char *file, const struct pw_deb_stanza *st, const char *pkg,
		     const char *field, const char *arch, struct pw_err *e)
{
	const char *v = pw_deb_stanza_get(st, field);
	struct clause *cs;
	size_t n;

	if (!v)
		return 0;
	if (parse_rel(v, arch, &cs, &n) < 0)
		return pw_err_set(e, EINVAL, "%s:%u: package '%s': malformed field '%s'", file,
				  st->line, pkg, field);
	clauses_free(cs, n);
	return 0;
}

int pw_deb_index_add_packages(struct pw_deb_index *ix, const char *name, const char *component,
			      const char *data, size_t len, struct pw_err *e)
{
	struct pw_deb_parser p;
	struct pw_deb_stanza st = {0};
	const char *comp;
	int r;

	ix->comps = pw_xrealloc(ix->comps, (ix->ncomps + 1) * sizeof(*ix->comps));
	comp = ix->comps[ix->ncomps++] = pw_xstrdup(component);
	pw_deb_parser_init(&p, name, data, len);
	while ((r = pw_deb_parser_next(&p, &st, e)) == 1) {
		const char *pkg = pw_deb_stanza_get(&st, "Package");
		const char *ver = pw_deb_stanza_get(&st, "Version");
		const char *arch = pw_deb_stanza_get(&st, "Architecture");
		const char *fn = pw_deb_stanza_get(&st, "Filename");
		const char *sha = pw_deb_stanza_get(&st, "SHA256");
		const char *size = pw_deb_stanza_get(&st, "Size");
		const char *v;
		struct pw_deb_pkg *k;
		uint64_t sz;
		const char *fields[] = {"Depends", "Pre-Depends", "Provides"};
		size_t i;

		if (!pkg || !ver || !arch || !fn || !sha || !size) {
			r = pw_err_set(e, EBADMSG,
				       "%s:%u: stanza needs Package, Version, Architecture, "
				       "Filename, SHA256 and Size",
				       name, st.line);
			break;
		}
		if (strcmp(arch, ix->arch) && strcmp(arch, "all"))
			continue;
		if (!pw_deb_version_valid(ver)) {
			r = pw_err_set(e, EBADMSG, "%s:%u: package '%s': bad version '%s'", name,
				       st.line, pkg, ver);
			break;
		}
		if (!pw_sha256_hex_valid(sha) || pw_parse_u64(size, &sz) < 0) {
			r = pw_err_set(e, EBADMSG, "%s:%u: package '%s': bad SHA256 or Size", name,
				       st.line, pkg);
			break;
		}
		if (fn[0] == '/' || strstr(fn, "..") || strchr(fn, '\n')) {
			r = pw_err_set(e, EBADMSG, "%s:%u: package '%s': bad Filename '%s'", name,
				       st.line, pkg, fn);
			break;
		}
		for (i = 0; i < PW_ARRAY_SIZE(fields); i++)
			if ((r = check_rel(name, &st, pkg, fields[i], ix->arch, e)) < 0)
				break;
		if (r < 0)
			break;
		if (ix->n == ix->alloc) {
			ix->alloc = ix->alloc ? ix->alloc * 2 : 1024;
			ix->v = pw_xrealloc(ix->v, ix->alloc * sizeof(*ix->v));
		}
		k = &ix->v[ix->n++];
		memset(k, 0, sizeof(*k));
		k->name = pw_xstrdup(pkg);
		k->version = pw_xstrdup(ver);
		k->arch = pw_xstrdup(arch);
		v = pw_deb_stanza_get(&st, "Multi-Arch");
		k->multi_arch = pw_xstrdup(v ? v : "no");
		k->depends = dup_or_null(pw_deb_stanza_get(&st, "Depends"));
		k->pre_depends = dup_or_null(pw_deb_stanza_get(&st, "Pre-Depends"));
		k->provides = dup_or_null(pw_deb_stanza_get(&st, "Provides"));
		k->filename = pw_xstrdup(fn);
		k->sha256 = pw_xstrdup(sha);
		k->size = sz;
		v = pw_deb_stanza_get(&st, "Essential");
		k->essential = v && !strcasecmp(v, "yes");
		v = pw_deb_stanza_get(&st, "Priority");
		k->required = v && !strcmp(v, "required");
		k->component = comp;
	}
	pw_deb_stanza_release(&st);
	reindex(ix);
	return r < 0 ? r : 0;
}

/* ---- resolution ---- */

struct res {
	const struct pw_deb_index *ix;
	ssize_t *sel;	 /* per package: selected index of its name (at the name's first index) */
	ssize_t *parent; /* per package: who pulled it in (-1: a root) */
	char **via;	 /* per package: the dependency text (or "requested") */
	size_t *queue;
	size_t qhead, qtail;
	struct pw_err *e;
};

/* [lo, hi) of packages named @name. */
static bool name_range(const struct pw_deb_index *ix, const char *name, size_t *lo, size_t *hi)
{
	size_t a = 0, b = ix->n;

	while (a < b) {
		size_t m = a + (b - a) / 2;
		if (strcmp(ix->v[m].name, name) < 0)
			a = m + 1;
		else
			b = m;
	}
	*lo = a;
	while (b < ix->n && !strcmp(ix->v[b].name, name))
		b++;
	*hi = b < a ? a : b;
	return *hi > *lo;
}

static bool prov_range(const struct pw_deb_index *ix, const char *name, size_t *lo, size_t *hi)
{
	size_t a = 0, b = ix->np;

	while (a < b) {
		size_t m = a + (b - a) / 2;
		if (strcmp(ix->p[m].vname, name) < 0)
			a = m + 1;
		else
			b = m;
	}
	*lo = a;
	b = a;
	while (b < ix->np && !strcmp(ix->p[b].vname, name))
		b++;
	*hi = b;
	return *hi > *lo;
}

/* Does package @k meet the architecture qualifier of @a (dpkg's
 * deparchsatisfied for a single-architecture root)? */
static bool arch_ok(const struct pw_deb_index *ix, const struct pw_deb_pkg *k, const struct alt *a)
{
	if (!a->archq || !strcmp(a->archq, "native"))
		return true; /* every package here is native or all */
	if (!strcmp(a->archq, "any"))
		return !strcmp(k->multi_arch, "allowed");
	return !strcmp(a->archq, ix->arch);
}

/* The index of the selected package of @name's range, or -1. */
static ssize_t selected_of(const struct res *R, const char *name)
{
	size_t lo, hi;

	if (!name_range(R->ix, name, &lo, &hi))
		return -1;
	return R->sel[lo];
}

static bool satisfied_now(const struct res *R, const struct alt *a)
{
	const struct pw_deb_index *ix = R->ix;
	ssize_t s = selected_of(R, a->name);
	size_t lo, hi, i;

	if (s >= 0 && arch_ok(ix, &ix->v[s], a) &&
	    pw_deb_version_satisfies(ix->v[s].version, a->rel, a->ver))
		return true;
	if (prov_range(ix, a->name, &lo, &hi))
		for (i = lo; i < hi; i++) {
			const struct prov *p = &ix->p[i];
			if (selected_of(R, ix->v[p->pkg].name) != (ssize_t)p->pkg)
				continue;
			if (!arch_ok(ix, &ix->v[p->pkg], a))
				continue;
			if (a->rel == PW_DEB_ANY ||
			    (p->version && pw_deb_version_satisfies(p->version, a->rel, a->ver)))
				return true;
		}
	return false;
}

/* Find a package that can satisfy @a: the real package (highest version
 * that fits) unless another version of it is selected, else the first
 * provider by name.  -1 with @why explaining. */
static ssize_t candidate(const struct res *R, const struct alt *a, struct pw_buf *why)
{
	const struct pw_deb_index *ix = R->ix;
	size_t lo, hi, i;
	bool real, virt;

	real = name_range(ix, a->name, &lo, &hi);
	if (real) {
		ssize_t s = R->sel[lo];
		for (i = lo; i < hi; i++) {
			if (s >= 0 && (size_t)s != i)
				continue;
			if (arch_ok(ix, &ix->v[i], a) &&
			    pw_deb_version_satisfies(ix->v[i].version, a->rel, a->ver))
				return (ssize_t)i;
		}
	}
	virt = prov_range(ix, a->name, &lo, &hi);
	if (virt)
		for (i = lo; i < hi; i++) {
			const struct prov *p = &ix->p[i];
			ssize_t s = selected_of(R, ix->v[p->pkg].name);

			if (s >= 0 && (size_t)s != p->pkg)
				continue;
			if (!arch_ok(ix, &ix->v[p->pkg], a))
				continue;
			if (a->rel == PW_DEB_ANY ||
			    (p->version && pw_deb_version_satisfies(p->version, a->rel, a->ver)))
				return (ssize_t)p->pkg;
		}
	if (why->len)
		pw_buf_adds(why, "; ");
	if (!real && !virt) {
		pw_buf_addf(why, "no package '%s' in %s", a->name, ix->where);
	} else if (real) {
		name_range(ix, a->name, &lo, &hi);
		if (R->sel[lo] >= 0)
			pw_buf_addf(why, "'%s' %s is selected, wanted '%s'", a->name,
				    ix->v[R->sel[lo]].version, a->text);
		else if (a->archq && !arch_ok(ix, &ix->v[lo], a))
			pw_buf_addf(why, "'%s' (Multi-Arch: %s) cannot satisfy '%s'", a->name,
				    ix->v[lo].multi_arch, a->text);
		else
			pw_buf_addf(why, "'%s' has version %s, wanted '%s'", a->name,
				    ix->v[lo].version, a->text);
	} else {
		pw_buf_addf(why, "no provider of '%s' in %s satisfies '%s'", a->name, ix->where,
			    a->text);
	}
	return -1;
}

static void select_pkg(struct res *R, size_t k, ssize_t parent, const char *via)
{
	size_t lo, hi;

	name_range(R->ix, R->ix->v[k].name, &lo, &hi);
	R->sel[lo] = (ssize_t)k;
	R->parent[k] = parent;
	R->via[k] = pw_xstrdup(via);
	R->queue[R->qtail++] = k;
}

/* "a (requested) -> b (>= 1) -> c" for package @k. */
static void chain(const struct res *R, ssize_t k, struct pw_buf *out)
{
	ssize_t path[64];
	size_t n = 0;

	while (k >= 0 && n < PW_ARRAY_SIZE(path)) {
		path[n++] = k;
		k = R->parent[k];
	}
	while (n--) {
		const struct pw_deb_pkg *p = &R->ix->v[path[n]];
		if (R->parent[path[n]] < 0)
			pw_buf_addf(out, "%s (%s)", p->name, R->via[path[n]]);
		else
			pw_buf_addf(out, " -> %s", R->via[path[n]]);
	}
}

/* Satisfy one clause needed by @from (-1 for a root, @via its label). */
static int need(struct res *R, const struct clause *c, ssize_t from, const char *via)
{
	struct pw_buf why = PW_BUF_INIT(1u << 16), msg = PW_BUF_INIT(1u << 16);
	size_t i;
	int r;

	bool any = false;

	for (i = 0; i < c->n; i++) {
		if (c->a[i].skip)
			continue;
		any = true;
		if (satisfied_now(R, &c->a[i]))
			return 0;
	}
	if (!any)
		return 0; /* every alternative is for other architectures */
	for (i = 0; i < c->n; i++) {
		ssize_t k;

		if (c->a[i].skip)
			continue;
		k = candidate(R, &c->a[i], &why);
		if (k >= 0) {
			if (from < 0)
				select_pkg(R, (size_t)k, -1, via);
			else
				select_pkg(R, (size_t)k, from, c->a[i].text);
			pw_buf_release(&why);
			return 0;
		}
	}
	if (from < 0) {
		r = pw_err_set(R->e, ENOENT, "%s (%s): %s", c->text, via,
			       why.len ? why.buf : "no usable alternative");
	} else {
		chain(R, from, &msg);
		r = pw_err_set(R->e, ESRCH, "%s -> %s: %s", msg.buf, c->text,
			       why.len ? why.buf : "no usable alternative");
	}
	pw_buf_release(&why);
	pw_buf_release(&msg);
	return r;
}

static int process(struct res *R, size_t k)
{
	const struct pw_deb_pkg *p = &R->ix->v[k];
	const char *fields[2] = {p->pre_depends, p->depends};
	size_t f, i;
	int r = 0;

	for (f = 0; f < 2 && r == 0; f++) {
		struct clause *cs;
		size_t n;

		if (!fields[f])
			continue;
		if (parse_rel(fields[f], R->ix->arch, &cs, &n) < 0)
			return pw_err_set(R->e, EINVAL, "package '%s': malformed field '%s'",
					  p->name, f ? "Depends" : "Pre-Depends");
		for (i = 0; i < n && r == 0; i++)
			r = need(R, &cs[i], (ssize_t)k, NULL);
		clauses_free(cs, n);
	}
	return r;
}

static int cmp_sel(const void *a, const void *b)
{
	const struct pw_deb_pkg *x = *(const struct pw_deb_pkg *const *)a;
	const struct pw_deb_pkg *y = *(const struct pw_deb_pkg *const *)b;
	return strcmp(x->name, y->name);
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int pw_deb_resolve(const struct pw_deb_index *ix, const struct pw_deb_resolve_opts *o,
		   struct pw_deb_selection *out, struct pw_err *e)
{
	struct res R = {.ix = ix, .e = e};
	const char **names = NULL;
	size_t i, j, nsel = 0;
	int r = 0;

	out->v = NULL;
	out->n = 0;
	R.sel = pw_xmalloc((ix->n + 1) * sizeof(*R.sel));
	R.parent = pw_xmalloc((ix->n + 1) * sizeof(*R.parent));
	R.via = pw_xcalloc(ix->n + 1, sizeof(*R.via));
	R.queue = pw_xmalloc((ix->n + 1) * sizeof(*R.queue));
	for (i = 0; i < ix->n; i++)
		R.sel[i] = R.parent[i] = -1;
	/* Roots: the required/essential set first (a base system is there
	 * before anything is installed on it), then the requested names in
	 * sorted order. */
	if (o->with_required)
		for (i = 0; i < ix->n; i++) {
			const struct pw_deb_pkg *k = &ix->v[i];
			if ((k->required || k->essential) &&
			    (i == 0 || strcmp(ix->v[i - 1].name, k->name)) &&
			    selected_of(&R, k->name) < 0)
				select_pkg(&R, i, -1, k->essential ? "essential" : "required");
		}
	if (o->nnames) {
		names = pw_xmalloc(o->nnames * sizeof(*names));
		memcpy(names, o->names, o->nnames * sizeof(*names));
		qsort(names, o->nnames, sizeof(*names), cmp_cstr);
	}
	for (i = 0; i < o->nnames && r == 0; i++) {
		struct clause *cs;
		size_t n;

		if (i && !strcmp(names[i], names[i - 1]))
			continue;
		if (parse_rel(names[i], ix->arch, &cs, &n) < 0 || n != 1 || cs[0].n != 1) {
			if (cs)
				clauses_free(cs, n);
			r = pw_err_set(
			    e, EINVAL,
			    "bad package request '%s': expected NAME or NAME (OP VERSION)",
			    names[i]);
			break;
		}
		if (!name_range(ix, cs[0].a[0].name, &j, &nsel) &&
		    !prov_range(ix, cs[0].a[0].name, &j, &nsel))
			r = pw_err_set(e, ENOENT, "unknown package '%s' in %s", cs[0].a[0].name,
				       ix->where);
		else
			r = need(&R, &cs[0], -1, "requested");
		clauses_free(cs, n);
	}
	while (r == 0 && R.qhead < R.qtail)
		r = process(&R, R.queue[R.qhead++]);
	if (r == 0) {
		out->v = pw_xmalloc((R.qtail + 1) * sizeof(*out->v));
		for (i = 0; i < R.qtail; i++)
			out->v[i] = &ix->v[R.queue[i]];
		out->n = R.qtail;
		if (out->n > 1)
			qsort(out->v, out->n, sizeof(*out->v), cmp_sel);
	}
	for (i = 0; i < ix->n; i++)
		free(R.via[i]);
	free(R.via);
	free(R.sel);
	free(R.parent);
	free(R.queue);
	free(names);
	return r;
}

void pw_deb_selection_release(struct pw_deb_selection *s)
{
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

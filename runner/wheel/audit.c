/* audit.c - audit a wheel (a .whl or an unpacked directory) against the
 * manylinux policies: read every ELF member, find the best fitting policy,
 * and say why each more compatible one does not fit.  The rules are in
 * include/pinwheel/audit.h and docs/audit.md. */
#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <jansson.h>
#include <libdeflate.h>

#include "pinwheel/audit.h"
#include "pinwheel/buf.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/wheel.h"

#define AUDIT_MAX_DEPTH 64
#define AUDIT_MAX_ELFS 100000
#define AUDIT_MAX_REASONS 100000
#define WHEEL_FILE_MAX (1u << 20)

struct strvec {
	char **v;
	size_t n;
};

static void strvec_add(struct strvec *s, char *owned)
{
	s->v = pw_xrealloc(s->v, (s->n + 1) * sizeof(char *));
	s->v[s->n++] = owned;
}

static bool strvec_has(const struct strvec *s, const char *x)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], x))
			return true;
	return false;
}

static void strvec_release(struct strvec *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static void add_error(struct pw_audit_result *r, const char *fmt, ...) PW_PRINTF(2, 3);
static void add_error(struct pw_audit_result *r, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		fprintf(stderr, "pinwheel: out of memory\n");
		abort();
	}
	va_end(ap);
	for (size_t i = 0; i < r->nerrors; i++)
		if (!strcmp(r->errors[i], s)) {
			free(s);
			return;
		}
	r->errors = pw_xrealloc(r->errors, (r->nerrors + 1) * sizeof(char *));
	r->errors[r->nerrors++] = s;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

/* Members that are never ELF objects are not read at all (auditwheel skips
 * *.py the same way); the rest are tested by their magic. */
static bool may_be_elf(const char *member, uint64_t size)
{
	static const char *const text[] = {
	    ".py", ".pyi", ".pyx",  ".pxd",    ".pxi",	    ".h",     ".c",	  ".txt",
	    ".md", ".rst", ".json", "/RECORD", "/METADATA", "/WHEEL", "/LICENSE", "py.typed"};

	if (size < EI_NIDENT)
		return false;
	for (size_t i = 0; i < PW_ARRAY_SIZE(text); i++)
		if (ends_with(member, text[i]))
			return false;
	return true;
}

/* Read the ELF facts of @member (bytes at @data) into r->elfs.  Data
 * that is not ELF is ignored; an ELF libelf cannot read is a fatal
 * problem of the wheel. */
static int add_member(struct pw_audit_result *r, const char *member, const void *data, size_t n,
		      struct pw_err *e)
{
	struct pw_err ee = PW_ERR_INIT;
	struct pw_audit_ext *x;
	int rc;

	if (n < EI_NIDENT || memcmp(data, ELFMAG, SELFMAG))
		return 0;
	if (r->nelfs >= AUDIT_MAX_ELFS)
		return pw_err_set(e, E2BIG, "'%s': more than %d ELF members", r->wheel,
				  AUDIT_MAX_ELFS);
	r->elfs = pw_xrealloc(r->elfs, (r->nelfs + 1) * sizeof(*r->elfs));
	x = &r->elfs[r->nelfs];
	memset(x, 0, sizeof(*x));
	rc = pw_elf_read(data, n, member, &x->elf, &ee);
	if (rc < 0) {
		add_error(r, "%s", ee.msg);
		return 0;
	}
	x->member = pw_xstrdup(member);
	x->is_extension = x->elf.npyinit > 0;
	r->nelfs++;
	return 0;
}

/* "Root-Is-Purelib: true" in the WHEEL file's text. */
static bool wheel_says_purelib(const char *text)
{
	const char *l = text;

	while (l && *l) {
		if (!strncasecmp(l, "Root-Is-Purelib:", 16)) {
			l += 16;
			while (*l == ' ' || *l == '\t')
				l++;
			return !strncasecmp(l, "true", 4);
		}
		l = strchr(l, '\n');
		if (l)
			l++;
	}
	return false;
}

/* A top-level "X.dist-info/WHEEL". */
static bool is_wheel_file(const char *member)
{
	const char *s = strchr(member, '/');

	return s && !strcmp(s, "/WHEEL") && (size_t)(s - member) > 10 &&
	       !strncmp(s - 10, ".dist-info", 10);
}

static int cmp_ext(const void *a, const void *b)
{
	return strcmp(((const struct pw_audit_ext *)a)->member,
		      ((const struct pw_audit_ext *)b)->member);
}

static bool is_loader(const char *lib)
{
	return !strncmp(lib, "ld-linux", 8) || !strcmp(lib, "ld64.so.1") ||
	       !strcmp(lib, "ld64.so.2");
}

static bool is_libpython(const char *lib)
{
	return !strncmp(lib, "libpython", 9);
}

/* The architecture of a platform tag ("manylinux2014_x86_64" ->
 * "x86_64"), or NULL for tags that are not Linux ones. */
static bool tag_has_arch(const char *tag, const char *arch)
{
	size_t t = strlen(tag), a = strlen(arch);

	return t > a && tag[t - a - 1] == '_' && !strcmp(tag + t - a, arch);
}

static bool is_linux_tag(const char *tag)
{
	return !strncmp(tag, "linux_", 6) || !strncmp(tag, "manylinux", 9) ||
	       !strncmp(tag, "musllinux", 9);
}

/* Compare the ELF machines with each other and with the platform tags of
 * the wheel's file name (when @name is one). */
static void check_machines(struct pw_audit_result *r)
{
	const char *dash;
	char *plats;

	for (size_t i = 0; i < r->nelfs; i++) {
		const struct pw_audit_ext *x = &r->elfs[i];

		if (!x->elf.arch) {
			add_error(r, "'%s': machine %d (class %d) has no manylinux architecture",
				  x->member, x->elf.machine, x->elf.elfclass);
		} else if (!r->arch) {
			r->arch = x->elf.arch;
		} else if (strcmp(r->arch, x->elf.arch)) {
			add_error(r,
				  "'%s': machine %s, but '%s' is %s: one wheel, one architecture",
				  x->member, x->elf.arch, r->elfs[0].member, r->arch);
		}
	}
	if (!r->arch || !ends_with(r->wheel, ".whl"))
		return;
	dash = strrchr(r->wheel, '-');
	if (!dash)
		return;
	plats = pw_xstrdup(dash + 1);
	plats[strlen(plats) - 4] = 0;
	for (char *sv, *t = strtok_r(plats, ".", &sv); t; t = strtok_r(NULL, ".", &sv))
		if (is_linux_tag(t) && !tag_has_arch(t, r->arch))
			add_error(r,
				  "'%s': its platform tag '%s' does not match the ELF machine %s",
				  r->wheel, t, r->arch);
	free(plats);
}

static struct pw_audit_reason *add_reason(struct pw_audit_result *r, const char *policy,
					  const char *member, const char *library,
					  const char *version, const char *symbol, const char *isa)
{
	struct pw_audit_reason *re;

	if (r->nreasons >= AUDIT_MAX_REASONS)
		return NULL;
	r->reasons = pw_xrealloc(r->reasons, (r->nreasons + 1) * sizeof(*r->reasons));
	re = &r->reasons[r->nreasons++];
	re->policy = pw_xstrdup(policy);
	re->member = pw_xstrdup(member);
	re->library = pw_xstrdup(library);
	re->version = version ? pw_xstrdup(version) : NULL;
	re->symbol = symbol ? pw_xstrdup(symbol) : NULL;
	re->isa = isa ? pw_xstrdup(isa) : NULL;
	re->unversioned = false;
	return re;
}

/* Does policy @pi fit?  With @r_reasons, record every cause it does not. */
static bool policy_fits(const struct pw_policy_set *p, size_t pi, struct pw_audit_result *r,
			const struct strvec *inside, bool record)
{
	const char *pname = pw_policy_name(p, pi);
	bool fits = true;

	for (size_t i = 0; i < r->nelfs; i++) {
		const struct pw_audit_ext *x = &r->elfs[i];

		/* the policies' x86_64 is the baseline instruction set */
		if (x->elf.x86_isa_level >= 2) {
			char isa[24];

			if (!record)
				return false;
			fits = false;
			snprintf(isa, sizeof(isa), "x86-64-v%d", x->elf.x86_isa_level);
			add_reason(r, pname, x->member, "", NULL, NULL, isa);
		}
		for (size_t k = 0; k < x->elf.nneeded; k++) {
			const char *lib = x->elf.needed[k];

			if (is_loader(lib) || is_libpython(lib) || strvec_has(inside, lib) ||
			    pw_policy_allows_lib(p, pi, r->arch, lib))
				continue;
			if (!record)
				return false;
			fits = false;
			add_reason(r, pname, x->member, lib, NULL, NULL, NULL);
		}
		/* symbols the policy refuses from a library the member needs */
		for (size_t k = 0; k < x->elf.nneeded; k++)
			for (size_t s = 0; s < x->elf.nundefined; s++) {
				if (!pw_policy_refuses_symbol(p, pi, x->elf.needed[k],
							      x->elf.undefined[s]))
					continue;
				if (!record)
					return false;
				fits = false;
				add_reason(r, pname, x->member, x->elf.needed[k], NULL,
					   x->elf.undefined[s], NULL);
			}
		for (size_t k = 0; k < x->elf.nvn; k++) {
			const struct pw_elf_verneed *vn = &x->elf.vn[k];

			for (size_t v = 0; v < vn->n; v++) {
				if (pw_policy_allows_version(p, pi, r->arch, vn->versions[v]) != 0)
					continue;
				if (!record)
					return false;
				fits = false;
				add_reason(r, pname, x->member, vn->file, vn->versions[v], NULL,
					   NULL);
			}
		}
		/* unversioned calls of glibc functions newer than the policy */
		for (size_t k = 0; k < x->nimports; k++) {
			const struct pw_audit_import *im = &x->imports[k];
			struct pw_audit_reason *re;

			if (im->weak || pw_policy_allows_version(p, pi, r->arch, im->since) != 0)
				continue;
			if (!record)
				return false;
			fits = false;
			re = add_reason(r, pname, x->member, im->library, im->since, im->symbol,
					NULL);
			if (re)
				re->unversioned = true;
		}
	}
	return fits;
}

static int cmp_import(const void *a, const void *b)
{
	return strcmp(((const struct pw_audit_import *)a)->symbol,
		      ((const struct pw_audit_import *)b)->symbol);
}

/* The unversioned imports of each member that the root's glibc defines,
 * with the oldest version defining them. */
static int find_imports(struct pw_syslibs *sys, struct pw_audit_result *r, struct pw_err *e)
{
	for (size_t i = 0; i < r->nelfs; i++) {
		struct pw_audit_ext *x = &r->elfs[i];

		for (int weak = 0; weak < 2; weak++) {
			char **v = weak ? x->elf.unversioned_weak : x->elf.unversioned;
			size_t n = weak ? x->elf.nunversioned_weak : x->elf.nunversioned;

			for (size_t k = 0; k < n; k++) {
				const char *lib, *ver;
				int rc = pw_syslibs_lookup(sys, r->arch, v[k], &lib, &ver, e);

				if (rc < 0)
					return pw_err_prefix(e, "%s", r->wheel);
				if (rc == 0)
					continue;
				x->imports = pw_xrealloc(x->imports,
							 (x->nimports + 1) * sizeof(*x->imports));
				x->imports[x->nimports++] = (struct pw_audit_import){
				    pw_xstrdup(v[k]), pw_xstrdup(lib), pw_xstrdup(ver), weak};
			}
		}
		if (x->nimports)
			qsort(x->imports, x->nimports, sizeof(*x->imports), cmp_import);
	}
	r->root = pw_xstrdup(pw_syslibs_what(sys));
	return 0;
}

/* Everything after the members are read: sort, check, pick the policy. */
static int audit_finish(const struct pw_policy_set *p, struct pw_syslibs *sys,
			struct pw_audit_result *r, struct pw_err *e)
{
	struct strvec inside = {0};
	size_t pi, best = SIZE_MAX, ref = SIZE_MAX;

	if (r->nelfs)
		qsort(r->elfs, r->nelfs, sizeof(*r->elfs), cmp_ext);
	r->has_elf = r->nelfs > 0;
	if (!r->has_elf)
		return 0;
	check_machines(r);
	if (sys && r->arch && !r->nerrors) {
		int rc = find_imports(sys, r, e);

		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; i < r->nelfs; i++) {
		const struct pw_audit_ext *x = &r->elfs[i];

		if (r->purelib)
			add_error(
			    r, "'%s': a shared object in a purelib wheel (Root-Is-Purelib: true)",
			    x->member);
		else if (strstr(x->member, ".data/purelib/"))
			add_error(r, "'%s': a shared object in the purelib scheme", x->member);
		for (size_t k = 0; k < x->elf.nneeded; k++)
			if (is_libpython(x->elf.needed[k]))
				add_error(r, "'%s': links '%s': libpython linkage is never allowed",
					  x->member, x->elf.needed[k]);
		strvec_add(&inside, pw_xstrdup(base_name(x->member)));
		if (x->elf.soname)
			strvec_add(&inside, pw_xstrdup(x->elf.soname));
	}
	if (!r->arch) {
		strvec_release(&inside);
		return 0;
	}
	for (pi = 0; pw_policy_name(p, pi); pi++) {
		if (!pw_policy_has_arch(p, pi, r->arch))
			continue;
		if (ref == SIZE_MAX)
			ref = pi;
		if (!r->nerrors && policy_fits(p, pi, r, &inside, false)) {
			best = pi;
			break;
		}
	}
	/* why each more compatible policy does not fit */
	for (size_t i = 0; i < pi && !r->nerrors; i++)
		if (pw_policy_has_arch(p, i, r->arch))
			(void)policy_fits(p, i, r, &inside, true);
	if (best != SIZE_MAX) {
		r->best_policy = pw_xstrdup(pw_policy_name(p, best));
		(void)pw_policy_tags(p, r->best_policy, r->arch, r->best_tags);
		r->platform = pw_xstrdup(r->best_tags[0]);
	} else {
		r->platform = pw_xasprintf("linux_%s", r->arch);
	}
	/* what repair would have to vendor */
	if (best != SIZE_MAX || ref != SIZE_MAX) {
		size_t q = best != SIZE_MAX ? best : ref;
		struct strvec ext = {0};

		for (size_t i = 0; i < r->nelfs; i++)
			for (size_t k = 0; k < r->elfs[i].elf.nneeded; k++) {
				const char *lib = r->elfs[i].elf.needed[k];

				if (is_loader(lib) || is_libpython(lib) ||
				    strvec_has(&inside, lib) ||
				    pw_policy_allows_lib(p, q, r->arch, lib) ||
				    strvec_has(&ext, lib))
					continue;
				strvec_add(&ext, pw_xstrdup(lib));
			}
		pw_sort_strings(ext.v, ext.n);
		r->externals = ext.v;
		r->nexternals = ext.n;
	}
	strvec_release(&inside);
	return 0;
}

static void result_init(struct pw_audit_result *r, const char *name)
{
	size_t n = strlen(name);
	char *s;

	memset(r, 0, sizeof(*r));
	while (n > 1 && name[n - 1] == '/') /* "dir/" names "dir" */
		n--;
	s = pw_xmalloc(n + 1);
	memcpy(s, name, n);
	s[n] = 0;
	r->wheel = pw_xstrdup(base_name(s));
	free(s);
}

/* ---- an unpacked directory ---- */

struct walk {
	struct pw_audit_result *r;
	struct pw_buf path;
	struct pw_err *e;
};

static int audit_file(struct walk *w, int dirfd, const char *name, const struct stat *st)
{
	_cleanup_close_ int fd = -1;
	void *map;
	int r;

	if (is_wheel_file(w->path.buf)) {
		struct pw_buf b = PW_BUF_INIT(WHEEL_FILE_MAX);

		fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			return pw_err_sys(w->e, errno, "could not open '%s' in '%s'", w->path.buf,
					  w->r->wheel);
		r = pw_read_fd(fd, &b);
		if (r < 0) {
			pw_buf_release(&b);
			return pw_err_sys(w->e, -r, "could not read '%s' in '%s'", w->path.buf,
					  w->r->wheel);
		}
		w->r->purelib = wheel_says_purelib(b.buf);
		pw_buf_release(&b);
		return 0;
	}
	if (!may_be_elf(w->path.buf, (uint64_t)st->st_size))
		return 0;
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return pw_err_sys(w->e, errno, "could not open '%s' in '%s'", w->path.buf,
				  w->r->wheel);
	/* private and writable: copy-on-write, so nothing reaches the file */
	map = mmap(NULL, (size_t)st->st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return pw_err_sys(w->e, errno, "could not map '%s' in '%s'", w->path.buf,
				  w->r->wheel);
	r = add_member(w->r, w->path.buf, map, (size_t)st->st_size, w->e);
	munmap(map, (size_t)st->st_size);
	return r;
}

static int walk_dir(struct walk *w, int dirfd, int depth)
{
	char **names = NULL;
	size_t n = 0, i, base = w->path.len;
	int r;

	if (depth > AUDIT_MAX_DEPTH)
		return pw_err_set(w->e, ELOOP, "'%s': deeper than %d directories at '%s'",
				  w->r->wheel, AUDIT_MAX_DEPTH, w->path.buf);
	r = pw_list_dir_sorted(dirfd, &names, &n);
	if (r < 0)
		return pw_err_sys(w->e, -r, "could not list '%s' in '%s'",
				  w->path.len ? w->path.buf : ".", w->r->wheel);
	for (i = 0; i < n && r >= 0; i++) {
		struct stat st;

		w->path.len = base;
		w->path.buf[base] = 0;
		if ((base && pw_buf_adds(&w->path, "/") < 0) ||
		    pw_buf_adds(&w->path, names[i]) < 0) {
			r = pw_err_set(w->e, ENAMETOOLONG, "'%s': a path is too long", w->r->wheel);
			break;
		}
		if (fstatat(dirfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = pw_err_sys(w->e, errno, "could not stat '%s' in '%s'", w->path.buf,
				       w->r->wheel);
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, names[i],
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (sub < 0) {
				r = pw_err_sys(w->e, errno, "could not open '%s' in '%s'",
					       w->path.buf, w->r->wheel);
				break;
			}
			r = walk_dir(w, sub, depth + 1);
			close(sub);
		} else if (S_ISREG(st.st_mode)) {
			r = audit_file(w, dirfd, names[i], &st);
		}
	}
	w->path.len = base;
	w->path.buf[base] = 0;
	pw_free_names(names, n);
	return r;
}

/* An unpacked wheel has one top-level X.dist-info directory holding a
 * WHEEL file.  Anything else (an empty directory, a directory of .whl
 * files, a source tree) is refused with a line saying what it looks like. */
static int check_dir_shape(int dirfd, const char *name, struct pw_err *e)
{
	char **names = NULL;
	size_t n = 0, ndist = 0, nwhl = 0;
	const char *dist = NULL;
	struct stat st;
	int r;

	r = pw_list_dir_sorted(dirfd, &names, &n);
	if (r < 0)
		return pw_err_sys(e, -r, "could not list '%s'", name);
	for (size_t i = 0; i < n; i++) {
		if (fstatat(dirfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode) && ends_with(names[i], ".dist-info") && !ndist++)
			dist = names[i];
		else if (S_ISREG(st.st_mode) && ends_with(names[i], ".whl"))
			nwhl++;
	}
	if (n == 0)
		r = pw_err_set(e, EINVAL,
			       "'%s': an empty directory, not a wheel (expected a .whl file or an "
			       "unpacked wheel with one '*.dist-info' directory)",
			       name);
	else if (ndist == 0 && nwhl > 0)
		r = pw_err_set(e, EINVAL,
			       "'%s': a directory of %zu wheel%s, not an unpacked wheel: name the "
			       ".whl files ('%s/*.whl')",
			       name, nwhl, nwhl == 1 ? "" : "s", name);
	else if (ndist != 1)
		r = pw_err_set(e, EINVAL,
			       "'%s': %zu '*.dist-info' directories, expected one (not an unpacked "
			       "wheel)",
			       name, ndist);
	else {
		_cleanup_free_ char *wheel = pw_path_join(dist, "WHEEL");

		if (fstatat(dirfd, wheel, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			r = pw_err_set(e, EINVAL, "'%s': no '%s' file, expected one (not a wheel)",
				       name, wheel);
	}
	pw_free_names(names, n);
	return r;
}

int pw_audit_dir(const struct pw_policy_set *p, struct pw_syslibs *sys, int dirfd,
		 const char *name, struct pw_audit_result *r, struct pw_err *e)
{
	struct walk w = {r, PW_BUF_INIT(4096), e};
	int rc;

	result_init(r, name);
	rc = check_dir_shape(dirfd, name, e);
	if (rc == 0)
		rc = walk_dir(&w, dirfd, 0);
	pw_buf_release(&w.path);
	if (rc == 0)
		rc = audit_finish(p, sys, r, e);
	if (rc < 0)
		pw_audit_result_release(r);
	return rc;
}

/* ---- a .whl ---- */

/* Reading members whole.  pw_wheel_read() streams through zlib; for the
 * audit, which reads every ELF member of every wheel in full (the dynamic
 * section sits near the end of an object), libdeflate's whole-buffer
 * decompressor is about twice as fast here (bench/audit.sh).  The central
 * directory was checked by pw_wheel_open(); the local header is checked
 * against it here, the size and CRC-32 after decompression.  Methods other
 * than stored and deflate go through pw_wheel_read(). */
struct fastread {
	struct libdeflate_decompressor *d;
	char *in;
	size_t in_alloc;
};

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static int pread_full(int fd, void *buf, size_t n, uint64_t off)
{
	char *p = buf;

	while (n > 0) {
		ssize_t k = pread(fd, p, n, (off_t)off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		if (k == 0)
			return -EIO;
		p += k;
		n -= (size_t)k;
		off += (uint64_t)k;
	}
	return 0;
}

static int read_member(struct fastread *f, const struct pw_wheel *w, size_t i, struct pw_buf *out,
		       struct pw_err *e)
{
	const struct pw_wheel_member *m = &w->m[i];
	unsigned char h[30];
	size_t nlen = strlen(m->name);
	uint64_t data;
	char *name;
	int r;

	if (m->method != 0 && m->method != 8)
		return pw_wheel_read(w, i, out, e);
	/* deflate expands at most 1032:1: a larger claim is a lie */
	if (m->size > out->max || m->size > m->csize * 1032 + 1024 || m->size >= SIZE_MAX / 2 ||
	    (m->method == 0 && m->size != m->csize))
		return pw_err_set(e, EBADMSG, "%s: member '%s': impossible sizes", w->path,
				  m->name);
	r = pread_full(w->fd, h, sizeof(h), m->offset);
	if (r < 0)
		return pw_err_sys(e, -r, "%s: member '%s': read", w->path, m->name);
	if (memcmp(h, "PK\3\4", 4) || le16(h + 26) != nlen)
		return pw_err_set(e, EBADMSG, "%s: member '%s': local header does not match",
				  w->path, m->name);
	data = m->offset + sizeof(h) + nlen + le16(h + 28);
	if (data > w->file_size || m->csize > w->file_size - data)
		return pw_err_set(e, EBADMSG, "%s: member '%s': data past the end", w->path,
				  m->name);
	name = pw_xmalloc(nlen + 1);
	r = pread_full(w->fd, name, nlen, m->offset + sizeof(h));
	if (r == 0 && memcmp(name, m->name, nlen))
		r = -EBADMSG;
	free(name);
	if (r < 0)
		return pw_err_set(e, -r, "%s: member '%s': local header does not match", w->path,
				  m->name);
	if (out->alloc < m->size + 1) {
		if (out->alloc)
			free(out->buf);
		out->buf = pw_xmalloc(m->size + 1);
		out->alloc = m->size + 1;
	}
	out->len = 0;
	out->buf[0] = 0;
	if (m->method == 0) {
		r = pread_full(w->fd, out->buf, m->size, data);
	} else {
		if (f->in_alloc < m->csize) {
			free(f->in);
			f->in = pw_xmalloc(m->csize);
			f->in_alloc = m->csize;
		}
		r = pread_full(w->fd, f->in, m->csize, data);
		if (r == 0 && !f->d && !(f->d = libdeflate_alloc_decompressor()))
			r = -ENOMEM;
		if (r == 0 && libdeflate_deflate_decompress(f->d, f->in, m->csize, out->buf,
							    m->size, NULL) != LIBDEFLATE_SUCCESS)
			return pw_err_set(e, EBADMSG, "%s: member '%s': bad deflate data or size",
					  w->path, m->name);
	}
	if (r < 0)
		return pw_err_sys(e, -r, "%s: member '%s': read", w->path, m->name);
	if (libdeflate_crc32(0, out->buf, m->size) != m->crc32)
		return pw_err_set(e, EBADMSG, "%s: member '%s': CRC-32 mismatch", w->path, m->name);
	out->len = m->size;
	out->buf[out->len] = 0;
	return 0;
}

/* A .whl has one top-level X.dist-info directory with a WHEEL member. */
static int check_zip_shape(const struct pw_wheel *w, struct pw_err *e)
{
	const char *dist = NULL;
	size_t dlen = 0;
	bool wheel = false;

	for (size_t i = 0; i < w->n; i++) {
		const char *nm = w->m[i].name, *s = strchr(nm, '/');
		size_t len = s ? (size_t)(s - nm) : 0;

		if (!s || len <= 10 || strncmp(s - 10, ".dist-info", 10))
			continue;
		if (dist && (len != dlen || strncmp(nm, dist, len)))
			return pw_err_set(e, EINVAL,
					  "%s: two '*.dist-info' directories ('%.*s' and '%.*s'), "
					  "expected one",
					  w->path, (int)dlen, dist, (int)len, nm);
		dist = nm;
		dlen = len;
		wheel = wheel || !strcmp(s, "/WHEEL");
	}
	if (!dist)
		return pw_err_set(e, EINVAL,
				  "%s: no '*.dist-info' directory: a zip file, not a wheel",
				  w->path);
	if (!wheel)
		return pw_err_set(e, EINVAL,
				  "%s: no '%.*s/WHEEL' member, expected one (not a wheel)", w->path,
				  (int)dlen, dist);
	return 0;
}

/* RECORD must vouch for every member (docs/audit.md): each problem is a
 * fatal one, so a tampered wheel gets no manylinux tag and repair refuses
 * it rather than regenerate RECORD over content nobody vouched for. */
#define RECORD_ERRORS_MAX 10
static void check_record(struct pw_audit_result *r, const struct pw_wheel *w)
{
	struct pw_buf probs = PW_BUF_INIT(1u << 20);
	struct pw_err re = PW_ERR_INIT;
	int n = pw_wheel_record_check(w, &probs, &re);
	size_t shown = 0;

	if (n < 0) {
		add_error(r, "RECORD: %s", re.msg);
		pw_buf_release(&probs);
		return;
	}
	for (const char *l = probs.buf; *l && shown < RECORD_ERRORS_MAX; shown++) {
		size_t len = strcspn(l, "\n");

		add_error(r, "RECORD does not vouch for '%.*s'", (int)len, l);
		l += len + (l[len] == '\n');
	}
	if ((size_t)n > shown)
		add_error(r, "RECORD: %zu more problems", (size_t)n - shown);
	pw_buf_release(&probs);
}

int pw_audit_wheel(const struct pw_policy_set *p, struct pw_syslibs *sys, const char *path,
		   struct pw_audit_result *r, struct pw_err *e)
{
	struct pw_wheel w;
	struct pw_buf b = PW_BUF_INIT(PW_WHEEL_MAX_MEMBER_SIZE);
	struct fastread f = {NULL, NULL, 0};
	int rc;

	result_init(r, path);
	rc = pw_wheel_open(path, &w, e);
	if (rc < 0) {
		pw_audit_result_release(r);
		return rc;
	}
	rc = check_zip_shape(&w, e);
	if (rc == 0)
		check_record(r, &w);
	for (size_t i = 0; i < w.n && rc >= 0; i++) {
		const struct pw_wheel_member *m = &w.m[i];
		bool wf = is_wheel_file(m->name);

		if (m->is_dir || (!wf && !may_be_elf(m->name, m->size)))
			continue;
		if (S_ISLNK(m->mode))
			continue;
		pw_buf_reset(&b);
		rc = read_member(&f, &w, i, &b, e);
		if (rc < 0)
			break;
		if (wf)
			r->purelib = wheel_says_purelib(b.buf);
		else
			rc = add_member(r, m->name, b.buf, b.len, e);
	}
	pw_buf_release(&b);
	free(f.in);
	if (f.d)
		libdeflate_free_decompressor(f.d);
	pw_wheel_close(&w);
	if (rc == 0)
		rc = audit_finish(p, sys, r, e);
	if (rc < 0)
		pw_audit_result_release(r);
	return rc;
}

void pw_audit_result_release(struct pw_audit_result *r)
{
	free(r->wheel);
	free(r->best_policy);
	free(r->best_tags[0]);
	free(r->best_tags[1]);
	free(r->platform);
	for (size_t i = 0; i < r->nelfs; i++) {
		free(r->elfs[i].member);
		pw_elf_info_release(&r->elfs[i].elf);
		for (size_t k = 0; k < r->elfs[i].nimports; k++) {
			free(r->elfs[i].imports[k].symbol);
			free(r->elfs[i].imports[k].library);
			free(r->elfs[i].imports[k].since);
		}
		free(r->elfs[i].imports);
	}
	free(r->elfs);
	for (size_t i = 0; i < r->nexternals; i++)
		free(r->externals[i]);
	free(r->externals);
	for (size_t i = 0; i < r->nreasons; i++) {
		free(r->reasons[i].policy);
		free(r->reasons[i].member);
		free(r->reasons[i].library);
		free(r->reasons[i].version);
		free(r->reasons[i].symbol);
		free(r->reasons[i].isa);
	}
	free(r->reasons);
	for (size_t i = 0; i < r->nerrors; i++)
		free(r->errors[i]);
	free(r->errors);
	free(r->root);
	memset(r, 0, sizeof(*r));
}

/* ---- JSON ---- */

static json_t *jstr_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *jstrings(char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	return a;
}

static json_t *elf_json(const struct pw_audit_ext *x)
{
	json_t *o = json_object(), *vn = json_object(), *a;

	json_object_set_new(o, "member", json_string(x->member));
	json_object_set_new(o, "arch", jstr_or_null(x->elf.arch));
	json_object_set_new(o, "machine", json_integer(x->elf.machine));
	json_object_set_new(o, "class", json_integer(x->elf.elfclass == ELFCLASS64 ? 64 : 32));
	json_object_set_new(o, "shared", json_boolean(x->elf.is_shared));
	json_object_set_new(o, "extension", json_boolean(x->is_extension));
	json_object_set_new(o, "soname", jstr_or_null(x->elf.soname));
	json_object_set_new(o, "needed", jstrings(x->elf.needed, x->elf.nneeded));
	json_object_set_new(o, "rpath", jstr_or_null(x->elf.rpath));
	json_object_set_new(o, "runpath", jstr_or_null(x->elf.runpath));
	json_object_set_new(o, "pyinit", jstrings(x->elf.pyinit, x->elf.npyinit));
	json_object_set_new(o, "x86_isa_level", json_integer(x->elf.x86_isa_level));
	for (size_t i = 0; i < x->elf.nvn; i++)
		json_object_set_new(vn, x->elf.vn[i].file,
				    jstrings(x->elf.vn[i].versions, x->elf.vn[i].n));
	json_object_set_new(o, "versions", vn);
	a = json_array();
	for (size_t i = 0; i < x->nimports; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:b}", "symbol",
						   x->imports[i].symbol, "library",
						   x->imports[i].library, "since",
						   x->imports[i].since, "weak", x->imports[i].weak));
	json_object_set_new(o, "glibc_unversioned", a);
	return o;
}

/* What kind of cause a reason is, for --json readers. */
static const char *reason_kind(const struct pw_audit_reason *re)
{
	if (re->isa)
		return "isa";
	if (re->unversioned)
		return "unversioned";
	if (re->symbol)
		return "refused_symbol";
	return re->version ? "version" : "library";
}

struct json_t *pw_audit_result_json(const struct pw_audit_result *r)
{
	json_t *o = json_object(), *a;

	json_object_set_new(o, "wheel", json_string(r->wheel));
	json_object_set_new(o, "arch", jstr_or_null(r->arch));
	json_object_set_new(o, "purelib", json_boolean(r->purelib));
	json_object_set_new(o, "pure", json_boolean(!r->has_elf));
	json_object_set_new(o, "policy", jstr_or_null(r->best_policy));
	json_object_set_new(o, "platform", jstr_or_null(r->platform));
	a = json_array();
	for (size_t i = 0; i < 2; i++)
		if (r->best_tags[i])
			json_array_append_new(a, json_string(r->best_tags[i]));
	json_object_set_new(o, "tags", a);
	json_object_set_new(o, "externals", jstrings(r->externals, r->nexternals));
	a = json_array();
	for (size_t i = 0; i < r->nreasons; i++) {
		const struct pw_audit_reason *re = &r->reasons[i];

		json_array_append_new(
		    a, json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o}", "kind", reason_kind(re),
				 "policy", re->policy, "member", re->member, "library",
				 re->library, "version", jstr_or_null(re->version), "symbol",
				 jstr_or_null(re->symbol), "isa", jstr_or_null(re->isa)));
	}
	json_object_set_new(o, "reasons", a);
	json_object_set_new(o, "errors", jstrings(r->errors, r->nerrors));
	json_object_set_new(o, "glibc_root", jstr_or_null(r->root));
	a = json_array();
	for (size_t i = 0; i < r->nelfs; i++)
		json_array_append_new(a, elf_json(&r->elfs[i]));
	json_object_set_new(o, "elfs", a);
	return o;
}

char *pw_audit_unversioned_phrase(const struct pw_policy_set *p, const char *arch,
				  const struct pw_audit_reason *re)
{
	const char *max = NULL, *us = strchr(re->version, '_');
	_cleanup_free_ char *prefix =
	    us ? pw_xasprintf("%.*s", (int)(us - re->version), re->version) : NULL;

	for (size_t i = 0; prefix && pw_policy_name(p, i) && !max; i++)
		if (!strcmp(pw_policy_name(p, i), re->policy))
			max = pw_policy_max_version(p, i, arch, prefix);
	if (!max)
		return pw_xasprintf("'%s' calls %s, which %s has only since %s", re->member,
				    re->symbol, re->library, re->version);
	return pw_xasprintf("'%s' calls %s, which %s has only since %s (%s allows up to %s_%s)",
			    re->member, re->symbol, re->library, re->version, re->policy, prefix,
			    max);
}

/* syslibs.c - the glibc of a root (audit.h, "the glibc of a root"): for
 * each architecture asked for, the versioned definitions of the root's
 * glibc libraries reduced to one entry per symbol, its oldest GLIBC_<n>
 * version, so that the audit can tell when an unversioned import names a
 * function that glibc has only since a version newer than a policy's. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "pinwheel/audit.h"
#include "pinwheel/buf.h"
#include "rootfs.h"

#define SYSLIB_MAX_SIZE (256ULL << 20)
#define SYSLIBS_MAX_ARCHES 16

/* glibc's own shared libraries (libcrypt is libxcrypt's on today's
 * systems, with its own XCRYPT_ versions); the loader is what libc.so.6
 * needs. */
static const char *const glibc_libs[] = {
    "libc.so.6",    "libm.so.6",      "libpthread.so.0", "libdl.so.2",	"librt.so.1",
    "libutil.so.1", "libresolv.so.2", "libnsl.so.1",	 "libanl.so.1", "libmvec.so.1",
};

struct sysdef {
	char *symbol;
	const char *lib; /* one of struct table's libs */
	char *version;
};

struct table {
	char *arch;
	char **libs; /* the libraries read, in the order above, then the loader */
	size_t nlibs;
	struct sysdef *defs; /* sorted by symbol, one per symbol */
	size_t n;
};

struct pw_syslibs {
	char *what;
	struct pw_rootfs fs;
	struct table t[SYSLIBS_MAX_ARCHES];
	size_t nt;
};

int pw_syslibs_open(const struct pw_sandbox_spec *root, const char *what, struct pw_syslibs **out,
		    struct pw_err *e)
{
	struct pw_syslibs *s = pw_xcalloc(1, sizeof(*s));
	int r = pw_rootfs_open(&s->fs, root, e);

	if (r < 0) {
		free(s);
		return r;
	}
	s->what = pw_xstrdup(what);
	*out = s;
	return 0;
}

int pw_syslibs_open_dir(const char *dir, struct pw_syslibs **out, bool *bad_arg,
			struct pw_err *e)
{
	_cleanup_free_ char *what = pw_xasprintf("--root %s", dir);
	struct pw_sandbox_spec spec;
	struct stat st;
	int r;

	*bad_arg = false;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		*bad_arg = true;
		return pw_err_set(e, ENOTDIR, "--root '%s': not a directory", dir);
	}
	pw_sandbox_spec_init(&spec);
	pw_sandbox_spec_add_layer(&spec, dir);
	r = pw_syslibs_open(&spec, what, out, e);
	pw_sandbox_spec_release(&spec);
	return r;
}

static void table_release(struct table *t)
{
	free(t->arch);
	for (size_t i = 0; i < t->nlibs; i++)
		free(t->libs[i]);
	free(t->libs);
	for (size_t i = 0; i < t->n; i++) {
		free(t->defs[i].symbol);
		free(t->defs[i].version);
	}
	free(t->defs);
}

void pw_syslibs_free(struct pw_syslibs *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nt; i++)
		table_release(&s->t[i]);
	pw_rootfs_close(&s->fs);
	free(s->what);
	free(s);
}

const char *pw_syslibs_what(const struct pw_syslibs *s)
{
	return s->what;
}

/* "GLIBC_2.17" -> "2.17"; NULL for GLIBC_PRIVATE, GLIBC_ABI_DT_RELR and
 * other prefixes. */
static const char *glibc_number(const char *version)
{
	if (strncmp(version, "GLIBC_", 6) || version[6] < '0' || version[6] > '9')
		return NULL;
	return version + 6;
}

static int cmp_sysdef(const void *a, const void *b)
{
	const struct sysdef *x = a, *y = b;
	int c = strcmp(x->symbol, y->symbol);

	return c ? c : strverscmp(glibc_number(x->version), glibc_number(y->version));
}

/* Add the GLIBC_<n> definitions of @lib (its bytes in @b) to @t. */
static int add_lib(struct table *t, const char *lib, const struct pw_buf *b, size_t *alloc,
		   struct pw_err *e)
{
	struct pw_elf_def *d = NULL;
	size_t nd = 0;
	int r = pw_elf_read_defs(b->buf, b->len, lib, &d, &nd, e);

	if (r < 0)
		return r;
	t->libs = pw_xrealloc(t->libs, (t->nlibs + 1) * sizeof(char *));
	t->libs[t->nlibs] = pw_xstrdup(lib);
	for (size_t i = 0; i < nd; i++) {
		if (!glibc_number(d[i].version))
			continue;
		if (t->n == *alloc) {
			*alloc = *alloc ? 2 * *alloc : 4096;
			t->defs = pw_xrealloc(t->defs, *alloc * sizeof(*t->defs));
		}
		t->defs[t->n++] = (struct sysdef){steal_pointer(&d[i].symbol), t->libs[t->nlibs],
						  steal_pointer(&d[i].version)};
	}
	t->nlibs++;
	pw_elf_defs_free(d, nd);
	return 0;
}

/* Read the glibc libraries of @arch into @t: libc.so.6 must be there. */
static int load_table(struct pw_syslibs *s, const char *arch, struct table *t, struct pw_err *e)
{
	char *dirs[PW_ROOTFS_MAX_DIRS];
	size_t ndirs = pw_rootfs_lib_dirs(&s->fs, arch, dirs), alloc = 0, k = 0;
	struct pw_buf b = PW_BUF_INIT(SYSLIB_MAX_SIZE);
	char *loader = NULL;
	int r = 0;

	memset(t, 0, sizeof(*t));
	t->arch = pw_xstrdup(arch);
	for (size_t i = 0; i <= PW_ARRAY_SIZE(glibc_libs) && r >= 0; i++) {
		const char *lib = i < PW_ARRAY_SIZE(glibc_libs) ? glibc_libs[i] : loader;
		struct pw_err ee = PW_ERR_INIT;

		if (!lib)
			break;
		if (pw_rootfs_find_lib(&s->fs, dirs, ndirs, lib, arch, 0, 0, &b, &ee) < 0) {
			if (i == 0)
				r = pw_err_set(e, ENOENT, "no libc.so.6 for %s in %s: %s", arch,
					       s->what, ee.msg);
			continue;
		}
		if (i == 0) { /* the loader libc.so.6 needs: ld-linux-x86-64.so.2 */
			struct pw_elf_info info;

			if (pw_elf_read(b.buf, b.len, lib, &info, &ee) == 0) {
				for (size_t n = 0; n < info.nneeded && !loader; n++)
					if (!strncmp(info.needed[n], "ld", 2))
						loader = pw_xstrdup(info.needed[n]);
				pw_elf_info_release(&info);
			}
		}
		r = add_lib(t, lib, &b, &alloc, e);
		if (r < 0)
			pw_err_prefix(e, "%s", s->what);
	}
	if (r == 0 && t->n) {
		/* the oldest version of each symbol first, then one entry each */
		qsort(t->defs, t->n, sizeof(*t->defs), cmp_sysdef);
		for (size_t i = 0; i < t->n; i++) {
			if (k && !strcmp(t->defs[k - 1].symbol, t->defs[i].symbol)) {
				free(t->defs[i].symbol);
				free(t->defs[i].version);
				continue;
			}
			t->defs[k++] = t->defs[i];
		}
		t->n = k;
	}
	pw_buf_release(&b);
	free(loader);
	for (size_t i = 0; i < ndirs; i++)
		free(dirs[i]);
	if (r < 0)
		table_release(t);
	return r;
}

static int cmp_key(const void *key, const void *ent)
{
	return strcmp(key, ((const struct sysdef *)ent)->symbol);
}

int pw_syslibs_lookup(struct pw_syslibs *s, const char *arch, const char *symbol, const char **lib,
		      const char **version, struct pw_err *e)
{
	struct table *t = NULL;
	const struct sysdef *d;
	int r;

	for (size_t i = 0; i < s->nt && !t; i++)
		if (!strcmp(s->t[i].arch, arch))
			t = &s->t[i];
	if (!t) {
		if (s->nt >= SYSLIBS_MAX_ARCHES)
			return pw_err_set(e, E2BIG, "%s: more than %d architectures", s->what,
					  SYSLIBS_MAX_ARCHES);
		r = load_table(s, arch, &s->t[s->nt], e);
		if (r < 0)
			return r;
		t = &s->t[s->nt++];
	}
	d = t->n ? bsearch(symbol, t->defs, t->n, sizeof(*t->defs), cmp_key) : NULL;
	if (!d)
		return 0;
	*lib = d->lib;
	*version = d->version;
	return 1;
}

/* elf.c - the ELF facts the audit needs, read with libelf from bytes in
 * memory (elf_memory()): class, machine, DT_NEEDED, DT_SONAME,
 * DT_RPATH/DT_RUNPATH, the version needs of .gnu.version_r per library
 * (the dynamic loader's own entries skipped) and the PyInit_* functions
 * exported from .dynsym.  See include/pinwheel/audit.h. */
#include <elf.h>
#include <gelf.h>
#include <libelf.h>
#include <string.h>

#include "pinwheel/audit.h"

/* Caps on what one ELF may list: real objects stay far below these; an
 * object past them is refused rather than filling memory. */
#define ELF_MAX_NEEDED 4096
#define ELF_MAX_VERSIONS 65536
#define ELF_MAX_PYINIT 4096
#define ELF_MAX_UNDEFINED 1000000

#ifndef EM_LOONGARCH
#define EM_LOONGARCH 258
#endif

struct strvec {
	char **v;
	size_t n, alloc;
};

static void strvec_push(struct strvec *s, const char *str)
{
	if (s->n == s->alloc) {
		s->alloc = s->alloc ? 2 * s->alloc : 8;
		s->v = pw_xrealloc(s->v, s->alloc * sizeof(*s->v));
	}
	s->v[s->n++] = pw_xstrdup(str);
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The architecture name of PEP 600 tags for a machine, class and byte
 * order, or NULL when there is no such tag (x32, big-endian aarch64, ARM
 * without EABI 5 hard-float, ...). */
static const char *elf_arch_name(int machine, int elfclass, int data, unsigned flags)
{
	bool le = data == ELFDATA2LSB, c64 = elfclass == ELFCLASS64;

	switch (machine) {
	case EM_X86_64:
		return c64 && le ? "x86_64" : NULL;
	case EM_386:
		return !c64 && le ? "i686" : NULL;
	case EM_AARCH64:
		return c64 && le ? "aarch64" : NULL;
	case EM_ARM:
		return !c64 && le && (flags & EF_ARM_EABIMASK) == EF_ARM_EABI_VER5 &&
			       (flags & EF_ARM_ABI_FLOAT_HARD)
			   ? "armv7l"
			   : NULL;
	case EM_PPC64:
		return c64 ? (le ? "ppc64le" : "ppc64") : NULL;
	case EM_S390:
		return c64 && !le ? "s390x" : NULL;
	case EM_RISCV:
		return c64 && le ? "riscv64" : NULL;
	case EM_LOONGARCH:
		return c64 && le ? "loongarch64" : NULL;
	default:
		return NULL;
	}
}

#ifndef GNU_PROPERTY_X86_ISA_1_NEEDED
#define GNU_PROPERTY_X86_ISA_1_NEEDED 0xc0008002
#endif

/* The x86-64 level an NT_GNU_PROPERTY_TYPE_0 note's descriptor says is
 * needed: properties {type, datasz, data} padded to 8 bytes (4 in
 * ELFCLASS32); bit 1 x86-64-v2, bit 2 v3, bit 3 v4. */
static int isa_level(const unsigned char *d, size_t n, int elfclass)
{
	size_t align = elfclass == ELFCLASS64 ? 8 : 4, off = 0;

	while (n - off >= 8) {
		uint32_t type, sz;

		memcpy(&type, d + off, 4);
		memcpy(&sz, d + off + 4, 4);
		if (sz > n - off - 8)
			return 0;
		if (type == GNU_PROPERTY_X86_ISA_1_NEEDED && sz == 4) {
			uint32_t bits;

			memcpy(&bits, d + off + 8, 4);
			return bits & 8 ? 4 : bits & 4 ? 3 : bits & 2 ? 2 : 0;
		}
		off += 8 + ((sz + align - 1) & ~(align - 1));
		if (off > n)
			return 0;
	}
	return 0;
}

static void read_notes(Elf_Scn *scn, struct pw_elf_info *out)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t off = 0, next;
	GElf_Nhdr nh;
	size_t name_off, desc_off;

	if (!d || !d->d_buf)
		return;
	while (off < d->d_size && (next = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
		if (desc_off > d->d_size || nh.n_descsz > d->d_size - desc_off)
			break;
		if (nh.n_type == NT_GNU_PROPERTY_TYPE_0 && nh.n_namesz == 4 &&
		    !memcmp((const char *)d->d_buf + name_off, "GNU", 4)) {
			int l = isa_level((const unsigned char *)d->d_buf + desc_off, nh.n_descsz,
					  out->elfclass);

			if (l > out->x86_isa_level)
				out->x86_isa_level = l;
		}
		off = next;
	}
}

/* The dynamic loader's own version needs are not a platform requirement
 * (auditwheel skips them the same way). */
static bool is_loader(const char *file)
{
	return !strncmp(file, "ld-linux", 8) || !strcmp(file, "ld64.so.1") ||
	       !strcmp(file, "ld64.so.2");
}

static int read_dynamic(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, struct pw_elf_info *out,
			const char *name, struct pw_err *e)
{
	struct strvec needed = {0};
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t count, i;

	if (!d || sh->sh_entsize == 0)
		return 0;
	count = d->d_size / gelf_fsize(elf, ELF_T_DYN, 1, EV_CURRENT);
	for (i = 0; i < count; i++) {
		GElf_Dyn dyn;
		const char *s;

		if (!gelf_getdyn(d, (int)i, &dyn) || dyn.d_tag == DT_NULL)
			break;
		if (dyn.d_tag != DT_NEEDED && dyn.d_tag != DT_SONAME && dyn.d_tag != DT_RPATH &&
		    dyn.d_tag != DT_RUNPATH)
			continue;
		s = elf_strptr(elf, sh->sh_link, dyn.d_un.d_val);
		if (!s) {
			free_strv(needed.v, needed.n);
			return pw_err_set(e, ENOEXEC, "'%s': a dynamic entry names no string",
					  name);
		}
		switch (dyn.d_tag) {
		case DT_NEEDED:
			if (needed.n >= ELF_MAX_NEEDED) {
				free_strv(needed.v, needed.n);
				return pw_err_set(e, E2BIG, "'%s': more than %d DT_NEEDED entries",
						  name, ELF_MAX_NEEDED);
			}
			strvec_push(&needed, s);
			break;
		case DT_SONAME:
			free(out->soname);
			out->soname = pw_xstrdup(s);
			break;
		case DT_RPATH:
			free(out->rpath);
			out->rpath = pw_xstrdup(s);
			break;
		default:
			free(out->runpath);
			out->runpath = pw_xstrdup(s);
			break;
		}
	}
	free_strv(out->needed, out->nneeded);
	out->needed = needed.v;
	out->nneeded = needed.n;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_vn(const void *a, const void *b)
{
	return strcmp(((const struct pw_elf_verneed *)a)->file,
		      ((const struct pw_elf_verneed *)b)->file);
}

/* Sort and de-duplicate @v in place; returns the new count. */
static size_t uniq_strings(char **v, size_t n)
{
	size_t i, k = 0;

	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	for (i = 0; i < n; i++) {
		if (k && !strcmp(v[k - 1], v[i])) {
			free(v[i]);
			continue;
		}
		v[k++] = v[i];
	}
	return k;
}

static struct pw_elf_verneed *verneed_for(struct pw_elf_info *out, const char *file)
{
	for (size_t i = 0; i < out->nvn; i++)
		if (!strcmp(out->vn[i].file, file))
			return &out->vn[i];
	out->vn = pw_xrealloc(out->vn, (out->nvn + 1) * sizeof(*out->vn));
	out->vn[out->nvn] = (struct pw_elf_verneed){pw_xstrdup(file), NULL, 0};
	return &out->vn[out->nvn++];
}

static int read_verneed(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, struct pw_elf_info *out,
			const char *name, struct pw_err *e)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t off = 0, total = 0;
	/* one Verneed is 16 bytes: more entries than that cannot fit */
	size_t left;

	if (!d)
		return 0;
	left = d->d_size / sizeof(GElf_Verneed) + 1;
	while (left-- > 0) {
		GElf_Verneed vn;
		size_t aoff;
		const char *file;
		struct pw_elf_verneed *ent;

		if (off > d->d_size || !gelf_getverneed(d, (int)off, &vn))
			return pw_err_set(e, ENOEXEC, "'%s': .gnu.version_r is truncated", name);
		file = elf_strptr(elf, sh->sh_link, vn.vn_file);
		if (!file)
			return pw_err_set(e, ENOEXEC, "'%s': .gnu.version_r names no file", name);
		ent = is_loader(file) ? NULL : verneed_for(out, file);
		aoff = off + vn.vn_aux;
		for (unsigned k = 0; k < vn.vn_cnt; k++) {
			GElf_Vernaux aux;
			const char *ver;

			if (aoff > d->d_size || !gelf_getvernaux(d, (int)aoff, &aux))
				return pw_err_set(e, ENOEXEC, "'%s': .gnu.version_r is truncated",
						  name);
			ver = elf_strptr(elf, sh->sh_link, aux.vna_name);
			if (!ver)
				return pw_err_set(e, ENOEXEC,
						  "'%s': .gnu.version_r names no version", name);
			if (ent) {
				if (++total > ELF_MAX_VERSIONS)
					return pw_err_set(e, E2BIG,
							  "'%s': more than %d version needs", name,
							  ELF_MAX_VERSIONS);
				ent->versions =
				    pw_xrealloc(ent->versions, (ent->n + 1) * sizeof(char *));
				ent->versions[ent->n++] = pw_xstrdup(ver);
			}
			if (aux.vna_next == 0)
				break;
			aoff += aux.vna_next;
		}
		if (vn.vn_next == 0)
			return 0;
		off += vn.vn_next;
	}
	return pw_err_set(e, ENOEXEC, "'%s': .gnu.version_r does not end", name);
}

/* The version index .gnu.version gives dynamic symbol @i (without the
 * hidden bit); VER_NDX_GLOBAL without that section. */
static unsigned sym_version(Elf_Data *vs, size_t i)
{
	GElf_Versym v;

	if (!vs || !gelf_getversym(vs, (int)i, &v))
		return VER_NDX_GLOBAL;
	return v & 0x7fff;
}

static void free_strvec(struct strvec *s)
{
	free_strv(s->v, s->n);
	memset(s, 0, sizeof(*s));
}

/* .dynsym: the exported PyInit_* functions, the non-weak undefined symbols
 * and, from .gnu.version (@vs, may be NULL), which undefined symbols carry
 * no version (index 0 or 1: bound to whatever definition the loader finds
 * first, the default version of a versioned library). */
static int read_dynsym(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, Elf_Data *vs,
		       struct pw_elf_info *out, const char *name, struct pw_err *e)
{
	struct strvec py = {0}, und = {0}, unv = {0}, unvw = {0};
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t count, i, symsz = gelf_fsize(elf, ELF_T_SYM, 1, EV_CURRENT);

	if (!d || !symsz)
		return 0;
	count = d->d_size / symsz;
	if (count > ELF_MAX_UNDEFINED)
		return pw_err_set(e, E2BIG, "'%s': more than %d dynamic symbols", name,
				  ELF_MAX_UNDEFINED);
	for (i = 1; i < count; i++) { /* entry 0 is the null symbol */
		GElf_Sym sym;
		const char *s;
		int bind;

		if (!gelf_getsym(d, (int)i, &sym))
			break;
		bind = GELF_ST_BIND(sym.st_info);
		if (sym.st_shndx == SHN_UNDEF) {
			s = elf_strptr(elf, sh->sh_link, sym.st_name);
			if (!s || !*s)
				continue;
			/* weak imports are optional: not a requirement */
			if (bind != STB_WEAK)
				strvec_push(&und, s);
			if (sym_version(vs, i) <= VER_NDX_GLOBAL)
				strvec_push(bind == STB_WEAK ? &unvw : &unv, s);
			continue;
		}
		if (GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
		    (bind != STB_GLOBAL && bind != STB_WEAK))
			continue;
		s = elf_strptr(elf, sh->sh_link, sym.st_name);
		if (!s || strncmp(s, "PyInit_", 7) || !s[7])
			continue;
		if (py.n >= ELF_MAX_PYINIT) {
			free_strvec(&py);
			free_strvec(&und);
			free_strvec(&unv);
			free_strvec(&unvw);
			return pw_err_set(e, E2BIG, "'%s': more than %d PyInit_ functions", name,
					  ELF_MAX_PYINIT);
		}
		strvec_push(&py, s + 7);
	}
	out->pyinit = py.v;
	out->npyinit = uniq_strings(py.v, py.n);
	out->undefined = und.v;
	out->nundefined = uniq_strings(und.v, und.n);
	out->unversioned = unv.v;
	out->nunversioned = uniq_strings(unv.v, unv.n);
	out->unversioned_weak = unvw.v;
	out->nunversioned_weak = uniq_strings(unvw.v, unvw.n);
	return 0;
}

static int elf_read_sections(Elf *elf, struct pw_elf_info *out, const char *name, struct pw_err *e)
{
	Elf_Scn *scn = NULL, *dynsym = NULL, *versym = NULL;
	GElf_Shdr dsh = {0};
	int r;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh))
			return pw_err_set(e, ENOEXEC, "'%s': bad section header: %s", name,
					  elf_errmsg(-1));
		switch (sh.sh_type) {
		case SHT_DYNAMIC:
			r = read_dynamic(elf, scn, &sh, out, name, e);
			break;
		case SHT_GNU_verneed:
			r = read_verneed(elf, scn, &sh, out, name, e);
			break;
		case SHT_NOTE:
			if (out->machine == EM_X86_64)
				read_notes(scn, out);
			r = 0;
			break;
		case SHT_DYNSYM: /* read after the loop, with .gnu.version */
			if (!dynsym) {
				dynsym = scn;
				dsh = sh;
			}
			r = 0;
			break;
		case SHT_GNU_versym:
			if (!versym)
				versym = scn;
			r = 0;
			break;
		default:
			r = 0;
		}
		if (r < 0)
			return r;
	}
	if (!dynsym)
		return 0;
	return read_dynsym(elf, dynsym, &dsh, versym ? elf_getdata(versym, NULL) : NULL, out,
			   name, e);
}

/* Open the @n bytes at @data (@name in messages) with libelf.  libelf
 * converts foreign-endian data in place, so such data is copied first
 * (*copy, which the caller frees after elf_end(*elf)); the caller's bytes
 * stay untouched (they are const).  0, or -errno with e->msg (*elf may be
 * NULL). */
static int elf_open_mem(const void *data, size_t n, const char *name, void **copy, Elf **elf,
			struct pw_err *e)
{
	const unsigned char *id = data;

	*copy = NULL;
	*elf = NULL;
	if (n < EI_NIDENT || memcmp(id, ELFMAG, SELFMAG))
		return pw_err_set(e, ENOEXEC, "'%s': not an ELF file", name);
	if (elf_version(EV_CURRENT) == EV_NONE)
		return pw_err_set(e, ENOSYS, "libelf: %s", elf_errmsg(-1));
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (id[EI_DATA] != ELFDATA2LSB)
#else
	if (id[EI_DATA] != ELFDATA2MSB)
#endif
	{
		*copy = pw_xmalloc(n);
		memcpy(*copy, data, n);
	}
	*elf = elf_memory(*copy ? *copy : (char *)(uintptr_t)data, n);
	if (!*elf || elf_kind(*elf) != ELF_K_ELF)
		return pw_err_set(e, ENOEXEC, "'%s': not a readable ELF file: %s", name,
				  elf_errmsg(-1));
	return 0;
}

int pw_elf_read(const void *data, size_t n, const char *name, struct pw_elf_info *out,
		struct pw_err *e)
{
	const unsigned char *id = data;
	void *copy = NULL;
	Elf *elf = NULL;
	GElf_Ehdr eh;
	int r;

	memset(out, 0, sizeof(*out));
	r = elf_open_mem(data, n, name, &copy, &elf, e);
	if (r < 0)
		goto out;
	if (!gelf_getehdr(elf, &eh)) {
		r = pw_err_set(e, ENOEXEC, "'%s': not a readable ELF file: %s", name,
			       elf_errmsg(-1));
		goto out;
	}
	out->elfclass = gelf_getclass(elf);
	out->machine = eh.e_machine;
	out->arch = elf_arch_name(eh.e_machine, out->elfclass, id[EI_DATA], (unsigned)eh.e_flags);
	out->is_shared = eh.e_type == ET_DYN;
	r = elf_read_sections(elf, out, name, e);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < out->nvn; i++)
		out->vn[i].n = uniq_strings(out->vn[i].versions, out->vn[i].n);
	if (out->nvn)
		qsort(out->vn, out->nvn, sizeof(*out->vn), cmp_vn);
	r = 0;
out:
	if (elf)
		elf_end(elf);
	free(copy);
	if (r < 0)
		pw_elf_info_release(out);
	return r;
}

void pw_elf_info_release(struct pw_elf_info *i)
{
	free(i->soname);
	free_strv(i->needed, i->nneeded);
	free(i->rpath);
	free(i->runpath);
	for (size_t k = 0; k < i->nvn; k++) {
		free(i->vn[k].file);
		free_strv(i->vn[k].versions, i->vn[k].n);
	}
	free(i->vn);
	free_strv(i->pyinit, i->npyinit);
	free_strv(i->undefined, i->nundefined);
	free_strv(i->unversioned, i->nunversioned);
	free_strv(i->unversioned_weak, i->nunversioned_weak);
	memset(i, 0, sizeof(*i));
}

/* ---- versioned definitions (a system library's .gnu.version_d) ---- */

#define ELF_MAX_VERDEFS 4096

/* The names of .gnu.version_d by index: names[ndx] (NULL where none). */
static int read_verdef(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh, char ***names, size_t *nnames,
		       const char *name, struct pw_err *e)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t off = 0, left;

	if (!d)
		return 0;
	left = d->d_size / sizeof(GElf_Verdef) + 1;
	while (left-- > 0) {
		GElf_Verdef vd;
		GElf_Verdaux aux;
		const char *ver;

		if (off > d->d_size || !gelf_getverdef(d, (int)off, &vd))
			return pw_err_set(e, ENOEXEC, "'%s': .gnu.version_d is truncated", name);
		if (vd.vd_ndx >= ELF_MAX_VERDEFS)
			return pw_err_set(e, E2BIG, "'%s': a version index above %d", name,
					  ELF_MAX_VERDEFS);
		if (vd.vd_cnt > 0 && !(vd.vd_flags & VER_FLG_BASE)) {
			if (off + vd.vd_aux > d->d_size ||
			    !gelf_getverdaux(d, (int)(off + vd.vd_aux), &aux) ||
			    !(ver = elf_strptr(elf, sh->sh_link, aux.vda_name)))
				return pw_err_set(e, ENOEXEC,
						  "'%s': .gnu.version_d names no version", name);
			if (vd.vd_ndx >= *nnames) {
				*names = pw_xrealloc(*names, (vd.vd_ndx + 1u) * sizeof(char *));
				memset(*names + *nnames, 0,
				       (vd.vd_ndx + 1u - *nnames) * sizeof(char *));
				*nnames = vd.vd_ndx + 1u;
			}
			free((*names)[vd.vd_ndx]);
			(*names)[vd.vd_ndx] = pw_xstrdup(ver);
		}
		if (vd.vd_next == 0)
			return 0;
		off += vd.vd_next;
	}
	return pw_err_set(e, ENOEXEC, "'%s': .gnu.version_d does not end", name);
}

static int cmp_def(const void *a, const void *b)
{
	const struct pw_elf_def *x = a, *y = b;
	int c = strcmp(x->symbol, y->symbol);

	return c ? c : strcmp(x->version, y->version);
}

int pw_elf_read_defs(const void *data, size_t n, const char *name, struct pw_elf_def **out,
		     size_t *nout, struct pw_err *e)
{
	void *copy = NULL;
	Elf *elf = NULL;
	Elf_Scn *scn = NULL, *dynsym = NULL, *versym = NULL;
	GElf_Shdr dsh = {0}, sh;
	char **names = NULL;
	size_t nnames = 0, ndefs = 0, count, symsz;
	struct pw_elf_def *defs = NULL;
	Elf_Data *d, *vs;
	int r;

	*out = NULL;
	*nout = 0;
	r = elf_open_mem(data, n, name, &copy, &elf, e);
	if (r < 0)
		goto out;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh)) {
			r = pw_err_set(e, ENOEXEC, "'%s': bad section header: %s", name,
				       elf_errmsg(-1));
			goto out;
		}
		if (sh.sh_type == SHT_DYNSYM && !dynsym) {
			dynsym = scn;
			dsh = sh;
		} else if (sh.sh_type == SHT_GNU_versym && !versym) {
			versym = scn;
		} else if (sh.sh_type == SHT_GNU_verdef && !names) {
			r = read_verdef(elf, scn, &sh, &names, &nnames, name, e);
			if (r < 0)
				goto out;
		}
	}
	r = 0;
	if (!dynsym || !versym || !names)
		goto out; /* nothing versioned is defined */
	d = elf_getdata(dynsym, NULL);
	vs = elf_getdata(versym, NULL);
	symsz = gelf_fsize(elf, ELF_T_SYM, 1, EV_CURRENT);
	if (!d || !vs || !symsz)
		goto out;
	count = d->d_size / symsz;
	if (count > ELF_MAX_UNDEFINED) {
		r = pw_err_set(e, E2BIG, "'%s': more than %d dynamic symbols", name,
			       ELF_MAX_UNDEFINED);
		goto out;
	}
	for (size_t i = 1; i < count; i++) {
		GElf_Sym sym;
		const char *s;
		unsigned v;
		int bind;

		if (!gelf_getsym(d, (int)i, &sym))
			break;
		bind = GELF_ST_BIND(sym.st_info);
		if (sym.st_shndx == SHN_UNDEF || (bind != STB_GLOBAL && bind != STB_WEAK))
			continue;
		v = sym_version(vs, i);
		if (v <= VER_NDX_GLOBAL || v >= nnames || !names[v])
			continue;
		s = elf_strptr(elf, dsh.sh_link, sym.st_name);
		if (!s || !*s)
			continue;
		if (ndefs % 1024 == 0)
			defs = pw_xrealloc(defs, (ndefs + 1024) * sizeof(*defs));
		defs[ndefs].symbol = pw_xstrdup(s);
		defs[ndefs].version = pw_xstrdup(names[v]);
		ndefs++;
	}
	if (ndefs)
		qsort(defs, ndefs, sizeof(*defs), cmp_def);
	*out = steal_pointer(&defs);
	*nout = ndefs;
out:
	free_strv(names, nnames);
	if (elf)
		elf_end(elf);
	free(copy);
	return r;
}

void pw_elf_defs_free(struct pw_elf_def *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(d[i].symbol);
		free(d[i].version);
	}
	free(d);
}

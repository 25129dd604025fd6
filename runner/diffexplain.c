/* diffexplain.c - read wheels and sdists whole, explain how two of them
 * differ (members, order, metadata, ELF sections, unified diffs of text)
 * and scan contents for leaked strings (include/pinwheel/verify.h). */
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/verify.h"
#include "pinwheel/wheel.h"

#define SDIST_MAX_COMPRESSED (1ULL << 30)
#define LCS_MAX_CELLS (4ULL << 20)
#define CONTEXT 3

void pw_archive_release(struct pw_archive *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->m[i].name);
		free(a->m[i].meta);
		free(a->m[i].data);
	}
	free(a->m);
	free(a->path);
	memset(a, 0, sizeof(*a));
}

static struct pw_archive_member *add_member(struct pw_archive *a, size_t *cap)
{
	if (a->n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		a->m = pw_xrealloc(a->m, *cap * sizeof(*a->m));
	}
	memset(&a->m[a->n], 0, sizeof(a->m[0]));
	return &a->m[a->n++];
}

/* ---- zip (through the wheel reader) ---- */

static int read_zip(const char *path, struct pw_archive *a, struct pw_err *e)
{
	struct pw_wheel w;
	uint64_t total = 0;
	size_t cap = 0;
	int r;

	r = pw_wheel_open(path, &w, e);
	if (r < 0)
		return r;
	for (size_t i = 0; i < w.n; i++) {
		const struct pw_wheel_member *wm = &w.m[i];
		struct pw_archive_member *m = add_member(a, &cap);
		struct pw_buf b = PW_BUF_INIT(PW_VERIFY_MAX_ARCHIVE - total);
		unsigned char lh[30];
		ssize_t got;

		m->name = pw_xstrdup(wm->name);
		m->mode = wm->mode;
		got = pread(w.fd, lh, sizeof(lh), (off_t)wm->offset);
		if (got != (ssize_t)sizeof(lh) || lh[0] != 'P' || lh[1] != 'K' || lh[2] != 3 ||
		    lh[3] != 4) {
			r = pw_err_set(e, EINVAL,
				       "'%s': member '%s': no local header at offset %llu", path,
				       wm->name, (unsigned long long)wm->offset);
			goto out;
		}
		/* DOS time and date, as stored (bytes 10..13 of the local header). */
		m->mtime = (int64_t)((uint32_t)lh[10] | (uint32_t)lh[11] << 8 |
				     (uint32_t)lh[12] << 16 | (uint32_t)lh[13] << 24);
		m->meta = pw_xasprintf("method=%u flags=0x%x extra=%u dir=%d", wm->method,
				       (unsigned)(lh[6] | lh[7] << 8),
				       (unsigned)(lh[28] | lh[29] << 8), wm->is_dir);
		if (!wm->is_dir) {
			r = pw_wheel_read(&w, i, &b, e);
			if (r < 0) {
				pw_buf_release(&b);
				goto out;
			}
			total += b.len;
			m->data = pw_buf_detach(&b, &m->len);
		}
	}
	r = 0;
out:
	pw_wheel_close(&w);
	return r;
}

/* ---- gzip'd tar ---- */

static int gunzip(const char *path, const struct pw_buf *in, struct pw_buf *out, struct pw_err *e)
{
	z_stream z;
	unsigned char chunk[65536];
	int zr;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return pw_err_set(e, ENOMEM, "'%s': could not start inflating", path);
	z.next_in = (unsigned char *)in->buf;
	z.avail_in = (uInt)in->len;
	do {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END) {
			inflateEnd(&z);
			return pw_err_set(e, EINVAL, "'%s': bad gzip data (%s)", path,
					  z.msg ? z.msg : "truncated");
		}
		if (pw_buf_add(out, chunk, sizeof(chunk) - z.avail_out) < 0) {
			inflateEnd(&z);
			return pw_err_set(e, E2BIG, "'%s': more than %llu bytes once inflated",
					  path, (unsigned long long)out->max);
		}
	} while (zr != Z_STREAM_END);
	inflateEnd(&z);
	return 0;
}

static uint64_t tar_num(const unsigned char *p, size_t n)
{
	uint64_t v = 0;
	size_t i = 0;

	if (n && (p[0] & 0x80)) { /* base-256 */
		v = p[0] & 0x7f;
		for (i = 1; i < n; i++)
			v = v << 8 | p[i];
		return v;
	}
	while (i < n && (p[i] == ' ' || p[i] == 0))
		i++;
	for (; i < n && p[i] >= '0' && p[i] <= '7'; i++)
		v = v * 8 + (uint64_t)(p[i] - '0');
	return v;
}

static char *tar_str(const unsigned char *p, size_t n)
{
	size_t l = strnlen((const char *)p, n);
	char *s = pw_xmalloc(l + 1);

	memcpy(s, p, l);
	s[l] = 0;
	return s;
}

/* Apply the pax records in @p (n bytes) we use: path, linkpath, size, mtime. */
static int pax_parse(const unsigned char *p, size_t n, char **path, char **link, uint64_t *size,
		     int64_t *mtime)
{
	size_t off = 0;

	while (off < n) {
		const char *rec = (const char *)p + off, *sp, *eq;
		uint64_t len = 0;
		size_t i;

		for (i = 0; off + i < n && rec[i] >= '0' && rec[i] <= '9' && i < 20; i++)
			len = len * 10 + (uint64_t)(rec[i] - '0');
		if (!len || len > n - off || off + i >= n || rec[i] != ' ' || rec[len - 1] != '\n')
			return -EINVAL;
		sp = rec + i + 1;
		eq = memchr(sp, '=', (size_t)(rec + len - sp));
		if (!eq)
			return -EINVAL;
		{
			size_t kl = (size_t)(eq - sp), vl = (size_t)(rec + len - 1 - (eq + 1));
			char *v = pw_xmalloc(vl + 1);

			memcpy(v, eq + 1, vl);
			v[vl] = 0;
			if (kl == 4 && !memcmp(sp, "path", 4)) {
				free(*path);
				*path = v;
			} else if (kl == 8 && !memcmp(sp, "linkpath", 8)) {
				free(*link);
				*link = v;
			} else {
				if (kl == 4 && !memcmp(sp, "size", 4))
					*size = strtoull(v, NULL, 10);
				else if (kl == 5 && !memcmp(sp, "mtime", 5))
					*mtime = strtoll(v, NULL, 10);
				free(v);
			}
		}
		off += len;
	}
	return 0;
}

static int read_targz(const char *path, const struct pw_buf *gz, struct pw_archive *a,
		      struct pw_err *e)
{
	struct pw_buf t = PW_BUF_INIT(PW_VERIFY_MAX_ARCHIVE);
	char *xpath = NULL, *xlink = NULL;
	uint64_t xsize = UINT64_MAX;
	int64_t xmtime = -1;
	size_t off = 0, cap = 0;
	int r;

	r = gunzip(path, gz, &t, e);
	if (r < 0)
		goto out;
	while (off + 512 <= t.len) {
		const unsigned char *h = (const unsigned char *)t.buf + off;
		uint64_t size = tar_num(h + 124, 12), sum = 0, want = tar_num(h + 148, 8);
		char type = (char)h[156];
		size_t i;

		for (i = 0; i < 512; i++)
			sum += (i >= 148 && i < 156) ? ' ' : h[i];
		if (h[0] == 0 && sum == 8 * ' ')
			break; /* end of archive */
		if (sum != want) {
			r = pw_err_set(e, EINVAL, "'%s': bad tar header checksum at offset %zu",
				       path, off);
			goto out;
		}
		if (xsize != UINT64_MAX)
			size = xsize;
		off += 512;
		if (size > t.len - off) {
			r = pw_err_set(e, EINVAL, "'%s': tar member at offset %zu is truncated",
				       path, off - 512);
			goto out;
		}
		if (type == 'x' || type == 'L' || type == 'K') {
			if (type == 'x') {
				if (pax_parse(h + 512, (size_t)size, &xpath, &xlink, &xsize,
					      &xmtime) < 0) {
					r = pw_err_set(e, EINVAL,
						       "'%s': bad pax header at offset %zu", path,
						       off - 512);
					goto out;
				}
			} else {
				char **dst = type == 'L' ? &xpath : &xlink;

				free(*dst);
				*dst = tar_str(h + 512, (size_t)size);
			}
		} else if (type != 'g') {
			struct pw_archive_member *m;

			if (a->n >= PW_VERIFY_MAX_MEMBERS) {
				r = pw_err_set(e, E2BIG, "'%s': more than %d members", path,
					       PW_VERIFY_MAX_MEMBERS);
				goto out;
			}
			m = add_member(a, &cap);
			if (xpath) {
				m->name = xpath;
				xpath = NULL;
			} else {
				char *n = tar_str(h, 100);

				if (!memcmp(h + 257, "ustar", 5) && h[345]) {
					char *pre = tar_str(h + 345, 155);

					m->name = pw_xasprintf("%s/%s", pre, n);
					free(pre);
					free(n);
				} else {
					m->name = n;
				}
			}
			m->mode = (uint32_t)tar_num(h + 100, 8) & 07777;
			m->mode |= type == '5'			  ? S_IFDIR
				   : (type == '2' || type == '1') ? S_IFLNK
								  : S_IFREG;
			m->mtime = xmtime >= 0 ? xmtime : (int64_t)tar_num(h + 136, 12);
			{
				char *un = tar_str(h + 265, 32), *gn = tar_str(h + 297, 32);

				m->meta = pw_xasprintf(
				    "type=%c uid=%llu gid=%llu uname=%s gname=%s",
				    type ? type : '0', (unsigned long long)tar_num(h + 108, 8),
				    (unsigned long long)tar_num(h + 116, 8), un, gn);
				free(un);
				free(gn);
			}
			if (type == '2' || type == '1') {
				m->data = xlink ? xlink : tar_str(h + 157, 100);
				xlink = NULL;
				m->len = strlen(m->data);
			} else if (type != '5') {
				m->data = pw_xmalloc((size_t)size + 1);
				memcpy(m->data, h + 512, (size_t)size);
				m->data[size] = 0;
				m->len = (size_t)size;
			}
			free(xlink);
			xlink = NULL;
			xsize = UINT64_MAX;
			xmtime = -1;
		}
		off += ((size_t)size + 511) / 512 * 512;
	}
	r = 0;
out:
	free(xpath);
	free(xlink);
	pw_buf_release(&t);
	return r;
}

int pw_archive_read(const char *path, struct pw_archive *a, struct pw_err *e)
{
	struct pw_buf in = PW_BUF_INIT(SDIST_MAX_COMPRESSED);
	unsigned char magic[2];
	int fd, r;

	memset(a, 0, sizeof(*a));
	a->path = pw_xstrdup(path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = pw_err_sys(e, errno, "could not open '%s'", path);
		goto out;
	}
	if (pread(fd, magic, 2, 0) != 2) {
		close(fd);
		r = pw_err_set(e, EINVAL, "'%s': not a zip or gzip file (too short)", path);
		goto out;
	}
	if (magic[0] == 'P' && magic[1] == 'K') {
		close(fd);
		a->is_zip = true;
		r = read_zip(path, a, e);
		goto out;
	}
	if (magic[0] != 0x1f || magic[1] != 0x8b) {
		close(fd);
		r = pw_err_set(e, EINVAL, "'%s': expected a zip or a gzip'd tar", path);
		goto out;
	}
	r = pw_read_fd(fd, &in);
	close(fd);
	if (r < 0) {
		r = pw_err_sys(e, -r, "could not read '%s'", path);
		goto out;
	}
	r = read_targz(path, &in, a, e);
out:
	pw_buf_release(&in);
	if (r < 0)
		pw_archive_release(a);
	return r;
}

/* ---- text ---- */

bool pw_is_text(const char *data, size_t n)
{
	const unsigned char *p = (const unsigned char *)data;
	size_t i = 0;

	while (i < n) {
		unsigned c = p[i], k;

		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		k = (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 0;
		if (!k || c == 0xc0 || c == 0xc1 || i + k >= n)
			return false;
		for (unsigned j = 1; j <= k; j++)
			if ((p[i + j] & 0xc0) != 0x80)
				return false;
		i += k + 1;
	}
	return true;
}

struct line {
	const char *p;
	size_t n;
};

static struct line *split_lines(const char *s, size_t n, size_t *count)
{
	size_t cap = 16, k = 0, start = 0;
	struct line *v = pw_xmalloc(cap * sizeof(*v));

	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '\n')
			continue;
		if (i == n && start == n)
			break; /* no empty line after a final newline */
		if (k == cap) {
			cap *= 2;
			v = pw_xrealloc(v, cap * sizeof(*v));
		}
		v[k].p = s + start;
		v[k].n = i - start;
		k++;
		start = i + 1;
	}
	*count = k;
	return v;
}

static bool line_eq(const struct line *x, const struct line *y)
{
	return x->n == y->n && !memcmp(x->p, y->p, x->n);
}

/* The edit script: '=' (both), '-' (a only), '+' (b only). */
static char *edit_script(const struct line *a, size_t na, const struct line *b, size_t nb,
			 size_t *len)
{
	size_t pre = 0, suf = 0, ma, mb, k = 0, i, j;
	char *ops = pw_xmalloc(na + nb + 1);

	while (pre < na && pre < nb && line_eq(&a[pre], &b[pre]))
		pre++;
	while (suf < na - pre && suf < nb - pre && line_eq(&a[na - 1 - suf], &b[nb - 1 - suf]))
		suf++;
	ma = na - pre - suf;
	mb = nb - pre - suf;
	for (i = 0; i < pre; i++)
		ops[k++] = '=';
	if ((uint64_t)(ma + 1) * (mb + 1) <= LCS_MAX_CELLS) {
		/* L[i][j]: LCS length of a[pre+i..] and b[pre+j..]. */
		uint32_t *L = pw_xcalloc((ma + 1) * (mb + 1), sizeof(uint32_t));
#define AT(x, y) L[(x) * (mb + 1) + (y)]
		for (i = ma; i-- > 0;)
			for (j = mb; j-- > 0;)
				AT(i, j) = line_eq(&a[pre + i], &b[pre + j])
					       ? AT(i + 1, j + 1) + 1
					       : (AT(i + 1, j) >= AT(i, j + 1) ? AT(i + 1, j)
									       : AT(i, j + 1));
		i = j = 0;
		while (i < ma || j < mb) {
			if (i < ma && j < mb && line_eq(&a[pre + i], &b[pre + j])) {
				ops[k++] = '=';
				i++;
				j++;
			} else if (i < ma && (j == mb || AT(i + 1, j) >= AT(i, j + 1))) {
				ops[k++] = '-';
				i++;
			} else {
				ops[k++] = '+';
				j++;
			}
		}
#undef AT
		free(L);
	} else {
		for (i = 0; i < ma; i++)
			ops[k++] = '-';
		for (j = 0; j < mb; j++)
			ops[k++] = '+';
	}
	for (i = 0; i < suf; i++)
		ops[k++] = '=';
	*len = k;
	return ops;
}

int pw_unified_diff(const char *a, size_t na, const char *b, size_t nb, const char *name,
		    size_t max_lines, struct pw_buf *out)
{
	size_t la, lb, nops, s = 0, shown = 0, more = 0;
	struct line *A = split_lines(a, na, &la), *B = split_lines(b, nb, &lb);
	char *ops = edit_script(A, la, B, lb, &nops);
	int r = 0;

	if (memchr(ops, '-', nops) || memchr(ops, '+', nops))
		r = pw_buf_addf(out, "--- a/%s\n+++ b/%s\n", name, name);
	while (r == 0 && s < nops) {
		size_t first, end, last, ia = 0, ib = 0, ca = 0, cb = 0, x;

		while (s < nops && ops[s] == '=')
			s++;
		if (s == nops)
			break;
		/* The hunk: from CONTEXT lines before the first change to CONTEXT
		 * after the last change that is followed by <= 2*CONTEXT equals. */
		first = s > CONTEXT ? s - CONTEXT : 0;
		last = s;
		for (x = s; x < nops; x++) {
			if (ops[x] != '=')
				last = x;
			else if (x - last > 2 * CONTEXT)
				break;
		}
		end = last + 1 + CONTEXT < nops ? last + 1 + CONTEXT : nops;
		for (x = 0; x < first; x++) {
			ia += ops[x] != '+';
			ib += ops[x] != '-';
		}
		for (x = first; x < end; x++) {
			ca += ops[x] != '+';
			cb += ops[x] != '-';
		}
		if (shown < max_lines)
			r = pw_buf_addf(out, "@@ -%zu,%zu +%zu,%zu @@\n", ca ? ia + 1 : ia, ca,
					cb ? ib + 1 : ib, cb);
		shown++;
		for (x = first; r == 0 && x < end; x++) {
			const struct line *l = ops[x] == '+' ? &B[ib] : &A[ia];

			if (shown < max_lines) {
				r = pw_buf_addf(out, "%c%.*s\n", ops[x] == '=' ? ' ' : ops[x],
						(int)(l->n > 4096 ? 4096 : l->n), l->p);
				shown++;
			} else {
				more++;
			}
			ia += ops[x] != '+';
			ib += ops[x] != '-';
		}
		s = end;
	}
	if (r == 0 && more)
		r = pw_buf_addf(out, "... (%zu more lines)\n", more);
	free(ops);
	free(A);
	free(B);
	return r;
}

/* ---- ELF ---- */

struct sec {
	char *name;
	uint64_t off, size;
	bool nobits;
};

static struct sec *elf_sections(const char *img, size_t n, size_t *count, uint64_t *ehsize,
				uint64_t *phoff, uint64_t *phsize)
{
	Elf *elf = elf_memory((char *)img, n);
	struct sec *v = NULL;
	size_t shstrndx, k = 0, cap = 0;
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;

	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh) ||
	    elf_getshdrstrndx(elf, &shstrndx) != 0) {
		if (elf)
			elf_end(elf);
		errno = EINVAL;
		return NULL;
	}
	*ehsize = eh.e_ehsize;
	*phoff = eh.e_phoff;
	*phsize = (uint64_t)eh.e_phnum * eh.e_phentsize;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *nm;

		if (!gelf_getshdr(scn, &sh))
			continue;
		nm = elf_strptr(elf, shstrndx, sh.sh_name);
		if (k == cap) {
			cap = cap ? cap * 2 : 32;
			v = pw_xrealloc(v, cap * sizeof(*v));
		}
		v[k].name = pw_xstrdup(nm ? nm : "?");
		v[k].off = sh.sh_offset;
		v[k].size = sh.sh_size;
		v[k].nobits = sh.sh_type == SHT_NOBITS;
		k++;
	}
	elf_end(elf);
	*count = k;
	if (!v)
		v = pw_xcalloc(1, sizeof(*v));
	return v;
}

/* First differing offset of two byte ranges (clamped to the image), or -1
 * when equal. */
static int64_t first_diff(const char *a, size_t na, uint64_t oa, uint64_t sa, const char *b,
			  size_t nb, uint64_t ob, uint64_t sb)
{
	uint64_t ea = oa < na ? (sa < na - oa ? sa : na - oa) : 0;
	uint64_t eb = ob < nb ? (sb < nb - ob ? sb : nb - ob) : 0;
	uint64_t m = ea < eb ? ea : eb, i;

	for (i = 0; i < m; i++)
		if (a[oa + i] != b[ob + i])
			return (int64_t)i;
	return ea == eb && sa == sb ? -1 : (int64_t)m;
}

static void free_secs(struct sec *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

json_t *pw_elf_diff(const char *a, size_t na, const char *b, size_t nb)
{
	size_t ka = 0, kb = 0, i, j;
	uint64_t eha, pha, psa, ehb, phb, psb;
	struct sec *A, *B;
	bool *used;
	json_t *out;
	int64_t d;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		errno = EINVAL;
		return NULL;
	}
	A = elf_sections(a, na, &ka, &eha, &pha, &psa);
	if (!A)
		return NULL;
	B = elf_sections(b, nb, &kb, &ehb, &phb, &psb);
	if (!B) {
		free_secs(A, ka);
		return NULL;
	}
	out = json_array();
	d = first_diff(a, na, 0, eha, b, nb, 0, ehb);
	if (d >= 0)
		json_array_append_new(out, json_pack("{s:s,s:I,s:I,s:I}", "name", "(elf header)",
						     "size_a", (json_int_t)eha, "size_b",
						     (json_int_t)ehb, "offset", (json_int_t)d));
	d = first_diff(a, na, pha, psa, b, nb, phb, psb);
	if (d >= 0)
		json_array_append_new(out,
				      json_pack("{s:s,s:I,s:I,s:I}", "name", "(program headers)",
						"size_a", (json_int_t)psa, "size_b",
						(json_int_t)psb, "offset", (json_int_t)d));
	used = pw_xcalloc(kb + 1, sizeof(bool));
	for (i = 0; i < ka; i++) {
		for (j = 0; j < kb; j++)
			if (!used[j] && !strcmp(A[i].name, B[j].name))
				break;
		if (j == kb) {
			json_array_append_new(out,
					      json_pack("{s:s,s:I,s:I,s:I}", "name", A[i].name,
							"size_a", (json_int_t)A[i].size, "size_b",
							(json_int_t)-1, "offset", (json_int_t)-1));
			continue;
		}
		used[j] = true;
		if (A[i].nobits || B[j].nobits)
			d = A[i].size == B[j].size && A[i].nobits == B[j].nobits ? -1 : 0;
		else
			d = first_diff(a, na, A[i].off, A[i].size, b, nb, B[j].off, B[j].size);
		if (d >= 0)
			json_array_append_new(out, json_pack("{s:s,s:I,s:I,s:I}", "name", A[i].name,
							     "size_a", (json_int_t)A[i].size,
							     "size_b", (json_int_t)B[j].size,
							     "offset", (json_int_t)d));
	}
	for (j = 0; j < kb; j++)
		if (!used[j])
			json_array_append_new(out, json_pack("{s:s,s:I,s:I,s:I}", "name", B[j].name,
							     "size_a", (json_int_t)-1, "size_b",
							     (json_int_t)B[j].size, "offset",
							     (json_int_t)-1));
	free(used);
	free_secs(A, ka);
	free_secs(B, kb);
	return out;
}

/* ---- archives ---- */

static const struct pw_archive *sort_ctx;

static int cmp_idx(const void *x, const void *y)
{
	return strcmp(sort_ctx->m[*(const size_t *)x].name, sort_ctx->m[*(const size_t *)y].name);
}

static size_t *sorted_index(const struct pw_archive *a)
{
	size_t *idx = pw_xmalloc((a->n + 1) * sizeof(size_t));

	for (size_t i = 0; i < a->n; i++)
		idx[i] = i;
	sort_ctx = a;
	qsort(idx, a->n, sizeof(size_t), cmp_idx);
	sort_ctx = NULL;
	return idx;
}

static ssize_t find_member(const struct pw_archive *a, const size_t *idx, const char *name)
{
	size_t lo = 0, hi = a->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(a->m[idx[mid]].name, name);

		if (!c)
			return (ssize_t)idx[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static bool is_elf(const struct pw_archive_member *m)
{
	return m->len >= 4 && !memcmp(m->data, "\177ELF", 4);
}

static json_t *diff_entry(const char *member, const char *kind, const char *fmt, ...)
    PW_PRINTF(3, 4);
static json_t *diff_entry(const char *member, const char *kind, const char *fmt, ...)
{
	struct pw_buf d = PW_BUF_INIT(4096);
	va_list ap;
	json_t *j;

	va_start(ap, fmt);
	pw_buf_vaddf(&d, fmt, ap);
	va_end(ap);
	j = json_pack("{s:s?,s:s,s:s}", "member", member, "kind", kind, "detail", d.buf);
	pw_buf_release(&d);
	return j;
}

static void content_diff(const struct pw_archive_member *x, const struct pw_archive_member *y,
			 json_t *out)
{
	json_t *j =
	    diff_entry(x->name, "changed", "content differs (%zu vs %zu bytes)", x->len, y->len);

	if (is_elf(x) && is_elf(y)) {
		json_t *s = pw_elf_diff(x->data, x->len, y->data, y->len);

		if (s)
			json_object_set_new(j, "sections", s);
	} else if (pw_is_text(x->data, x->len) && pw_is_text(y->data, y->len)) {
		struct pw_buf d = PW_BUF_INIT(1 << 20);

		pw_unified_diff(x->data, x->len, y->data, y->len, x->name, PW_VERIFY_DIFF_LINES,
				&d);
		if (!d.len)
			pw_buf_adds(&d, "(the texts differ only in their final newline)\n");
		json_object_set_new(j, "diff", json_string(d.buf));
		pw_buf_release(&d);
	}
	json_array_append_new(out, j);
}

json_t *pw_archive_diff(const struct pw_archive *a, const struct pw_archive *b)
{
	size_t *ia = sorted_index(a), *ib = sorted_index(b), i, pa = 0, pb = 0;
	json_t *out = json_array();
	bool order_told = false;

	for (i = 0; i < a->n; i++)
		if (find_member(b, ib, a->m[i].name) < 0)
			json_array_append_new(
			    out, diff_entry(a->m[i].name, "removed", "only in build A"));
	for (i = 0; i < b->n; i++)
		if (find_member(a, ia, b->m[i].name) < 0)
			json_array_append_new(out,
					      diff_entry(b->m[i].name, "added", "only in build B"));
	/* Order: walk the members both have, in each archive's order. */
	while (!order_told && pa < a->n && pb < b->n) {
		if (find_member(b, ib, a->m[pa].name) < 0) {
			pa++;
			continue;
		}
		if (find_member(a, ia, b->m[pb].name) < 0) {
			pb++;
			continue;
		}
		if (strcmp(a->m[pa].name, b->m[pb].name) != 0) {
			json_array_append_new(out, diff_entry(NULL, "order",
							      "members are in another order: '%s' "
							      "in A where B has '%s'",
							      a->m[pa].name, b->m[pb].name));
			order_told = true;
		}
		pa++;
		pb++;
	}
	for (i = 0; i < a->n; i++) {
		const struct pw_archive_member *x = &a->m[i], *y;
		ssize_t k = find_member(b, ib, x->name);

		if (k < 0)
			continue;
		y = &b->m[k];
		if (x->len != y->len || (x->len && memcmp(x->data, y->data, x->len)))
			content_diff(x, y, out);
		if (x->mode != y->mode)
			json_array_append_new(out, diff_entry(x->name, "metadata",
							      "mode 0%o vs 0%o", x->mode, y->mode));
		if (x->mtime != y->mtime)
			json_array_append_new(out,
					      diff_entry(x->name, "metadata", "%s %lld vs %lld",
							 a->is_zip ? "DOS date/time" : "mtime",
							 (long long)x->mtime, (long long)y->mtime));
		if (strcmp(x->meta ? x->meta : "", y->meta ? y->meta : ""))
			json_array_append_new(out, diff_entry(x->name, "metadata", "%s vs %s",
							      x->meta ? x->meta : "",
							      y->meta ? y->meta : ""));
	}
	free(ia);
	free(ib);
	return out;
}

/* ---- leaks ---- */

static bool continues(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-';
}

void pw_leak_scan(const char *member, const char *data, size_t n,
		  const struct pw_leak_needle *needles, size_t nneedles, json_t *leaks)
{
	for (size_t k = 0; k < nneedles; k++) {
		const char *v = needles[k].value, *p = data, *hit;
		size_t vl = v ? strlen(v) : 0, count = 0, first = 0;

		if (!vl)
			continue;
		while (p && (size_t)(p - data) < n &&
		       (hit = memmem(p, n - (size_t)(p - data), v, vl))) {
			size_t at = (size_t)(hit - data);

			if (at + vl >= n || !continues((unsigned char)data[at + vl])) {
				if (!count)
					first = at;
				count++;
			}
			p = hit + 1;
		}
		if (count)
			json_array_append_new(
			    leaks, json_pack("{s:s,s:s,s:s,s:I,s:I}", "member", member, "what",
					     needles[k].what, "value", v, "offset",
					     (json_int_t)first, "count", (json_int_t)count));
	}
}

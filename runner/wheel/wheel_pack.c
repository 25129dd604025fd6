/* wheel_pack.c - the deterministic wheel writer (see wheel.h for the
 * rules) and the deflate id for manifests.
 *
 * Streaming and parallel: every member is cut into 1 MiB chunks of input.
 * The calling thread reads each chunk, hashes it (sha256 for RECORD,
 * CRC-32 for zip) and queues it; helper threads deflate chunks on their
 * own; the calling thread writes the results strictly in order.  At most a
 * small ring of chunks (2 per thread + 2) is in memory at any time, so a
 * wheel is never held whole.  Each chunk is deflated by a fresh zlib
 * stream primed with the previous 32 KiB of the same member as its
 * dictionary and ended with a sync flush (the last one with Z_FINISH), as
 * pigz does: the member's deflate data is one valid stream, and because the
 * chunk boundaries depend only on the input, the bytes are the same
 * whatever the number of threads.
 *
 * The local header is written when a member's first chunk is, with zero
 * CRC and sizes, and patched in place (pwrite) after its last chunk, so no
 * data descriptors are needed.  The output is a temp file beside
 * @out_path, fsync'ed and renamed over it; on error it is unlinked.
 *
 * zip64 records are written only where a value does not fit (see
 * central()), so ordinary wheels are plain zip.  Limits: no member of
 * 4 GiB - 1 or more (the reader's cap is 4 GiB anyway), at most
 * PW_WHEEL_MAX_MEMBERS members: -EFBIG / -E2BIG naming the member.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <zlib.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/hash.h"
#include "pinwheel/untrusted.h"
#include "pinwheel/wheel.h"
#include "wheel_int.h"

#define CHUNK (1u << 20)
#define DICT (32u << 10)
#define OBUF (256u << 10)
#define ZIP32_MAX 0xffffffffu
#define RECORD_BUF_MAX (256u << 20)
#define MAX_THREADS 8

struct pent {
	char *path;
	bool exec;
	bool meta; /* inside a top-level *.dist-info directory */
	uint32_t crc, size;
	uint64_t offset;
	uint64_t csize;
	uint16_t flags;
};

/* One chunk of one member on its way through the ring. */
struct task {
	unsigned char *in; /* DICT + CHUNK bytes: dictionary, then data */
	size_t dictlen, len;
	unsigned char *out;
	size_t outlen, outcap;
	size_t member; /* index in packer.v */
	bool first, last;
	bool done;     /* deflated (under the pool lock) */
	int err;       /* -errno from deflate */
};

struct packer {
	const char *out_path;
	int out;	     /* the temp file */
	uint64_t pos;	     /* bytes written to it */
	unsigned char *obuf; /* pending output */
	size_t olen;
	uint16_t dos_time, dos_date;
	struct pent *v;
	size_t n, cap;
	struct pw_buf record;
	/* the ring: tasks [head, tail) are in flight, [head, next_job) taken
	 * or done by a helper; indexes grow forever, slot = index % nring */
	struct task *ring;
	size_t nring, head, tail, next_job;
	pthread_mutex_t mu;
	pthread_cond_t cv_work, cv_done;
	pthread_t th[MAX_THREADS];
	size_t nth;
	bool stop;
	z_stream z; /* for the calling thread when there are no helpers */
	bool zinit;
};

const char *pw_wheel_deflate_id(void)
{
	static char id[96];

	if (!id[0])
		snprintf(id, sizeof(id), "zlib %s, deflate level %d, 1 MiB sync-flushed chunks",
			 zlibVersion(), PW_WHEEL_DEFLATE_LEVEL);
	return id;
}

/* DOS date and time (UTC) of @sde, clamped to 1980-01-01 .. 2107-12-31. */
static void dos_time(int64_t sde, uint16_t *t, uint16_t *d)
{
	const int64_t lo = 315532800, hi = 4354819199; /* 1980-01-01, 2107-12-31 23:59:59 */
	time_t tt;
	struct tm tm;

	if (sde < lo)
		sde = lo;
	if (sde > hi)
		sde = hi;
	tt = (time_t)sde;
	gmtime_r(&tt, &tm);
	*t = (uint16_t)(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
	*d = (uint16_t)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 | tm.tm_mday);
}

static int flush_out(struct packer *p)
{
	int r;

	if (!p->olen)
		return 0;
	r = pw_write_all(p->out, p->obuf, p->olen);
	if (r < 0)
		return r;
	p->pos += p->olen;
	p->olen = 0;
	return 0;
}

static int emit(struct packer *p, const void *data, size_t n)
{
	const unsigned char *s = data;

	if (n >= OBUF) { /* large blocks go straight out */
		int r = flush_out(p);
		if (r == 0)
			r = pw_write_all(p->out, s, n);
		if (r == 0)
			p->pos += n;
		return r;
	}
	while (n) {
		size_t k = OBUF - p->olen < n ? OBUF - p->olen : n;
		memcpy(p->obuf + p->olen, s, k);
		p->olen += k;
		s += k;
		n -= k;
		if (p->olen == OBUF) {
			int r = flush_out(p);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static uint64_t out_pos(const struct packer *p) { return p->pos + p->olen; }

static void le16(unsigned char *b, unsigned v)
{
	b[0] = (unsigned char)v;
	b[1] = (unsigned char)(v >> 8);
}
static void le32(unsigned char *b, uint32_t v)
{
	le16(b, v & 0xffff);
	le16(b + 2, v >> 16);
}

static void add_entry(struct packer *p, char *path, bool exec, bool meta)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 256;
		p->v = pw_xrealloc(p->v, p->cap * sizeof(*p->v));
	}
	memset(&p->v[p->n], 0, sizeof(p->v[p->n]));
	p->v[p->n].path = path;
	p->v[p->n].exec = exec;
	p->v[p->n].meta = meta;
	p->n++;
}

/* Collect the regular files under @fd (relative prefix @rel) into p->v.
 * Symlinks and special files are refused. */
static int walk(struct packer *p, int fd, const char *rel, const char *distinfo, int depth,
		struct pw_err *e)
{
	char **names;
	size_t n, i;
	int r;

	if (depth > 64)
		return pw_err_set(e, ELOOP, "'%s': directories nested too deep", rel);
	r = pw_list_dir_sorted(fd, &names, &n);
	if (r < 0)
		return pw_err_sys(e, -r, "could not list '%s'", rel[0] ? rel : ".");
	for (i = 0; i < n && r == 0; i++) {
		char *path = rel[0] ? pw_xasprintf("%s/%s", rel, names[i]) : pw_xstrdup(names[i]);
		const char *why;
		struct stat st;

		if (fstatat(fd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0) {
			r = pw_err_sys(e, errno, "could not stat '%s'", path);
		} else if (!pw_wheel_name_safe(path, strlen(path), &why) || strchr(path, '\n') ||
			   strchr(path, '\r')) {
			r = pw_err_set(e, EINVAL, "'%s': not allowed in a wheel", path);
		} else if (S_ISDIR(st.st_mode)) {
			int sub = openat(fd, names[i],
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				r = pw_err_sys(e, errno, "could not open '%s'", path);
			} else {
				r = walk(p, sub, path, distinfo, depth + 1, e);
				close(sub);
			}
		} else if (S_ISREG(st.st_mode)) {
			size_t dl = strlen(distinfo);
			const char *slash = strchr(path, '/');
			bool meta = slash && (size_t)(slash - path) > 10 &&
				    strncmp(slash - 10, ".dist-info", 10) == 0;
			bool skip = strncmp(path, distinfo, dl) == 0 && path[dl] == '/' &&
				    (!strcmp(path + dl + 1, "RECORD") ||
				     !strcmp(path + dl + 1, "RECORD.jws") ||
				     !strcmp(path + dl + 1, "RECORD.p7s"));
			if ((uint64_t)st.st_size >= ZIP32_MAX) {
				r = pw_err_set(e, EFBIG, "'%s': 4 GiB or more, over the member size limit",
					       path);
			} else if (!skip) {
				add_entry(p, path, (st.st_mode & 0111) != 0, meta);
				path = NULL;
			}
		} else {
			r = pw_err_set(e, EPERM, "'%s': not a regular file or directory%s", path,
				       S_ISLNK(st.st_mode) ? " (symlinks are not packed)" : "");
		}
		free(path);
	}
	pw_free_names(names, n);
	return r;
}

static int cmp_pent(const void *a, const void *b)
{
	const struct pent *x = a, *y = b;

	if (x->meta != y->meta)
		return x->meta ? 1 : -1;
	return strcmp(x->path, y->path);
}

static bool needs_utf8(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return true;
	return false;
}

static int local_header(struct packer *p, struct pent *en, struct pw_err *e)
{
	unsigned char h[30];
	size_t nl = strlen(en->path);

	(void)e;
	en->offset = out_pos(p);
	en->flags = needs_utf8(en->path) ? 0x800 : 0;
	le32(h, 0x04034b50);
	le16(h + 4, 20);
	le16(h + 6, en->flags);
	le16(h + 8, 8);
	le16(h + 10, p->dos_time);
	le16(h + 12, p->dos_date);
	memset(h + 14, 0, 12); /* crc, csize, size: patched after the data */
	le16(h + 26, (unsigned)nl);
	le16(h + 28, 0);
	if (emit(p, h, sizeof(h)) < 0 || emit(p, en->path, nl) < 0)
		return pw_err_sys(e, errno ? errno : EIO, "could not write '%s'", p->out_path);
	return 0;
}

/* Deflate @n bytes (final when @finish) into the output. */
static int patch_header(struct packer *p, struct pent *en)
{
	unsigned char h[12];

	le32(h, en->crc);
	le32(h + 4, (uint32_t)en->csize);
	le32(h + 8, en->size);
	if (en->offset + 14 >= p->pos) { /* still in the output buffer */
		memcpy(p->obuf + (en->offset + 14 - p->pos), h, sizeof(h));
		return 0;
	}
	if (en->offset + 14 + sizeof(h) > p->pos) { /* straddles: flush first */
		int r = flush_out(p);
		if (r < 0)
			return r;
	}
	if (PW_TEMP_FAILURE_RETRY(pwrite(p->out, h, sizeof(h), (off_t)en->offset + 14)) !=
	    (ssize_t)sizeof(h))
		return errno ? -errno : -EIO;
	return 0;
}

/* Add the record line of @en with its digest. */
static int record_line(struct packer *p, const char *path, const char *b64, uint64_t size)
{
	int r = 0;

	if (strpbrk(path, ",\"")) {
		const char *s;
		r = pw_buf_adds(&p->record, "\"");
		for (s = path; *s && r == 0; s++)
			r = *s == '"' ? pw_buf_adds(&p->record, "\"\"") : pw_buf_add(&p->record, s, 1);
		r = r ? r : pw_buf_adds(&p->record, "\"");
	} else {
		r = pw_buf_adds(&p->record, path);
	}
	if (b64)
		r = r ? r : pw_buf_addf(&p->record, ",sha256=%s,%llu\n", b64, (unsigned long long)size);
	else
		r = r ? r : pw_buf_adds(&p->record, ",,\n");
	return r;
}

/* Deflate one chunk (see the top of the file). */
static int deflate_task(z_stream *z, struct task *t)
{
	int flush = t->last ? Z_FINISH : Z_SYNC_FLUSH, zr;
	size_t need;

	if (deflateReset(z) != Z_OK)
		return -EIO;
	if (t->dictlen && deflateSetDictionary(z, t->in, (uInt)t->dictlen) != Z_OK)
		return -EIO;
	need = deflateBound(z, t->len) + 64;
	if (t->outcap < need) {
		free(t->out);
		t->out = pw_xmalloc(need);
		t->outcap = need;
	}
	z->next_in = t->in + t->dictlen;
	z->avail_in = (uInt)t->len;
	z->next_out = t->out;
	z->avail_out = (uInt)t->outcap;
	for (;;) {
		zr = deflate(z, flush);
		if (zr == Z_STREAM_ERROR)
			return -EIO;
		if (z->avail_out != 0 && z->avail_in == 0 && (!t->last || zr == Z_STREAM_END))
			break;
		/* out of room (deflateBound plus the flush marker should
		 * always do): grow and go on */
		t->outlen = t->outcap - z->avail_out;
		t->outcap *= 2;
		t->out = pw_xrealloc(t->out, t->outcap);
		z->next_out = t->out + t->outlen;
		z->avail_out = (uInt)(t->outcap - t->outlen);
	}
	t->outlen = t->outcap - z->avail_out;
	return 0;
}

static int zinit(z_stream *z)
{
	memset(z, 0, sizeof(*z));
	return deflateInit2(z, PW_WHEEL_DEFLATE_LEVEL, Z_DEFLATED, -MAX_WBITS, 8,
			    Z_DEFAULT_STRATEGY) == Z_OK
		       ? 0
		       : -ENOMEM;
}

static void *helper(void *arg)
{
	struct packer *p = arg;
	z_stream z;
	bool ok = zinit(&z) == 0;

	pthread_mutex_lock(&p->mu);
	for (;;) {
		struct task *t;
		while (!p->stop && p->next_job == p->tail)
			pthread_cond_wait(&p->cv_work, &p->mu);
		if (p->stop)
			break;
		t = &p->ring[p->next_job % p->nring];
		p->next_job++;
		pthread_mutex_unlock(&p->mu);
		t->err = ok ? deflate_task(&z, t) : -ENOMEM;
		pthread_mutex_lock(&p->mu);
		t->done = true;
		pthread_cond_broadcast(&p->cv_done);
	}
	pthread_mutex_unlock(&p->mu);
	if (ok)
		deflateEnd(&z);
	return NULL;
}

static size_t cpu_count(void)
{
	cpu_set_t set;
	int n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	else
		n = (int)sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : (size_t)n;
}

/* Start the helpers (none when @threads is 1 or one CPU is available). */
static int pool_start(struct packer *p, unsigned threads, struct pw_err *e)
{
	size_t n = threads ? threads : cpu_count(), i;

	if (n > MAX_THREADS)
		n = MAX_THREADS;
	if (n == 1)
		n = 0; /* the calling thread deflates */
	p->nring = 2 * n + 2;
	p->ring = pw_xcalloc(p->nring, sizeof(*p->ring));
	for (i = 0; i < p->nring; i++)
		p->ring[i].in = pw_xmalloc(DICT + CHUNK);
	if (zinit(&p->z) < 0)
		return pw_err_set(e, ENOMEM, "deflateInit failed");
	p->zinit = true;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv_work, NULL);
	pthread_cond_init(&p->cv_done, NULL);
	for (i = 0; i < n; i++) {
		int r = pthread_create(&p->th[i], NULL, helper, p);
		if (r != 0)
			break; /* fewer helpers (or none) still work */
		p->nth++;
	}
	return 0;
}

static void pool_stop(struct packer *p)
{
	size_t i;

	if (!p->ring)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->cv_work);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nth; i++)
		pthread_join(p->th[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv_work);
	pthread_cond_destroy(&p->cv_done);
	for (i = 0; i < p->nring; i++) {
		free(p->ring[i].in);
		free(p->ring[i].out);
	}
	free(p->ring);
	p->ring = NULL;
	if (p->zinit)
		deflateEnd(&p->z);
}

/* Write the oldest task in flight (waiting for it). */
static int drain_one(struct packer *p, struct pw_err *e)
{
	struct task *t = &p->ring[p->head % p->nring];
	struct pent *en = &p->v[t->member];
	int r;

	pthread_mutex_lock(&p->mu);
	while (!t->done)
		pthread_cond_wait(&p->cv_done, &p->mu);
	pthread_mutex_unlock(&p->mu);
	p->head++;
	if (t->err < 0)
		return pw_err_set(e, -t->err, "'%s': deflate failed", en->path);
	if (t->first) {
		r = local_header(p, en, e);
		if (r < 0)
			return r;
		en->csize = 0;
	}
	en->csize += t->outlen;
	if (emit(p, t->out, t->outlen) < 0)
		return pw_err_sys(e, errno ? errno : EIO, "could not write '%s'", p->out_path);
	if (t->last) {
		if (en->csize >= ZIP32_MAX)
			return pw_err_set(e, EFBIG, "'%s': 4 GiB or more, over the member size limit",
					  en->path);
		r = patch_header(p, en);
		if (r < 0)
			return pw_err_sys(e, -r, "could not write '%s'", p->out_path);
	}
	return 0;
}

/* The next free task, draining the oldest when the ring is full.  Its
 * dictionary is the last 32 KiB of the previous chunk when @first is false
 * (that task's input is still intact: slots are only reused after a full
 * turn of the ring). */
static struct task *task_get(struct packer *p, size_t member, bool first, struct pw_err *e)
{
	struct task *t, *prev;

	if (p->tail - p->head == p->nring && drain_one(p, e) < 0)
		return NULL;
	t = &p->ring[p->tail % p->nring];
	t->member = member;
	t->first = first;
	t->last = false;
	t->done = false;
	t->err = 0;
	t->dictlen = 0;
	t->len = 0;
	if (!first) {
		/* every chunk but a member's last is CHUNK >= DICT bytes */
		prev = &p->ring[(p->tail + p->nring - 1) % p->nring];
		t->dictlen = DICT;
		memcpy(t->in, prev->in + prev->dictlen + prev->len - DICT, DICT);
	}
	return t;
}

/* Hand the filled task on: to the helpers, or deflate it here. */
static void task_put(struct packer *p, struct task *t)
{
	if (p->nth == 0) {
		t->err = deflate_task(&p->z, t);
		t->done = true;
		p->tail++;
		p->next_job = p->tail;
		return;
	}
	pthread_mutex_lock(&p->mu);
	p->tail++;
	pthread_cond_signal(&p->cv_work);
	pthread_mutex_unlock(&p->mu);
}

static int drain_all(struct packer *p, struct pw_err *e)
{
	while (p->head != p->tail) {
		int r = drain_one(p, e);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Read, hash and queue member @idx from @fd (or from @mem when fd < 0),
 * @size bytes.  Its RECORD line is added when @record. */
static int pack_source(struct packer *p, size_t idx, int fd, const char *mem, uint64_t size,
		       bool record, struct pw_err *e)
{
	struct pent *en = &p->v[idx];
	struct pw_sha256 h = { 0 };
	unsigned char raw[PW_SHA256_LEN];
	char b64[48];
	uLong crc = crc32(0, Z_NULL, 0);
	uint64_t done = 0;
	bool first = true;
	int r = 0;

	if (size >= ZIP32_MAX)
		return pw_err_set(e, EFBIG, "'%s': 4 GiB or more, over the member size limit", en->path);
	if (pw_sha256_init(&h) < 0)
		return pw_err_set(e, EIO, "sha256 unavailable");
	do {
		size_t want = size - done < CHUNK ? (size_t)(size - done) : CHUNK, got = 0;
		struct task *t = task_get(p, idx, first, e);
		unsigned char *dst;

		if (!t) {
			r = -e->code;
			goto out;
		}
		dst = t->in + t->dictlen;
		if (fd < 0) {
			memcpy(dst, mem + done, want);
			got = want;
		}
		while (got < want) {
			ssize_t k = PW_TEMP_FAILURE_RETRY(read(fd, dst + got, want - got));
			if (k < 0) {
				r = pw_err_sys(e, errno, "could not read '%s'", en->path);
				goto out;
			}
			if (k == 0) {
				r = pw_err_set(e, EAGAIN, "'%s': changed while being packed",
					       en->path);
				goto out;
			}
			got += (size_t)k;
		}
		t->len = want;
		done += want;
		crc = crc32(crc, dst, (uInt)want);
		if (pw_sha256_update(&h, dst, want) < 0) {
			r = pw_err_set(e, EIO, "sha256 failed");
			goto out;
		}
		t->last = done == size;
		if (t->last) {
			en->crc = (uint32_t)crc;
			en->size = (uint32_t)size;
		}
		task_put(p, t);
		first = false;
	} while (done < size);
	if (fd >= 0) {
		char c;
		ssize_t k = PW_TEMP_FAILURE_RETRY(read(fd, &c, 1));
		if (k != 0) {
			r = k < 0 ? pw_err_sys(e, errno, "could not read '%s'", en->path)
				  : pw_err_set(e, EAGAIN, "'%s': changed while being packed",
					       en->path);
			goto out;
		}
	}
	if (pw_sha256_final(&h, raw, NULL) < 0) {
		r = pw_err_set(e, EIO, "sha256 failed");
		goto out;
	}
	pw_b64url_nopad(raw, sizeof(raw), b64);
	if (record && record_line(p, en->path, b64, size) < 0)
		r = pw_err_set(e, E2BIG, "RECORD larger than %u bytes", RECORD_BUF_MAX);
out:
	pw_sha256_release(&h);
	return r;
}

/* One member, queued: the directory may be one a sandbox wrote (repair's
 * patchelf), so the member is opened as untrusted.h says (no symlink on
 * the way or at the end, a regular file of ours, nothing that blocks). */
static int pack_file(struct packer *p, int dirfd, size_t idx, struct pw_err *e)
{
	const struct pent *en = &p->v[idx];
	struct stat st;
	int fd, r;

	fd = pw_untrusted_open(dirfd, en->path, en->path, ZIP32_MAX - 1, &st, e);
	if (fd < 0)
		return fd;
	r = pack_source(p, idx, fd, NULL, (uint64_t)st.st_size, true, e);
	close(fd);
	return r;
}

static void le64(unsigned char *b, uint64_t v)
{
	le32(b, (uint32_t)v);
	le32(b + 4, (uint32_t)(v >> 32));
}

/* The central directory and end records.  zip64 only where a value does
 * not fit: a member whose local header starts at 4 GiB - 1 or later gets a
 * zip64 extra field with its offset (version needed 4.5), and the zip64
 * end record and locator are written when there are 65535 members or more
 * or the central directory starts or spans past 4 GiB - 1. */
static int central(struct packer *p, struct pw_err *e)
{
	uint64_t cd_off = out_pos(p), cd_size;
	unsigned char h[46], x[12], eocd[22], rec[56 + 20];
	bool z64;
	size_t i;

	for (i = 0; i < p->n; i++) {
		const struct pent *en = &p->v[i];
		size_t nl = strlen(en->path);
		bool big = en->offset >= ZIP32_MAX;
		le32(h, 0x02014b50);
		le16(h + 4, 3 << 8 | (big ? 45 : 20));
		le16(h + 6, big ? 45 : 20);
		le16(h + 8, en->flags);
		le16(h + 10, 8);
		le16(h + 12, p->dos_time);
		le16(h + 14, p->dos_date);
		le32(h + 16, en->crc);
		le32(h + 20, (uint32_t)en->csize);
		le32(h + 24, en->size);
		le16(h + 28, (unsigned)nl);
		le16(h + 30, big ? sizeof(x) : 0);
		le16(h + 32, 0);
		le16(h + 34, 0);
		le16(h + 36, 0);
		le32(h + 38, (uint32_t)(en->exec ? 0100755 : 0100644) << 16);
		le32(h + 42, big ? ZIP32_MAX : (uint32_t)en->offset);
		le16(x, 1);
		le16(x + 2, 8);
		le64(x + 4, en->offset);
		if (emit(p, h, sizeof(h)) < 0 || emit(p, en->path, nl) < 0 ||
		    (big && emit(p, x, sizeof(x)) < 0))
			return pw_err_sys(e, errno ? errno : EIO, "could not write '%s'",
					  p->out_path);
	}
	cd_size = out_pos(p) - cd_off;
	z64 = p->n >= 0xffff || cd_off >= ZIP32_MAX || cd_size >= ZIP32_MAX;
	if (z64) {
		uint64_t at = out_pos(p);
		le32(rec, 0x06064b50);
		le64(rec + 4, 44);
		le16(rec + 12, 3 << 8 | 45);
		le16(rec + 14, 45);
		le32(rec + 16, 0);
		le32(rec + 20, 0);
		le64(rec + 24, p->n);
		le64(rec + 32, p->n);
		le64(rec + 40, cd_size);
		le64(rec + 48, cd_off);
		le32(rec + 56, 0x07064b50);
		le32(rec + 60, 0);
		le64(rec + 64, at);
		le32(rec + 72, 1);
		if (emit(p, rec, sizeof(rec)) < 0)
			return pw_err_sys(e, errno ? errno : EIO, "could not write '%s'",
					  p->out_path);
	}
	le32(eocd, 0x06054b50);
	le16(eocd + 4, 0);
	le16(eocd + 6, 0);
	le16(eocd + 8, p->n >= 0xffff ? 0xffff : (unsigned)p->n);
	le16(eocd + 10, p->n >= 0xffff ? 0xffff : (unsigned)p->n);
	le32(eocd + 12, cd_size >= ZIP32_MAX ? ZIP32_MAX : (uint32_t)cd_size);
	le32(eocd + 16, cd_off >= ZIP32_MAX ? ZIP32_MAX : (uint32_t)cd_off);
	le16(eocd + 20, 0);
	if (emit(p, eocd, sizeof(eocd)) < 0 || flush_out(p) < 0)
		return pw_err_sys(e, errno ? errno : EIO, "could not write '%s'", p->out_path);
	return 0;
}

int pw_wheel_pack(int dirfd, const char *distinfo, const char *out_path,
		  const struct pw_wheel_pack_opts *o, struct pw_err *e)
{
	struct packer p;
	const char *slash;
	char *tmp = NULL;
	size_t i;
	int r;

	memset(&p, 0, sizeof(p));
	p.out = -1;
	p.out_path = out_path;
	pw_buf_init(&p.record, RECORD_BUF_MAX);
	dos_time(o ? o->source_date_epoch : -1, &p.dos_time, &p.dos_date);
	if (strchr(distinfo, '/') || strlen(distinfo) <= 10 ||
	    strcmp(distinfo + strlen(distinfo) - 10, ".dist-info") != 0)
		return pw_err_set(e, EINVAL, "'%s': expected a '*.dist-info' directory name",
				  distinfo);
	{
		struct stat st;
		if (fstatat(dirfd, distinfo, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
			return pw_err_set(e, ENOENT, "'%s': no such directory in the unpacked wheel",
					  distinfo);
	}
	r = walk(&p, dirfd, "", distinfo, 0, e);
	if (r < 0)
		goto out;
	if (p.n + 1 > PW_WHEEL_MAX_MEMBERS) {
		r = pw_err_set(e, E2BIG, "%zu members: more than %d", p.n + 1, PW_WHEEL_MAX_MEMBERS);
		goto out;
	}
	qsort(p.v, p.n, sizeof(*p.v), cmp_pent);
	add_entry(&p, pw_xasprintf("%s/RECORD", distinfo), false, true);

	slash = strrchr(out_path, '/');
	tmp = slash ? pw_xasprintf("%.*s/.%s.XXXXXX", (int)(slash - out_path), out_path, slash + 1)
		    : pw_xasprintf(".%s.XXXXXX", out_path);
	p.out = mkostemp(tmp, O_CLOEXEC);
	if (p.out < 0) {
		r = pw_err_sys(e, errno, "could not create a temp file beside '%s'", out_path);
		free(tmp);
		tmp = NULL;
		goto out;
	}
	p.obuf = pw_xmalloc(OBUF);
	r = pool_start(&p, o ? o->threads : 0, e);
	if (r < 0)
		goto out;
	for (i = 0; i + 1 < p.n; i++) {
		r = pack_file(&p, dirfd, i, e);
		if (r < 0)
			goto out;
	}
	if (record_line(&p, p.v[p.n - 1].path, NULL, 0) < 0) {
		r = pw_err_set(e, E2BIG, "RECORD larger than %u bytes", RECORD_BUF_MAX);
		goto out;
	}
	r = pack_source(&p, p.n - 1, -1, p.record.buf, p.record.len, false, e);
	if (r < 0)
		goto out;
	r = drain_all(&p, e);
	if (r < 0)
		goto out;
	r = central(&p, e);
	if (r < 0)
		goto out;
	if (fchmod(p.out, 0644) < 0 || fsync(p.out) < 0) {
		r = pw_err_sys(e, errno, "could not write '%s'", out_path);
		goto out;
	}
	if (close(p.out) < 0) {
		p.out = -1;
		r = pw_err_sys(e, errno, "could not write '%s'", out_path);
		goto out;
	}
	p.out = -1;
	if (rename(tmp, out_path) < 0) {
		r = pw_err_sys(e, errno, "could not rename to '%s'", out_path);
		goto out;
	}
	free(tmp);
	tmp = NULL;
	r = 0;
out:
	pool_stop(&p);
	if (p.out >= 0)
		close(p.out);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	for (i = 0; i < p.n; i++)
		free(p.v[i].path);
	free(p.v);
	free(p.obuf);
	pw_buf_release(&p.record);
	return r;
}

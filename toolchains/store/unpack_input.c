/* unpack_input.c - the unpacker's input side: the archive's bytes from an
 * fd (read-ahead for format sniffing, seeking for zip, spooling a zip from a
 * pipe), and the producer thread that decompresses a tar (libarchive "raw"
 * reader with in-process filters, the data.tar member of a .deb, or
 * liblzma's multi-threaded xz decoder) into a bounded queue read by the tar
 * reader in the calling thread.  Contract in unpack_input.h.
 */
#include <fcntl.h>
#include <lzma.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <archive_entry.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/sys.h"
#include "unpack_input.h"

/* ---------------------------------------------------------------- input */

int pw_unpack_src_init(struct pw_unpack_src *s, int fd, struct pw_err *e)
{
	struct stat st;
	ssize_t n;

	s->fd = fd;
	s->pos = 0;
	s->pre = 0;
	s->buf = pw_xmalloc(SRC_BUF_SIZE);
	if (fstat(fd, &st) < 0)
		return pw_err_sys(e, errno, "cannot stat the archive");
	s->base = S_ISREG(st.st_mode) ? lseek(fd, 0, SEEK_CUR) : -1;
	s->seekable = s->base >= 0;
	/* Read-ahead matters when the blob is not in the page cache; the
	 * advice is only a hint, so its failure is not an error. */
	if (s->seekable)
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	/* Read ahead until the magic numbers we look at (8 bytes) are in. */
	while (s->pre < 8) {
		n = PW_TEMP_FAILURE_RETRY(read(fd, s->buf + s->pre, SRC_BUF_SIZE - s->pre));
		if (n < 0)
			return pw_err_sys(e, errno, "cannot read the archive");
		if (n == 0)
			break;
		s->pre += (size_t)n;
	}
	return 0;
}

/* The next bytes of the archive: the read-ahead first, then read(2).
 * Returns the length (0 at the end) or -1 with errno. */
static ssize_t src_next(struct pw_unpack_src *s, const void **buf)
{
	ssize_t n;

	*buf = s->buf;
	if (s->pre) {
		n = (ssize_t)s->pre;
		s->pre = 0;
		s->pos += n;
		return n;
	}
	n = PW_TEMP_FAILURE_RETRY(read(s->fd, s->buf, SRC_BUF_SIZE));
	if (n > 0)
		s->pos += n;
	return n;
}

static la_ssize_t src_read(struct archive *a, void *p, const void **buf)
{
	ssize_t n = src_next(p, buf);

	if (n < 0)
		archive_set_error(a, errno, "cannot read the archive: %s", strerror(errno));
	return n;
}

static la_int64_t src_seek(struct archive *a, void *p, la_int64_t off, int whence)
{
	struct pw_unpack_src *s = p;
	struct stat st;
	int64_t to;

	switch (whence) {
	case SEEK_SET:
		to = off;
		break;
	case SEEK_CUR:
		to = s->pos + off;
		break;
	default:
		if (fstat(s->fd, &st) < 0) {
			archive_set_error(a, errno, "cannot stat the archive");
			return ARCHIVE_FATAL;
		}
		to = (int64_t)st.st_size - s->base + off;
		break;
	}
	if (to < 0 || lseek(s->fd, s->base + to, SEEK_SET) < 0) {
		archive_set_error(a, EINVAL, "bad seek in the archive");
		return ARCHIVE_FATAL;
	}
	s->pre = 0;
	s->pos = to;
	return to;
}

/* A zip read from a pipe: the streaming zip reader only sees the local
 * headers, which lack the Unix modes (symlinks would come out as files), so
 * copy it into an anonymous memory file (at most @max bytes) and read that
 * with the seekable reader.  *mfd receives the new fd (caller closes). */
int pw_unpack_src_spool(struct pw_unpack_src *s, uint64_t max, int *mfd, struct pw_err *e)
{
	uint64_t total = s->pre;
	ssize_t n = (ssize_t)s->pre;
	int fd, r = 0;

	fd = pw_sys_memfd_create("pinwheel-zip", MFD_CLOEXEC);
	if (fd < 0)
		return pw_err_sys(e, errno, "cannot create a memory file for the zip");
	/* s->buf holds n bytes (first the read-ahead), total so far */
	while (n > 0) {
		if (total > max) {
			r = pw_err_set(e, EFBIG, "zip archive on a pipe larger than %llu bytes",
				       (unsigned long long)max);
			break;
		}
		r = pw_write_all(fd, s->buf, (size_t)n);
		if (r < 0) {
			r = pw_err_sys(e, -r, "cannot write the memory file for the zip");
			break;
		}
		n = PW_TEMP_FAILURE_RETRY(read(s->fd, s->buf, SRC_BUF_SIZE));
		if (n < 0) {
			r = pw_err_sys(e, errno, "cannot read the archive");
			break;
		}
		total += (uint64_t)n;
	}
	if (r == 0 && lseek(fd, 0, SEEK_SET) < 0)
		r = pw_err_sys(e, errno, "cannot rewind the memory file");
	if (r < 0) {
		close(fd);
		return r;
	}
	s->fd = *mfd = fd;
	s->base = 0;
	s->pos = 0;
	s->pre = 0;
	s->seekable = true;
	return 0;
}

int pw_unpack_src_open(struct archive *a, struct pw_unpack_src *s, bool seek)
{
	archive_read_set_callback_data(a, s);
	archive_read_set_read_callback(a, src_read);
	if (seek && s->seekable)
		archive_read_set_seek_callback(a, src_seek);
	return archive_read_open1(a);
}

/* Only in-process decompressors; ARCHIVE_WARN means "will run a program". */
static bool add_filters(struct archive *a)
{
	return archive_read_support_filter_gzip(a) == ARCHIVE_OK &&
	       archive_read_support_filter_xz(a) == ARCHIVE_OK &&
	       archive_read_support_filter_zstd(a) == ARCHIVE_OK &&
	       archive_read_support_filter_bzip2(a) == ARCHIVE_OK;
}

const char *pw_unpack_la_msg(struct archive *a)
{
	const char *m = archive_error_string(a);

	return m ? m : "unknown libarchive error";
}

/* ------------------------------------------- producer thread and queue */

static la_ssize_t member_read(struct archive *a, void *p, const void **buf)
{
	struct archive *outer = p;
	size_t size;
	la_int64_t off;
	int r = archive_read_data_block(outer, buf, &size, &off);

	if (r == ARCHIVE_EOF)
		return 0;
	if (r != ARCHIVE_OK) {
		archive_set_error(a, EBADMSG, "%s", pw_unpack_la_msg(outer));
		return -1;
	}
	return (la_ssize_t)size;
}

/* For a .deb: position @outer on the data.tar.* member and open @inner on
 * its bytes. */
static int open_deb_member(struct pw_unpack_pipe *q, struct archive *outer, struct archive *inner)
{
	struct archive_entry *ent;
	const char *name;
	int r;

	if (archive_read_support_format_ar(outer) != ARCHIVE_OK ||
	    pw_unpack_src_open(outer, q->src, false) != ARCHIVE_OK)
		return pw_err_set(&q->perr, EBADMSG, "corrupt .deb: %s", pw_unpack_la_msg(outer));
	for (;;) {
		r = archive_read_next_header(outer, &ent);
		if (r == ARCHIVE_EOF)
			return pw_err_set(&q->perr, EBADMSG,
					  "ar archive without a 'data.tar' member (not a .deb)");
		if (r < ARCHIVE_WARN)
			return pw_err_set(&q->perr, EBADMSG, "corrupt .deb: %s",
					  pw_unpack_la_msg(outer));
		name = archive_entry_pathname(ent);
		if (name && (!strcmp(name, "data.tar") || !strncmp(name, "data.tar.", 9)))
			break;
	}
	archive_read_set_callback_data(inner, outer);
	archive_read_set_read_callback(inner, member_read);
	if (archive_read_open1(inner) != ARCHIVE_OK)
		return pw_err_set(&q->perr, EBADMSG, "corrupt .deb member '%s': %s", name,
				  pw_unpack_la_msg(inner));
	return 0;
}

/* Fill one slot with up to Q_SLOT_SIZE decompressed bytes; returns the
 * length, or -1 with the error in q->perr. */
static ssize_t fill_slot(struct pw_unpack_pipe *q, struct archive *raw, unsigned char *p)
{
	size_t got = 0;

	while (got < Q_SLOT_SIZE) {
		la_ssize_t n = archive_read_data(raw, p + got, Q_SLOT_SIZE - got);

		if (n < 0) {
			pw_err_set(&q->perr, EBADMSG, "corrupt archive: %s", pw_unpack_la_msg(raw));
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* xz without libarchive: liblzma's multi-threaded decoder decodes the
 * blocks of a multi-block file (what `xz -T` writes) on several cores,
 * which libarchive's single-threaded xz filter cannot; a single-block file
 * decodes as fast as before.  Concatenated streams are read like xz -d. */
struct xzdec {
	lzma_stream zs;
	lzma_action action;
	bool done;
};

static int xz_start(struct pw_unpack_pipe *q, struct xzdec *x)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	lzma_mt mt = {
	    .flags = LZMA_CONCATENATED,
	    .threads = (uint32_t)(ncpu < 1   ? 1
				  : ncpu > 8 ? 8
					     : ncpu),
	    .memlimit_threading = 256u << 20, /* past it: one thread */
	    .memlimit_stop = UINT64_MAX,
	};

	x->action = LZMA_RUN;
	x->done = false;
	if (lzma_stream_decoder_mt(&x->zs, &mt) != LZMA_OK)
		return pw_err_set(&q->perr, ENOMEM, "cannot start the xz decoder");
	return 0;
}

static const char *xz_msg(lzma_ret ret)
{
	switch (ret) {
	case LZMA_MEM_ERROR:
		return "out of memory";
	case LZMA_FORMAT_ERROR:
		return "not xz data";
	case LZMA_OPTIONS_ERROR:
		return "unsupported xz options";
	case LZMA_DATA_ERROR:
		return "xz data is corrupt";
	case LZMA_BUF_ERROR:
		return "xz data is truncated";
	default:
		return "xz decoder error";
	}
}

static ssize_t fill_slot_xz(struct pw_unpack_pipe *q, struct xzdec *x, unsigned char *p)
{
	x->zs.next_out = p;
	x->zs.avail_out = Q_SLOT_SIZE;
	while (x->zs.avail_out > 0 && !x->done) {
		lzma_ret ret;

		if (x->zs.avail_in == 0 && x->action == LZMA_RUN) {
			const void *buf;
			ssize_t n = src_next(q->src, &buf);

			if (n < 0) {
				pw_err_sys(&q->perr, errno, "cannot read the archive");
				return -1;
			}
			if (n == 0)
				x->action = LZMA_FINISH;
			x->zs.next_in = buf;
			x->zs.avail_in = (size_t)n;
		}
		ret = lzma_code(&x->zs, x->action);
		if (ret == LZMA_STREAM_END) {
			x->done = true;
		} else if (ret != LZMA_OK) {
			pw_err_set(&q->perr, EBADMSG, "corrupt archive: %s", xz_msg(ret));
			return -1;
		}
	}
	return (ssize_t)(Q_SLOT_SIZE - x->zs.avail_out);
}

void *pw_unpack_pipe_main(void *arg)
{
	struct pw_unpack_pipe *q = arg;
	struct archive *outer = NULL, *raw = NULL;
	struct archive_entry *ent;
	struct xzdec x = {.zs = LZMA_STREAM_INIT};
	int r = 0;

	if (q->xz) {
		r = xz_start(q, &x);
		if (r < 0)
			goto out;
		goto run;
	}
	raw = archive_read_new();
	if (!raw || !add_filters(raw) || archive_read_support_format_raw(raw) != ARCHIVE_OK) {
		r = pw_err_set(&q->perr, ENOTSUP,
			       "libarchive lacks built-in gzip, xz, zstd or bzip2 support");
		goto out;
	}
	if (q->deb) {
		outer = archive_read_new();
		if (!outer) {
			r = pw_err_set(&q->perr, ENOMEM, "out of memory");
			goto out;
		}
		r = open_deb_member(q, outer, raw);
		if (r < 0)
			goto out;
	} else if (pw_unpack_src_open(raw, q->src, false) != ARCHIVE_OK) {
		r = pw_err_set(&q->perr, EBADMSG, "corrupt archive: %s", pw_unpack_la_msg(raw));
		goto out;
	}
	if (archive_read_next_header(raw, &ent) < ARCHIVE_WARN) {
		r = pw_err_set(&q->perr, EBADMSG, "corrupt archive: %s", pw_unpack_la_msg(raw));
		goto out;
	}
run:
	for (;;) {
		unsigned tail;
		ssize_t n;

		pthread_mutex_lock(&q->mu);
		while (q->count == Q_SLOTS && !q->stop)
			pthread_cond_wait(&q->can_put, &q->mu);
		tail = (q->head + q->count) % Q_SLOTS;
		if (q->stop) {
			pthread_mutex_unlock(&q->mu);
			break;
		}
		pthread_mutex_unlock(&q->mu);
		/* slot[tail] is ours until count covers it */
		n = q->xz ? fill_slot_xz(q, &x, q->slot[tail]) : fill_slot(q, raw, q->slot[tail]);
		if (n < 0) {
			r = -q->perr.code;
			break;
		}
		pthread_mutex_lock(&q->mu);
		if (n > 0) {
			q->len[tail] = (size_t)n;
			q->count++;
		} else {
			q->eof = true;
		}
		pthread_cond_signal(&q->can_get);
		pthread_mutex_unlock(&q->mu);
		if (n == 0)
			break;
	}
out:
	pthread_mutex_lock(&q->mu);
	if (r < 0)
		q->err = r;
	q->eof = true;
	pthread_cond_signal(&q->can_get);
	pthread_mutex_unlock(&q->mu);
	lzma_end(&x.zs);
	if (raw)
		archive_read_free(raw);
	if (outer)
		archive_read_free(outer);
	return NULL;
}

/* The tar reader's read callback: return the slot it held, take the next. */
la_ssize_t pw_unpack_pipe_read(struct archive *a, void *p, const void **buf)
{
	struct pw_unpack_pipe *q = p;
	la_ssize_t n = 0;

	pthread_mutex_lock(&q->mu);
	if (q->held) {
		q->head = (q->head + 1) % Q_SLOTS;
		q->count--;
		q->held = false;
		pthread_cond_signal(&q->can_put);
	}
	while (q->count == 0 && !q->eof)
		pthread_cond_wait(&q->can_get, &q->mu);
	if (q->count > 0) {
		q->held = true;
		*buf = q->slot[q->head];
		n = (la_ssize_t)q->len[q->head];
	} else if (q->err) {
		archive_set_error(a, -q->err, "%s", q->perr.msg);
		n = -1;
	}
	pthread_mutex_unlock(&q->mu);
	return n;
}

void pw_unpack_pipe_init(struct pw_unpack_pipe *q, struct pw_unpack_src *s, bool deb, bool xz)
{
	memset(q, 0, sizeof(*q));
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->can_put, NULL);
	pthread_cond_init(&q->can_get, NULL);
	for (unsigned i = 0; i < Q_SLOTS; i++)
		q->slot[i] = pw_xmalloc(Q_SLOT_SIZE);
	q->src = s;
	q->deb = deb;
	q->xz = xz;
}

void pw_unpack_pipe_stop(struct pw_unpack_pipe *q)
{
	pthread_mutex_lock(&q->mu);
	q->stop = true;
	pthread_cond_broadcast(&q->can_put);
	pthread_mutex_unlock(&q->mu);
}

void pw_unpack_pipe_release(struct pw_unpack_pipe *q)
{
	for (unsigned i = 0; i < Q_SLOTS; i++)
		free(q->slot[i]);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->can_put);
	pthread_cond_destroy(&q->can_get);
}

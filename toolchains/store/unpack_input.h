/* unpack_input.h - private to the unpacker (toolchains/unpack*.c) and the
 * OCI layer applier (toolchains/oci_apply.c): the archive's bytes from an
 * fd, the decompression thread that feeds the tar reader through a bounded
 * queue, and the writing of an entry's data.  Not a module of its own, so
 * not in include/pinwheel/; the conventions are those of common.h.
 */
#ifndef PINWHEEL_UNPACK_INPUT_H
#define PINWHEEL_UNPACK_INPUT_H

#include <archive.h>
#include <pthread.h>
#include <sys/types.h>
#include <time.h>

#include "pinwheel/common.h"

#define SRC_BUF_SIZE (256u << 10) /* read(2) size on the archive fd */
#ifndef Q_SLOTS
#define Q_SLOTS 8 /* queue depth between the threads */
#endif
#ifndef Q_SLOT_SIZE
#define Q_SLOT_SIZE (512u << 10) /* bytes of decompressed tar per slot */
#endif

/* The archive bytes from an fd, with the first bytes read ahead so the
 * format can be chosen without seeking (the fd may be a pipe). */
struct pw_unpack_src {
	int fd;
	bool seekable; /* a regular file: offsets below are base-relative */
	off_t base;
	int64_t pos; /* logical offset of the next byte handed out */
	size_t pre;  /* read-ahead bytes at buf[0] not yet handed out */
	unsigned char *buf;
};

/* Set up @s on @fd (from its current offset) and read ahead at least 8
 * bytes (fewer only at the end of the input).  s->buf is allocated even
 * on failure: the caller frees it. */
int pw_unpack_src_init(struct pw_unpack_src *s, int fd, struct pw_err *e);
/* Copy the rest of a non-seekable input (at most @max bytes) into a memfd
 * and make @s read that instead; *mfd is the memfd, the caller closes it. */
int pw_unpack_src_spool(struct pw_unpack_src *s, uint64_t max, int *mfd, struct pw_err *e);
/* archive_read_open1() @a on @s, with a seek callback when @seek and @s is
 * seekable.  Returns libarchive's status. */
int pw_unpack_src_open(struct archive *a, struct pw_unpack_src *s, bool seek);
/* libarchive's error text for @a, never NULL. */
const char *pw_unpack_la_msg(struct archive *a);

/* The bounded queue between the producer thread (fills slots) and the tar
 * reader (lends one slot at a time to libarchive). */
struct pw_unpack_pipe {
	pthread_mutex_t mu;
	pthread_cond_t can_put, can_get;
	unsigned char *slot[Q_SLOTS];
	size_t len[Q_SLOTS];
	unsigned head, count; /* ring of filled slots */
	bool held;	      /* slot[head] is lent to the tar reader */
	bool eof, stop;
	int err; /* producer's -errno, detail in perr */
	struct pw_err perr;
	/* producer's input */
	struct pw_unpack_src *src;
	bool deb, xz;
};

/* Allocate the queue's slots; @deb: the input is an ar whose data.tar.*
 * member is the tar; @xz: the input is xz (decoded with liblzma). */
void pw_unpack_pipe_init(struct pw_unpack_pipe *q, struct pw_unpack_src *s, bool deb, bool xz);
/* The producer thread (pthread_create argument: the pipe). */
void *pw_unpack_pipe_main(void *arg);
/* libarchive read callback for the tar reader (callback data: the pipe). */
la_ssize_t pw_unpack_pipe_read(struct archive *a, void *p, const void **buf);
/* Ask the producer to stop; join it afterwards. */
void pw_unpack_pipe_stop(struct pw_unpack_pipe *q);
/* Free the slots (after the producer is joined). */
void pw_unpack_pipe_release(struct pw_unpack_pipe *q);

/* ---- entry messages and directory fix-ups (toolchains/store/unpack.c), shared
 * by the archive writer and the OCI layer applier ---- */

#define PW_UNPACK_QNAME 200 /* bytes of an entry name in a message */

/* "entry 'QNAME': <fmt>" into @e; returns -code. */
int pw_unpack_ent_err(struct pw_err *e, const char *qname, int code, const char *fmt, ...)
    PW_PRINTF(4, 5);
/* "entry 'QNAME': cannot WHAT 'PATH': strerror(code)"; returns -code. */
int pw_unpack_ent_sys(struct pw_err *e, const char *qname, int code, const char *what,
		      const char *path);
/* Why component path[0..len) (@name in directory @pfd) could not be
 * entered after openat failed with @err: a symlink or non-directory parent
 * (EPERM), a missing one (ENOENT), else @err. */
int pw_unpack_walk_fail(struct pw_err *e, const char *qname, int pfd, const char *name,
			const char *path, size_t len, int err);

/* Directory modes and mtimes, recorded while a tree is written and applied
 * last, deepest first, so that filling a directory neither needs its final
 * mode nor changes its final mtime. */
struct pw_unpack_dirfix {
	char *path;
	mode_t mode;
	struct timespec mtime;
	size_t seq; /* order of recording */
};
struct pw_unpack_dirfixes {
	struct pw_unpack_dirfix *v;
	size_t n, alloc;
};
void pw_unpack_dirfix_add(struct pw_unpack_dirfixes *l, const char *path, size_t len, mode_t mode,
			  struct timespec mtime);
/* Descending by path (children before their parents); one path's records
 * in the order recorded, or with @last_first the latest first. */
void pw_unpack_dirfix_sort(struct pw_unpack_dirfixes *l, bool last_first);
void pw_unpack_dirfix_release(struct pw_unpack_dirfixes *l);

/* ---- entry data (toolchains/store/unpack.c) ---- */

struct archive_entry;

/* The mtime of @ent ({0, 0} when it has none; bad nanoseconds dropped). */
struct timespec pw_unpack_entry_mtime(struct archive_entry *ent);
/* Write the data of @ent, the entry @a is at, into @fd: blocks at their
 * offsets (holes stay holes), a trailing hole by ftruncate.  The logical
 * size is charged to *@nbytes, at most @max_bytes (-EFBIG, *nbytes set to
 * @max_bytes), and added to *@written.  Errors in @e read "entry 'QNAME':
 * ...", naming @path for a failed write or truncate; -EBADMSG for corrupt
 * data or a bad block offset. */
int pw_unpack_write_data(struct archive *a, struct archive_entry *ent, int fd, const char *qname,
			 const char *path, uint64_t *nbytes, uint64_t max_bytes, uint64_t *written,
			 struct pw_err *e);

#endif

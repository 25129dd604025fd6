/* wheel.h - wheel files: read, unpack, name, retag and repack
 * deterministically (runner/wheel/wheel_zip.c, wheel_pack.c,
 * wheel_meta.c).  docs/wheels.md is the reference for users.
 *
 * A wheel is handled in two shapes:
 *   - struct pw_wheel: an opened .whl, its central directory read and
 *     checked (names relative, no "..", no duplicates, sizes capped);
 *     members are inflated on demand with zlib.
 *   - an unpacked directory (pw_wheel_unpack()): what audit, repair and
 *     retagging edit in place, and what pw_wheel_pack() turns back into a
 *     .whl with a regenerated RECORD.
 *
 * Deterministic packing (pw_wheel_pack()): regular files and symlinks-free
 * trees only; members sorted bytewise by path with the top-level
 * "*.dist-info/" files after everything else and RECORD last; no directory
 * entries; every entry's DOS time from SOURCE_DATE_EPOCH (clamped to
 * 1980-01-01 .. 2107); "version made by" Unix, external attributes
 * 0100644 or 0100755 (executable when any x bit is set); no extra fields,
 * no comments, no data descriptors; deflate at PW_WHEEL_DEFLATE_LEVEL
 * with zlib's default window and memory level, each member in 1 MiB
 * chunks primed with the previous 32 KiB and sync-flushed (so chunks
 * deflate in parallel and the bytes do not depend on the thread count);
 * RECORD rewritten as
 * "path,sha256=<urlsafe b64 without padding>,size\n" in member order and
 * "<distinfo>/RECORD,,\n" last.  Same directory content and options =>
 * same bytes.  pw_wheel_deflate_id() names the zlib used, for manifests.
 *
 * Ownership: structs are filled by the callee and released with their
 * _release()/_close(); strings returned as char * are the caller's.
 * Errors: 0 or -errno with one line in struct pw_err naming the wheel (and
 * the member) and what was expected: "x.whl: member 'a/../b': path leaves
 * the wheel".  Output files are written to a temp file in the destination
 * directory and renamed; nothing half-written is left on error.  Nothing
 * here prints.
 */
#ifndef PINWHEEL_WHEEL_H
#define PINWHEEL_WHEEL_H

#include "pinwheel/buf.h"
#include "pinwheel/common.h"

#define PW_WHEEL_DEFLATE_LEVEL 6
#define PW_WHEEL_MAX_MEMBERS 200000
#define PW_WHEEL_MAX_MEMBER_SIZE (4ULL << 30)
/* The largest wheel and sdist files taken from a build step. */
#define PW_WHEEL_MAX_FILE (32ULL << 30)
#define PW_SDIST_MAX_SIZE (1ULL << 30)

/* The parts of a wheel file name (PEP 427):
 * {dist}-{version}(-{build})?-{python}-{abi}-{platform}.whl.  Each tag
 * part may be a compressed set joined with '.'. */
struct pw_wheel_name {
	char *dist;     /* normalised: runs of [-_.] -> '_' (as in the file name) */
	char *version;
	char *build;    /* NULL when absent */
	char *python;   /* "cp313" or "py3.py2" */
	char *abi;      /* "cp313", "abi3", "none" */
	char *platform; /* "linux_x86_64", "manylinux_2_17_x86_64.manylinux2014_x86_64" */
};
/* Parse the base name of @path.  -EINVAL with e->msg naming the file. */
int pw_wheel_name_parse(const char *path, struct pw_wheel_name *n, struct pw_err *e);
void pw_wheel_name_release(struct pw_wheel_name *n);
/* Compose "dist-version[-build]-py-abi-plat.whl".  Caller frees. */
char *pw_wheel_name_format(const struct pw_wheel_name *n);
/* "<dist>-<version>.dist-info" of @n.  Caller frees. */
char *pw_wheel_distinfo(const struct pw_wheel_name *n);

struct pw_wheel_member {
	char *name;	     /* path inside the wheel */
	uint32_t mode;	     /* st_mode from the external attributes (0 when not Unix) */
	uint64_t size;	     /* uncompressed */
	uint64_t csize;	     /* compressed */
	uint32_t crc32;
	uint16_t method;     /* 0 stored, 8 deflate */
	uint64_t offset;     /* local header offset */
	bool is_dir;
};

struct pw_wheel {
	char *path;
	int fd;
	uint64_t file_size;
	struct pw_wheel_member *m; /* central directory order */
	size_t n;
};

/* Open @path and read its central directory (zip64 understood).  Checks
 * every name (no absolute path, no "..", no NUL or backslash, no
 * duplicates) and the counts/size caps above. */
int pw_wheel_open(const char *path, struct pw_wheel *w, struct pw_err *e);
/* The same for the wheel open for reading at @fd (e.g. from
 * pw_untrusted_open()), named @name in messages and w->path.  @fd stays
 * the caller's: @w reads through a duplicate of it. */
int pw_wheel_open_fd(int fd, const char *name, struct pw_wheel *w, struct pw_err *e);
void pw_wheel_close(struct pw_wheel *w);
/* Index of member @name, or -1. */
ssize_t pw_wheel_find(const struct pw_wheel *w, const char *name);
/* Inflate member @i into @out (appended; capped by out->max), checking
 * its CRC-32 and size. */
int pw_wheel_read(const struct pw_wheel *w, size_t i, struct pw_buf *out, struct pw_err *e);
/* Extract every member under @dirfd (which should be empty) with *at()
 * calls and O_NOFOLLOW; modes 0644/0755 from the x bits. */
int pw_wheel_unpack(const struct pw_wheel *w, int dirfd, struct pw_err *e);

/* RECORD check of an opened wheel: every member listed with the right
 * sha256 and size, every listed file present.  Problems are appended to
 * @problems as lines "member: what" (caller-owned pw_buf).  Returns the
 * number of problems (>= 0) or -errno when RECORD is missing/unreadable. */
int pw_wheel_record_check(const struct pw_wheel *w, struct pw_buf *problems, struct pw_err *e);

/* The .dist-info directory name of an unpacked wheel at @dirfd (exactly
 * one must exist).  Caller frees. */
char *pw_wheel_dir_distinfo(int dirfd, struct pw_err *e);
/* Read "Tag:" lines and Root-Is-Purelib from DISTINFO/WHEEL under @dirfd.
 * @tags gets a NULL-ended array (caller frees with pw_free_names()). */
int pw_wheel_dir_tags(int dirfd, const char *distinfo, char ***tags, bool *purelib,
		      struct pw_err *e);
/* Rewrite DISTINFO/WHEEL under @dirfd so its Tag lines are every
 * python-abi combination of the existing tags with each platform of
 * @plats (e.g. {"manylinux_2_17_x86_64", "manylinux2014_x86_64"}), sorted;
 * other lines kept in order.  Atomic (temp + rename). */
int pw_wheel_dir_retag(int dirfd, const char *distinfo, const char *const *plats, size_t nplats,
		       struct pw_err *e);

struct pw_wheel_pack_opts {
	int64_t source_date_epoch; /* -1: 1980-01-01 */
	unsigned threads;          /* deflate threads; 0: one per CPU (at most 8).
				    * The bytes do not depend on it. */
};
/* Pack the unpacked wheel at @dirfd into @out_path (RECORD regenerated as
 * described at the top).  @distinfo names the .dist-info directory. */
int pw_wheel_pack(int dirfd, const char *distinfo, const char *out_path,
		  const struct pw_wheel_pack_opts *o, struct pw_err *e);
/* "zlib 1.2.13, deflate level 6, 1 MiB sync-flushed chunks" (static
 * storage). */
const char *pw_wheel_deflate_id(void);

/* sdists (runner/wheel/sdist.c): rewrite the .tar.gz at @in as @out: members
 * sorted by path, directories kept, mtimes = @sde (clamped at >= 0), uid
 * and gid 0 with empty user and group names, modes 0644/0755 (dirs 0755),
 * pax or ustar as the names require, no pax time records, gzip with zlib
 * at level 9, no file name, mtime 0 and OS 3 in the gzip header.  Same
 * input members => same bytes.  A path that appears twice keeps its
 * later entry (what extracting the archive gives: backends add their own
 * PKG-INFO after the project's); a directory and a non-directory under
 * one name are refused.  Hostile archives (absolute names, "..", links
 * out of the tree) are refused as by the unpacker. */
int pw_sdist_normalize(const char *in, const char *out, int64_t sde, struct pw_err *e);
/* The same for the sdist open for reading at @fd (read from its start; it
 * stays the caller's), named @in in messages. */
int pw_sdist_normalize_fd(int fd, const char *in, const char *out, int64_t sde,
			  struct pw_err *e);
/* The same, leaving out the members TOP/REL (and what is below them) for
 * each REL of @drop (NULL-ended; NULL: none): pinwheel's own files that a
 * backend archiving the repository's commit (meson-python's `git
 * archive`) would otherwise carry into the sdist. */
int pw_sdist_normalize_drop(int fd, const char *in, const char *out, int64_t sde,
			    const char *const *drop, struct pw_err *e);
/* The sdist of the directory @dir (an unpacked sdist): its files,
 * directories and symlinks that stay inside it under the top directory
 * @prefix ("NAME-VERSION"), written as pw_sdist_normalize() writes; a
 * symlink leaving the tree or another file type is refused naming it. */
int pw_sdist_from_dir(const char *dir, const char *prefix, const char *out, int64_t sde,
		      struct pw_err *e);

#endif

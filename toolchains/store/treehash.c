/* treehash.c - canonical content hash of a tree (see treehash.h). */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/treehash.h"

struct walk {
	struct pw_err *e;
	uint64_t files;
	char path[PATH_MAX]; /* relative path of the directory being walked */
};


static int hash_dir(struct walk *w, int dfd, int depth, unsigned char out[PW_SHA256_LEN]);

/* node() of the entry @name in @dfd into @tag and @raw. */
static int hash_entry(struct walk *w, int dfd, const char *name, int depth, char *tag,
		      unsigned char raw[PW_SHA256_LEN])
{
	struct pw_sha256 h;
	struct stat st;
	int r;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return pw_err_sys(w->e, errno, "'%s%s': stat", w->path, name);
	if (S_ISREG(st.st_mode)) {
		char hex[PW_SHA256_HEX];
		_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return pw_err_sys(w->e, errno, "'%s%s': open", w->path, name);
		r = pw_sha256_fd(fd, hex, NULL);
		if (r < 0)
			return pw_err_sys(w->e, -r, "'%s%s': read", w->path, name);
		for (int i = 0; i < PW_SHA256_LEN; i++) {
			unsigned v;
			sscanf(hex + 2 * i, "%2x", &v);
			raw[i] = (unsigned char)v;
		}
		*tag = (st.st_mode & 0111) ? 'x' : 'f';
		w->files++;
		return 0;
	}
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(dfd, name, target, sizeof(target));
		if (n < 0)
			return pw_err_sys(w->e, errno, "'%s%s': readlink", w->path, name);
		if ((size_t)n >= sizeof(target))
			return pw_err_set(w->e, ENAMETOOLONG, "'%s%s': symlink target too long",
					  w->path, name);
		r = pw_sha256_init(&h);
		if (r == 0)
			r = pw_sha256_update(&h, target, (size_t)n);
		if (r == 0)
			r = pw_sha256_final(&h, raw, NULL);
		pw_sha256_release(&h);
		if (r < 0)
			return pw_err_sys(w->e, -r, "sha256");
		*tag = 'l';
		return 0;
	}
	if (S_ISDIR(st.st_mode)) {
		size_t plen = strlen(w->path), nlen = strlen(name);
		_cleanup_close_ int cfd = -1;

		if (plen + nlen + 2 > sizeof(w->path))
			return pw_err_set(w->e, ENAMETOOLONG, "'%s%s': path too long", w->path,
					  name);
		cfd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0)
			return pw_err_sys(w->e, errno, "'%s%s': open", w->path, name);
		memcpy(w->path + plen, name, nlen);
		w->path[plen + nlen] = '/';
		w->path[plen + nlen + 1] = '\0';
		r = hash_dir(w, cfd, depth + 1, raw);
		if (r == 0)
			w->path[plen] = '\0';
		*tag = 'd';
		return r;
	}
	return pw_err_set(w->e, EINVAL, "'%s%s': unsupported file type (mode %o)", w->path, name,
			  (unsigned)st.st_mode);
}

static int hash_dir(struct walk *w, int dfd, int depth, unsigned char out[PW_SHA256_LEN])
{
	static const char magic[] = "pinwheel-tree-v1\n";
	struct pw_sha256 h;
	char **names = NULL;
	size_t n = 0, i;
	int r;

	if (depth > PW_TREEHASH_MAX_DEPTH)
		return pw_err_set(w->e, ELOOP, "'%s': tree deeper than %d levels", w->path,
				  PW_TREEHASH_MAX_DEPTH);
	r = pw_list_dir_sorted(dfd, &names, &n);
	if (r < 0)
		return pw_err_sys(w->e, -r, "'%s': list", w->path[0] ? w->path : ".");
	r = pw_sha256_init(&h);
	if (r < 0) {
		pw_err_sys(w->e, -r, "sha256");
		goto out;
	}
	pw_sha256_update(&h, magic, sizeof(magic) - 1);
	for (i = 0; i < n; i++) {
		size_t len = strlen(names[i]);
		unsigned char hdr[4] = {(unsigned char)(len >> 24), (unsigned char)(len >> 16),
					(unsigned char)(len >> 8), (unsigned char)len};
		unsigned char raw[PW_SHA256_LEN];
		char tag;

		r = hash_entry(w, dfd, names[i], depth, &tag, raw);
		if (r < 0)
			goto out;
		pw_sha256_update(&h, hdr, sizeof(hdr));
		pw_sha256_update(&h, names[i], len);
		pw_sha256_update(&h, &tag, 1);
		pw_sha256_update(&h, raw, sizeof(raw));
	}
	r = pw_sha256_final(&h, out, NULL);
	if (r < 0)
		pw_err_sys(w->e, -r, "sha256");
out:
	pw_sha256_release(&h);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

int pw_tree_hash_at(int dirfd, const char *name, char hex[PW_SHA256_HEX], uint64_t *files,
		    struct pw_err *e)
{
	_cleanup_close_ int fd =
	    openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct walk w = {.e = e, .files = 0, .path = ""};
	unsigned char raw[PW_SHA256_LEN];
	int r;

	if (fd < 0)
		return pw_err_sys(e, errno, "could not open tree '%s'", name);
	r = hash_dir(&w, fd, 0, raw);
	if (r < 0)
		return r;
	pw_hex_encode(raw, sizeof(raw), hex);
	if (files)
		*files = w.files;
	return 0;
}

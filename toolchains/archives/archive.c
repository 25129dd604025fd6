/* archive.c - the lock of the `archive` provider: generic url + sha256
 * archives (standalone Python builds, Rust dist tarballs, extra trees).
 * See include/pinwheel/archive.h; the provider is provider_archive.c.
 *
 * A spec pinned in the config (sha256 and size) needs nothing.  Otherwise
 * the pin comes from, in order: an artifact already resolved in this run,
 * the previous lock (same name and url), the store (sha256 given, blob
 * present: its size), or one download through the store: the body streams
 * into an anonymous temp file while it is hashed, then enters the store
 * under its digest like any fetched blob. */
#include <curl/curl.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "pinwheel/archive.h"
#include "pinwheel/artifact.h"
#include "pinwheel/fetch.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/layout.h"
#include "pinwheel/provider.h"
#include "pinwheel/store.h"

#define ARCHIVE_MAX (8ull << 30) /* cap for a download of unknown size */

struct dl {
	int fd;
	struct pw_sha256 h;
	uint64_t got, cap;
	int werr;
};

static size_t on_write(char *p, size_t sz, size_t nm, void *ud)
{
	struct dl *d = ud;
	size_t n = sz * nm;
	int r;

	if (d->got + n > d->cap) {
		d->werr = EFBIG;
		return 0;
	}
	r = pw_write_all(d->fd, p, n);
	if (r < 0) {
		d->werr = -r;
		return 0;
	}
	pw_sha256_update(&d->h, p, n);
	d->got += n;
	return n;
}

static int open_tmp(struct pw_store *s)
{
	_cleanup_free_ char *dir = pw_path_join(pw_store_dir(s), "tmp");
	_cleanup_free_ char *tmpl = NULL;
	int fd;

	pw_mkdir_p(dir, 0755);
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR))
		return fd >= 0 ? fd : -errno;
	tmpl = pw_path_join(dir, "lock-XXXXXX");
	fd = mkostemp(tmpl, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	unlink(tmpl);
	return fd;
}

/* Download one url into @fd (truncated first).  0 or -errno with e->msg. */
static int download(const char *field, const char *url, int fd, uint64_t cap,
		    char hex[PW_SHA256_HEX], uint64_t *size, struct pw_err *e)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct pw_fetch_opts fo;
	struct dl d = {fd, {NULL}, 0, cap, 0};
	CURLcode cc;
	CURL *c;
	long code = 0;
	int r = 0;

	if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return pw_err_sys(e, errno, "%s: temp file", field);
	if (pw_sha256_init(&d.h) < 0)
		return pw_err_set(e, EIO, "%s: could not start sha256", field);
	c = curl_easy_init();
	if (!c) {
		pw_sha256_release(&d.h);
		return pw_err_set(e, EIO, "%s: libcurl would not start", field);
	}
	pw_fetch_opts_init(&fo);
	pw_fetch_setup_easy(c, url, &fo);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &d);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	if (d.werr == EFBIG)
		r = pw_err_set(e, EFBIG, "%s: '%s' is larger than %llu bytes", field, url,
			       (unsigned long long)cap);
	else if (d.werr)
		r = pw_err_sys(e, d.werr, "%s: writing the download of '%s'", field, url);
	else if (cc == CURLE_HTTP_RETURNED_ERROR)
		r = pw_err_set(e, EIO, "%s: could not download '%s': HTTP %ld", field, url, code);
	else if (cc != CURLE_OK)
		r = pw_err_set(e, EIO, "%s: could not download '%s': %s", field, url,
			       errbuf[0] ? errbuf : curl_easy_strerror(cc));
	if (r == 0) {
		pw_sha256_final(&d.h, NULL, hex);
		*size = d.got;
	}
	pw_sha256_release(&d.h);
	return r;
}

/* Copy @fd (from offset 0) into the store as blob @hex. */
static int store_fd(struct pw_store *s, int fd, const char *hex, uint64_t size, const char *field,
		    struct pw_err *e)
{
	enum { BUFSZ = 1 << 16 };
	_cleanup_free_ char *buf = pw_xmalloc(BUFSZ); /* not TLS: see lib/hash.c */
	struct pw_store_ins ins;
	uint64_t off = 0;
	ssize_t n;
	int r;

	r = pw_store_ins_begin(s, hex, size, true, false, &ins, e);
	if (r == 1)
		return 0;
	if (r < 0)
		return pw_err_prefix(e, "%s", field);
	while (off < size) {
		n = PW_TEMP_FAILURE_RETRY(pread(fd, buf, BUFSZ, (off_t)off));
		if (n <= 0) {
			pw_store_ins_abort(&ins, false);
			return pw_err_sys(e, n < 0 ? errno : EIO, "%s: reading the temp file",
					  field);
		}
		r = pw_store_ins_write(&ins, buf, (size_t)n, e);
		if (r < 0) {
			pw_store_ins_abort(&ins, false);
			return pw_err_prefix(e, "%s", field);
		}
		off += (uint64_t)n;
	}
	r = pw_store_ins_commit(&ins, e);
	return r < 0 ? pw_err_prefix(e, "%s", field) : 0;
}

/* Download @spec once (mirrors in order) and put it in the store. */
static int pin_by_download(struct pw_provider_ctx *pc, const struct pw_archive_spec *spec,
			   char hex[PW_SHA256_HEX], uint64_t *size, struct pw_err *e)
{
	_cleanup_close_ int fd = -1;
	uint64_t cap = spec->size != PW_SIZE_UNKNOWN ? spec->size : ARCHIVE_MAX;
	int r = -EIO;

	fd = open_tmp(pc->store); /* opened by the caller */
	if (fd < 0)
		return pw_err_sys(e, -fd, "%s: could not make a temp file in the store",
				  spec->field);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return pw_err_set(e, EIO, "%s: could not initialise libcurl", spec->field);
	for (size_t i = 0; i < spec->nurls; i++) {
		r = download(spec->field, spec->urls[i], fd, cap, hex, size, e);
		if (r == 0)
			break;
	}
	curl_global_cleanup();
	if (r < 0)
		return r;
	if (spec->sha256[0] && strcmp(spec->sha256, hex))
		return pw_err_set(
		    e, EBADMSG,
		    "%s: sha256 mismatch for '%s': the config says %s, the download is %s",
		    spec->field, spec->name, spec->sha256, hex);
	if (spec->size != PW_SIZE_UNKNOWN && spec->size != *size)
		return pw_err_set(
		    e, EBADMSG,
		    "%s: size mismatch for '%s': the config says %llu bytes, the download has %llu",
		    spec->field, spec->name, (unsigned long long)spec->size,
		    (unsigned long long)*size);
	return store_fd(pc->store, fd, hex, *size, spec->field, e);
}

/* pin_by_download() once per parallel lock (provider.h, "share"): the
 * first worker downloads, the others wait for its pin, "SHA256 SIZE",
 * and find the blob in the store.  Keyed by what decides the download:
 * the name, the urls in order and the config's own sha256 and size. */
static int pin_shared(struct pw_provider_ctx *pc, const struct pw_archive_spec *spec,
		      char hex[PW_SHA256_HEX], uint64_t *size, struct pw_err *e)
{
	struct pw_buf key = PW_BUF_INIT(SIZE_MAX / 2), val = PW_BUF_INIT(256);
	unsigned long long sz;
	char got[PW_SHA256_HEX + 1];
	int fd, r;

	pw_buf_addf(&key, "archive-pin;v1\n%s\n%s\n%llu\n", spec->name, spec->sha256,
		    (unsigned long long)spec->size);
	for (size_t i = 0; i < spec->nurls; i++)
		pw_buf_addf(&key, "%s\n", spec->urls[i]);
	r = pw_provider_share_begin(pc, key.buf, &val, &fd, e);
	if (r == 0 && sscanf(val.buf, "%64s %llu", got, &sz) == 2 && pw_sha256_hex_valid(got) &&
	    pw_store_has_blob(pc->store, got)) {
		memcpy(hex, got, PW_SHA256_HEX);
		*size = sz;
	} else if (r == 0 || r == -ENOENT) {
		r = pin_by_download(pc, spec, hex, size, e);
		if (r == 0) {
			pw_buf_reset(&val);
			pw_buf_addf(&val, "%s %llu\n", hex, (unsigned long long)*size);
			r = pw_provider_share_put(pc, key.buf, val.buf, val.len, e);
		}
	}
	pw_provider_share_end(fd);
	pw_buf_release(&key);
	pw_buf_release(&val);
	return r;
}

static bool prior_fits(const struct pw_artifact *a, const struct pw_archive_spec *spec)
{
	return a && (!spec->sha256[0] || !strcmp(a->sha256, spec->sha256)) &&
	       (spec->size == PW_SIZE_UNKNOWN || a->size == spec->size);
}

/* A Python base archive holding a standalone Python build (layout.h):
 * the layer is its tree's subdir ("python/install" or "python") at
 * PW_PYTHON_MOUNT, where every path the build recorded is true.  Other
 * archives keep @dest and no options.  Offline, the previous lock's layer
 * decides (a tree is not made offline). */
static int python_layer(struct pw_provider_ctx *pc, const struct pw_archive_spec *spec,
			const struct pw_target_info *t, const struct pw_artifact *a, char **dest,
			char **subdir, struct pw_err *e)
{
	static const struct pw_unpack_opts none;
	_cleanup_free_ char *tree = NULL;
	struct pw_python_desc d;
	bool cached;
	int r;

	*dest = NULL;
	*subdir = NULL;
	if (!spec->python_base || spec->has_unpack || strcmp(spec->dest, "/") != 0)
		return 0;
	if (pc->offline) {
		const struct pw_layer *l = pw_lockset_find_layer(pc->prior, t->id, spec->name);
		if (l && l->has_unpack && l->unpack.subdir && !strcmp(l->dest, PW_PYTHON_MOUNT)) {
			*dest = pw_xstrdup(l->dest);
			*subdir = pw_xstrdup(l->unpack.subdir);
		}
		return 0;
	}
	if (!pw_provider_store(pc, spec->field, e))
		return -errno;
	if (!pw_store_has_blob(pc->store, a->sha256)) {
		struct pw_fetch_item it = {0};
		struct pw_fetch_opts fo;

		it.name = a->name;
		it.urls = (const char *const *)a->urls;
		it.nurls = a->nurls;
		it.sha256 = a->sha256;
		it.size = a->size;
		pw_fetch_opts_init(&fo);
		r = pw_fetch_run(pc->store, &it, 1, &fo, e);
		if (r == -EIO && it.state == PW_FETCH_FAILED)
			r = pw_err_set(e, it.err.code, "%s", it.err.msg);
		pw_fetch_item_release(&it);
		if (r < 0)
			return pw_err_prefix(e, "%s", spec->field);
	}
	r = pw_store_make_tree(pc->store, a->sha256, &none, &tree, &cached, e);
	if (r < 0)
		return pw_err_prefix(e, "%s", spec->field);
	memset(&d, 0, sizeof(d));
	r = pw_python_describe_at(AT_FDCWD, tree, &d, e);
	if (r == -ENOENT)
		return 0; /* not a standalone Python: used as it is */
	if (r < 0)
		return pw_err_prefix(e, "%s: '%s'", spec->field, spec->name);
	*dest = pw_xstrdup(d.mount);
	*subdir = pw_xstrdup(d.subdir);
	pw_python_desc_release(&d);
	return 0;
}

int pw_provide_archive(struct pw_provider_ctx *pc, const struct pw_archive_spec *spec,
		       const struct pw_target_info *t, struct pw_lockset *out, struct pw_err *e)
{
	struct pw_artifact a;
	const struct pw_artifact *known;
	_cleanup_free_ char *pdest = NULL, *psub = NULL;
	const char *sha;
	bool mine = spec->nplatforms == 0;
	int r;

	for (size_t i = 0; i < spec->nplatforms; i++)
		mine |= !strcmp(spec->platforms[i], t->platform);
	if (!mine)
		return 0;
	memset(&a, 0, sizeof(a));
	a.kind = (char *)"archive";
	a.name = spec->name;
	a.urls = spec->urls;
	a.nurls = spec->nurls;
	a.has_unpack = spec->has_unpack;
	a.unpack = spec->unpack;
	memcpy(a.sha256, spec->sha256, sizeof(a.sha256));
	a.size = spec->size;
	if (!a.sha256[0] || a.size == PW_SIZE_UNKNOWN) {
		known = pw_lockset_find_url(out, "archive", spec->name, spec->urls[0]);
		if (!prior_fits(known, spec))
			known =
			    pw_lockset_find_url(pc->prior, "archive", spec->name, spec->urls[0]);
		if (prior_fits(known, spec)) {
			memcpy(a.sha256, known->sha256, sizeof(a.sha256));
			a.size = known->size;
		}
	}
	if (a.sha256[0] && a.size == PW_SIZE_UNKNOWN && !pc->offline &&
	    pw_provider_store(pc, spec->field, e) && pw_store_has_blob(pc->store, a.sha256)) {
		_cleanup_free_ char *p = pw_store_blob_path(pc->store, a.sha256);
		struct stat st;
		if (stat(p, &st) == 0)
			a.size = (uint64_t)st.st_size;
	}
	if (!a.sha256[0] || a.size == PW_SIZE_UNKNOWN) {
		if (pc->offline)
			return pw_err_set(e, ENOENT,
					  "%s: '%s' has no %s in the config nor in pinwheel.lock: "
					  "'pinwheel lock' must download it",
					  spec->field, spec->name, a.sha256[0] ? "size" : "sha256");
		if (!pw_provider_store(pc, spec->field, e))
			return -e->code;
		r = pin_shared(pc, spec, a.sha256, &a.size, e);
		if (r < 0)
			return r;
	}
	r = python_layer(pc, spec, t, &a, &pdest, &psub, e);
	if (r < 0)
		return r;
	pw_lockset_add(out, &a, t->id);
	sha = a.sha256;
	if (pdest) {
		struct pw_unpack_opts po = {0};
		po.subdir = psub;
		pw_lockset_add_layer(out, t->id, spec->name, "unpack", pdest, &sha, 1, &po);
	} else {
		pw_lockset_add_layer(out, t->id, spec->name, "unpack", spec->dest, &sha, 1,
				     spec->has_unpack ? &spec->unpack : NULL);
	}
	return 0;
}

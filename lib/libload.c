/* libload.c - libcurl, libarchive and libcrypto opened on first use (see
 * libload.h).
 *
 * Each forwarding function resolves its symbol once (dlsym on the handle
 * opened under pthread_once) and calls it.  Only the functions pinwheel
 * uses are here; adding one is one FWD line.  Variadic functions are
 * forwarded by the type their option implies (curl_easy_setopt) or by
 * formatting first (archive_set_error). */
#define CURL_DISABLE_TYPECHECK 1
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "pinwheel/libload.h"

#ifdef PW_LIBLOAD_STATIC
/* LINK_STATIC=1 (the Makefile): the three libraries are linked statically
 * into the binary (built under the manylinux2014 floor, docs/dist.md "The
 * libraries"), so callers reach their own functions; nothing to load. */
int pw_libcurl_load(struct pw_err *e)
{
	(void)e;
	return 0;
}

int pw_libarchive_load(struct pw_err *e)
{
	(void)e;
	return 0;
}

int pw_libcrypto_load(struct pw_err *e)
{
	(void)e;
	return 0;
}
#else

struct lib {
	const char *soname;
	pthread_once_t once;
	void *handle;
	char error[256];
};

static struct lib curl_lib = { "libcurl.so.4", PTHREAD_ONCE_INIT, NULL, "" };
static struct lib archive_lib = { "libarchive.so.13", PTHREAD_ONCE_INIT, NULL, "" };
static struct lib crypto_lib = { "libcrypto.so.3", PTHREAD_ONCE_INIT, NULL, "" };

struct loaded_find {
	const char *stem; /* "libcurl" */
	size_t len;
	char path[4096];
};

/* dl_iterate_phdr callback: an object whose file name is STEM-<8 hex>.so...,
 * the name `pinwheel repair` gives a vendored copy (not, say, Debian's
 * libcurl-gnutls.so.4). */
static int find_loaded(struct dl_phdr_info *info, size_t size, void *data)
{
	struct loaded_find *f = data;
	const char *base;

	(void)size;
	if (!info->dlpi_name || !info->dlpi_name[0])
		return 0;
	base = strrchr(info->dlpi_name, '/');
	base = base ? base + 1 : info->dlpi_name;
	if (strncmp(base, f->stem, f->len) || base[f->len] != '-' ||
	    strspn(base + f->len + 1, "0123456789abcdef") != 8 ||
	    strncmp(base + f->len + 9, ".so", 3))
		return 0;
	return snprintf(f->path, sizeof(f->path), "%s", info->dlpi_name) < (int)sizeof(f->path);
}

/* The library as the binary of pinwheel's wheel carries it: linked
 * (LINK_LIBLOAD=1, see the Makefile) and vendored by `pinwheel repair` under
 * a hashed name, so already loaded; dlopen() by soname would not find that
 * name, or would find a second copy on the system. */
static void *open_vendored(const char *soname)
{
	struct loaded_find f = {soname, 0, ""};
	const char *so = strstr(soname, ".so");

	f.len = so ? (size_t)(so - soname) : strlen(soname);
	if (dl_iterate_phdr(find_loaded, &f) <= 0)
		return NULL;
	return dlopen(f.path, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
}

static void open_lib(struct lib *l)
{
	l->handle = open_vendored(l->soname);
	if (!l->handle)
		l->handle = dlopen(l->soname, RTLD_NOW | RTLD_LOCAL);
	if (!l->handle) {
		const char *m = dlerror();
		snprintf(l->error, sizeof(l->error), "%s", m ? m : "unknown error");
	}
}

static void open_curl(void) { open_lib(&curl_lib); }
static void open_archive(void) { open_lib(&archive_lib); }
static void open_crypto(void) { open_lib(&crypto_lib); }

static void *lib_sym(struct lib *l, void (*opener)(void), const char *name)
{
	pthread_once(&l->once, opener);
	return l->handle ? dlsym(l->handle, name) : NULL;
}

static int lib_load(struct lib *l, void (*opener)(void), const char *what, struct pw_err *e)
{
	pthread_once(&l->once, opener);
	if (!l->handle)
		return pw_err_set(e, ENOENT, "could not load %s ('%s'): %s; install the Debian package %s",
				  what, l->soname, l->error,
				  l == &curl_lib ? "libcurl4" : l == &archive_lib ? "libarchive13" : "libssl3");
	return 0;
}

int pw_libcurl_load(struct pw_err *e)
{
	return lib_load(&curl_lib, open_curl, "libcurl", e);
}

int pw_libarchive_load(struct pw_err *e)
{
	return lib_load(&archive_lib, open_archive, "libarchive", e);
}

int pw_libcrypto_load(struct pw_err *e)
{
	return lib_load(&crypto_lib, open_crypto, "libcrypto", e);
}

/* FWD(LIB, FAIL, RET, NAME, (PARAMS), (ARGS)): define NAME forwarding to the
 * library's NAME, returning FAIL when it cannot be resolved.  The resolved
 * pointer is cached with relaxed atomics (every thread stores the same
 * value). */
#define FWD(LIB, FAIL, RET, NAME, PARAMS, ARGS)                                        \
	RET NAME PARAMS                                                                \
	{                                                                              \
		static RET(*fn) PARAMS;                                                \
		RET(*f) PARAMS = __atomic_load_n(&fn, __ATOMIC_RELAXED);               \
		if (!f) {                                                              \
			f = (RET(*) PARAMS)lib_sym(&LIB##_lib, open_##LIB, #NAME);     \
			if (!f)                                                        \
				return FAIL;                                           \
			__atomic_store_n(&fn, f, __ATOMIC_RELAXED);                    \
		}                                                                      \
		return f ARGS;                                                         \
	}
#define FWD_VOID(LIB, NAME, PARAMS, ARGS)                                              \
	void NAME PARAMS                                                               \
	{                                                                              \
		static void(*fn) PARAMS;                                               \
		void(*f) PARAMS = __atomic_load_n(&fn, __ATOMIC_RELAXED);              \
		if (!f) {                                                              \
			f = (void(*) PARAMS)lib_sym(&LIB##_lib, open_##LIB, #NAME);    \
			if (!f)                                                        \
				return;                                                \
			__atomic_store_n(&fn, f, __ATOMIC_RELAXED);                    \
		}                                                                      \
		f ARGS;                                                                \
	}

/* ---- libcurl ---- */

FWD(curl, CURLE_FAILED_INIT, CURLcode, curl_global_init, (long flags), (flags))
FWD_VOID(curl, curl_global_cleanup, (void), ())
FWD(curl, NULL, CURL *, curl_easy_init, (void), ())
FWD_VOID(curl, curl_easy_cleanup, (CURL *h), (h))
FWD_VOID(curl, curl_easy_reset, (CURL *h), (h))
FWD(curl, CURLE_FAILED_INIT, CURLcode, curl_easy_perform, (CURL *h), (h))
FWD(curl, "libcurl could not be loaded", const char *, curl_easy_strerror, (CURLcode c), (c))
FWD(curl, NULL, CURLM *, curl_multi_init, (void), ())
FWD(curl, CURLM_INTERNAL_ERROR, CURLMcode, curl_multi_cleanup, (CURLM *m), (m))
FWD(curl, CURLM_INTERNAL_ERROR, CURLMcode, curl_multi_add_handle, (CURLM *m, CURL *h), (m, h))
FWD(curl, CURLM_INTERNAL_ERROR, CURLMcode, curl_multi_remove_handle, (CURLM *m, CURL *h),
    (m, h))
FWD(curl, CURLM_INTERNAL_ERROR, CURLMcode, curl_multi_perform, (CURLM *m, int *running),
    (m, running))
FWD(curl, CURLM_INTERNAL_ERROR, CURLMcode, curl_multi_poll,
    (CURLM *m, struct curl_waitfd extra[], unsigned n, int timeout_ms, int *numfds),
    (m, extra, n, timeout_ms, numfds))
FWD(curl, NULL, CURLMsg *, curl_multi_info_read, (CURLM *m, int *left), (m, left))
FWD(curl, NULL, struct curl_slist *, curl_slist_append, (struct curl_slist *l, const char *s),
    (l, s))
FWD_VOID(curl, curl_slist_free_all, (struct curl_slist *l), (l))

/* curl_easy_setopt takes one argument whose type the option's number
 * range gives (curl.h: CURLOPTTYPE_*): long, a pointer (object or
 * function), or curl_off_t. */
CURLcode curl_easy_setopt(CURL *h, CURLoption opt, ...)
{
	static CURLcode (*fn)(CURL *, CURLoption, ...);
	CURLcode (*f)(CURL *, CURLoption, ...) = __atomic_load_n(&fn, __ATOMIC_RELAXED);
	CURLcode r;
	va_list ap;

	if (!f) {
		f = (CURLcode(*)(CURL *, CURLoption, ...))lib_sym(&curl_lib, open_curl,
								   "curl_easy_setopt");
		if (!f)
			return CURLE_FAILED_INIT;
		__atomic_store_n(&fn, f, __ATOMIC_RELAXED);
	}
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		r = f(h, opt, va_arg(ap, long));
	else if (opt >= CURLOPTTYPE_OFF_T && opt < CURLOPTTYPE_BLOB)
		r = f(h, opt, va_arg(ap, curl_off_t));
	else
		r = f(h, opt, va_arg(ap, void *));
	va_end(ap);
	return r;
}

/* curl_easy_getinfo's one argument is always a pointer. */
CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	static CURLcode (*fn)(CURL *, CURLINFO, ...);
	CURLcode (*f)(CURL *, CURLINFO, ...) = __atomic_load_n(&fn, __ATOMIC_RELAXED);
	CURLcode r;
	va_list ap;

	if (!f) {
		f = (CURLcode(*)(CURL *, CURLINFO, ...))lib_sym(&curl_lib, open_curl,
								 "curl_easy_getinfo");
		if (!f)
			return CURLE_FAILED_INIT;
		__atomic_store_n(&fn, f, __ATOMIC_RELAXED);
	}
	va_start(ap, info);
	r = f(h, info, va_arg(ap, void *));
	va_end(ap);
	return r;
}

/* ---- libarchive ---- */

#define AFWD(RET, NAME, PARAMS, ARGS) FWD(archive, ARCHIVE_FATAL, RET, NAME, PARAMS, ARGS)
#define AFWD_PTR(RET, NAME, PARAMS, ARGS) FWD(archive, NULL, RET, NAME, PARAMS, ARGS)

AFWD_PTR(struct archive *, archive_read_new, (void), ())
AFWD(int, archive_read_free, (struct archive *a), (a))
AFWD(int, archive_read_support_filter_all, (struct archive *a), (a))
AFWD(int, archive_read_support_filter_bzip2, (struct archive *a), (a))
AFWD(int, archive_read_support_filter_gzip, (struct archive *a), (a))
AFWD(int, archive_read_support_filter_xz, (struct archive *a), (a))
AFWD(int, archive_read_support_filter_zstd, (struct archive *a), (a))
AFWD(int, archive_read_support_format_ar, (struct archive *a), (a))
AFWD(int, archive_read_support_format_raw, (struct archive *a), (a))
AFWD(int, archive_read_support_format_tar, (struct archive *a), (a))
AFWD(int, archive_read_support_format_zip_seekable, (struct archive *a), (a))
AFWD(int, archive_read_set_callback_data, (struct archive *a, void *d), (a, d))
AFWD(int, archive_read_set_read_callback, (struct archive *a, archive_read_callback *cb),
     (a, cb))
AFWD(int, archive_read_set_seek_callback, (struct archive *a, archive_seek_callback *cb),
     (a, cb))
AFWD(int, archive_read_open1, (struct archive *a), (a))
AFWD(int, archive_read_open_fd, (struct archive *a, int fd, size_t block), (a, fd, block))
AFWD(int, archive_read_open_memory, (struct archive *a, const void *buf, size_t n), (a, buf, n))
AFWD(int, archive_read_next_header, (struct archive *a, struct archive_entry **en), (a, en))
AFWD(la_ssize_t, archive_read_data, (struct archive *a, void *buf, size_t n), (a, buf, n))
AFWD(int, archive_read_data_block,
     (struct archive *a, const void **buf, size_t *n, la_int64_t *off), (a, buf, n, off))
AFWD(int, archive_errno, (struct archive *a), (a))
AFWD_PTR(const char *, archive_error_string, (struct archive *a), (a))
FWD(archive, 0, __LA_MODE_T, archive_entry_filetype, (struct archive_entry *en), (en))
FWD(archive, 0, __LA_MODE_T, archive_entry_perm, (struct archive_entry *en), (en))
AFWD_PTR(const char *, archive_entry_hardlink, (struct archive_entry *en), (en))
AFWD_PTR(const char *, archive_entry_pathname, (struct archive_entry *en), (en))
AFWD_PTR(const char *, archive_entry_pathname_utf8, (struct archive_entry *en), (en))
AFWD_PTR(const char *, archive_entry_symlink, (struct archive_entry *en), (en))
FWD(archive, 0, time_t, archive_entry_mtime, (struct archive_entry *en), (en))
FWD(archive, 0, long, archive_entry_mtime_nsec, (struct archive_entry *en), (en))
FWD(archive, 0, int, archive_entry_mtime_is_set, (struct archive_entry *en), (en))
FWD(archive, 0, la_int64_t, archive_entry_size, (struct archive_entry *en), (en))
FWD(archive, 0, int, archive_entry_size_is_set, (struct archive_entry *en), (en))
/* writing (runner/wheel/sdist.c: normalised sdists) */
AFWD_PTR(struct archive *, archive_write_new, (void), ())
AFWD(int, archive_write_free, (struct archive *a), (a))
AFWD(int, archive_write_set_format_pax_restricted, (struct archive *a), (a))
AFWD(int, archive_write_add_filter_none, (struct archive *a), (a))
AFWD(int, archive_write_open,
     (struct archive *a, void *d, archive_open_callback *o, archive_write_callback *w,
      archive_close_callback *c),
     (a, d, o, w, c))
AFWD(int, archive_write_header, (struct archive *a, struct archive_entry *en), (a, en))
AFWD(la_ssize_t, archive_write_data, (struct archive *a, const void *buf, size_t n), (a, buf, n))
AFWD(int, archive_write_close, (struct archive *a), (a))
AFWD_PTR(struct archive_entry *, archive_entry_new, (void), ())
FWD_VOID(archive, archive_entry_free, (struct archive_entry *en), (en))
FWD_VOID(archive, archive_entry_set_pathname, (struct archive_entry *en, const char *p), (en, p))
FWD_VOID(archive, archive_entry_set_symlink, (struct archive_entry *en, const char *p), (en, p))
FWD_VOID(archive, archive_entry_set_mtime, (struct archive_entry *en, time_t t, long ns),
	 (en, t, ns))
FWD_VOID(archive, archive_entry_set_uid, (struct archive_entry *en, la_int64_t id), (en, id))
FWD_VOID(archive, archive_entry_set_gid, (struct archive_entry *en, la_int64_t id), (en, id))
FWD_VOID(archive, archive_entry_set_filetype, (struct archive_entry *en, unsigned int t), (en, t))
FWD_VOID(archive, archive_entry_set_perm, (struct archive_entry *en, __LA_MODE_T m), (en, m))
FWD_VOID(archive, archive_entry_set_size, (struct archive_entry *en, la_int64_t s), (en, s))

/* archive_set_error is printf-like: format here, pass the text on. */
void archive_set_error(struct archive *a, int err, const char *fmt, ...)
{
	static void (*fn)(struct archive *, int, const char *, ...);
	void (*f)(struct archive *, int, const char *, ...) = __atomic_load_n(&fn, __ATOMIC_RELAXED);
	char msg[1024];
	va_list ap;

	if (!f) {
		f = (void (*)(struct archive *, int, const char *, ...))lib_sym(
		    &archive_lib, open_archive, "archive_set_error");
		if (!f)
			return;
		__atomic_store_n(&fn, f, __ATOMIC_RELAXED);
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	f(a, err, "%s", msg);
}

/* ---- libcrypto (what lib/hash.c and lib/attest.c use) ---- */

FWD(crypto, NULL, EVP_MD_CTX *, EVP_MD_CTX_new, (void), ())
FWD_VOID(crypto, EVP_MD_CTX_free, (EVP_MD_CTX *c), (c))
FWD(crypto, NULL, const EVP_MD *, EVP_sha256, (void), ())
FWD(crypto, 0, int, EVP_DigestInit_ex, (EVP_MD_CTX *c, const EVP_MD *t, ENGINE *eng),
    (c, t, eng))
FWD(crypto, 0, int, EVP_DigestUpdate, (EVP_MD_CTX *c, const void *d, size_t n), (c, d, n))
FWD(crypto, 0, int, EVP_DigestFinal_ex, (EVP_MD_CTX *c, unsigned char *md, unsigned int *n),
    (c, md, n))
FWD(crypto, 0, int, EVP_Digest,
    (const void *d, size_t n, unsigned char *md, unsigned int *len, const EVP_MD *t, ENGINE *eng),
    (d, n, md, len, t, eng))

/* lib/attest.c: ed25519 keys from PEM, signing and verifying */
FWD(crypto, NULL, BIO *, BIO_new_mem_buf, (const void *buf, int len), (buf, len))
FWD(crypto, 0, int, BIO_free, (BIO *b), (b))
FWD(crypto, NULL, EVP_PKEY *, PEM_read_bio_PrivateKey,
    (BIO *b, EVP_PKEY **x, pem_password_cb *cb, void *u), (b, x, cb, u))
FWD(crypto, NULL, EVP_PKEY *, PEM_read_bio_PUBKEY,
    (BIO *b, EVP_PKEY **x, pem_password_cb *cb, void *u), (b, x, cb, u))
FWD_VOID(crypto, EVP_PKEY_free, (EVP_PKEY *k), (k))
FWD(crypto, 0, int, EVP_PKEY_get_id, (const EVP_PKEY *k), (k))
FWD(crypto, -1, int, i2d_PUBKEY, (const EVP_PKEY *k, unsigned char **out), (k, out))
FWD(crypto, 0, int, EVP_DigestSignInit,
    (EVP_MD_CTX *c, EVP_PKEY_CTX **pc, const EVP_MD *t, ENGINE *eng, EVP_PKEY *k),
    (c, pc, t, eng, k))
FWD(crypto, 0, int, EVP_DigestSign,
    (EVP_MD_CTX *c, unsigned char *sig, size_t *siglen, const unsigned char *m, size_t n),
    (c, sig, siglen, m, n))
FWD(crypto, 0, int, EVP_DigestVerifyInit,
    (EVP_MD_CTX *c, EVP_PKEY_CTX **pc, const EVP_MD *t, ENGINE *eng, EVP_PKEY *k),
    (c, pc, t, eng, k))
FWD(crypto, -1, int, EVP_DigestVerify,
    (EVP_MD_CTX *c, const unsigned char *sig, size_t siglen, const unsigned char *m, size_t n),
    (c, sig, siglen, m, n))
FWD_VOID(crypto, CRYPTO_free, (void *p, const char *file, int line), (p, file, line))
FWD(crypto, 0, unsigned long, ERR_get_error, (void), ())
FWD_VOID(crypto, ERR_clear_error, (void), ())
#endif /* PW_LIBLOAD_STATIC */

/* hash.c - SHA-256 via OpenSSL EVP. */
#include <string.h>

#include <openssl/evp.h>

#include "pinwheel/hash.h"

int pw_sha256_init(struct pw_sha256 *h)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	h->ctx = NULL;
	if (!c)
		return -ENOMEM;
	if (EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(c);
		return -EIO;
	}
	h->ctx = c;
	return 0;
}

int pw_sha256_update(struct pw_sha256 *h, const void *data, size_t n)
{
	if (!h->ctx)
		return -EINVAL;
	return EVP_DigestUpdate(h->ctx, data, n) == 1 ? 0 : -EIO;
}

void pw_hex_encode(const unsigned char *raw, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hx[raw[i] >> 4];
		out[2 * i + 1] = hx[raw[i] & 15];
	}
	out[2 * n] = '\0';
}

int pw_sha256_final(struct pw_sha256 *h, unsigned char raw[PW_SHA256_LEN],
		    char hex[PW_SHA256_HEX])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (!h->ctx || EVP_DigestFinal_ex(h->ctx, md, &len) != 1 || len != PW_SHA256_LEN)
		return -EIO;
	if (raw)
		memcpy(raw, md, PW_SHA256_LEN);
	if (hex)
		pw_hex_encode(md, PW_SHA256_LEN, hex);
	return 0;
}

void pw_sha256_release(struct pw_sha256 *h)
{
	if (h->ctx)
		EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

int pw_sha256_fd(int fd, char hex[PW_SHA256_HEX], uint64_t *size)
{
	struct pw_sha256 h;
	/* Heap, not a static __thread array: the loader zeroes every TLS block
	 * at each start of pinwheel (448 KiB of them cost ~115 page faults). */
	enum { BUFSZ = 1 << 16 };
	_cleanup_free_ unsigned char *buf = pw_xmalloc(BUFSZ);
	uint64_t total = 0;
	ssize_t n;
	int r;

	r = pw_sha256_init(&h);
	if (r < 0)
		return r;
	for (;;) {
		n = PW_TEMP_FAILURE_RETRY(read(fd, buf, BUFSZ));
		if (n < 0) {
			r = -errno;
			goto out;
		}
		if (n == 0)
			break;
		pw_sha256_update(&h, buf, (size_t)n);
		total += (uint64_t)n;
	}
	r = pw_sha256_final(&h, NULL, hex);
	if (size)
		*size = total;
out:
	pw_sha256_release(&h);
	return r;
}

void pw_sha256_mem(const void *data, size_t n, char hex[PW_SHA256_HEX])
{
	unsigned char md[PW_SHA256_LEN];
	unsigned int len = 0;

	EVP_Digest(data, n, md, &len, EVP_sha256(), NULL);
	pw_hex_encode(md, PW_SHA256_LEN, hex);
}

bool pw_sha256_hex_valid(const char *s)
{
	size_t i;

	if (!s)
		return false;
	for (i = 0; i < 64; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return s[64] == '\0';
}

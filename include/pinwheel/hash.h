/* hash.h - SHA-256 through OpenSSL's libcrypto.
 *
 * Digests travel as lowercase hex strings of 64 characters plus NUL
 * (PW_SHA256_HEX bytes).  A struct pw_sha256 must be released with
 * pw_sha256_release() whether or not it was finalised.
 */
#ifndef PINWHEEL_HASH_H
#define PINWHEEL_HASH_H

#include "pinwheel/common.h"

#define PW_SHA256_LEN 32
#define PW_SHA256_HEX 65

struct pw_sha256 {
	void *ctx; /* EVP_MD_CTX */
};

int pw_sha256_init(struct pw_sha256 *h);
int pw_sha256_update(struct pw_sha256 *h, const void *data, size_t n);
/* Writes raw (may be NULL) and hex (may be NULL). */
int pw_sha256_final(struct pw_sha256 *h, unsigned char raw[PW_SHA256_LEN],
		    char hex[PW_SHA256_HEX]);
void pw_sha256_release(struct pw_sha256 *h);

/* Hash the rest of @fd from its current offset; *size gets the byte count. */
int pw_sha256_fd(int fd, char hex[PW_SHA256_HEX], uint64_t *size);
/* Hash a memory block. */
void pw_sha256_mem(const void *data, size_t n, char hex[PW_SHA256_HEX]);
/* Is s exactly 64 lowercase hex characters? */
bool pw_sha256_hex_valid(const char *s);
void pw_hex_encode(const unsigned char *raw, size_t n, char *out);

#endif

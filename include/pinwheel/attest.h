/* attest.h - the pure pieces of signed attestations (lib/attest.c): base64,
 * DSSE's pre-authentication encoding, ed25519 signatures over it with a
 * key from a PEM file (libcrypto, loaded on first use: libload.h).
 * `pinwheel attest` (runner/cmd_attest.c, docs/attest.md) builds the
 * in-toto statement and the envelope from these.
 *
 * DSSE (the Dead Simple Signing Envelope, v1): the signature is over
 *   PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
 * where SP is one space (0x20) and LEN the length in bytes as ASCII
 * decimal without leading zeros.  Verifiers accept standard and URL-safe
 * base64 alike.
 *
 * Ownership: results go into caller-owned struct pw_buf (appended) or
 * fixed-size arrays; pw_base64_encode() returns a string the caller frees.
 * Errors: 0 or -errno with one line in struct pw_err naming the file and
 * what was expected.  Nothing here prints.
 */
#ifndef PINWHEEL_ATTEST_H
#define PINWHEEL_ATTEST_H

#include "pinwheel/buf.h"
#include "pinwheel/common.h"
#include "pinwheel/hash.h"

#define PW_ED25519_SIG_LEN 64
#define PW_ATTEST_MAX_PEM (64u << 10) /* a key file larger than this is refused */

/* Standard base64 (RFC 4648, '+' '/', '=' padding) of @n bytes.  Caller
 * frees; never NULL. */
char *pw_base64_encode(const void *data, size_t n);

/* Decode @len characters of standard or URL-safe base64 ('-' '_'),
 * padding optional (but not in the middle), appending to @out.  0, or
 * -EINVAL for another character, misplaced padding or a length no
 * encoder gives; -E2BIG past @out's cap. */
int pw_base64_decode(const char *s, size_t len, struct pw_buf *out);

/* Append PAE(@type, @body of @n bytes) to @out.  0 or -E2BIG. */
int pw_dsse_pae(const char *type, const void *body, size_t n, struct pw_buf *out);

/* Sign @n bytes of @msg with the ed25519 private key in the PEM file
 * @key_pem (PKCS#8, unencrypted): the 64-byte signature into @sig, the
 * key's id into @keyid (the sha256, hex, of the DER SubjectPublicKeyInfo
 * of its public key).  -EINVAL naming the file when it holds no
 * ed25519 private key; -ENOENT when libcrypto cannot be loaded. */
int pw_ed25519_sign(const char *key_pem, const void *msg, size_t n,
		    unsigned char sig[PW_ED25519_SIG_LEN], char keyid[PW_SHA256_HEX],
		    struct pw_err *e);

/* The ed25519 public key in the PEM file @pub_pem (SubjectPublicKeyInfo,
 * "BEGIN PUBLIC KEY"): its id into @keyid as above.  Verify @siglen
 * bytes of @sig over @n bytes of @msg when @sig is not NULL: 0 when the
 * signature is valid, -EBADMSG when not (e->msg says so), -EINVAL when
 * the file holds no ed25519 public key. */
int pw_ed25519_verify(const char *pub_pem, const void *msg, size_t n, const unsigned char *sig,
		      size_t siglen, char keyid[PW_SHA256_HEX], struct pw_err *e);

#endif

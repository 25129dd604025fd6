/* attest.c - base64, DSSE's PAE and ed25519 signatures (attest.h). */
#include <fcntl.h>
#include <limits.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "pinwheel/attest.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/libload.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *pw_base64_encode(const void *data, size_t n)
{
	const unsigned char *p = data;
	char *out = pw_xmalloc((n + 2) / 3 * 4 + 1), *o = out;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		size_t left = n - i;

		if (left > 1)
			v |= (uint32_t)p[i + 1] << 8;
		if (left > 2)
			v |= p[i + 2];
		*o++ = b64[v >> 18 & 63];
		*o++ = b64[v >> 12 & 63];
		*o++ = left > 1 ? b64[v >> 6 & 63] : '=';
		*o++ = left > 2 ? b64[v & 63] : '=';
	}
	*o = 0;
	return out;
}

/* The value of one base64 character (both alphabets), or -1. */
static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

int pw_base64_decode(const char *s, size_t len, struct pw_buf *out)
{
	uint32_t acc = 0;
	size_t k = 0, pad = 0;

	/* padding only at the end, at most two, and only to a multiple of 4 */
	while (pad < len && s[len - 1 - pad] == '=')
		pad++;
	if (pad > 2 || (pad && len % 4))
		return -EINVAL;
	len -= pad;
	if (len % 4 == 1)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		int v = b64_value(s[i]);

		if (v < 0)
			return -EINVAL;
		acc = acc << 6 | (uint32_t)v;
		if (++k == 4) {
			unsigned char b[3] = {acc >> 16 & 255, acc >> 8 & 255, acc & 255};

			if (pw_buf_add(out, b, 3) < 0)
				return -E2BIG;
			k = 0;
			acc = 0;
		}
	}
	if (k == 2) {
		unsigned char b = acc >> 4 & 255;

		if (acc & 15)
			return -EINVAL; /* bits no encoder sets */
		return pw_buf_add(out, &b, 1) < 0 ? -E2BIG : 0;
	}
	if (k == 3) {
		unsigned char b[2] = {acc >> 10 & 255, acc >> 2 & 255};

		if (acc & 3)
			return -EINVAL;
		return pw_buf_add(out, b, 2) < 0 ? -E2BIG : 0;
	}
	return 0;
}

int pw_dsse_pae(const char *type, const void *body, size_t n, struct pw_buf *out)
{
	if (pw_buf_addf(out, "DSSEv1 %zu %s %zu ", strlen(type), type, n) < 0 ||
	    pw_buf_add(out, body, n) < 0)
		return -E2BIG;
	return 0;
}

/* The key in the PEM file @path: private when @priv, else public; an
 * ed25519 one.  NULL with e filled. */
static EVP_PKEY *load_key(const char *path, bool priv, struct pw_err *e)
{
	struct pw_buf b = PW_BUF_INIT(PW_ATTEST_MAX_PEM);
	EVP_PKEY *k = NULL;
	BIO *bio = NULL;
	int r;

	if (pw_libcrypto_load(e) < 0)
		return NULL;
	r = pw_read_file(path, &b);
	if (r < 0) {
		if (r == -E2BIG)
			pw_err_set(e, E2BIG, "'%s': larger than %u bytes, not a key file", path,
				   PW_ATTEST_MAX_PEM);
		else
			pw_err_sys(e, -r, "could not read '%s'", path);
		goto out;
	}
	bio = BIO_new_mem_buf(b.buf, (int)b.len);
	if (!bio) {
		pw_err_set(e, ENOMEM, "'%s': libcrypto could not read it", path);
		goto out;
	}
	k = priv ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)
		 : PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	ERR_clear_error();
	if (!k || EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
		pw_err_set(e, EINVAL, "'%s': expected an ed25519 %s in PEM (%s)", path,
			   priv ? "private key" : "public key",
			   priv ? "BEGIN PRIVATE KEY" : "BEGIN PUBLIC KEY");
		EVP_PKEY_free(k);
		k = NULL;
	}
out:
	if (bio)
		BIO_free(bio);
	pw_buf_release(&b);
	return k;
}

/* sha256 (hex) of the DER SubjectPublicKeyInfo of @k. */
static int key_id(EVP_PKEY *k, const char *path, char keyid[PW_SHA256_HEX], struct pw_err *e)
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(k, &der);

	if (n <= 0)
		return pw_err_set(e, EINVAL, "'%s': libcrypto could not encode its public key",
				  path);
	pw_sha256_mem(der, (size_t)n, keyid);
	CRYPTO_free(der, __FILE__, __LINE__);
	return 0;
}

int pw_ed25519_sign(const char *key_pem, const void *msg, size_t n,
		    unsigned char sig[PW_ED25519_SIG_LEN], char keyid[PW_SHA256_HEX],
		    struct pw_err *e)
{
	EVP_PKEY *k = load_key(key_pem, true, e);
	EVP_MD_CTX *c = NULL;
	size_t siglen = PW_ED25519_SIG_LEN;
	int r = -EINVAL;

	if (!k)
		return -e->code;
	if ((r = key_id(k, key_pem, keyid, e)) < 0)
		goto out;
	c = EVP_MD_CTX_new();
	/* ed25519 hashes the message itself: no digest (NULL), one shot */
	if (!c || EVP_DigestSignInit(c, NULL, NULL, NULL, k) != 1 ||
	    EVP_DigestSign(c, sig, &siglen, msg, n) != 1 || siglen != PW_ED25519_SIG_LEN) {
		ERR_clear_error();
		r = pw_err_set(e, EINVAL, "'%s': libcrypto could not sign with this key", key_pem);
		goto out;
	}
	r = 0;
out:
	EVP_MD_CTX_free(c);
	EVP_PKEY_free(k);
	return r;
}

int pw_ed25519_verify(const char *pub_pem, const void *msg, size_t n, const unsigned char *sig,
		      size_t siglen, char keyid[PW_SHA256_HEX], struct pw_err *e)
{
	EVP_PKEY *k = load_key(pub_pem, false, e);
	EVP_MD_CTX *c = NULL;
	int r;

	if (!k)
		return -e->code;
	if ((r = key_id(k, pub_pem, keyid, e)) < 0 || !sig)
		goto out;
	c = EVP_MD_CTX_new();
	if (!c || EVP_DigestVerifyInit(c, NULL, NULL, NULL, k) != 1) {
		ERR_clear_error();
		r = pw_err_set(e, EINVAL, "'%s': libcrypto could not verify with this key",
			       pub_pem);
		goto out;
	}
	r = EVP_DigestVerify(c, sig, siglen, msg, n) == 1
		? 0
		: pw_err_set(e, EBADMSG, "the signature does not verify with the key in '%s'",
			     pub_pem);
	ERR_clear_error();
out:
	EVP_MD_CTX_free(c);
	EVP_PKEY_free(k);
	return r;
}

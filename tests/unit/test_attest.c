/* test_attest.c - unit tests of lib/attest.c: base64 (both alphabets,
 * padding, refusals), DSSE's PAE (the specification's test vector),
 * ed25519 sign and verify with keys made by the test (openssl's CLI, for
 * the fixture only) and the keyid. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pinwheel/attest.h"

static void b64_round(const char *in, const char *want)
{
	char *s = pw_base64_encode(in, strlen(in));
	struct pw_buf b = PW_BUF_INIT(1024);

	assert_string_equal(s, want);
	assert_int_equal(pw_base64_decode(s, strlen(s), &b), 0);
	assert_int_equal(b.len, strlen(in));
	assert_memory_equal(b.buf, in, b.len);
	free(s);
	pw_buf_release(&b);
}

static int dec(const char *s, struct pw_buf *b)
{
	b->len = 0;
	return pw_base64_decode(s, strlen(s), b);
}

static void test_base64(void **state)
{
	struct pw_buf b = PW_BUF_INIT(16);
	const unsigned char bin[] = {0xfb, 0xff, 0xfe};
	char *s;

	(void)state;
	/* RFC 4648's vectors */
	b64_round("", "");
	b64_round("f", "Zg==");
	b64_round("fo", "Zm8=");
	b64_round("foo", "Zm9v");
	b64_round("foob", "Zm9vYg==");
	b64_round("fooba", "Zm9vYmE=");
	b64_round("foobar", "Zm9vYmFy");
	s = pw_base64_encode(bin, 3);
	assert_string_equal(s, "+//+");
	free(s);
	/* URL-safe and unpadded are accepted too */
	assert_int_equal(dec("-__-", &b), 0);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.buf, bin, 3);
	assert_int_equal(dec("Zm8", &b), 0);
	assert_int_equal(b.len, 2);
	/* refused: another character, padding in the middle or too much,
	 * a length no encoder gives, bits no encoder sets */
	assert_int_equal(dec("Zm9*", &b), -EINVAL);
	assert_int_equal(dec("Zg==Zm8=", &b), -EINVAL);
	assert_int_equal(dec("Z===", &b), -EINVAL);
	assert_int_equal(dec("Zm9vY", &b), -EINVAL);
	assert_int_equal(dec("Zm9=", &b), -EINVAL);
	assert_int_equal(dec("Zh==", &b), -EINVAL);
	/* the cap */
	assert_int_equal(dec("Zm9vYmFyZm9vYmFyZm9vYmFy", &b), -E2BIG);
	pw_buf_release(&b);
}

static void test_pae(void **state)
{
	struct pw_buf b = PW_BUF_INIT(1024);
	const char want[] = "DSSEv1 29 http://example.com/HelloWorld 11 hello world";

	(void)state;
	assert_int_equal(pw_dsse_pae("http://example.com/HelloWorld", "hello world", 11, &b), 0);
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.buf, want, b.len);
	b.len = 0;
	/* empty type and body; a body with NUL and spaces is taken as bytes */
	assert_int_equal(pw_dsse_pae("", "", 0, &b), 0);
	assert_int_equal(b.len, 12);
	assert_memory_equal(b.buf, "DSSEv1 0  0 ", 12);
	b.len = 0;
	assert_int_equal(pw_dsse_pae("t", "a\0 b", 4, &b), 0);
	assert_int_equal(b.len, 17);
	assert_memory_equal(b.buf, "DSSEv1 1 t 4 a\0 b", 17);
	pw_buf_release(&b);
}

static char dir[] = "/tmp/test_attest.XXXXXX";

static void test_ed25519(void **state)
{
	char key[64], pub[64], key2[64], pub2[64], rsa[64], cmd[512];
	unsigned char sig[PW_ED25519_SIG_LEN];
	char id[PW_SHA256_HEX], id2[PW_SHA256_HEX], id3[PW_SHA256_HEX], want[PW_SHA256_HEX + 8];
	struct pw_err e = PW_ERR_INIT;
	const char msg[] = "DSSEv1 1 t 2 hi";
	FILE *f;

	(void)state;
	if (system("command -v openssl >/dev/null") != 0)
		skip();
	assert_non_null(mkdtemp(dir));
	snprintf(key, sizeof(key), "%s/k.pem", dir);
	snprintf(pub, sizeof(pub), "%s/k.pub", dir);
	snprintf(key2, sizeof(key2), "%s/k2.pem", dir);
	snprintf(pub2, sizeof(pub2), "%s/k2.pub", dir);
	snprintf(rsa, sizeof(rsa), "%s/rsa.pem", dir);
	snprintf(cmd, sizeof(cmd),
		 "cd %s && openssl genpkey -algorithm ed25519 -out k.pem && "
		 "openssl pkey -in k.pem -pubout -out k.pub && "
		 "openssl genpkey -algorithm ed25519 -out k2.pem && "
		 "openssl pkey -in k2.pem -pubout -out k2.pub && "
		 "openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:1024 -out rsa.pem "
		 "2>/dev/null && "
		 "openssl pkey -in k.pem -pubout -outform DER | sha256sum | cut -c1-64 >id",
		 dir);
	assert_int_equal(system(cmd), 0);

	assert_int_equal(pw_ed25519_sign(key, msg, strlen(msg), sig, id, &e), 0);
	/* keyid: the sha256 of the DER SubjectPublicKeyInfo */
	snprintf(cmd, sizeof(cmd), "%s/id", dir);
	f = fopen(cmd, "r");
	assert_non_null(f);
	assert_non_null(fgets(want, sizeof(want), f));
	fclose(f);
	want[64] = 0;
	assert_string_equal(id, want);
	assert_int_equal(pw_ed25519_verify(pub, msg, strlen(msg), sig, sizeof(sig), id2, &e), 0);
	assert_string_equal(id2, id);
	/* a flipped bit, another key, a short signature */
	sig[7] ^= 1;
	assert_int_equal(pw_ed25519_verify(pub, msg, strlen(msg), sig, sizeof(sig), id2, &e),
			 -EBADMSG);
	sig[7] ^= 1;
	assert_int_equal(pw_ed25519_verify(pub2, msg, strlen(msg), sig, sizeof(sig), id3, &e),
			 -EBADMSG);
	assert_string_not_equal(id3, id);
	assert_int_equal(pw_ed25519_verify(pub, msg, strlen(msg), sig, 63, id2, &e), -EBADMSG);
	/* ed25519 signatures are deterministic */
	{
		unsigned char again[PW_ED25519_SIG_LEN];

		assert_int_equal(pw_ed25519_sign(key, msg, strlen(msg), again, id2, &e), 0);
		assert_memory_equal(again, sig, sizeof(sig));
	}
	/* not an ed25519 key, a public key given to sign, a missing file */
	assert_int_equal(pw_ed25519_sign(rsa, msg, 1, sig, id2, &e), -EINVAL);
	assert_int_equal(strncmp(e.msg, "'", 1), 0);
	assert_int_equal(strncmp(e.msg + 1, rsa, strlen(rsa)), 0);
	assert_non_null(strstr(e.msg, "an ed25519 private key in PEM (BEGIN PRIVATE KEY)"));
	assert_int_equal(pw_ed25519_sign(pub, msg, 1, sig, id2, &e), -EINVAL);
	assert_int_equal(pw_ed25519_verify(key2, msg, 1, sig, 64, id2, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "an ed25519 public key in PEM (BEGIN PUBLIC KEY)"));
	assert_int_equal(pw_ed25519_sign("/nonexistent/k.pem", msg, 1, sig, id2, &e), -ENOENT);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_base64),
	    cmocka_unit_test(test_pae),
	    cmocka_unit_test(test_ed25519),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

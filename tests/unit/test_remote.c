/* test_remote.c - unit tests of the HTTP remote cache client: URL parsing
 * (credentials taken out and never in a message, trailing slashes, what
 * is refused), pw_remote_pick_url()'s precedence, argument checks, and a
 * refused connection: one failure naming the URL, then the remote is off
 * (silent misses, no-op puts).  The protocol itself is tested against
 * nginx in tests/t5600-remote-protocol.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "pinwheel/actions.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/store.h"

#define K1 "1111111111111111111111111111111111111111111111111111111111111111"

static void test_url_ok(void **state)
{
	static const char *const cases[][2] = {
	    {"http://h:1/x//", "http://h:1/x"},
	    {"https://h", "https://h"},
	    {"HTTP://h/", "HTTP://h"},
	    {"https://ci:s3cr%40t@h:8443/team/c", "https://h:8443/team/c"},
	    {"http://only-user@h/p", "http://h/p"},
	    {"http://a@b:c@h/p", "http://h/p"}, /* the last '@' ends the userinfo */
	};
	size_t i;

	(void)state;
	for (i = 0; i < PW_ARRAY_SIZE(cases); i++) {
		struct pw_err e = PW_ERR_INIT;
		struct pw_remote *r = pw_remote_open(cases[i][0], &e);

		assert_non_null(r);
		assert_string_equal(pw_remote_url(r), cases[i][1]);
		pw_remote_close(r);
	}
}

static void test_url_bad(void **state)
{
	static const char *const cases[][2] = {
	    {"ftp://u:hunter2@h/x", "cache URL 'ftp...': expected http://"},
	    {"file:///tmp/cache", "cache URL 'file...': expected http://"},
	    {"mirror.example/cache", "cache URL 'mirror.example...': expected http://"},
	    {"http://", "cache URL 'http://': no host"},
	    {"http://u:hunter2@/x", "cache URL 'http:///x': no host"},
	    {"http://h/x?hunter2", "expected no query or fragment"},
	    {"http://u:hunter2%zz@h/x", "cache URL 'http://***@h/x': bad percent escape"},
	    {"http://u:%00hunter2@h/x", "bad percent escape"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < PW_ARRAY_SIZE(cases); i++) {
		struct pw_err e = PW_ERR_INIT;
		struct pw_remote *r = pw_remote_open(cases[i][0], &e);

		assert_null(r);
		assert_int_equal(errno, EINVAL);
		if (!strstr(e.msg, cases[i][1]))
			fail_msg("'%s': got '%s'", cases[i][0], e.msg);
		if (strstr(cases[i][0], "hunter2@") && strstr(e.msg, "hunter2"))
			fail_msg("'%s': the password is in '%s'", cases[i][0], e.msg);
	}
}

static void test_pick(void **state)
{
	(void)state;
	unsetenv("PINWHEEL_CACHE_URL");
	assert_null(pw_remote_pick_url(NULL));
	assert_string_equal(pw_remote_pick_url("http://a"), "http://a");
	setenv("PINWHEEL_CACHE_URL", "http://env", 1);
	assert_string_equal(pw_remote_pick_url(NULL), "http://env");
	assert_string_equal(pw_remote_pick_url("http://opt"), "http://opt");
	assert_null(pw_remote_pick_url("")); /* --cache-url '' turns it off */
	setenv("PINWHEEL_CACHE_URL", "", 1);
	assert_null(pw_remote_pick_url(NULL));
	unsetenv("PINWHEEL_CACHE_URL");
}

/* A loopback port that refuses connections (bound, never listening) for
 * as long as *fd stays open. */
static int refusing_port(int *fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	*fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(*fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(*fd, (struct sockaddr *)&a, &len) < 0)
		return -1;
	return ntohs(a.sin_port);
}

static void test_refused(void **state)
{
	char dir[] = "/tmp/pw-test-remote.XXXXXX", url[128];
	struct pw_err e = PW_ERR_INIT;
	struct pw_remote *r;
	struct pw_store *s;
	char *data = (char *)"x";
	size_t n = 1;
	int fd = -1, port;

	(void)state;
	setenv("PINWHEEL_CACHE_RETRIES", "1", 1);
	setenv("PINWHEEL_RETRY_BASE_MS", "1", 1);
	assert_non_null(mkdtemp(dir));
	s = pw_store_open(dir, &e);
	assert_non_null(s);
	port = refusing_port(&fd);
	assert_true(port > 0);
	snprintf(url, sizeof(url), "http://ci:hunter2@127.0.0.1:%d/c", port);
	r = pw_remote_open(url, &e);
	assert_non_null(r);

	assert_int_equal(pw_remote_get_ac(r, "nothex", &data, &n, &e), -EINVAL);
	assert_null(data);
	assert_int_equal(n, 0);
	assert_int_equal(pw_remote_get_cas(r, s, K1 "0", PW_STORE_SIZE_UNKNOWN, &e), -EINVAL);

	pw_err_clear(&e);
	assert_int_equal(pw_remote_get_ac(r, K1, &data, &n, &e), -EIO);
	snprintf(url, sizeof(url), "GET http://127.0.0.1:%d/c/ac/" K1 ": ", port);
	if (strncmp(e.msg, url, strlen(url)))
		fail_msg("got '%s'", e.msg);
	assert_null(strstr(e.msg, "hunter2"));

	/* switched off: a silent miss, a no-op put, nothing stored */
	pw_err_clear(&e);
	assert_int_equal(pw_remote_get_cas(r, s, K1, 3, &e), -ENOENT);
	assert_int_equal(pw_remote_get_ac(r, K1, &data, &n, &e), -ENOENT);
	assert_int_equal(pw_remote_put_ac(r, K1, "{}", 2, &e), 0);
	assert_int_equal(pw_remote_put_cas(r, s, K1, &e), 0);
	assert_string_equal(e.msg, "");
	assert_false(pw_store_has_blob(s, K1));

	pw_remote_close(r);
	pw_store_close(s);
	pw_rm_rf(dir);
	close(fd);
	unsetenv("PINWHEEL_CACHE_RETRIES");
	unsetenv("PINWHEEL_RETRY_BASE_MS");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_url_ok),
	    cmocka_unit_test(test_url_bad),
	    cmocka_unit_test(test_pick),
	    cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

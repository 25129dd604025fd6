/* pw-remote - test driver for the HTTP remote cache (not installed).
 *
 *   pw-remote URL STORE get-cas HEX [SIZE]   fetch a blob into STORE
 *   pw-remote URL STORE put-cas HEX          push STORE's blob
 *   pw-remote URL STORE get-ac KEY           print the record's bytes
 *   pw-remote URL STORE put-ac KEY FILE      push FILE's bytes as the record
 *   pw-remote URL STORE batch FILE           one "VERB ARG" per line (one
 *                                            handle: the remote's state
 *                                            carries from line to line)
 * Each failure prints "pw-remote: MESSAGE" on stderr; a 404 prints
 * "pw-remote: miss".  Exit 0, 1 (a failure or miss), 2 (usage), 3 (open).
 */
#include <string.h>

#include "pinwheel/actions.h"
#include "pinwheel/buf.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/store.h"

static int one(struct pw_remote *rm, struct pw_store *s, const char *verb, const char *arg,
	       const char *arg2)
{
	struct pw_err e = PW_ERR_INIT;
	uint64_t size = PW_STORE_SIZE_UNKNOWN;
	char *data = NULL;
	size_t n = 0;
	int r;

	if (!strcmp(verb, "get-cas")) {
		if (arg2 && pw_parse_u64(arg2, &size) < 0)
			return 2;
		r = pw_remote_get_cas(rm, s, arg, size, &e);
	} else if (!strcmp(verb, "put-cas")) {
		r = pw_remote_put_cas(rm, s, arg, &e);
	} else if (!strcmp(verb, "get-ac")) {
		r = pw_remote_get_ac(rm, arg, &data, &n, &e);
		if (r == 0)
			fwrite(data, 1, n, stdout);
		free(data);
	} else if (!strcmp(verb, "put-ac") && arg2) {
		struct pw_buf b = PW_BUF_INIT(1 << 24);

		r = pw_read_file(arg2, &b);
		if (r < 0)
			pw_err_sys(&e, -r, "could not read '%s'", arg2);
		else
			r = pw_remote_put_ac(rm, arg, b.buf, b.len, &e);
		pw_buf_release(&b);
	} else {
		return 2;
	}
	if (r == -ENOENT && !e.msg[0]) {
		fprintf(stderr, "pw-remote: miss\n");
		return 1;
	}
	if (r < 0) {
		fprintf(stderr, "pw-remote: %s\n", e.msg);
		return 1;
	}
	return 0;
}

static int batch(struct pw_remote *rm, struct pw_store *s, const char *file)
{
	struct pw_buf b = PW_BUF_INIT(1 << 20);
	char *line, *save = NULL;
	int st = 0, r;

	if (pw_read_file(file, &b) < 0)
		return 2;
	for (line = strtok_r(b.buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' '), *arg2;

		if (!sp)
			continue;
		*sp = '\0';
		arg2 = strchr(sp + 1, ' ');
		if (arg2)
			*arg2++ = '\0';
		r = one(rm, s, line, sp + 1, arg2);
		if (r > st)
			st = r;
	}
	pw_buf_release(&b);
	return st;
}

int main(int argc, char **argv)
{
	struct pw_err e = PW_ERR_INIT;
	struct pw_remote *rm;
	struct pw_store *s;
	int st;

	if (argc < 5) {
		fprintf(stderr, "usage: pw-remote URL STORE VERB ARG [ARG]\n");
		return 2;
	}
	s = pw_store_open(argv[2], &e);
	if (!s) {
		fprintf(stderr, "pw-remote: %s\n", e.msg);
		return 3;
	}
	rm = pw_remote_open(argv[1], &e);
	if (!rm) {
		fprintf(stderr, "pw-remote: %s\n", e.msg);
		pw_store_close(s);
		return 3;
	}
	if (!strcmp(argv[3], "batch"))
		st = batch(rm, s, argv[4]);
	else
		st = one(rm, s, argv[3], argv[4], argc > 5 ? argv[5] : NULL);
	if (st == 2)
		fprintf(stderr, "usage: pw-remote URL STORE VERB ARG [ARG]\n");
	pw_remote_close(rm);
	pw_store_close(s);
	return st;
}

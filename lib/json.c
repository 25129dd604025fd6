/* json.c - jansson helpers with bounded input and file:line:col errors. */
#include <string.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/json.h"

json_t *pw_json_load_mem(const char *name, const char *data, size_t n, struct pw_err *e)
{
	json_error_t je;
	json_t *j;

	j = json_loadb(data, n, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		pw_err_set(e, EINVAL, "%s:%d:%d: %s", name, je.line, je.column, je.text);
		errno = EINVAL;
	}
	return j;
}

json_t *pw_json_load_file(const char *path, struct pw_err *e)
{
	struct pw_buf b = PW_BUF_INIT(PW_JSON_MAX_FILE);
	json_t *j;
	int r;

	r = pw_read_file(path, &b);
	if (r < 0) {
		if (r == -E2BIG)
			pw_err_set(e, E2BIG, "'%s': larger than %u bytes", path, PW_JSON_MAX_FILE);
		else
			pw_err_sys(e, -r, "could not read '%s'", path);
		pw_buf_release(&b);
		errno = -r;
		return NULL;
	}
	j = pw_json_load_mem(path, b.buf, b.len, e);
	pw_buf_release(&b);
	return j;
}

char *pw_json_dumps(json_t *j, bool pretty)
{
	char *s = json_dumps(j, JSON_SORT_KEYS | (pretty ? JSON_INDENT(2) : JSON_COMPACT));

	if (!s) {
		fprintf(stderr, "pinwheel: out of memory dumping json\n");
		abort();
	}
	return s;
}

int pw_json_dump_file(const char *path, json_t *j, struct pw_err *e)
{
	_cleanup_free_ char *s = pw_json_dumps(j, true);
	_cleanup_free_ char *t = pw_xasprintf("%s\n", s);
	int r = pw_write_file_atomic(path, t, strlen(t), 0644);

	if (r < 0)
		return pw_err_sys(e, -r, "could not write '%s'", path);
	return 0;
}

void pw_json_print_line(json_t *j)
{
	char *s = pw_json_dumps(j, false);

	printf("%s\n", s);
	fflush(stdout);
	free(s);
}

/* json.c - jansson helpers with bounded input and file:line:col errors. */
#include <string.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/json.h"
#include "pinwheel/log.h"

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

/* @s escaped (log.h's PW_ESC_JSON) with a final newline, to @f at once. */
static void print_text(FILE *f, const char *s)
{
	struct pw_buf b = PW_BUF_INIT(SIZE_MAX / 2);

	pw_buf_add_escaped(&b, s, strlen(s), PW_ESC_JSON);
	if (!b.len || b.buf[b.len - 1] != '\n')
		pw_buf_adds(&b, "\n");
	fwrite(b.buf, 1, b.len, f);
	fflush(f);
	pw_buf_release(&b);
}

void pw_json_print_text(const char *s)
{
	print_text(stdout, s);
}

void pw_json_event(json_t *j)
{
	char *s;

	if (!j)
		return;
	if (pw_log_events()) {
		s = pw_json_dumps(j, false);
		print_text(stderr, s);
		free(s);
	}
	json_decref(j);
}

void pw_json_print(json_t *j, bool pretty)
{
	char *s = pw_json_dumps(j, pretty);

	pw_json_print_text(s);
	free(s);
}

void pw_json_print_line(json_t *j)
{
	pw_json_print(j, false);
}

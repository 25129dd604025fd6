/* fuzz_deb_control.c - the deb822 parser, dpkg versions, relationship
 * fields (through the index and the resolver), Release and apt sources
 * parsing must never crash, leak or loop on hostile bytes.  The first byte
 * picks the consumer; the rest is the text. */
#include <string.h>

#include "pinwheel/buf.h"
#include "pinwheel/debian.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void versions(const char *text, size_t len)
{
	struct pw_deb_parser p;
	struct pw_deb_stanza st = {0};
	struct pw_err e = PW_ERR_INIT;
	const char *prev = NULL;
	char *keep = NULL;

	pw_deb_parser_init(&p, "fuzz", text, len);
	while (pw_deb_parser_next(&p, &st, &e) == 1) {
		const char *v = pw_deb_stanza_get(&st, "Version");
		if (!v)
			continue;
		(void)pw_deb_version_valid(v);
		if (prev) {
			int a = pw_deb_version_cmp(prev, v), b = pw_deb_version_cmp(v, prev);
			if ((a < 0) != (b > 0) || (a == 0) != (b == 0))
				__builtin_trap(); /* antisymmetry */
		}
		free(keep);
		keep = pw_xstrdup(v);
		prev = keep;
	}
	free(keep);
	pw_deb_stanza_release(&st);
}

static void index_and_resolve(const char *text, size_t len)
{
	struct pw_deb_index *ix = pw_deb_index_new("amd64", "fuzz");
	struct pw_err e = PW_ERR_INIT;
	static const char *const names[] = {"a", "b:any", "c (>= 1)"};
	struct pw_deb_resolve_opts o = {names, 3, true};
	struct pw_deb_selection s;

	if (pw_deb_index_add_packages(ix, "fuzz", "main", text, len, &e) == 0 &&
	    pw_deb_resolve(ix, &o, &s, &e) == 0)
		pw_deb_selection_release(&s);
	pw_deb_index_free(ix);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct pw_err e = PW_ERR_INIT;
	struct pw_apt_sources src = {0};
	struct pw_deb_release rel;
	struct pw_buf body = PW_BUF_INIT(1u << 20);
	char *text;
	size_t len;

	if (size < 1 || size > (1u << 18))
		return 0;
	len = size - 1;
	text = pw_xmalloc(len + 1);
	memcpy(text, data + 1, len);
	text[len] = '\0';
	switch (data[0] % 5) {
	case 0:
		versions(text, len);
		break;
	case 1:
		index_and_resolve(text, len);
		break;
	case 2:
		if (pw_deb_clearsigned_body(text, len, &body, &e) == 0 &&
		    pw_deb_release_parse("fuzz", body.buf, body.len, &rel, &e) == 0)
			pw_deb_release_release(&rel);
		break;
	case 3:
		pw_apt_sources_parse("fuzz", text, len, true, &src, &e);
		pw_apt_sources_release(&src);
		break;
	case 4:
		pw_apt_sources_parse("fuzz", text, len, false, &src, &e);
		pw_apt_sources_release(&src);
		break;
	}
	pw_buf_release(&body);
	free(text);
	return 0;
}

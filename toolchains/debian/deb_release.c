/* deb_release.c - InRelease files: signature check with gpgv, the signed
 * text, the SHA256 list; an HTTP GET for unpinned files (InRelease itself);
 * decompression of Packages indexes with libarchive's raw format.
 *
 * gpgv is the one external program the provider runs: the issue asks for
 * signature verification with the Debian archive keyring exactly as apt
 * does it, and reimplementing OpenPGP is out of scope.  We take the text
 * gpgv writes with --output (only what the signature covers), never the
 * file's own text, so nothing outside the signed part can be parsed.
 */
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <archive.h>
#include <curl/curl.h>

#include "pinwheel/child.h"
#include "pinwheel/debian.h"
#include "pinwheel/fetch.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/sys.h"

/* Read all of memfd @fd from the start into @b. */
static int read_memfd(int fd, struct pw_buf *b)
{
	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	return pw_read_fd(fd, b);
}

/* The last non-empty line of gpgv's messages, for the error. */
static void last_line(const char *s, char *out, size_t outsz)
{
	const char *end = s + strlen(s), *start;

	while (end > s && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	start = end;
	while (start > s && start[-1] != '\n')
		start--;
	/* gpgv ends with a fixed hint; the reason is the line before. */
	snprintf(out, outsz, "%.*s", (int)(end - start), start);
}

int pw_deb_inrelease_verify(const char *path, const char *name, const char *keyring,
			    struct pw_buf *out, struct pw_err *e)
{
	_cleanup_close_ int ofd = -1, efd = -1, nullfd = -1;
	_cleanup_free_ char *kr = NULL;
	struct pw_buf msg = PW_BUF_INIT(1u << 16);
	pid_t parent = getpid();
	char *argv[12];
	struct stat st;
	char line[256];
	pid_t pid;
	int r, status, i = 0;

	if (stat(keyring, &st) < 0)
		return pw_err_sys(e, errno, "keyring '%s'", keyring);
	/* gpgv looks a name without a slash up in its home directory. */
	kr = strchr(keyring, '/') ? pw_xstrdup(keyring) : pw_xasprintf("./%s", keyring);
	ofd = pw_sys_memfd_create("pw-gpgv-out", MFD_CLOEXEC);
	efd = pw_sys_memfd_create("pw-gpgv-err", MFD_CLOEXEC);
	nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (ofd < 0 || efd < 0 || nullfd < 0)
		return pw_err_sys(e, errno, "could not set up gpgv");
	argv[i++] = (char *)"gpgv";
	argv[i++] = (char *)"--quiet";
	/* An empty home: only the keyring given here counts. */
	argv[i++] = (char *)"--homedir";
	argv[i++] = (char *)"/nonexistent/pinwheel-gpgv-home";
	argv[i++] = (char *)"--keyring";
	argv[i++] = kr;
	argv[i++] = (char *)"--output";
	argv[i++] = (char *)"-";
	argv[i++] = (char *)path;
	argv[i] = NULL;
	/* fork rather than posix_spawn: gpgv must die with us (child.h) */
	pid = fork();
	if (pid < 0)
		return pw_err_sys(e, errno, "could not run gpgv");
	if (pid == 0) {
		if (pw_child_die_with_parent(parent) < 0 || dup2(nullfd, 0) < 0 ||
		    dup2(ofd, 1) < 0 || dup2(efd, 2) < 0)
			_exit(126);
		execvp("gpgv", argv);
		_exit(errno == ENOENT ? 127 : 126);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return pw_err_sys(e, errno, "waitpid gpgv");
	read_memfd(efd, &msg);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && msg.len == 0) {
		pw_buf_release(&msg);
		return pw_err_set(e, ENOENT, "could not run 'gpgv' to verify '%s' (install gpgv)",
				  name);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		const char *s = msg.buf, *p;

		/* Prefer gpgv's line that names the problem. */
		line[0] = '\0';
		if ((p = strstr(s, "BAD signature")) || (p = strstr(s, "no signature found")) ||
		    (p = strstr(s, "Can't check signature")) ||
		    (p = strstr(s, "verify signatures failed")))
			snprintf(line, sizeof(line), "%.*s", (int)strcspn(p, "\n"), p);
		else
			last_line(s, line, sizeof(line));
		pw_buf_release(&msg);
		return pw_err_set(e, EBADMSG, "bad signature on '%s' (keyring '%s'): %s", name,
				  keyring, line[0] ? line : "gpgv failed");
	}
	pw_buf_release(&msg);
	pw_buf_reset(out);
	r = read_memfd(ofd, out);
	if (r < 0)
		return pw_err_sys(e, -r, "could not read the signed text of '%s'", name);
	return 0;
}

static bool starts(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return n >= k && !memcmp(s, prefix, k);
}

int pw_deb_clearsigned_body(const char *data, size_t len, struct pw_buf *out, struct pw_err *e)
{
	size_t pos = 0;
	int state = 0; /* 0 before, 1 armour headers, 2 body */

	pw_buf_reset(out);
	if (!starts(data, len, "-----BEGIN PGP SIGNED MESSAGE-----"))
		return pw_buf_add(out, data, len) < 0 ? pw_err_set(e, E2BIG, "release too big") : 0;
	while (pos < len) {
		const char *s = data + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;

		pos += n + 1;
		if (n && s[n - 1] == '\r')
			n--;
		if (state == 0) {
			state = 1;
			continue;
		}
		if (state == 1) {
			if (n == 0)
				state = 2;
			continue;
		}
		if (starts(s, n, "-----BEGIN PGP SIGNATURE-----"))
			return 0;
		if (starts(s, n, "- ")) {
			s += 2;
			n -= 2;
		}
		if (pw_buf_add(out, s, n) < 0 || pw_buf_add(out, "\n", 1) < 0)
			return pw_err_set(e, E2BIG, "release too big");
	}
	return pw_err_set(e, EBADMSG, "clear-signed message without a signature block");
}

static void split_ws(const char *s, char ***v, size_t *n)
{
	while (*s) {
		size_t k = strcspn(s, " \t\n");

		if (k) {
			*v = pw_xrealloc(*v, (*n + 1) * sizeof(**v));
			(*v)[(*n)++] = pw_xasprintf("%.*s", (int)k, s);
		}
		s += k;
		if (*s)
			s++;
	}
}

void pw_deb_release_release(struct pw_deb_release *r)
{
	size_t i;

	free(r->suite);
	free(r->codename);
	free(r->date);
	for (i = 0; i < r->narches; i++)
		free(r->arches[i]);
	free(r->arches);
	for (i = 0; i < r->ncomponents; i++)
		free(r->components[i]);
	free(r->components);
	for (i = 0; i < r->nfiles; i++)
		free(r->files[i].path);
	free(r->files);
	memset(r, 0, sizeof(*r));
}

int pw_deb_date_to_snapshot(const char *date, char out[17])
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int d, y, hh, mm, ss, n = 0, mon;
	char mname[4], zone[8];
	const char *m, *comma = strchr(date, ',');
	struct tm tm = {0};
	time_t t;

	if (comma)
		date = comma + 1;
	if (sscanf(date, " %2d %3s %4d %2d:%2d:%2d %7s%n", &d, mname, &y, &hh, &mm, &ss, zone, &n) !=
		7 ||
	    date[n] != '\0' || strlen(mname) != 3)
		return -EINVAL;
	m = strstr(months, mname);
	if (!m || (m - months) % 3)
		return -EINVAL;
	mon = (int)(m - months) / 3;
	if (d < 1 || d > 31 || y < 1970 || y > 9999 || hh > 23 || mm > 59 || ss > 60 || hh < 0 ||
	    mm < 0 || ss < 0)
		return -EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mon;
	tm.tm_mday = d;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	t = timegm(&tm);
	if (!strcmp(zone, "UTC") || !strcmp(zone, "GMT") || !strcmp(zone, "Z")) {
		/* as it is */
	} else if ((zone[0] == '+' || zone[0] == '-') && strlen(zone) == 5 &&
		   strspn(zone + 1, "0123456789") == 4) {
		int off = ((zone[1] - '0') * 10 + (zone[2] - '0')) * 3600 +
			  ((zone[3] - '0') * 10 + (zone[4] - '0')) * 60;
		t += zone[0] == '+' ? -off : off;
	} else {
		return -EINVAL;
	}
	if (!gmtime_r(&t, &tm) || strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) != 16)
		return -EINVAL;
	return 0;
}

int pw_deb_release_parse(const char *name, const char *text, size_t len, struct pw_deb_release *out,
			 struct pw_err *e)
{
	struct pw_deb_parser p;
	struct pw_deb_stanza st = {0};
	const char *v, *line;
	int r;

	memset(out, 0, sizeof(*out));
	pw_deb_parser_init(&p, name, text, len);
	r = pw_deb_parser_next(&p, &st, e);
	if (r == 0)
		r = pw_err_set(e, EBADMSG, "%s: empty release file", name);
	if (r < 0)
		goto out;
	if ((v = pw_deb_stanza_get(&st, "Suite")))
		out->suite = pw_xstrdup(v);
	if ((v = pw_deb_stanza_get(&st, "Codename")))
		out->codename = pw_xstrdup(v);
	if ((v = pw_deb_stanza_get(&st, "Date"))) {
		char ts[17];
		if (pw_deb_date_to_snapshot(v, ts) == 0)
			out->date = pw_xstrdup(ts);
	}
	if ((v = pw_deb_stanza_get(&st, "Architectures")))
		split_ws(v, &out->arches, &out->narches);
	if ((v = pw_deb_stanza_get(&st, "Components")))
		split_ws(v, &out->components, &out->ncomponents);
	v = pw_deb_stanza_get(&st, "SHA256");
	if (!v) {
		r = pw_err_set(e, EBADMSG, "%s: no 'SHA256' field", name);
		goto out;
	}
	for (line = v; *line;) {
		size_t n = strcspn(line, "\n");
		char hex[80], sz[32], path[1024];
		struct pw_deb_release_file *f;
		_cleanup_free_ char *l = pw_xasprintf("%.*s", (int)n, line);
		uint64_t size;

		line += n + (line[n] ? 1 : 0);
		if (!*l)
			continue;
		if (sscanf(l, "%79s %31s %1023s", hex, sz, path) != 3 ||
		    !pw_sha256_hex_valid(hex) || pw_parse_u64(sz, &size) < 0) {
			r = pw_err_set(e, EBADMSG, "%s: field 'SHA256': bad line '%.80s'", name, l);
			goto out;
		}
		out->files = pw_xrealloc(out->files, (out->nfiles + 1) * sizeof(*out->files));
		f = &out->files[out->nfiles++];
		f->path = pw_xstrdup(path);
		memcpy(f->sha256, hex, PW_SHA256_HEX);
		f->size = size;
	}
	r = 0;
out:
	pw_deb_stanza_release(&st);
	if (r < 0)
		pw_deb_release_release(out);
	return r;
}

const struct pw_deb_release_file *pw_deb_release_find(const struct pw_deb_release *r,
						      const char *path)
{
	size_t i;

	for (i = 0; i < r->nfiles; i++)
		if (!strcmp(r->files[i].path, path))
			return &r->files[i];
	return NULL;
}

int pw_deb_decompress_mem(const void *data, size_t len, struct pw_buf *out, struct pw_err *e)
{
	struct archive *a;
	struct archive_entry *ent;
	char chunk[65536];
	int r;

	if (len == 0)
		return 0;
	a = archive_read_new();
	if (!a)
		return pw_err_set(e, ENOMEM, "could not start libarchive");
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_memory(a, data, len) != ARCHIVE_OK ||
	    archive_read_next_header(a, &ent) != ARCHIVE_OK) {
		r = pw_err_set(e, EBADMSG, "not a readable index: %s", archive_error_string(a));
		goto out;
	}
	for (;;) {
		la_ssize_t k = archive_read_data(a, chunk, sizeof(chunk));

		if (k == 0)
			break;
		if (k < 0) {
			r = pw_err_set(e, EBADMSG, "corrupt compressed index: %s",
				       archive_error_string(a));
			goto out;
		}
		if (pw_buf_add(out, chunk, (size_t)k) < 0) {
			r = pw_err_set(e, E2BIG, "index larger than %zu bytes", out->max);
			goto out;
		}
	}
	r = 0;
out:
	archive_read_free(a);
	return r;
}

/* ---- unpinned HTTP GET (InRelease) ---- */

struct get {
	struct pw_buf *b;
	bool toobig;
};

static size_t on_data(char *p, size_t sz, size_t nm, void *ud)
{
	struct get *g = ud;

	if (pw_buf_add(g->b, p, sz * nm) < 0) {
		g->toobig = true;
		return 0;
	}
	return sz * nm;
}

int pw_deb_http_get(const char *url, struct pw_buf *out, long *http_code, struct pw_err *e)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct get g = {out, false};
	struct pw_fetch_opts fo;
	CURL *c = curl_easy_init();
	CURLcode cr;
	long code = 0;

	*http_code = 0;
	if (!c)
		return pw_err_set(e, ENOMEM, "could not start libcurl");
	pw_buf_reset(out);
	pw_fetch_opts_init(&fo);
	pw_fetch_setup_easy(c, url, &fo);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &g);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	cr = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	*http_code = code;
	if (g.toobig)
		return pw_err_set(e, E2BIG, "'%s': larger than %zu bytes", url, out->max);
	if (cr == CURLE_FILE_COULDNT_READ_FILE)
		return pw_err_set(e, ENOENT, "'%s': not found", url);
	if (cr != CURLE_OK)
		return pw_err_set(e, EHOSTUNREACH, "'%s': %s", url,
				  errbuf[0] ? errbuf : curl_easy_strerror(cr));
	if (code >= 400)
		return pw_err_set(e, code == 404 || code == 410 ? ENOENT : EIO, "'%s': HTTP %ld",
				  url, code);
	return 0;
}

int pw_deb_http_head(const char *url, long *http_code, struct pw_err *e)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct pw_fetch_opts fo;
	CURL *c = curl_easy_init();
	CURLcode cr;
	long code = 0;

	*http_code = 0;
	if (!c)
		return pw_err_set(e, ENOMEM, "could not start libcurl");
	pw_fetch_opts_init(&fo);
	pw_fetch_setup_easy(c, url, &fo);
	curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	cr = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	*http_code = code;
	if (cr == CURLE_FILE_COULDNT_READ_FILE)
		return pw_err_set(e, ENOENT, "'%s': not found", url);
	if (cr != CURLE_OK)
		return pw_err_set(e, EHOSTUNREACH, "'%s': %s", url,
				  errbuf[0] ? errbuf : curl_easy_strerror(cr));
	if (code >= 400)
		return pw_err_set(e, code == 404 || code == 410 ? ENOENT : EIO, "'%s': HTTP %ld",
				  url, code);
	return 0;
}

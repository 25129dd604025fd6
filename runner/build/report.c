/* report.c - the end of `pinwheel build`: the summary (a table, or one
 * JSON document with --json) and OUT/pinwheel-manifest.json (docs/build.md,
 * docs/manifest.md; runner/build/build_int.h). */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "build_int.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/json.h"
#include "pinwheel/log.h"
#include "pinwheel/wheel.h"

static bool sdist_in_out(const struct build *b)
{
	return !strcmp(b->sdist_dir, b->out);
}

/* ---- a failure, explained ---- */

#define LOG_READ_MAX (16u << 20) /* of a log's end, the part searched */
#define LINE_SHOWN_MAX 400	 /* bytes of one line shown */

/* The end of the log at @path (its last LOG_READ_MAX bytes) into @b.
 * 0 or -errno. */
static int read_log_end(const char *path, struct pw_buf *b)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	char tmp[65536];
	ssize_t n;

	if (fd < 0 || fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size > (off_t)LOG_READ_MAX && lseek(fd, st.st_size - LOG_READ_MAX, SEEK_SET) < 0)
		return -errno;
	while ((n = read(fd, tmp, sizeof(tmp))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (pw_buf_add(b, tmp, (size_t)n) < 0)
			break;
	}
	return 0;
}

static bool starts(const char *p, const char *end, const char *w)
{
	size_t n = strlen(w);

	return (size_t)(end - p) >= n && !memcmp(p, w, n);
}

/* Does the line [p, end) look like an error: a compiler's or Python's
 * "error:"/"Error:" (any case, so also "ModuleNotFoundError: ..."),
 * rustc's "error[E0433]", or a "fatal" one? */
static bool error_like(const char *p, const char *end)
{
	if (starts(p, end, "==== pinwheel: "))
		return false;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (starts(p, end, "error[") || starts(p, end, "fatal:"))
		return true;
	for (const char *q = p; q + 6 <= end; q++)
		if (!strncasecmp(q, "error:", 6))
			return true;
	return false;
}

/* The output of the last step in the log text [s, s+n): what follows the
 * last "==== pinwheel: STEP" line (a step's start: no ": " in its name)
 * up to the next "==== pinwheel: " line; the whole text when no step
 * started. */
static void last_step(const char *s, size_t n, const char **from, const char **to)
{
	const char *end = s + n, *p = s;

	*from = s;
	*to = end;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *le = nl ? nl : end;

		if (starts(p, le, "==== pinwheel: ")) {
			const char *name = p + 15;

			if (!memmem(name, (size_t)(le - name), ": ", 2)) {
				*from = nl ? nl + 1 : end;
				*to = end;
			} else if (*to == end && *from > s) {
				*to = p;
			}
		}
		p = nl ? nl + 1 : end;
	}
}

void pw_build_report_failure(struct build *b, const char *name, struct target_result *res)
{
	_cleanup_free_ char *path = pw_xasprintf("%s/%s.log", b->logs, name);
	struct pw_buf log = PW_BUF_INIT(LOG_READ_MAX);
	const char *from, *to, *p, *first = NULL, *first_end = NULL;
	size_t nl = 0;

	if (read_log_end(path, &log) == 0 && log.len) {
		last_step(log.buf, log.len, &from, &to);
		while (to > from && to[-1] == '\n')
			to--;
		for (p = from; p < to && !first;) {
			const char *e = memchr(p, '\n', (size_t)(to - p));

			if (!e)
				e = to;
			if (error_like(p, e)) {
				first = p;
				first_end = e;
			}
			p = e + 1;
		}
		/* the start of the last PW_BUILD_TAIL_LINES lines */
		for (p = to; p > from; p--)
			if (p[-1] == '\n' && ++nl == PW_BUILD_TAIL_LINES)
				break;
		if (to > from) {
			pw_info("%s: the last lines of its log (%s):", name, path);
			while (p < to) {
				const char *e = memchr(p, '\n', (size_t)(to - p));
				size_t l;

				if (!e)
					e = to;
				l = (size_t)(e - p);
				pw_info("  | %.*s%s", (int)(l > LINE_SHOWN_MAX ? LINE_SHOWN_MAX : l), p,
					l > LINE_SHOWN_MAX ? " [...]" : "");
				p = e + 1;
			}
		}
		if (first) {
			size_t l = (size_t)(first_end - first);

			while (l && (*first == ' ' || *first == '\t')) {
				first++;
				l--;
			}
			snprintf(res->error_line, sizeof(res->error_line), "%.*s", (int)l, first);
			pw_error("build: %s: first error: %s", name, res->error_line);
			/* clang's wording: only the floor's compiler (Zig) says it */
			if (strstr(res->error_line, "'omp.h' file not found"))
				pw_info("%s: hint: the manylinux floor's compiler (Zig) has no OpenMP; "
					"build this project with \"manylinux\": \"native\" "
					"(docs/wheels.md, \"The manylinux floor\")",
					name);
		}
	}
	pw_buf_release(&log);
	pw_error("build: %s: %s (log: %s)", name, res->error, path);
}

/* ---- the summary ---- */

/* Why target @i has no old root, when the lock dropped its defaulted one
 * (docs/config.md, "test.old_root"), else NULL. */
static const char *no_old_root(const struct build *b, size_t i)
{
	return b->c.targets[i].old_default ? pw_lockset_no_old_root(&b->ss.lock, b->c.targets[i].id)
					   : NULL;
}

void pw_build_print_table(struct build *b, struct target_result *res)
{
	pw_out("\n%-26s %-8s %-9s %-10s %-12s %-7s %s\n", "target", "status", "smoke", "size",
	       "sha256", "time", "wheel (tag)");
	for (size_t i = 0; i < b->c.ntargets; i++) {
		char sz[24] = "-";

		if (!b->sel[i])
			continue;
		if (res[i].ok)
			pw_format_bytes(res[i].size, sz, sizeof(sz));
		pw_out("%-26s %-8s %-9s %-10s %-12.12s %5.0fs  %s%s%s%s\n", b->c.targets[i].id,
		       !res[i].ok		     ? "FAILED"
		       : pw_build_abi3_from(b, i) ? "reused"
		       : res[i].cached		     ? "cached"
						     : "ok",
		       res[i].smoke, sz, res[i].ok ? res[i].sha256 : "-", res[i].secs,
		       res[i].ok ? res[i].wheel : res[i].error, res[i].ok ? " (" : "",
		       res[i].ok ? res[i].tag : "", res[i].ok ? ")" : "");
	}
	for (size_t i = 0; i < b->c.ntargets; i++)
		if (b->sel[i] && b->c.targets[i].old_id && res[i].smoke_roots[0])
			pw_out("%-26s smoke test passed in: %s\n", b->c.targets[i].id,
			       res[i].smoke_roots);
	for (size_t i = 0; i < b->c.ntargets; i++)
		if (b->sel[i] && no_old_root(b, i))
			pw_out("%-26s no old root: %s\n", b->c.targets[i].id, no_old_root(b, i));
	for (size_t i = 0; i < b->c.ntargets; i++)
		if (b->sel[i] && pw_build_abi3_from(b, i))
			pw_out("%-26s reused abi3 wheel from %s%s\n", b->c.targets[i].id,
			       pw_build_abi3_from(b, i),
			       !res[i].ok       ? " (its smoke test failed here)"
			       : res[i].cached ? " (its smoke test passed before: action cache)"
					       : " (its smoke test passed here)");
	for (size_t i = 0; i < b->c.ntargets; i++)
		if (b->sel[i] && res[i].retest)
			pw_out(
			    "%-26s the wheel came from the action cache; its smoke test ran again "
			    "(the test config or the test root changed)\n",
			    b->c.targets[i].id);
	for (size_t i = 0; i < b->c.ntargets; i++)
		if (b->sel[i] && res[i].rejected[0])
			pw_out("%-26s the action cache's wheel was rejected (%s)\n",
			       b->c.targets[i].id, res[i].rejected);
	for (size_t i = 0; i < b->c.ntargets; i++)
		if (b->sel[i] && res[i].cc.zig_damaged)
			pw_out("%-26s compile cache: Zig's cache in the store is damaged (not "
			       "matching its recorded digest): not used, see 'pinwheel store verify'\n",
			       b->c.targets[i].id);
	for (size_t i = 0; i < b->c.ntargets; i++)
		if (b->sel[i] && res[i].cc.corrupt)
			pw_out("%-26s compile cache: %u damaged %s (not matching %s sha256) "
			       "refused and compiled again\n",
			       b->c.targets[i].id, res[i].cc.corrupt,
			       res[i].cc.corrupt == 1 ? "entry" : "entries",
			       res[i].cc.corrupt == 1 ? "its" : "their");
	for (size_t i = 0; i < b->c.ntargets; i++)
		if (b->sel[i] && res[i].cc.rcorrupt)
			pw_out("%-26s compile cache: %u damaged Rust %s (not matching %s sha256) "
			       "refused and compiled again\n",
			       b->c.targets[i].id, res[i].cc.rcorrupt,
			       res[i].cc.rcorrupt == 1 ? "entry" : "entries",
			       res[i].cc.rcorrupt == 1 ? "its" : "their");
	if (b->sdist[0])
		pw_out("%-26s %-8s %-9s %-10s %-12.12s %7s  %s%s\n", "sdist",
		       b->sdist_cached ? "cached" : "ok", "-", "", b->sdist_sha, "", b->sdist,
		       sdist_in_out(b) ? "" : " (not in OUT: shard 1 writes it)");
}

void pw_build_print_stats(struct build *b, struct target_result *res)
{
	struct pw_cc_stats sum = {0};

	pw_out("\ncompile cache (%s)\n%-26s %-8s %6s %6s %11s %7s  %-9s %5s %6s %5s %7s\n",
	       b->cc_mode == PW_CC_OFF     ? "off"
	       : b->cc_mode == PW_CC_WRITE ? "--no-cache: every compile ran, recorded"
					   : "on",
	       "target", "wheel", "hits", "misses", "uncacheable", "damaged", "zig cache",
	       "rust:", "hits", "misses", "damaged");
	for (size_t i = 0; i < b->c.ntargets; i++) {
		const struct pw_cc_stats *c = &res[i].cc;

		if (!b->sel[i])
			continue;
		if (!res[i].cc_on) {
			pw_out("%-26s %-8s %6s %6s %11s %7s  %-9s %5s %6s %6s %7s\n",
			       b->c.targets[i].id, res[i].cached ? "cached" : "built", "-", "-",
			       "-", "-", "-", "", "-", "-", "-");
			continue;
		}
		pw_out("%-26s %-8s %6u %6u %11u %7u  %-9s %5s %6u %6u %7u\n", b->c.targets[i].id,
		       "built", c->hits, c->misses, c->skipped, c->corrupt,
		       c->zig_damaged ? "damaged, not used"
		       : c->zig_warm  ? "warm"
				      : "-",
		       "", c->rhits, c->rmisses, c->rcorrupt);
		sum.hits += c->hits;
		sum.misses += c->misses;
		sum.skipped += c->skipped;
		sum.corrupt += c->corrupt;
		sum.rhits += c->rhits;
		sum.rmisses += c->rmisses;
		sum.rcorrupt += c->rcorrupt;
	}
	pw_out("%-26s %-8s %6u %6u %11u %7u  %-9s %5s %6u %6u %7u\n", "total", "", sum.hits,
	       sum.misses, sum.skipped, sum.corrupt, "", "", sum.rhits, sum.rmisses,
	       sum.rcorrupt);
}

void pw_build_print_json(struct build *b, struct target_result *res, bool ok)
{
	json_t *j = json_object(), *ts = json_array();

	for (size_t i = 0; i < b->c.ntargets; i++) {
		_cleanup_free_ char *log = NULL;

		if (!b->sel[i])
			continue;
		log = pw_xasprintf("%s/%s.log", b->logs, b->c.targets[i].id);
		json_t *o, *roots = json_array();
		char rs[sizeof(res[i].smoke_roots)], *save = NULL;

		/* the roots its smoke test passed in, then the one it failed in */
		snprintf(rs, sizeof(rs), "%s", res[i].smoke_roots);
		for (char *tok = strtok_r(rs, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
			json_array_append_new(roots, json_string(tok));
		o = json_pack("{s:s,s:b,s:b,s:b,s:s?,s:s?,s:I,s:s?,s:s,s:f,s:s?,s:s?,s:s,s:s?}",
			      "target", b->c.targets[i].id, "ok", res[i].ok, "cached",
			      res[i].cached, "test_rerun", res[i].retest, "wheel",
			      res[i].ok ? res[i].wheel : NULL, "tag", res[i].ok ? res[i].tag : NULL,
			      "size", (json_int_t)res[i].size, "sha256",
			      res[i].ok ? res[i].sha256 : NULL, "smoke", res[i].smoke, "seconds",
			      res[i].secs, "error", res[i].ok ? NULL : res[i].error, "error_line",
			      !res[i].ok && res[i].error_line[0] ? res[i].error_line : NULL, "log",
			      log, "cache_rejected", res[i].rejected[0] ? res[i].rejected : NULL);
		json_object_set_new(o, "smoke_roots", roots);
		/* abi3 (abi3.c): the target whose wheel it took, those that
		 * took its wheel */
		json_object_set_new(o, "reused_from",
				    pw_build_abi3_from(b, i) ? json_string(pw_build_abi3_from(b, i))
							     : json_null());
		{
			json_t *by = json_array();

			for (size_t k = 0; b->abi3_from && k < b->c.ntargets; k++)
				if (b->sel[k] && b->abi3_from[k] == i)
					json_array_append_new(by, json_string(b->c.targets[k].id));
			json_object_set_new(o, "reused_by", by);
		}
		json_object_set_new(o, "no_old_root",
				    no_old_root(b, i) ? json_string(no_old_root(b, i))
						      : json_null());
		/* null: the compile cache was off or build_wheel did not run */
		json_object_set_new(o, "compile_cache",
				    res[i].cc_on ? json_pack("{s:I,s:I,s:I,s:I,s:s}", "hits",
							     (json_int_t)res[i].cc.hits, "misses",
							     (json_int_t)res[i].cc.misses,
							     "uncacheable",
							     (json_int_t)res[i].cc.skipped,
							     "damaged",
							     (json_int_t)res[i].cc.corrupt,
							     "zig_cache",
							     res[i].cc.zig_damaged ? "damaged"
							     : res[i].cc.zig_warm  ? "warm"
										   : "none")
						 : json_null());
		/* Rust crates through pw-rustc (docs/compile-cache.md, "Rust") */
		if (res[i].cc_on)
			json_object_set_new(
			    json_object_get(o, "compile_cache"), "rust",
			    json_pack("{s:I,s:I,s:I,s:I}", "hits", (json_int_t)res[i].cc.rhits,
				      "misses", (json_int_t)res[i].cc.rmisses, "uncacheable",
				      (json_int_t)res[i].cc.rskipped, "damaged",
				      (json_int_t)res[i].cc.rcorrupt));
		json_object_set_new(o, "smoke_failed_root",
				    res[i].failed_root[0] ? json_string(res[i].failed_root)
							  : json_null());
		json_array_append_new(ts, o);
	}
	json_object_set_new(j, "ok", json_boolean(ok));
	json_object_set_new(j, "out", json_string(b->out));
	json_object_set_new(j, "targets", ts);
	if (b->sdist[0])
		json_object_set_new(j, "sdist",
				    json_pack("{s:s,s:s,s:b,s:b}", "file", b->sdist, "sha256",
					      b->sdist_sha, "cached", b->sdist_cached, "in_out",
					      sdist_in_out(b)));
	if (b->o->shard_n)
		json_object_set_new(j, "shard", json_pack("{s:i,s:i}", "k", (int)b->o->shard_k,
							  "n", (int)b->o->shard_n));
	if (b->version)
		json_object_set_new(j, "version", json_string(b->version));
	json_object_set_new(j, "source_tree", json_string(b->src.tree));
	json_object_set_new(j, "manifest", json_string("pinwheel-manifest.json"));
	pw_json_print(j, true);
	json_decref(j);
}

/* ---- the manifest ---- */

int pw_build_write_manifest(struct build *b, struct target_result *res, struct pw_err *e)
{
	struct pw_manifest m = {0};
	_cleanup_free_ char *path = pw_path_join(b->out, "pinwheel-manifest.json"),
			    *lockpath = pw_path_join(b->c.dir, PW_LOCK_FILE), *uri = NULL;
	char locksha[PW_SHA256_HEX];
	const char **targets;
	int r;

	m.subjects = pw_xcalloc(b->c.ntargets + 2, sizeof(*m.subjects));
	m.deps = pw_xcalloc(b->ss.lock.n + 1, sizeof(*m.deps));
	targets = pw_xcalloc(b->c.ntargets + 1, sizeof(*targets));
	for (size_t i = 0; i < b->c.ntargets; i++) {
		if (!b->sel[i])
			continue;
		targets[m.ntargets++] = b->c.targets[i].id;
		/* a reused wheel is its builder's subject, once */
		if (!res[i].ok || pw_build_abi3_from(b, i))
			continue;
		m.subjects[m.nsubjects].name = res[i].wheel;
		memcpy(m.subjects[m.nsubjects++].sha256, res[i].sha256, PW_SHA256_HEX);
	}
	if (b->sdist[0] && sdist_in_out(b)) {
		m.subjects[m.nsubjects].name = b->sdist;
		memcpy(m.subjects[m.nsubjects++].sha256, b->sdist_sha, PW_SHA256_HEX);
	}
	for (size_t i = 0; i < b->ss.lock.n; i++) {
		m.deps[m.ndeps].uri = b->ss.lock.artifacts[i].nurls ? b->ss.lock.artifacts[i].urls[0] : "";
		m.deps[m.ndeps].name = b->ss.lock.artifacts[i].name;
		memcpy(m.deps[m.ndeps++].sha256, b->ss.lock.artifacts[i].sha256, PW_SHA256_HEX);
	}
	if (b->src.commit)
		uri = pw_xasprintf("git+commit:%s", b->src.commit);
	m.source_uri = uri;
	m.source_tree = b->src.tree;
	m.version = b->version;
	m.config_digest = b->c.digest;
	if (pw_build_sha256_file(lockpath, locksha, NULL) == 0)
		m.lock_sha256 = locksha;
	m.targets = targets;
	m.sde = b->sde;
	m.deflate_id = pw_wheel_deflate_id();
	m.abi3 = pw_build_abi3_manifest(b, res);
	r = pw_manifest_write(&m, path, e);
	json_decref(m.abi3);
	free(m.subjects);
	free(m.deps);
	free(targets);
	return r;
}

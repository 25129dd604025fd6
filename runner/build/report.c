/* report.c - the end of `pinwheel build`: the summary (a table, or one
 * JSON document with --json) and OUT/pinwheel-manifest.json (docs/build.md,
 * docs/manifest.md; runner/build/build_int.h). */
#include <string.h>

#include "build_int.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/json.h"
#include "pinwheel/log.h"
#include "pinwheel/wheel.h"

static bool sdist_in_out(const struct build *b)
{
	return !strcmp(b->sdist_dir, b->out);
}

/* ---- the summary ---- */

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
		       res[i].cached ? "cached" : res[i].ok ? "ok" : "FAILED", res[i].smoke, sz,
		       res[i].ok ? res[i].sha256 : "-", res[i].secs,
		       res[i].ok ? res[i].wheel : res[i].error, res[i].ok ? " (" : "",
		       res[i].ok ? res[i].tag : "", res[i].ok ? ")" : "");
	}
	for (size_t i = 0; i < b->c.ntargets; i++)
		if (b->sel[i] && res[i].rejected[0])
			pw_out("%-26s the action cache's wheel was rejected (%s)\n",
			       b->c.targets[i].id, res[i].rejected);
	if (b->sdist[0])
		pw_out("%-26s %-8s %-9s %-10s %-12.12s %7s  %s%s\n", "sdist",
		       b->sdist_cached ? "cached" : "ok", "-", "", b->sdist_sha, "", b->sdist,
		       sdist_in_out(b) ? "" : " (not in OUT: shard 1 writes it)");
}

void pw_build_print_json(struct build *b, struct target_result *res, bool ok)
{
	json_t *j = json_object(), *ts = json_array();

	for (size_t i = 0; i < b->c.ntargets; i++) {
		_cleanup_free_ char *log = NULL;

		if (!b->sel[i])
			continue;
		log = pw_xasprintf("%s/%s.log", b->logs, b->c.targets[i].id);
		json_array_append_new(
		    ts, json_pack("{s:s,s:b,s:b,s:s?,s:s?,s:I,s:s?,s:s,s:f,s:s?,s:s,s:s?}",
				  "target", b->c.targets[i].id, "ok", res[i].ok, "cached",
				  res[i].cached, "wheel", res[i].ok ? res[i].wheel : NULL, "tag",
				  res[i].ok ? res[i].tag : NULL, "size", (json_int_t)res[i].size,
				  "sha256", res[i].ok ? res[i].sha256 : NULL, "smoke",
				  res[i].smoke, "seconds", res[i].secs, "error",
				  res[i].ok ? NULL : res[i].error, "log", log, "cache_rejected",
				  res[i].rejected[0] ? res[i].rejected : NULL));
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
		if (!res[i].ok)
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
	r = pw_manifest_write(&m, path, e);
	free(m.subjects);
	free(m.deps);
	free(targets);
	return r;
}

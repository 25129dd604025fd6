/* manifest.c - OUT/pinwheel-manifest.json: an in-toto Statement v1 whose
 * predicate is SLSA Provenance v1 (include/pinwheel/build.h,
 * docs/manifest.md). */
#include <string.h>

#include "pinwheel/build.h"
#include "pinwheel/json.h"

#define BUILD_TYPE "https://pinwheel.example/build/v1"
#define BUILDER_ID "https://pinwheel.example/builder"

static int cmp_subject(const void *a, const void *b)
{
	return strcmp(((const struct pw_manifest_subject *)a)->name,
		      ((const struct pw_manifest_subject *)b)->name);
}

static int cmp_dep(const void *a, const void *b)
{
	const struct pw_manifest_dep *x = a, *y = b;
	int c = strcmp(x->uri, y->uri);

	return c ? c : strcmp(x->sha256, y->sha256);
}

static json_t *digest(const char *hex)
{
	return json_pack("{s:s}", "sha256", hex);
}

int pw_manifest_write(const struct pw_manifest *m, const char *path, struct pw_err *e)
{
	struct pw_manifest_subject *subj = NULL;
	struct pw_manifest_dep *deps = NULL;
	json_t *root, *subjects, *rdeps, *params, *internal, *targets;
	size_t i;
	int r;

	subj = pw_xcalloc(m->nsubjects + 1, sizeof(*subj));
	deps = pw_xcalloc(m->ndeps + 1, sizeof(*deps));
	if (m->nsubjects)
		memcpy(subj, m->subjects, m->nsubjects * sizeof(*subj));
	if (m->ndeps)
		memcpy(deps, m->deps, m->ndeps * sizeof(*deps));
	qsort(subj, m->nsubjects, sizeof(*subj), cmp_subject);
	qsort(deps, m->ndeps, sizeof(*deps), cmp_dep);

	subjects = json_array();
	for (i = 0; i < m->nsubjects; i++)
		json_array_append_new(subjects, json_pack("{s:s,s:o}", "name", subj[i].name,
							  "digest", digest(subj[i].sha256)));
	rdeps = json_array();
	if (m->source_tree) {
		json_t *d = json_pack("{s:s,s:{s:s}}", "uri",
				      m->source_uri ? m->source_uri : "source", "digest",
				      "pinwheel-tree-v1", m->source_tree);
		json_object_set_new(d, "name", json_string("source"));
		json_array_append_new(rdeps, d);
	}
	for (i = 0; i < m->ndeps; i++) {
		json_t *d = json_pack("{s:s,s:o}", "uri", deps[i].uri, "digest",
				      digest(deps[i].sha256));

		if (deps[i].name)
			json_object_set_new(d, "name", json_string(deps[i].name));
		json_array_append_new(rdeps, d);
	}
	targets = json_array();
	for (i = 0; i < m->ntargets; i++)
		json_array_append_new(targets, json_string(m->targets[i]));
	params = json_pack("{s:o}", "targets", targets);
	if (m->version)
		json_object_set_new(params, "version", json_string(m->version));
	internal = json_pack("{s:I,s:s}", "SOURCE_DATE_EPOCH", (json_int_t)m->sde, "deflate",
			     m->deflate_id ? m->deflate_id : "unknown");
	if (m->config_digest)
		json_object_set_new(internal, "config_digest", json_string(m->config_digest));
	if (m->lock_sha256)
		json_object_set_new(internal, "lock_sha256", json_string(m->lock_sha256));
	if (m->abi3)
		json_object_set(internal, "abi3_reuse", m->abi3);
	root = json_pack("{s:s,s:o,s:s,s:{s:{s:s,s:o,s:o,s:o},s:{s:{s:s,s:{s:s}}}}}", "_type",
			 "https://in-toto.io/Statement/v1", "subject", subjects, "predicateType",
			 "https://slsa.dev/provenance/v1", "predicate", "buildDefinition",
			 "buildType", BUILD_TYPE, "externalParameters", params,
			 "internalParameters", internal, "resolvedDependencies", rdeps,
			 "runDetails", "builder", "id", BUILDER_ID, "version", "pinwheel",
			 PW_VERSION);
	free(subj);
	free(deps);
	if (!root)
		return pw_err_set(e, ENOMEM, "manifest: could not build the JSON document");
	r = pw_json_dump_file(path, root, e);
	json_decref(root);
	return r;
}

int pw_manifest_add_byproducts(const char *path, struct json_t *byproducts, struct pw_err *e)
{
	json_t *root = pw_json_load_file(path, e), *run;
	int r;

	if (!root)
		return -(e->code ? e->code : EINVAL);
	run = json_object_get(json_object_get(root, "predicate"), "runDetails");
	if (!json_is_object(run)) {
		json_decref(root);
		return pw_err_set(e, EINVAL, "'%s': no predicate.runDetails object", path);
	}
	json_object_set(run, "byproducts", byproducts);
	r = pw_json_dump_file(path, root, e);
	json_decref(root);
	return r;
}

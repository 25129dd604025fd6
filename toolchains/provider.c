/* provider.c - the table of providers and what is asked of all of them
 * (see include/pinwheel/provider.h). */
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "pinwheel/archive.h"
#include "pinwheel/buf.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/cpython.h"
#include "pinwheel/crates.h"
#include "pinwheel/debian.h"
#include "pinwheel/emulator.h"
#include "pinwheel/fetch.h"
#include "pinwheel/jcheck.h"
#include "pinwheel/oci.h"
#include "pinwheel/provider.h"
#include "pinwheel/pypi.h"
#include "pinwheel/store.h"
#include "pinwheel/zig.h"

/* The order is that of every list made from the table (provider.h). */
const struct pw_provider *const pw_providers[] = {
    &pw_provider_debian,
    &pw_provider_pypi,
    &pw_provider_zig, /* before archive: its CC wins over a standalone Python's */
    &pw_provider_archive,
    &pw_provider_crates,
    &pw_provider_oci,
    &pw_provider_foreign,
    &pw_provider_cpython,
    NULL,
};

struct pw_store *pw_provider_store(struct pw_provider_ctx *pc, const char *field, struct pw_err *e)
{
	if (pc->store)
		return pc->store;
	if (pc->offline || !pc->store_dir) {
		pw_err_set(
		    e, ENOENT, "%s: a download is needed but %s", field,
		    pc->offline
			? "this is offline"
			: "there is no store directory (use --store, $PINWHEEL_STORE or set HOME)");
		errno = ENOENT;
		return NULL;
	}
	pc->store = pw_store_open(pc->store_dir, e);
	if (!pc->store)
		pw_err_prefix(e, "%s", field);
	return pc->store;
}

/* ---- what the workers of one parallel lock share ---- */

static char *share_path(const struct pw_provider_ctx *pc, const char *key, const char *ext)
{
	char hex[PW_SHA256_HEX];

	pw_sha256_mem(key, strlen(key), hex);
	return pw_xasprintf("%s/%s%s", pc->share_dir, hex, ext);
}

int pw_provider_share_begin(struct pw_provider_ctx *pc, const char *key, struct pw_buf *val,
			    int *lockfd, struct pw_err *e)
{
	_cleanup_free_ char *lp = NULL, *vp = NULL;
	int fd, r;

	*lockfd = -1;
	if (!pc->share_dir)
		return -ENOENT;
	lp = share_path(pc, key, ".lock");
	fd = open(lp, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return pw_err_sys(e, errno, "could not open '%s'", lp);
	if (PW_TEMP_FAILURE_RETRY(flock(fd, LOCK_EX)) < 0) {
		r = pw_err_sys(e, errno, "could not lock '%s'", lp);
		close(fd);
		return r;
	}
	*lockfd = fd;
	vp = share_path(pc, key, "");
	pw_buf_reset(val);
	r = pw_read_file(vp, val);
	if (r == -ENOENT)
		return -ENOENT;
	if (r < 0)
		return pw_err_sys(e, -r, "could not read '%s'", vp);
	return 0;
}

int pw_provider_share_put(struct pw_provider_ctx *pc, const char *key, const void *data, size_t n,
			  struct pw_err *e)
{
	_cleanup_free_ char *vp = NULL;
	int r;

	if (!pc->share_dir)
		return 0;
	vp = share_path(pc, key, "");
	r = pw_write_file_atomic(vp, data, n, 0600);
	return r < 0 ? pw_err_sys(e, -r, "could not write '%s'", vp) : 0;
}

void pw_provider_share_end(int lockfd)
{
	if (lockfd >= 0)
		close(lockfd); /* releases the flock */
}

/* ---- config blocks ---- */

size_t pw_providers_keys(enum pw_place place, const char **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; pw_providers[i]; i++)
		for (size_t j = 0; j < pw_providers[i]->nkeys; j++)
			if (pw_providers[i]->keys[j].place == place) {
				if (n < max)
					out[n] = pw_providers[i]->keys[j].key;
				n++;
			}
	return n;
}

/* Parse the key @k of provider @pv into @b. */
static int parse_key(const struct pw_jcheck *j, const struct pw_provider *pv,
		     const struct pw_provider_key *k, json_t *obj, const struct pw_jpos *p,
		     const char *field, struct pw_block *b)
{
	b->provider = pv;
	b->key = k;
	b->spec = NULL;
	return k->parse(j, obj, p, field, k->key, &b->spec);
}

/* The key @k absent from the config: its default, parsed from a document
 * {"KEY": DEFAULT} of its own (positions there are of that text; a
 * default is valid by construction, the test of each provider says so). */
static int parse_default(const struct pw_jcheck *j, const struct pw_provider *pv,
			 const struct pw_provider_key *k, const char *dflt, const char *field,
			 struct pw_block *b)
{
	_cleanup_free_ char *text = pw_xasprintf("{\"%s\": %s}", k->key, dflt);
	json_t *doc = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	struct pw_jpos *pos = doc ? pw_jpos_scan(text, strlen(text)) : NULL;
	int r;

	b->provider = pv;
	b->key = k;
	b->spec = NULL;
	if (!doc || !pos)
		r = pw_jcheck_fail(j, &(struct pw_jpos){1, 1, 1, 1, 0, NULL}, true, k->key,
				   "the default '%s' is not JSON", dflt);
	else
		r = parse_key(j, pv, k, doc, pos, field, b);
	if (r == 0 && pv->defaulted)
		pv->defaulted(b->spec);
	pw_jpos_free(pos);
	json_decref(doc);
	return r;
}

int pw_providers_parse(const struct pw_jcheck *j, enum pw_place place, json_t *obj,
		       const struct pw_jpos *p, const char *field, struct pw_block **blocks,
		       size_t *n)
{
	for (size_t i = 0; pw_providers[i]; i++) {
		const struct pw_provider *pv = pw_providers[i];

		for (size_t m = 0; m < pv->nkeys; m++) {
			const struct pw_provider_key *k = &pv->keys[m];
			int r;

			if (k->place != place)
				continue;
			if (!json_object_get(obj, k->key)) {
				if (place != PW_PLACE_TOP || !pv->key_defaults ||
				    !pv->key_defaults[m])
					continue;
				*blocks = pw_xrealloc(*blocks, (*n + 1) * sizeof(**blocks));
				r = parse_default(j, pv, k, pv->key_defaults[m], field,
						  &(*blocks)[(*n)++]);
			} else {
				*blocks = pw_xrealloc(*blocks, (*n + 1) * sizeof(**blocks));
				r = parse_key(j, pv, k, obj, p, field, &(*blocks)[(*n)++]);
			}
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int pw_providers_parse_base(const struct pw_jcheck *j, json_t *obj, const struct pw_jpos *p,
			    const char *field, struct pw_block *out)
{
	const char *keys[32];
	char one[300] = "", all[300] = "";
	const struct pw_provider *found = NULL;
	const struct pw_provider_key *fk = NULL;
	size_t nkeys = 0, present = 0, len;
	int r;

	memset(out, 0, sizeof(*out));
	/* "one of 'debian', 'archive', 'oci'": a key per provider; "exactly
	 * one of 'debian', 'archive', 'archives' or 'oci'": every key */
	for (size_t i = 0; pw_providers[i]; i++) {
		bool first = true;

		for (size_t m = 0; m < pw_providers[i]->nkeys; m++) {
			const struct pw_provider_key *k = &pw_providers[i]->keys[m];

			if (k->place != PW_PLACE_BASE || nkeys == PW_ARRAY_SIZE(keys))
				continue;
			if (first) {
				len = strlen(one);
				snprintf(one + len, sizeof(one) - len, "%s'%s'", len ? ", " : "",
					 k->key);
				first = false;
			}
			keys[nkeys++] = k->key;
			if (json_object_get(obj, k->key)) {
				present++;
				found = pw_providers[i];
				fk = k;
			}
		}
	}
	for (size_t i = 0; i < nkeys; i++) {
		len = strlen(all);
		snprintf(all + len, sizeof(all) - len, "%s'%s'",
			 i == 0		  ? ""
			 : i + 1 == nkeys ? " or "
					  : ", ",
			 keys[i]);
	}
	if (!json_is_object(obj)) {
		_cleanup_free_ char *want = pw_xasprintf("an object with one of %s", one);
		return pw_jcheck_type(j, p, field, want, obj);
	}
	r = pw_jcheck_keys(j, obj, p, field, keys, nkeys);
	if (r < 0)
		return r;
	if (present != 1)
		return pw_jcheck_fail(j, p, false, field, "give exactly one of %s", all);
	return parse_key(j, found, fk, obj, p, field, out);
}

void pw_block_release(struct pw_block *b)
{
	if (b->provider && b->spec && b->provider->spec_free)
		b->provider->spec_free(b->spec);
	memset(b, 0, sizeof(*b));
}

void pw_blocks_release(struct pw_block *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pw_block_release(&b[i]);
	free(b);
}

int pw_block_lock(struct pw_provider_ctx *pc, const struct pw_block *b,
		  const struct pw_target_info *t, struct pw_lockset *out, struct pw_err *e)
{
	return b->provider->lock ? b->provider->lock(pc, b->spec, t, out, e) : 0;
}

/* ---- kinds, hows, environments ---- */

/* The lock format's own kinds, before and after the providers': a generic
 * archive, and a plain file a hand-written lock lists only to have it
 * fetched (docs/lock.md). */
static const char *const first_kinds[] = {"archive"};
static const char *const last_kinds[] = {"file"};

bool pw_artifact_kind_known(const char *kind)
{
	if (!strcmp(kind, first_kinds[0]) || !strcmp(kind, last_kinds[0]))
		return true;
	for (size_t i = 0; pw_providers[i]; i++)
		for (const char *const *k = pw_providers[i]->kinds; k && *k; k++)
			if (!strcmp(kind, *k))
				return true;
	return false;
}

void pw_artifact_kinds_list(char *buf, size_t n)
{
	const char *kinds[64];
	size_t nk = 0, len = 0;

	kinds[nk++] = first_kinds[0];
	for (size_t i = 0; pw_providers[i]; i++)
		for (const char *const *k = pw_providers[i]->kinds;
		     k && *k && nk + 1 < PW_ARRAY_SIZE(kinds); k++)
			kinds[nk++] = *k;
	kinds[nk++] = last_kinds[0];
	if (n)
		buf[0] = '\0';
	for (size_t i = 0; i < nk && len < n; i++) {
		int k = snprintf(buf + len, n - len, "%s%s",
				 i == 0	       ? ""
				 : i + 1 == nk ? " or "
					       : ", ",
				 kinds[i]);

		if (k < 0)
			break;
		len += (size_t)k;
	}
}

const struct pw_layer_kind *pw_providers_find_how(const char *how)
{
	for (size_t i = 0; pw_providers[i]; i++)
		for (size_t j = 0; j < pw_providers[i]->nhows; j++)
			if (!strcmp(pw_providers[i]->hows[j].how, how))
				return &pw_providers[i]->hows[j];
	return NULL;
}

void pw_providers_root_env(const struct pw_root_plan *p, struct pw_sandbox_spec *s)
{
	for (size_t i = 0; pw_providers[i]; i++)
		if (pw_providers[i]->root_env)
			pw_providers[i]->root_env(p, s);
}

int pw_providers_step_prepare(const struct pw_root_plan *p, const char *srcdir, const char *home,
			      struct pw_err *e)
{
	for (size_t i = 0; pw_providers[i]; i++) {
		int r;

		if (!pw_providers[i]->step_prepare)
			continue;
		r = pw_providers[i]->step_prepare(p, srcdir, home, e);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- fetch ---- */

struct pw_fetch_prep {
	void **state; /* per provider, in table order */
};

int pw_providers_fetch_prepare(struct pw_store *s, struct pw_fetch_item *items, size_t n,
			       struct pw_fetch_opts *o, struct pw_fetch_prep **prep,
			       struct pw_err *e)
{
	struct pw_fetch_prep *fp = pw_xcalloc(1, sizeof(*fp));
	size_t np = 0;

	while (pw_providers[np])
		np++;
	fp->state = pw_xcalloc(np + 1, sizeof(*fp->state));
	*prep = fp;
	for (size_t i = 0; i < np; i++) {
		int r;

		if (!pw_providers[i]->fetch_prepare)
			continue;
		r = pw_providers[i]->fetch_prepare(s, items, n, o, &fp->state[i], e);
		if (r < 0)
			return r;
	}
	return 0;
}

void pw_providers_fetch_release(struct pw_fetch_prep *prep)
{
	if (!prep)
		return;
	for (size_t i = 0; pw_providers[i]; i++)
		if (prep->state[i] && pw_providers[i]->fetch_release)
			pw_providers[i]->fetch_release(prep->state[i]);
	free(prep->state);
	free(prep);
}

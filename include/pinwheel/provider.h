/* provider.h - the provider interface (toolchains/provider.c): how a
 * source of toolchains plugs into pinwheel.
 *
 * A provider is one struct pw_provider, defined in its own folder under
 * toolchains/ (debian/, oci/, pypi/, crates/, archives/) and listed once
 * in the table pw_providers[] (toolchains/provider.c).  It brings:
 *
 *   config  the keys of pinwheel.json it owns, where they may appear
 *           (enum pw_place) and where in a target's root what they
 *           resolve to goes (enum pw_stage), and a parser for each: the
 *           key's JSON -> the provider's spec, errors as every config
 *           error ("FILE:LINE:COL: FIELD: what", jcheck.h).  The config
 *           holds one struct pw_block per key present.
 *   lock    lock(): pin what one spec needs for one target into the
 *           lockset (artifact.h) and append the target's layer(s).
 *   kinds   the artifact kinds it pins ("deb", "wheel", ...): the lock
 *           reader refuses others.
 *   layers  the layer "how"s it defines and the builder of each
 *           (struct pw_layer_kind): lock layer -> store tree(s), with the
 *           same tree ids with and without a store (roots.h).
 *   env     what it adds to a composed root's sandbox (root_env: e.g. the
 *           cross compilers' variables) and what it prepares for each
 *           build step in that root (step_prepare: e.g. cargo's
 *           configuration for vendored crates).
 *   fetch   what fetching its artifacts needs first (fetch_prepare: e.g.
 *           registry tokens).
 * Every hook may be NULL.  The runner knows no provider by name: `lock`
 * calls lock() for each block of the config in root order, the lock
 * reader asks for kinds and hows, `fetch`/`run`/`build` compose roots
 * through roots.h, and `build` calls pw_providers_step_prepare().
 *
 * The table's order is the order of every list made from it (the config's
 * keys in messages, the hows and kinds a message names, and root_env:
 * each hook puts its variables before those already in the spec, so the
 * first provider's end up last).  "unpack" (roots.h) and the kinds
 * "archive" and "file" belong to no provider: they are the lock format's
 * own (docs/lock.md).
 *
 * Ownership: specs are the provider's (spec_free()); a struct pw_block
 * owns its spec.  The context's store is opened on first use by
 * pw_provider_store() and closed by whoever set up the context.
 * Errors: 0 or -errno with one line in struct pw_err naming the config
 * field and the target.  Providers never print: they report through the
 * context's note(), fetch() and compose() hooks, set by the runner.
 */
#ifndef PINWHEEL_PROVIDER_H
#define PINWHEEL_PROVIDER_H

#include <jansson.h>

#include "pinwheel/artifact.h"
#include "pinwheel/common.h"
#include "pinwheel/target.h"

struct pw_buf;
struct pw_fetch_item;
struct pw_fetch_opts;
struct pw_jcheck;
struct pw_jpos;
struct pw_layer_ctx;
struct pw_root_plan;
struct pw_sandbox_spec;
struct pw_seccomp_prog;
struct pw_store;

/* ---- the context of `pinwheel lock` ---- */

struct pw_provider_ctx {
	struct pw_store *store;		/* opened by pw_provider_store(); the
					 * caller closes it when non-NULL */
	const char *store_dir;		/* where; NULL when there is none */
	bool offline;			/* never touch the network (lock --check):
					 * nothing is fetched, no root is composed */
	const struct pw_lockset *prior; /* the existing lock's pins, or NULL */
	const char *project_dir;	/* where relative config paths start */
	void *ui;			/* the runner's, for the hooks below */
	/* Tell the user about something a provider did besides pinning
	 * (e.g. "wrote rust/Cargo.lock").  May be NULL. */
	void (*note)(struct pw_provider_ctx *pc, const char *msg);
	/* Fetch @n items into @store for the root of @target, which a tool
	 * is about to run in (the progress display is the runner's).  As
	 * pw_fetch_run(): 0, -EIO when some item failed (its state and err
	 * say how), other -errno.  NULL: pw_fetch_run(), quietly. */
	int (*fetch)(struct pw_provider_ctx *pc, const char *target, struct pw_store *store,
		     struct pw_fetch_item *items, size_t n, struct pw_fetch_opts *o,
		     struct pw_err *e);
	/* The seccomp program of every tool a provider runs at lock time (in
	 * a root pw_roots_compose() made, with the network): the runner's
	 * "lock" profile, compiled on first use and owned by the runner.  0
	 * with *prog set, or -errno.  NULL: the tools run without a filter
	 * (tests of a provider alone). */
	int (*seccomp)(struct pw_provider_ctx *pc, const struct pw_seccomp_prog **prog,
		       struct pw_err *e);
	/* pw_roots_compose() is making the root of @target (@nlayers
	 * layers) to run a tool in: called with @done NULL once its
	 * artifacts are fetched, before its trees are made, and with the
	 * plan when they are (not after a failure: the error goes up).  May
	 * be NULL. */
	void (*compose)(struct pw_provider_ctx *pc, const char *target, size_t nlayers,
			const struct pw_root_plan *done);
	/* A directory the workers of one `lock --jobs N` share for the run
	 * (the runner makes and removes it), or NULL: see
	 * pw_provider_share_begin(). */
	const char *share_dir;
};

/* What one worker of a parallel `lock` resolved that another would resolve
 * the same way (an archive pinned by downloading it), done once per run:
 *
 *   r = pw_provider_share_begin(pc, key, &val, &fd, e);
 *   r == 0:       val holds what the first worker put; use it
 *   r == -ENOENT: compute it, pw_provider_share_put() it (on success)
 *   then always   pw_provider_share_end(fd)
 *
 * @key is any text naming the question (hashed into a file name); the
 * first worker to ask holds an exclusive flock on it until _end(), so the
 * others wait for its answer instead of asking the network again.  Without
 * pc->share_dir (a serial lock: the lockset itself shares) it returns
 * -ENOENT at once with *lockfd -1.  Other -errno with e->msg on failure.
 * The value is capped at @val's max. */
int pw_provider_share_begin(struct pw_provider_ctx *pc, const char *key, struct pw_buf *val,
			    int *lockfd, struct pw_err *e);
/* Record @data (@n bytes) for @key (atomically: temp + rename); 0 or
 * -errno.  A no-op without pc->share_dir. */
int pw_provider_share_put(struct pw_provider_ctx *pc, const char *key, const void *data, size_t n,
			  struct pw_err *e);
void pw_provider_share_end(int lockfd);

/* The store for downloads, opened on first use (so a fully pinned config
 * never creates one).  NULL + errno with e->msg naming @field when offline,
 * when there is no store directory, or when it cannot be opened. */
struct pw_store *pw_provider_store(struct pw_provider_ctx *pc, const char *field,
				   struct pw_err *e);

/* ---- the interface ---- */

/* Where a key may appear in pinwheel.json (docs/config.md). */
enum pw_place {
	PW_PLACE_TOP,  /* a top-level key: "build_requires", "crates" */
	PW_PLACE_BASE, /* a key of python.VERSION.base, one per Python: "debian" */
	PW_PLACE_TEST, /* a key of "test": "requires" */
};

/* Where in a target's root the layers of a key go, bottom first; `lock`
 * resolves the blocks of a target in this order (blocks of one stage in
 * the config's order). */
enum pw_stage {
	PW_STAGE_BASE,	    /* the base root (with what a foreign target needs) */
	PW_STAGE_TOOLCHAIN, /* compilers from elsewhere: "rust" */
	PW_STAGE_REQUIRES,  /* build requirements: "build_requires" */
	PW_STAGE_SOURCES,   /* the project's own dependencies: "crates" */
	PW_STAGE_EXTRA,	    /* extra trees: "archives" */
	PW_STAGE_TEST,	    /* what the smoke test needs: "test.requires" */
	PW_STAGE_N,
};

struct pw_provider_key {
	enum pw_place place;
	const char *key;
	enum pw_stage stage;
	/* Parse member @key of @obj (at @p; @field names @obj in messages,
	 * "" at the top) into a new spec.  Called when @key is present, or
	 * with a document of its default alone (struct pw_provider's
	 * key_defaults).
	 * *spec is set as soon as it is allocated, also on error: the caller
	 * frees it with the provider's spec_free().  0 or -EINVAL. */
	int (*parse)(const struct pw_jcheck *j, json_t *obj, const struct pw_jpos *p,
		     const char *field, const char *key, void **spec);
};

/* A layer "how" and its builder.  The builder adds the tree(s) of layer
 * @l to lc->plan (pw_layer_ctx_add()), making them first when lc->store
 * is set; tree ids depend on the lock alone.  0 or -errno (e->msg; the
 * caller prefixes the target and the layer). */
struct pw_layer_kind {
	const char *how;
	int (*build)(struct pw_layer_ctx *lc, const struct pw_layer *l, struct pw_err *e);
};

struct pw_provider {
	const char *name; /* "debian", "oci", "archive": `plan`'s "base" */
	const struct pw_provider_key *keys;
	size_t nkeys;
	/* NULL, or one entry per key of keys[]: the value of a PW_PLACE_TOP
	 * key the config does not have, as JSON text parsed as if written so
	 * (NULL entry: no default, no block) */
	const char *const *key_defaults;
	/* Called on a spec parsed from key_defaults (the config lacks the
	 * key), so a provider may tell the user's value from its own default.
	 * May be NULL. */
	void (*defaulted)(void *spec);
	void (*spec_free)(void *spec);
	/* Add the artifacts @t needs for @spec to @out and append the
	 * layer(s) to @t's root.  -ENOENT when offline and a pin would need
	 * the network (e->msg says what), -ENOSYS when the provider cannot do
	 * it here (e->msg names the config field), other -errno on failure. */
	int (*lock)(struct pw_provider_ctx *pc, const void *spec, const struct pw_target_info *t,
		    struct pw_lockset *out, struct pw_err *e);
	/* Facts about a base spec for `plan --format json` ("suite"). */
	void (*describe)(const void *spec, json_t *o);
	const char *const *kinds; /* artifact kinds it pins, NULL-ended */
	const struct pw_layer_kind *hows;
	size_t nhows;
	/* Compose: add to @s what the root of @p needs from this provider
	 * (pw_roots_to_spec() calls it after the trees and the plan's Env,
	 * for every provider in table order), before the variables already
	 * in @s. */
	void (*root_env)(const struct pw_root_plan *p, struct pw_sandbox_spec *s);
	/* Build: before a step runs in the root of @p on the project
	 * sources at @srcdir (host path), write what the provider's tools
	 * need into @home, the step's writable tool directory (host path;
	 * the runner binds it where CARGO_HOME points).  0 or -errno. */
	int (*step_prepare)(const struct pw_root_plan *p, const char *srcdir, const char *home,
			    struct pw_err *e);
	/* Fetch: before @n items are fetched into @s with @o, do what they
	 * need first (may set o->reauth); *state is freed by fetch_release().
	 * 0 or -errno with e->msg (nothing should be fetched then). */
	int (*fetch_prepare)(struct pw_store *s, struct pw_fetch_item *items, size_t n,
			     struct pw_fetch_opts *o, void **state, struct pw_err *e);
	void (*fetch_release)(void *state);
};

/* The table, NULL-ended. */
extern const struct pw_provider *const pw_providers[];

/* ---- config blocks ---- */

/* One key of pinwheel.json a provider owns, parsed. */
struct pw_block {
	const struct pw_provider *provider;
	const struct pw_provider_key *key; /* its place and stage */
	void *spec;			   /* the provider's */
};

/* The keys of @place, in table order, into @out (at most @max); returns
 * how many there are. */
size_t pw_providers_keys(enum pw_place place, const char **out, size_t max);
/* Parse every key of @place present in @obj (at @p, named @field), in
 * table order, appending one block each to *blocks (grown) and *n.  The
 * blocks parsed so far stay on error (pw_blocks_release() frees them). */
int pw_providers_parse(const struct pw_jcheck *j, enum pw_place place, json_t *obj,
		       const struct pw_jpos *p, const char *field, struct pw_block **blocks,
		       size_t *n);
/* The base @obj (at @p, named @field, "python.3.13.base"): an object with
 * exactly one key of PW_PLACE_BASE, parsed into @out. */
int pw_providers_parse_base(const struct pw_jcheck *j, json_t *obj, const struct pw_jpos *p,
			    const char *field, struct pw_block *out);
void pw_block_release(struct pw_block *b);
void pw_blocks_release(struct pw_block *b, size_t n);
/* @b's provider's lock() for @t. */
int pw_block_lock(struct pw_provider_ctx *pc, const struct pw_block *b,
		  const struct pw_target_info *t, struct pw_lockset *out, struct pw_err *e);

/* ---- what the lock reader and the runner ask ---- */

/* Is @kind an artifact kind of this pinwheel ("archive", the providers'
 * kinds, "file")? */
bool pw_artifact_kind_known(const char *kind);
/* "archive, deb, ... or file" into @buf of @n bytes (truncated to fit). */
void pw_artifact_kinds_list(char *buf, size_t n);
/* The builder of layers of @how ("unpack" is roots.h's), or NULL. */
const struct pw_layer_kind *pw_providers_find_how(const char *how);
/* Every provider's root_env() for @p, in table order. */
void pw_providers_root_env(const struct pw_root_plan *p, struct pw_sandbox_spec *s);
/* Every provider's step_prepare(); the first failure stops. */
int pw_providers_step_prepare(const struct pw_root_plan *p, const char *srcdir, const char *home,
			      struct pw_err *e);

/* What the providers prepared for one fetch (opaque). */
struct pw_fetch_prep;
/* Every provider's fetch_prepare() for @n items about to be fetched into
 * @s with @o.  *prep (freed with pw_providers_fetch_release(), also on
 * error) keeps their state while the fetch runs. */
int pw_providers_fetch_prepare(struct pw_store *s, struct pw_fetch_item *items, size_t n,
			       struct pw_fetch_opts *o, struct pw_fetch_prep **prep,
			       struct pw_err *e);
void pw_providers_fetch_release(struct pw_fetch_prep *prep);

#endif

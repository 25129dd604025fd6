/* session.h - "open this target" (runner/session.c): the one way a command
 * goes from a project's pinwheel.lock and the store to the sandbox of a
 * target's root.  fetch, build, run and repair open a session; lock takes
 * its steps' seccomp program from here too (pw_session_seccomp()).
 *
 *   pw_session_open()     DIR/pinwheel.lock read into a lockset, the store
 *                         opened, every blob the lock names that the store
 *                         has checked against its pin
 *   pw_session_target()   a target's root: found in the lock, planned with
 *                         every tree required in the store, and, for a
 *                         foreign target, its emulator tree required
 *   pw_session_spec()     that root as a sandbox spec, with the seccomp
 *                         program of a profile (compiled once per session
 *                         and profile, cached in STORE/cache/seccomp)
 *
 * Ownership: a struct pw_session owns its lockset, its store handle, its
 * paths and its compiled programs; pw_session_close() frees them all (it
 * is safe on a zeroed or half-opened session).  A plan borrows from the
 * session's lockset and must be released before the session is closed; a
 * spec borrows the session's seccomp program.
 * Errors: 0 or -errno with one line in struct pw_err naming the file, the
 * target or the store, and what to run next when there is one ("run
 * 'pinwheel lock' first", "run 'pinwheel fetch'").  Nothing here
 * prints; each command prints the line with its name and exits with the
 * status its --help gives.
 */
#ifndef PINWHEEL_SESSION_H
#define PINWHEEL_SESSION_H

#include "pinwheel/artifact.h"
#include "pinwheel/common.h"
#include "pinwheel/roots.h"

struct pw_sandbox_spec;
struct pw_seccomp_prog;
struct pw_store;

/* The compiled programs a session keeps: one per (profile, network). */
#define PW_SESSION_PROGS 4

struct pw_session {
	char *lockpath;		 /* DIR/pinwheel.lock */
	struct pw_lockset lock;	 /* the lock, read */
	char *store_dir;	 /* the store's directory, or NULL */
	struct pw_store *store;	 /* open, or NULL (PW_SESSION_NO_STORE) */
	struct {
		char *profile;
		bool net;
		struct pw_seccomp_prog *prog;
	} progs[PW_SESSION_PROGS];
};

#define PW_SESSION_INIT {.lock = PW_LOCKSET_INIT}

enum pw_session_flags {
	PW_SESSION_NO_STORE = 1 << 0, /* read the lock only (no store needed) */
};

/* Open the session of the project in @dir (NULL: ".") with the store in
 * @store_dir (NULL when the caller has none: an error naming --store,
 * $PINWHEEL_STORE and HOME unless PW_SESSION_NO_STORE).  A missing lock
 * is -ENOENT, "no 'DIR/pinwheel.lock': run 'pinwheel lock' first". */
int pw_session_open(struct pw_session *s, const char *dir, const char *store_dir, unsigned flags,
		    struct pw_err *e);
/* Open the store of a session opened with PW_SESSION_NO_STORE (a command
 * that may finish before it needs one: a build shard without targets).
 * On error s->store says which part failed: NULL, the store (none given,
 * or it could not be opened); else a blob of the store against the lock. */
int pw_session_store(struct pw_session *s, const char *store_dir, struct pw_err *e);
void pw_session_close(struct pw_session *s);

/* The root of target @id in the lock, or NULL. */
const struct pw_root *pw_session_find(const struct pw_session *s, const char *id);

/* Plan target @id's root with every tree required in the store (@out is
 * filled on success, empty on error): -ENOENT for a target the lock does
 * not have (naming how many it has) and for a tree not fetched ("...;
 * run 'pinwheel fetch'"), -ENOEXEC for a foreign target without its
 * emulator tree. */
int pw_session_target(struct pw_session *s, const char *id, struct pw_root_plan *out,
		      struct pw_err *e);

/* The seccomp program of @profile (a name under profiles/seccomp or a
 * path; "none" gives NULL and 0), for a sandbox with the network when
 * @net, compiled at most once per session (the compiled form cached in
 * STORE/cache/seccomp when the session has a store directory).  *prog is
 * the session's; NULL + -errno on error. */
int pw_session_seccomp(struct pw_session *s, const char *profile, bool net,
		       struct pw_seccomp_prog **prog, struct pw_err *e);

/* Without a session (`run` without --target, lock's tools), store.h's
 * pw_seccomp_for_store() does the same, caching in the store's directory. */

/* Compose @p into @spec (pw_roots_to_spec(): layers, binds, the root's
 * environment, its emulator) and set its seccomp program to @profile's
 * (the network as spec->net says; @profile NULL or "none": none). */
int pw_session_spec(struct pw_session *s, const struct pw_root_plan *p, const char *profile,
		    struct pw_sandbox_spec *spec, struct pw_err *e);

#endif

/* session.c - "open this target" (see session.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pinwheel/fsutil.h"
#include "pinwheel/lock.h"
#include "pinwheel/sandbox.h"
#include "pinwheel/seccomp.h"
#include "pinwheel/session.h"
#include "pinwheel/store.h"

int pw_session_open(struct pw_session *s, const char *dir, const char *store_dir, unsigned flags,
		    struct pw_err *e)
{
	int r;

	*s = (struct pw_session)PW_SESSION_INIT;
	s->lockpath = pw_path_join(dir ? dir : ".", PW_LOCK_FILE);
	r = pw_lock_load(s->lockpath, &s->lock, e);
	if (r == -ENOENT)
		return pw_err_set(e, ENOENT, "no '%s': run 'pinwheel lock' first", s->lockpath);
	if (r < 0)
		return r;
	if (flags & PW_SESSION_NO_STORE) {
		s->store_dir = store_dir ? pw_xstrdup(store_dir) : NULL;
		return pw_lock_check_blobs(s->lockpath, &s->lock, s->store_dir, e);
	}
	return pw_session_store(s, store_dir, e);
}

int pw_session_store(struct pw_session *s, const char *store_dir, struct pw_err *e)
{
	if (s->store)
		return pw_err_set(e, EALREADY, "the session of '%s' has its store already",
				  s->lockpath);
	if (!store_dir)
		return pw_err_set(e, EINVAL,
				  "no store directory: use --store, $PINWHEEL_STORE or set HOME");
	free(s->store_dir);
	s->store_dir = pw_xstrdup(store_dir);
	s->store = pw_store_open(s->store_dir, e);
	if (!s->store)
		return -errno;
	return pw_lock_check_blobs(s->lockpath, &s->lock, pw_store_dir(s->store), e);
}

void pw_session_close(struct pw_session *s)
{
	for (size_t i = 0; i < PW_SESSION_PROGS; i++) {
		pw_seccomp_prog_free(s->progs[i].prog);
		free(s->progs[i].profile);
	}
	if (s->store)
		pw_store_close(s->store);
	pw_lockset_release(&s->lock);
	free(s->store_dir);
	free(s->lockpath);
	*s = (struct pw_session)PW_SESSION_INIT;
}

const struct pw_root *pw_session_find(const struct pw_session *s, const char *id)
{
	return pw_lockset_find_root(&s->lock, id);
}

int pw_session_target(struct pw_session *s, const char *id, struct pw_root_plan *out,
		      struct pw_err *e)
{
	const struct pw_root *root = pw_session_find(s, id);
	int r;

	memset(out, 0, sizeof(*out));
	if (!root)
		return pw_err_set(e, ENOENT, "target '%s' is not in '%s' (%zu targets there)", id,
				  s->lockpath, s->lock.nroots);
	if (!s->store)
		return pw_err_set(e, EINVAL, "target '%s': no store to find its root in", id);
	/* a tree not in the store: the message says to run 'pinwheel fetch' */
	r = pw_roots_plan(s->store, &s->lock, root, PW_ROOTS_CHECK, out, e);
	if (r < 0)
		return r;
	/* a foreign target: every step under its own qemu */
	r = pw_roots_check_emulation(out, e);
	if (r < 0)
		pw_root_plan_release(out);
	return r;
}

int pw_session_seccomp(struct pw_session *s, const char *profile, bool net,
		       struct pw_seccomp_prog **prog, struct pw_err *e)
{
	size_t i;
	int r;

	*prog = NULL;
	if (!profile || !strcmp(profile, "none"))
		return 0;
	for (i = 0; i < PW_SESSION_PROGS && s->progs[i].profile; i++)
		if (s->progs[i].net == net && !strcmp(s->progs[i].profile, profile)) {
			*prog = s->progs[i].prog;
			return 0;
		}
	if (i == PW_SESSION_PROGS)
		return pw_err_set(e, ENOBUFS, "seccomp: more than %d profiles in one session",
				  PW_SESSION_PROGS);
	r = pw_seccomp_for_store(s->store_dir, profile, net, prog, e);
	if (r < 0)
		return r;
	s->progs[i].profile = pw_xstrdup(profile);
	s->progs[i].net = net;
	s->progs[i].prog = *prog;
	return 0;
}

int pw_session_spec(struct pw_session *s, const struct pw_root_plan *p, const char *profile,
		    struct pw_sandbox_spec *spec, struct pw_err *e)
{
	struct pw_seccomp_prog *prog;
	int r = pw_session_seccomp(s, profile, spec->net, &prog, e);

	if (r < 0)
		return r;
	pw_roots_to_spec(s->store, p, spec);
	spec->seccomp = prog;
	return 0;
}

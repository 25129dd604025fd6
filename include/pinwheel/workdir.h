/* workdir.h - a run's temp directory that a later run can tell from a live
 * one, and remove when its run is dead (lib/workdir.c).
 *
 * pw_workdir_make() creates PARENT/PREFIXxxxxxx (mkdtemp), puts the empty
 * file PW_WORKDIR_MARK in it, and holds an exclusive flock() on the
 * directory for as long as w->fd is open.  The fd is O_CLOEXEC: forked
 * workers and a sandbox's init share the lock, exec'd programs do not.  A
 * run killed with SIGKILL loses the lock with its last process, so a later
 * pw_workdir_sweep() of the same PARENT and PREFIX removes the directories
 * whose lock it can take -- dead runs' -- and never a live run's.
 *
 * Races: a sweeper may lock and remove a directory between its mkdtemp()
 * and its owner's flock(); pw_workdir_make() checks after flock() that the
 * path still names the directory it locked, and makes another when not.
 * A sweeper checks the same before removing.  Only directories owned by
 * the caller's effective uid are touched (shared /tmp).
 *
 * Ownership: struct pw_workdir owns its path; pw_workdir_release() frees
 * it and closes the lock (removing the tree first when asked).  Errors:
 * 0 or -errno; nothing here prints.
 */
#ifndef PINWHEEL_WORKDIR_H
#define PINWHEEL_WORKDIR_H

#include "pinwheel/common.h"

#define PW_WORKDIR_MARK ".pinwheel-workdir"

struct pw_workdir {
	char *path; /* PARENT/PREFIXxxxxxx */
	int fd;	    /* the directory, flock()ed LOCK_EX; -1 when none */
};

#define PW_WORKDIR_INIT {NULL, -1}

/* Sweep PARENT for dead runs' PREFIX directories (as pw_workdir_sweep()
 * with @marked_only), then make a new one into @w.  0 or -errno (the
 * mkdtemp/open/flock error); @w is left empty on error. */
int pw_workdir_make(struct pw_workdir *w, const char *parent, const char *prefix,
		    bool marked_only);
/* Remove the tree when @remove, then release the lock and free the path.
 * Safe on an empty @w.  Returns the removal's result (0 or -errno). */
int pw_workdir_release(struct pw_workdir *w, bool remove);
/* Remove every directory PARENT/PREFIXxxxxxx (six characters of mkdtemp's
 * alphabet) that is owned by us and whose lock nobody holds; with
 * @marked_only only those holding PW_WORKDIR_MARK (use it where other
 * programs' files may live, e.g. /tmp).  *removed (may be NULL) counts
 * them.  A missing PARENT is not an error. */
int pw_workdir_sweep(const char *parent, const char *prefix, bool marked_only, unsigned *removed);

#endif

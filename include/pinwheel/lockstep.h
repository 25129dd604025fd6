/* lockstep.h - helpers for the tools a provider runs inside a target's
 * root at lock time (toolchains/lockstep.c): the root's pip (pypi.c), the
 * root's cargo (crates.c).
 *
 * A lock step runs with the network (--net) in a copy of the composed
 * root's sandbox spec, with a host temp directory bound for its output and
 * the tool's output in a log file whose telling line is quoted in errors.
 *
 * Ownership: spec copies are the caller's (pw_sandbox_spec_release());
 * returned strings are the caller's to free.  Errors: 0 or -errno with one
 * line in struct pw_err; pointer functions NULL + errno.  Nothing here
 * prints.  pw_lockstep_run() follows pw_sandbox_run()'s rules (single
 * threaded caller) and swaps the process's fds 1 and 2 while it runs.
 */
#ifndef PINWHEEL_LOCKSTEP_H
#define PINWHEEL_LOCKSTEP_H

#include "pinwheel/common.h"
#include "pinwheel/sandbox.h"

/* A deep copy of @src into @dst (not initialised before). */
void pw_lockstep_spec_copy(struct pw_sandbox_spec *dst, const struct pw_sandbox_spec *src);

/* A temp directory $TMPDIR (or /tmp) "/pinwheel-TAG.XXXXXX", locked while
 * *lockfd is open (workdir.h: a later step of the same TAG removes it if
 * this process is killed).  Caller removes the directory, then closes
 * *lockfd, then frees the path.  NULL + errno on error. */
char *pw_lockstep_tmpdir(const char *tag, int *lockfd, struct pw_err *e);

/* Add a read-only (or with @rw writable) bind of @src at @dst. */
int pw_lockstep_bind(struct pw_sandbox_spec *s, bool rw, const char *src, const char *dst,
		     struct pw_err *e);

/* Name resolution for a lock step: the host's /etc/resolv.conf bound
 * read-only (unless the root is read-only), and the proxy variables
 * passed through. */
int pw_lockstep_net(struct pw_sandbox_spec *s, struct pw_err *e);

/* Is @path an absolute path to a regular file? */
bool pw_lockstep_is_file(const char *path);

/* Run @argv in @s with its stdout and stderr appended to the host file
 * @log (created).  0 when it ran (see @res), -errno when the sandbox
 * could not start or the log could not be opened. */
int pw_lockstep_run(const struct pw_sandbox_spec *s, char *const argv[], const char *log,
		    struct pw_sandbox_result *res, struct pw_err *e);

/* The telling line of a tool's log: the first line starting with one of
 * @markers (e.g. "error:", "ERROR:"; NULL-terminated), else the last
 * non-empty line, else "".  Control characters become spaces; at most 300
 * bytes.  Caller frees.  The log's directory may be one the step could
 * write: the log is taken as untrusted.h says (only its last 4 MiB are
 * read), and what was found instead of it ("'LOG' is a FIFO, expected a
 * regular file") is the line then. */
char *pw_lockstep_log_line(const char *log, const char *const *markers);
/* The same with @markers in order of preference: the first line starting
 * with markers[0], else the first starting with markers[1], ... */
char *pw_lockstep_log_line_pref(const char *log, const char *const *markers);

#endif

/* seccomp-int.h - what the two halves of the seccomp module share:
 * sandbox/seccomp-profile.c (JSON profile -> struct pw_sc_profile, with
 * FILE:LINE:COL errors) and sandbox/seccomp.c (compiler, caches, installer).
 * Not a public contract: only these two files include it.
 *
 * Ownership: a struct pw_sc_profile owns its JSON document and arrays; the
 * rule names point into that document.  pw_sc_profile_release() frees it
 * all, also after a failed parse.
 */
#ifndef PINWHEEL_SECCOMP_INT_H
#define PINWHEEL_SECCOMP_INT_H

#include <jansson.h>
#include <seccomp.h>

#include "pinwheel/buf.h"
#include "pinwheel/common.h"

#define PW_SC_PROFILE_MAX (1u << 20) /* bytes of JSON we accept */
#define PW_SC_MAX_ARGS 6

struct pw_sc_arch {
	uint32_t token;
	const char *name;
	bool narrow; /* libseccomp compares 32-bit arguments */
};

enum pw_sc_op {
	OP_EQ,
	OP_NE,
	OP_LT,
	OP_LE,
	OP_GT,
	OP_GE,
	OP_MASKED_EQ,
	OP_ANY_BITS,
	OP_IN,
	OP_NOT_IN
};

struct pw_sc_cond {
	unsigned index;
	enum pw_sc_op op;
	uint64_t mask;	/* OP_MASKED_EQ */
	uint64_t value; /* plain ops; OP_ANY_BITS: the bits */
	uint64_t *set;	/* OP_IN, OP_NOT_IN: sorted, unique */
	size_t nset;
};

struct pw_sc_rule {
	const char **names; /* point into the JSON document */
	size_t nnames;
	uint32_t action;
	struct pw_sc_cond conds[PW_SC_MAX_ARGS];
	size_t nconds;
	bool unless_net;
};

struct pw_sc_profile {
	const char *name; /* for messages */
	const char *text; /* the JSON text, for line:column (not owned) */
	size_t len;
	json_t *root;
	uint32_t def_action;
	bool compat_kill;	     /* "kill": every other ABI kills */
	uint32_t compat_killed[8]; /* {"x32": "kill", ...}: these ABIs kill */
	size_t n_compat_killed;
	struct pw_sc_rule *rules;
	size_t nrules;
};

/* The name and width of a libseccomp architecture token ("unknown" when
 * not in the table).  Never NULL. */
const struct pw_sc_arch *pw_sc_arch_find(uint32_t token);

/* Parse and check @data (a profile named @name in messages) into @pr.
 * 0 or -EINVAL/-E2BIG with @e filled; @pr is the caller's to release in
 * both cases. */
int pw_sc_profile_parse(struct pw_sc_profile *pr, const char *name, const char *data, size_t n,
			struct pw_err *e);
void pw_sc_profile_release(struct pw_sc_profile *pr);

/* Fill @e with "NAME:LINE:COL: FIELD: what" (the position of the JSON path
 * @loc, or of its deepest existing ancestor) and return -EINVAL. */
int pw_sc_bad_at(struct pw_sc_profile *pr, struct pw_err *e, const char *field, const char *loc,
		 const char *fmt, ...) PW_PRINTF(5, 6);
#define pw_sc_bad(pr, e, field, ...) pw_sc_bad_at(pr, e, field, field, __VA_ARGS__)

/* seccomp-demux.c: ABIs where libseccomp multiplexes socket(2) and
 * socketpair(2) through socketcall(2), whose arguments are in memory. */
struct pw_sc_demux {
	uint32_t token;	     /* SCMP_ARCH_* (the AUDIT_ARCH_* value) */
	uint32_t socketcall; /* its number on that ABI */
	uint32_t nr_socket, nr_socketpair; /* the direct calls (kernel 4.3+) */
	unsigned word;	     /* bytes per argument in socketcall's block */
};
/* NULL when @token does not multiplex socket calls (or is unknown). */
const struct pw_sc_demux *pw_sc_demux_find(uint32_t token);

/* A profile rule with conditions on socket (which 0) or socketpair
 * (which 1) on a multiplexing ABI, after expansion and narrowing. */
struct pw_sc_demux_rule {
	int which;
	uint32_t action;
	struct scmp_arg_cmp c[PW_SC_MAX_ARGS];
	unsigned n;
};
struct pw_sc_demux_plan {
	const struct pw_sc_demux *abi;
	struct pw_sc_demux_rule *rules; /* owned, free() */
	size_t n;
};
/* Append to @out the section that goes before libseccomp's program:
 * the direct calls' rules in BPF, SECCOMP_RET_USER_NOTIF for socketcall's
 * SYS_SOCKET and SYS_SOCKETPAIR; it falls through to the next
 * instruction (libseccomp's first) otherwise.  0 or -E2BIG. */
int pw_sc_demux_gen(const struct pw_sc_demux_plan *plans, size_t nplans, struct pw_buf *out);
/* Run the classic BPF program @f on @d as the kernel would; the action
 * (SECCOMP_RET_KILL_PROCESS for a malformed program). */
struct sock_filter;
struct seccomp_data;
uint32_t pw_sc_bpf_run(const struct sock_filter *f, size_t n, const struct seccomp_data *d);

/* For tests/unit/test_seccomp.c: the cache key's own SHA-256 of @data as
 * 64 lowercase hex digits (seccomp.c says why it is not lib/hash.c). */

#endif

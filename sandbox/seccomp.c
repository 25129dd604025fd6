/* seccomp.c - seccomp profiles: libseccomp compiler, BPF cache and the
 * async-signal-safe installer (the JSON format is in seccomp-profile.c).
 *
 * A profile (docs/seccomp.md) is parsed into rules, each rule is expanded
 * into plain libseccomp rules (any_bits, in and not_in become one rule per
 * bit, value or range), and one filter per architecture the kernel can run
 * for us is built and merged into one program, exported as classic BPF.
 * The program is cached by content: in memory per process and, when asked,
 * on disk.  The child installs it with two raw syscalls.
 */
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "pinwheel/buf.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/sys.h"
#include "pinwheel/hash.h" /* PW_SHA256_HEX */
#include "pinwheel/seccomp.h"
#include "seccomp-int.h"

#define MAX_EXPANDED 512 /* plain rules one profile rule may become */
#define CACHE_FORMAT "pinwheel-seccomp-v2" /* v2: the socket demux section */

/* The embedded profiles, generated from profiles/seccomp/NAME.json by the rule
 * in mk/sandbox.mk (the definition repeats there). */
struct pw_seccomp_builtin_ent {
	const char *name;
	const char *path;
	const char *data;
	size_t len;
	const char *digest; /* SHA-256 of data, computed at build time */
};
extern const struct pw_seccomp_builtin_ent pw_seccomp_builtins[];
extern const size_t pw_seccomp_nbuiltins;

struct pw_seccomp_prog {
	struct sock_fprog fprog; /* points at insns */
	struct sock_filter *insns;
	size_t n;
	enum pw_seccomp_source source;
	bool supervised; /* returns SECCOMP_RET_USER_NOTIF somewhere */
};

/* The ABIs the kernel runs for a process of the native architecture,
 * besides the native one. */
static size_t compat_arches(uint32_t native, uint32_t out[2])
{
	switch (native) {
	case SCMP_ARCH_X86_64:
		out[0] = SCMP_ARCH_X86;
		out[1] = SCMP_ARCH_X32;
		return 2;
	case SCMP_ARCH_AARCH64:
		out[0] = SCMP_ARCH_ARM;
		return 1;
	case SCMP_ARCH_S390X:
		out[0] = SCMP_ARCH_S390;
		return 1;
	case SCMP_ARCH_PPC64:
		out[0] = SCMP_ARCH_PPC;
		return 1;
	default:
		return 0;
	}
}

/* ---- expansion and compilation ---- */

struct plain {
	struct scmp_arg_cmp c[PW_SC_MAX_ARGS];
	unsigned n;
};

struct expansion {
	struct plain *v;
	size_t n, alloc;
};

static struct scmp_arg_cmp mkcmp(unsigned idx, enum scmp_compare op, uint64_t a, uint64_t b)
{
	struct scmp_arg_cmp c = {.arg = idx, .op = op, .datum_a = a, .datum_b = b};

	return c;
}

static int push(struct expansion *x, const struct plain *base, const struct scmp_arg_cmp *extra)
{
	if (x->n == MAX_EXPANDED)
		return -E2BIG;
	if (x->n == x->alloc) {
		x->alloc = x->alloc ? 2 * x->alloc : 16;
		x->v = pw_xrealloc(x->v, x->alloc * sizeof(*x->v));
	}
	x->v[x->n] = *base;
	if (extra)
		x->v[x->n].c[x->v[x->n].n++] = *extra;
	x->n++;
	return 0;
}

/* Rules matching every value in [a, b] (a > 0): aligned power-of-two blocks,
 * each a masked_eq, as a router splits an address range into prefixes. */
static int push_range(struct expansion *x, const struct plain *base, unsigned idx, uint64_t a,
		      uint64_t b)
{
	for (;;) {
		unsigned bits = 0;
		struct scmp_arg_cmp c;
		int r;
		while (bits < 63 && !(a & ((2ULL << bits) - 1)) && a + ((2ULL << bits) - 1) <= b &&
		       a + ((2ULL << bits) - 1) >= a)
			bits++;
		/* block of 2^bits values starting at a */
		c = mkcmp(idx, SCMP_CMP_MASKED_EQ, ~((1ULL << bits) - 1), a);
		if ((r = push(x, base, &c)) < 0)
			return r;
		if (a + ((1ULL << bits) - 1) >= b)
			return 0;
		a += 1ULL << bits;
	}
}

static int expand_rule(const struct pw_sc_rule *ru, struct expansion *x)
{
	struct plain base = {.n = 0};
	const struct pw_sc_cond *ex = NULL;
	struct scmp_arg_cmp c;
	int r = 0;

	for (size_t i = 0; i < ru->nconds; i++) {
		const struct pw_sc_cond *k = &ru->conds[i];
		static const enum scmp_compare map[] = {
		    [OP_EQ] = SCMP_CMP_EQ,
		    [OP_NE] = SCMP_CMP_NE,
		    [OP_LT] = SCMP_CMP_LT,
		    [OP_LE] = SCMP_CMP_LE,
		    [OP_GT] = SCMP_CMP_GT,
		    [OP_GE] = SCMP_CMP_GE,
		    [OP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
		};
		if (k->op == OP_ANY_BITS || k->op == OP_IN || k->op == OP_NOT_IN) {
			ex = k;
			continue;
		}
		base.c[base.n++] = k->op == OP_MASKED_EQ
				       ? mkcmp(k->index, map[k->op], k->mask, k->value)
				       : mkcmp(k->index, map[k->op], k->value, 0);
	}
	if (!ex)
		return push(x, &base, NULL);
	switch (ex->op) {
	case OP_ANY_BITS:
		for (unsigned b = 0; b < 64 && r == 0; b++)
			if (ex->value & (1ULL << b)) {
				c = mkcmp(ex->index, SCMP_CMP_MASKED_EQ, 1ULL << b, 1ULL << b);
				r = push(x, &base, &c);
			}
		return r;
	case OP_IN:
		for (size_t i = 0; i < ex->nset && r == 0; i++) {
			c = mkcmp(ex->index, SCMP_CMP_EQ, ex->set[i], 0);
			r = push(x, &base, &c);
		}
		return r;
	default: { /* OP_NOT_IN: the gaps between the allowed values */
		uint64_t lo = 0;
		for (size_t i = 0; i < ex->nset && r == 0; i++) {
			uint64_t v = ex->set[i];
			if (v > lo) {
				if (lo == 0) {
					c = mkcmp(ex->index, SCMP_CMP_LT, v, 0);
					r = push(x, &base, &c);
				} else {
					r = push_range(x, &base, ex->index, lo, v - 1);
				}
			}
			lo = v + 1;
		}
		if (r == 0 && ex->set[ex->nset - 1] != UINT64_MAX) {
			c = mkcmp(ex->index, SCMP_CMP_GT, ex->set[ex->nset - 1], 0);
			r = push(x, &base, &c);
		}
		return r;
	}
	}
}

/* libseccomp compares only 32 bits on some ABIs (and mishandles wider
 * operands there); the arguments it sees are 32-bit.  Rewrite a plain rule
 * for that: false when it can never match (drop it), conditions that always
 * hold removed. */
static bool narrow_rule(struct plain *p)
{
	const uint64_t lo = 0xffffffffULL;
	unsigned out = 0;

	for (unsigned i = 0; i < p->n; i++) {
		struct scmp_arg_cmp c = p->c[i];
		bool always = false;
		switch (c.op) {
		case SCMP_CMP_EQ:
			if (c.datum_a > lo)
				return false;
			break;
		case SCMP_CMP_NE:
			always = c.datum_a > lo;
			break;
		case SCMP_CMP_LT:
			always = c.datum_a > lo;
			break;
		case SCMP_CMP_LE:
			always = c.datum_a >= lo;
			break;
		case SCMP_CMP_GT:
			if (c.datum_a >= lo)
				return false;
			break;
		case SCMP_CMP_GE:
			if (c.datum_a > lo)
				return false;
			break;
		case SCMP_CMP_MASKED_EQ:
			if (c.datum_b > lo)
				return false;
			c.datum_a &= lo;
			if (c.datum_a == 0) {
				if (c.datum_b)
					return false;
				always = true;
			}
			break;
		default:
			break;
		}
		if (!always)
			p->c[out++] = c;
	}
	p->n = out;
	return true;
}

/* A rule with conditions on a multiplexed call: socket and socketpair go
 * to @plan (seccomp-demux.c), anything else cannot be checked there and is
 * an error (it would be silently weaker on that ABI).  0 or -EINVAL. */
static int demux_add(struct pw_sc_profile *pr, const struct pw_sc_arch *ai,
		     struct pw_sc_demux_plan *plan, size_t ri, size_t ni, const char *name,
		     uint32_t action, const struct plain *p, struct pw_err *e)
{
	int which = !strcmp(name, "socket") ? 0 : !strcmp(name, "socketpair") ? 1 : -1;
	struct pw_sc_demux_rule *dr;
	char f[96];

	if (which < 0 || !plan->abi) {
		snprintf(f, sizeof(f), "syscalls[%zu].names[%zu]", ri, ni);
		return pw_sc_bad(pr, e, f,
				 "conditions on '%s' cannot be checked on %s, where it goes "
				 "through a multiplexer (only socket and socketpair can)",
				 name, ai->name);
	}
	plan->rules = pw_xrealloc(plan->rules, (plan->n + 1) * sizeof(*plan->rules));
	dr = &plan->rules[plan->n++];
	dr->which = which;
	dr->action = action;
	dr->n = p->n;
	memcpy(dr->c, p->c, sizeof(dr->c));
	return 0;
}

static int add_rules_for_arch(struct pw_sc_profile *pr, scmp_filter_ctx ctx,
			      const struct pw_sc_arch *ai, const struct pw_seccomp_opts *opts,
			      struct pw_sc_demux_plan *plan, struct pw_err *e)
{
	for (size_t ri = 0; ri < pr->nrules; ri++) {
		const struct pw_sc_rule *ru = &pr->rules[ri];
		struct expansion x = {0};
		int r;
		if (ru->unless_net && opts && opts->allow_net)
			continue;
		r = expand_rule(ru, &x);
		if (r < 0) {
			free(x.v);
			return pw_sc_bad(pr, e, "syscalls",
					 "rule %zu expands to more than %d plain rules", ri,
					 MAX_EXPANDED);
		}
		for (size_t ni = 0; ni < ru->nnames && r == 0; ni++) {
			const char *name = ru->names[ni];
			int nr = seccomp_syscall_resolve_name(name);
			int anr = seccomp_syscall_resolve_name_arch(ai->token, name);
			if (anr == __NR_SCMP_ERROR || anr <= -10000)
				continue; /* no such syscall on this ABI */
			for (size_t k = 0; k < x.n && r == 0; k++) {
				struct plain p = x.v[k];
				if (ai->narrow && !narrow_rule(&p))
					continue;
				/* A multiplexed call (i386 socketcall) keeps its
				 * arguments in memory, where libseccomp cannot
				 * compare them: seccomp-demux.c does. */
				if (anr < 0 && p.n > 0) {
					r = demux_add(pr, ai, plan, ri, ni, name, ru->action, &p, e);
					continue;
				}
				r = seccomp_rule_add_array(ctx, ru->action, nr, p.n, p.c);
				if (r < 0) {
					char f[96];
					snprintf(f, sizeof(f), "syscalls[%zu].names[%zu]", ri, ni);
					if (r == -EEXIST)
						pw_sc_bad(
						    pr, e, f,
						    "conflicts with an earlier rule for '%s' with "
						    "the same conditions and another action",
						    name);
					else
						pw_sc_bad(
						    pr, e, f,
						    "libseccomp could not add a rule for '%s' on "
						    "%s: %s",
						    name, ai->name, strerror(-r));
				}
			}
		}
		free(x.v);
		if (r < 0)
			return -EINVAL;
	}
	return 0;
}

static int lib_err(struct pw_err *e, int r, const char *what)
{
	errno = -r;
	return pw_err_set(e, -r, "libseccomp: %s: %s", what, strerror(-r));
}

/* Build the filter of @pr and export it into @out (raw sock_filter array). */
static int profile_compile(struct pw_sc_profile *pr, const struct pw_seccomp_opts *opts,
			   struct pw_buf *out, struct pw_err *e)
{
	uint32_t native = seccomp_arch_native(), list[3];
	struct pw_sc_demux_plan plans[3];
	size_t n = 1, nplans = 0;
	scmp_filter_ctx main_ctx = NULL;
	int r = 0, fd;

	list[0] = native;
	if (!pr->compat_kill) {
		size_t k = compat_arches(native, list + 1);

		/* ABIs the profile kills stay out of the filter (BADARCH) */
		for (size_t i = 1; i <= k; i++) {
			bool killed = false;

			for (size_t j = 0; j < pr->n_compat_killed; j++)
				killed |= pr->compat_killed[j] == list[i];
			if (!killed)
				list[n++] = list[i];
		}
	}
	for (size_t i = 0; i < n; i++) {
		scmp_filter_ctx ctx = seccomp_init(pr->def_action);
		if (!ctx) {
			r = lib_err(e, -ENOMEM, "seccomp_init failed");
			goto out;
		}
		if (i > 0) {
			if ((r = seccomp_arch_remove(ctx, native)) < 0 ||
			    (r = seccomp_arch_add(ctx, list[i])) < 0) {
				seccomp_release(ctx);
				lib_err(e, r, "could not add an architecture");
				goto out;
			}
		}
		/* a binary search over syscall numbers (libseccomp API level 4+)
		 * instead of a linear chain: each syscall pays ~log2 compares */
		if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) <
			0 ||
		    (r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0 ||
		    (r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2)) < 0) {
			seccomp_release(ctx);
			lib_err(e, r, "could not set a filter attribute");
			goto out;
		}
		plans[nplans] = (struct pw_sc_demux_plan){pw_sc_demux_find(list[i]), NULL, 0};
		r = add_rules_for_arch(pr, ctx, pw_sc_arch_find(list[i]), opts, &plans[nplans], e);
		nplans++;
		if (r < 0) {
			seccomp_release(ctx);
			goto out;
		}
		if (!main_ctx) {
			main_ctx = ctx;
		} else if ((r = seccomp_merge(main_ctx, ctx)) < 0) {
			seccomp_release(ctx);
			lib_err(e, r, "could not merge the per-architecture filters");
			goto out;
		}
	}
	/* The demux section first (the ABIs with rules there), then
	 * libseccomp's program. */
	if ((r = pw_sc_demux_gen(plans, nplans, out)) < 0) {
		pw_err_set(e, -r, "%s: the socket rules do not fit a BPF program", pr->name);
		goto out;
	}
	fd = pw_sys_memfd_create("pinwheel-seccomp", MFD_CLOEXEC);
	if (fd < 0) {
		r = pw_err_sys(e, errno, "memfd_create");
		goto out;
	}
	r = seccomp_export_bpf(main_ctx, fd);
	if (r < 0) {
		lib_err(e, r, "could not export the filter");
	} else if (lseek(fd, 0, SEEK_SET) < 0) {
		r = pw_err_sys(e, errno, "lseek on the exported filter");
	} else if ((r = pw_read_fd(fd, out)) < 0) {
		pw_err_set(e, -r, "%s: the filter is larger than %d instructions", pr->name,
			   BPF_MAXINSNS);
	} else if (out->len == 0 || out->len % sizeof(struct sock_filter)) {
		r = pw_err_set(e, EIO, "libseccomp exported a filter of %zu bytes", out->len);
	}
	close(fd);
out:
	if (main_ctx)
		seccomp_release(main_ctx);
	for (size_t i = 0; i < nplans; i++)
		free(plans[i].rules);
	if (r < 0)
		errno = -r;
	return r < 0 ? r : 0;
}

/* libseccomp 2.5 never finishes some profiles (two rules of one syscall
 * whose conditions compare a value above 32 bits on one argument and
 * share a range comparison on a lower one, for instance), so a profile is
 * compiled in a child with a CPU-time limit: a legitimate one takes a few
 * milliseconds, and a profile that trips the library is one error line
 * instead of a pinwheel that never starts.  The fork costs ~1 ms, once
 * per profile and machine (the program is cached). */
#ifdef PW_FUZZING
#define COMPILE_CPU_S 2 /* under the fuzzer's own 10 s timeout */
#else
#define COMPILE_CPU_S 5
#endif

static int compile_bounded(struct pw_sc_profile *pr, const struct pw_seccomp_opts *opts,
			   struct pw_buf *out, struct pw_err *e)
{
	int p[2], st, r;
	struct pw_err ce = PW_ERR_INIT;
	struct pw_buf in;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return pw_err_sys(e, errno, "pipe");
	pid = fork();
	if (pid < 0) {
		r = pw_err_sys(e, errno, "fork the seccomp compiler");
		close(p[0]);
		close(p[1]);
		return r;
	}
	if (pid == 0) {
		struct rlimit rl = {COMPILE_CPU_S, COMPILE_CPU_S + 1};

		close(p[0]);
		(void)setrlimit(RLIMIT_CPU, &rl);
		r = profile_compile(pr, opts, out, &ce);
		ce.code = r;
		if (pw_write_all(p[1], &ce, sizeof(ce)) < 0 ||
		    (r == 0 && pw_write_all(p[1], out->buf, out->len) < 0))
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	pw_buf_init(&in, sizeof(ce) + out->max);
	r = pw_read_fd(p[0], &in);
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(st))
		r = pw_err_set(e, ETIME,
			       "%s: libseccomp did not finish compiling it within %d s of CPU "
			       "time (libseccomp 2.5 loops on some comparisons of values above 32 "
			       "bits): simplify its argument conditions",
			       pr->name, COMPILE_CPU_S);
	else if (r < 0 || !WIFEXITED(st) || WEXITSTATUS(st) || in.len < sizeof(ce))
		r = pw_err_set(e, EIO, "%s: the seccomp compiler failed", pr->name);
	else {
		memcpy(&ce, in.buf, sizeof(ce));
		if ((r = ce.code) < 0)
			*e = ce;
		else
			r = pw_buf_add(out, in.buf + sizeof(ce), in.len - sizeof(ce));
	}
	pw_buf_release(&in);
	if (r < 0)
		errno = -r;
	return r;
}

/* ---- cache ---- */

struct cache_ent {
	char key[160]; /* CACHE_KEY_MAX */
	struct sock_filter *insns;
	size_t n;
	struct cache_ent *next;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cache_ent *cache_head;

/* The cache key names the profile bytes, the options and the compiler.
 * Built-in profiles carry the SHA-256 of their bytes computed when the
 * binary was built (mk/embed-profiles.sh), so the common path hashes
 * nothing at run time: the first use of libcrypto in a process costs about
 * a millisecond of initialisation, a third of the start-up budget.  Other
 * profiles are hashed with lib/hash.c. */
#define CACHE_KEY_MAX 160

static void cache_key(const char *data, size_t n, const char *digest,
		      const struct pw_seccomp_opts *opts, char key[CACHE_KEY_MAX])
{
	const struct scmp_version *v = seccomp_version();
	char hex[PW_SHA256_HEX];

	if (!digest) {
		pw_sha256_mem(data, n, hex);
		digest = hex;
	}
	snprintf(key, CACHE_KEY_MAX, "%s-%s-libseccomp%u.%u.%u-arch%x-net%d", digest, CACHE_FORMAT,
		 v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0, seccomp_arch_native(),
		 opts && opts->allow_net);
}

static struct pw_seccomp_prog *prog_new(const void *insns, size_t n, enum pw_seccomp_source src)
{
	struct pw_seccomp_prog *p = pw_xcalloc(1, sizeof(*p));

	p->insns = pw_xmalloc(n * sizeof(*p->insns));
	memcpy(p->insns, insns, n * sizeof(*p->insns));
	p->n = n;
	p->fprog.len = (unsigned short)n;
	p->fprog.filter = p->insns;
	p->source = src;
	for (size_t i = 0; i < n; i++)
		if (BPF_CLASS(p->insns[i].code) == BPF_RET && BPF_RVAL(p->insns[i].code) == BPF_K &&
		    (p->insns[i].k & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_USER_NOTIF)
			p->supervised = true;
	return p;
}

static struct pw_seccomp_prog *mem_lookup(const char *key)
{
	struct pw_seccomp_prog *p = NULL;

	pthread_mutex_lock(&cache_lock);
	for (struct cache_ent *c = cache_head; c; c = c->next)
		if (!strcmp(c->key, key)) {
			p = prog_new(c->insns, c->n, PW_SECCOMP_MEM_CACHE);
			break;
		}
	pthread_mutex_unlock(&cache_lock);
	return p;
}

static void mem_store(const char *key, const void *insns, size_t n)
{
	struct cache_ent *c = pw_xcalloc(1, sizeof(*c));

	snprintf(c->key, sizeof(c->key), "%s", key);
	c->insns = pw_xmalloc(n * sizeof(*c->insns));
	memcpy(c->insns, insns, n * sizeof(*c->insns));
	c->n = n;
	pthread_mutex_lock(&cache_lock);
	c->next = cache_head;
	cache_head = c;
	pthread_mutex_unlock(&cache_lock);
}

void pw_seccomp_cache_clear(void)
{
	pthread_mutex_lock(&cache_lock);
	while (cache_head) {
		struct cache_ent *c = cache_head;
		cache_head = c->next;
		free(c->insns);
		free(c);
	}
	pthread_mutex_unlock(&cache_lock);
}

/* Is this plausibly a program libseccomp wrote?  The kernel checks the rest
 * when it is installed. */
static bool insns_sane(const struct sock_filter *f, size_t n)
{
	return n > 0 && n <= BPF_MAXINSNS && f[0].code == (BPF_LD | BPF_W | BPF_ABS) &&
	       f[0].k == offsetof(struct seccomp_data, arch) && BPF_CLASS(f[n - 1].code) == BPF_RET;
}

/* Read KEY.bpf from the cache directory: a regular file of ours, not
 * writable by others, a whole number of instructions.  NULL when absent or
 * unfit (the caller recompiles and rewrites it). */
static struct pw_seccomp_prog *disk_lookup(const char *dir, const char *key)
{
	_cleanup_free_ char *path = pw_xasprintf("%s/%s.bpf", dir, key);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct pw_buf b = PW_BUF_INIT(BPF_MAXINSNS * sizeof(struct sock_filter));
	struct pw_seccomp_prog *p = NULL;
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022))
		return NULL;
	if (pw_read_fd(fd, &b) == 0 && b.len % sizeof(struct sock_filter) == 0 &&
	    insns_sane((const struct sock_filter *)(const void *)b.buf,
		       b.len / sizeof(struct sock_filter)))
		p = prog_new(b.buf, b.len / sizeof(struct sock_filter), PW_SECCOMP_DISK_CACHE);
	pw_buf_release(&b);
	return p;
}

/* Best effort: a cache that cannot be written only costs time. */
static void disk_store(const char *dir, const char *key, const void *insns, size_t n)
{
	_cleanup_free_ char *path = pw_xasprintf("%s/%s.bpf", dir, key);

	if (pw_mkdir_p(dir, 0700) < 0)
		return;
	(void)pw_write_file_atomic(path, insns, n * sizeof(struct sock_filter), 0644);
}

/* ---- public entry points ---- */

/* Compile @data, or take it from a cache; @digest is the SHA-256 of @data
 * when the caller knows it (built-in profiles), else NULL. */
static struct pw_seccomp_prog *compile_keyed(const char *name, const char *data, size_t n,
					     const char *digest, const struct pw_seccomp_opts *opts,
					     struct pw_err *e)
{
	struct pw_buf out = PW_BUF_INIT(BPF_MAXINSNS * sizeof(struct sock_filter));
	struct pw_seccomp_prog *p;
	struct pw_sc_profile pr;
	char key[CACHE_KEY_MAX];
	size_t count;
	int r;

	if (n > PW_SC_PROFILE_MAX) {
		pw_err_set(e, E2BIG, "%s: larger than %u bytes", name, PW_SC_PROFILE_MAX);
		errno = E2BIG;
		return NULL;
	}
	cache_key(data, n, digest, opts, key);
	if ((p = mem_lookup(key)))
		return p;
	if (opts && opts->cache_dir && (p = disk_lookup(opts->cache_dir, key))) {
		mem_store(key, p->insns, p->n);
		return p;
	}
	r = pw_sc_profile_parse(&pr, name, data, n, e);
	if (r == 0)
		r = compile_bounded(&pr, opts, &out, e);
	pw_sc_profile_release(&pr);
	if (r < 0) {
		pw_buf_release(&out);
		errno = -r;
		return NULL;
	}
	count = out.len / sizeof(struct sock_filter);
	p = prog_new(out.buf, count, PW_SECCOMP_COMPILED);
	pw_buf_release(&out);
	mem_store(key, p->insns, p->n);
	if (opts && opts->cache_dir)
		disk_store(opts->cache_dir, key, p->insns, p->n);
	return p;
}

struct pw_seccomp_prog *pw_seccomp_compile_mem(const char *name, const char *data, size_t n,
					       const struct pw_seccomp_opts *opts, struct pw_err *e)
{
	return compile_keyed(name, data, n, NULL, opts, e);
}

static bool is_path(const char *s)
{
	size_t n = strlen(s);

	return strchr(s, '/') || (n >= 5 && !strcmp(s + n - 5, ".json"));
}

struct pw_seccomp_prog *pw_seccomp_compile(const char *name_or_path,
					   const struct pw_seccomp_opts *opts, struct pw_err *e)
{
	struct pw_buf b = PW_BUF_INIT(PW_SC_PROFILE_MAX);
	struct pw_seccomp_prog *p;
	int r;

	if (!is_path(name_or_path)) {
		for (size_t i = 0; i < pw_seccomp_nbuiltins; i++) {
			const struct pw_seccomp_builtin_ent *be = &pw_seccomp_builtins[i];
			if (!strcmp(be->name, name_or_path))
				return compile_keyed(be->path, be->data, be->len, be->digest, opts,
						     e);
		}
		for (size_t i = 0; i < pw_seccomp_nbuiltins; i++)
			(void)pw_buf_addf(&b, "%s%s", i ? ", " : "", pw_seccomp_builtins[i].name);
		pw_err_set(e, ENOENT,
			   "unknown seccomp profile '%s' (built-in: %s; a path needs a '/' or a "
			   ".json suffix)",
			   name_or_path, b.len ? b.buf : "none");
		pw_buf_release(&b);
		errno = ENOENT;
		return NULL;
	}
	r = pw_read_file(name_or_path, &b);
	if (r < 0) {
		if (r == -E2BIG)
			pw_err_set(e, E2BIG, "%s: larger than %u bytes", name_or_path,
				   PW_SC_PROFILE_MAX);
		else
			pw_err_sys(e, -r, "could not read seccomp profile '%s'", name_or_path);
		pw_buf_release(&b);
		errno = -r;
		return NULL;
	}
	p = pw_seccomp_compile_mem(name_or_path, b.buf, b.len, opts, e);
	pw_buf_release(&b);
	return p;
}

void pw_seccomp_prog_free(struct pw_seccomp_prog *p)
{
	if (!p)
		return;
	free(p->insns);
	free(p);
}

const void *pw_seccomp_prog_insns(const struct pw_seccomp_prog *p, size_t *count)
{
	*count = p->n;
	return p->insns;
}

enum pw_seccomp_source pw_seccomp_prog_source(const struct pw_seccomp_prog *p)
{
	return p->source;
}

const char *pw_seccomp_builtin_name(size_t i)
{
	return i < pw_seccomp_nbuiltins ? pw_seccomp_builtins[i].name : NULL;
}

const char *pw_seccomp_builtin(const char *name, size_t *len)
{
	for (size_t i = 0; i < pw_seccomp_nbuiltins; i++)
		if (!strcmp(pw_seccomp_builtins[i].name, name)) {
			*len = pw_seccomp_builtins[i].len;
			return pw_seccomp_builtins[i].data;
		}
	errno = ENOENT;
	return NULL;
}

bool pw_seccomp_prog_supervised(const struct pw_seccomp_prog *p)
{
	return p->supervised;
}

uint32_t pw_seccomp_prog_eval(const struct pw_seccomp_prog *p, const void *data)
{
	return pw_sc_bpf_run(p->insns, p->n, data);
}

int pw_seccomp_install_listen(const struct pw_seccomp_prog *p, int *listener)
{
	long fd;

	*listener = -1;
	if (!p->supervised)
		return pw_seccomp_install(p);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
		     &p->fprog);
	if (fd >= 0) {
		*listener = (int)fd;
		return 0;
	}
	/* EBUSY: a filter above ours has a listener (one per chain) */
	if (errno != EBUSY && errno != EINVAL)
		return -errno;
	return pw_seccomp_install(p);
}

/* Only raw syscalls: this runs in the child between fork and exec. */
int pw_seccomp_install(const struct pw_seccomp_prog *p)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p->fprog) == 0)
		return 0;
	if (errno != ENOSYS)
		return -errno;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p->fprog, 0, 0) < 0)
		return -errno;
	return 0;
}

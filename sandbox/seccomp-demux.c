/* seccomp-demux.c - socket calls that go through a multiplexer.
 *
 * On i386 (and s390, ppc) a program reaches socket(2) and socketpair(2)
 * two ways: the direct system calls (359/360 on i386, kernel 4.3+) and
 * socketcall(2) with a call number and a pointer to the arguments in
 * memory, which is what glibc uses there.  libseccomp cannot put argument
 * conditions on such calls (it would widen "socket with family X" into
 * "every socketcall(SYS_SOCKET)"), so a profile's conditional rules on them
 * are compiled here instead, into a section that runs before libseccomp's
 * program:
 *
 *   for each multiplexing ABI in the filter:
 *     direct socket/socketpair: the profile's conditions, compared in BPF
 *     socketcall(SYS_SOCKET or SYS_SOCKETPAIR): SECCOMP_RET_USER_NOTIF
 *   then libseccomp's program (which starts again with the arch load)
 *
 * A notification is answered by the sandbox's init (seccomp-notify.c): it
 * reads the argument block, runs this very program on the equivalent
 * direct call (pw_sc_bpf_run() below) and, if that is allowed, makes the
 * socket itself and puts it into the caller (so what was checked is what
 * is made, whatever the caller's threads do to the block meanwhile).
 *
 * Ownership: pw_sc_demux_gen() appends to the caller's buffer; nothing is
 * kept.  Errors: -E2BIG when the section would not fit a BPF program.
 */
#include <endian.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>

#include "pinwheel/buf.h"
#include "seccomp-int.h"

static const struct pw_sc_demux demux_abis[] = {
    {SCMP_ARCH_X86, 102, 359, 360, 4},	 {SCMP_ARCH_S390, 102, 359, 360, 4},
    {SCMP_ARCH_S390X, 102, 359, 360, 8}, {SCMP_ARCH_PPC, 102, 326, 333, 4},
    {SCMP_ARCH_PPC64, 102, 326, 333, 8}, {SCMP_ARCH_PPC64LE, 102, 326, 333, 8},
};

const struct pw_sc_demux *pw_sc_demux_find(uint32_t token)
{
	for (size_t i = 0; i < PW_ARRAY_SIZE(demux_abis); i++)
		if (demux_abis[i].token == token)
			return &demux_abis[i];
	return NULL;
}

/* ---- code generation: forward jumps to labels, fixed up at the end ---- */

#define GEN_MAX_LABELS 4096
#define NOLABEL (-1)

struct gen {
	struct sock_filter v[BPF_MAXINSNS];
	int jt[BPF_MAXINSNS], jf[BPF_MAXINSNS]; /* label ids, or NOLABEL: offset as given */
	size_t n;
	int pos[GEN_MAX_LABELS]; /* label id -> instruction index (-1: not placed) */
	int nlabels;
	bool overflow;
};

static int new_label(struct gen *g)
{
	if (g->nlabels == GEN_MAX_LABELS) {
		g->overflow = true;
		return 0;
	}
	g->pos[g->nlabels] = -1;
	return g->nlabels++;
}

static void place(struct gen *g, int label)
{
	g->pos[label] = (int)g->n;
}

/* One instruction; @jt/@jf are labels (conditional jumps; JA uses @jt). */
static void emit(struct gen *g, uint16_t code, uint32_t k, int jt, int jf)
{
	if (g->n == BPF_MAXINSNS) {
		g->overflow = true;
		return;
	}
	g->v[g->n] = (struct sock_filter){code, 0, 0, k};
	g->jt[g->n] = jt;
	g->jf[g->n] = jf;
	g->n++;
}

static void ld(struct gen *g, uint32_t off)
{
	emit(g, BPF_LD | BPF_W | BPF_ABS, off, NOLABEL, NOLABEL);
}

static int fixup(struct gen *g)
{
	if (g->overflow)
		return -E2BIG;
	for (size_t i = 0; i < g->n; i++) {
		struct sock_filter *f = &g->v[i];
		bool ja = BPF_CLASS(f->code) == BPF_JMP && BPF_OP(f->code) == BPF_JA;

		for (int w = 0; w < 2; w++) {
			int l = w ? g->jf[i] : g->jt[i];
			long off;

			if (l == NOLABEL)
				continue;
			if (g->pos[l] < 0)
				return -EINVAL; /* a label never placed: a bug here */
			off = (long)g->pos[l] - (long)i - 1;
			if (off < 0 || (!ja && off > 255))
				return -E2BIG;
			if (ja)
				f->k = (uint32_t)off;
			else if (w)
				f->jf = (uint8_t)off;
			else
				f->jt = (uint8_t)off;
		}
	}
	return 0;
}

/* Offsets of the two 32-bit halves of argument @i in struct seccomp_data,
 * which the kernel fills in the host's byte order. */
static uint32_t arg_lo(unsigned i)
{
	uint32_t off = (uint32_t)(offsetof(struct seccomp_data, args) + 8 * i);

	return __BYTE_ORDER == __LITTLE_ENDIAN ? off : off + 4;
}

static uint32_t arg_hi(unsigned i)
{
	uint32_t off = (uint32_t)(offsetof(struct seccomp_data, args) + 8 * i);

	return __BYTE_ORDER == __LITTLE_ENDIAN ? off + 4 : off;
}

#define J(op) (BPF_JMP | (op) | BPF_K)

/* Code that falls through when condition @c holds and jumps to @fail when
 * not.  @wide: the ABI's arguments are 64-bit (else the 32 bits compared
 * are the low half, as narrowed by the caller). */
static void gen_cond(struct gen *g, const struct scmp_arg_cmp *c, bool wide, int fail)
{
	uint32_t vl = (uint32_t)c->datum_a, vh = (uint32_t)(c->datum_a >> 32);
	int pass;

	if (c->op == SCMP_CMP_MASKED_EQ) {
		uint32_t ml = (uint32_t)c->datum_a, mh = (uint32_t)(c->datum_a >> 32);
		uint32_t wl = (uint32_t)c->datum_b, wh = (uint32_t)(c->datum_b >> 32);

		if (wide) {
			ld(g, arg_hi(c->arg));
			emit(g, BPF_ALU | BPF_AND | BPF_K, mh, NOLABEL, NOLABEL);
			emit(g, J(BPF_JEQ), wh, NOLABEL, fail);
		}
		ld(g, arg_lo(c->arg));
		emit(g, BPF_ALU | BPF_AND | BPF_K, ml, NOLABEL, NOLABEL);
		emit(g, J(BPF_JEQ), wl, NOLABEL, fail);
		return;
	}
	if (!wide) {
		ld(g, arg_lo(c->arg));
		switch (c->op) {
		case SCMP_CMP_EQ:
			emit(g, J(BPF_JEQ), vl, NOLABEL, fail);
			break;
		case SCMP_CMP_NE:
			emit(g, J(BPF_JEQ), vl, fail, NOLABEL);
			break;
		case SCMP_CMP_GT:
			emit(g, J(BPF_JGT), vl, NOLABEL, fail);
			break;
		case SCMP_CMP_GE:
			emit(g, J(BPF_JGE), vl, NOLABEL, fail);
			break;
		case SCMP_CMP_LT:
			emit(g, J(BPF_JGE), vl, fail, NOLABEL);
			break;
		default: /* SCMP_CMP_LE */
			emit(g, J(BPF_JGT), vl, fail, NOLABEL);
			break;
		}
		return;
	}
	/* 64 bits: the high halves decide unless they are equal */
	pass = new_label(g);
	ld(g, arg_hi(c->arg));
	switch (c->op) {
	case SCMP_CMP_EQ:
		emit(g, J(BPF_JEQ), vh, NOLABEL, fail);
		ld(g, arg_lo(c->arg));
		emit(g, J(BPF_JEQ), vl, NOLABEL, fail);
		break;
	case SCMP_CMP_NE:
		emit(g, J(BPF_JEQ), vh, NOLABEL, pass);
		ld(g, arg_lo(c->arg));
		emit(g, J(BPF_JEQ), vl, fail, NOLABEL);
		break;
	case SCMP_CMP_GT:
	case SCMP_CMP_GE:
		emit(g, J(BPF_JGT), vh, pass, NOLABEL);
		emit(g, J(BPF_JEQ), vh, NOLABEL, fail);
		ld(g, arg_lo(c->arg));
		emit(g, J(c->op == SCMP_CMP_GT ? BPF_JGT : BPF_JGE), vl, NOLABEL, fail);
		break;
	default: /* SCMP_CMP_LT, SCMP_CMP_LE */
		emit(g, J(BPF_JGE), vh, NOLABEL, pass);
		emit(g, J(BPF_JEQ), vh, NOLABEL, fail);
		ld(g, arg_lo(c->arg));
		emit(g, J(c->op == SCMP_CMP_LT ? BPF_JGE : BPF_JGT), vl, fail, NOLABEL);
		break;
	}
	place(g, pass);
}

/* The rules of one call (socket or socketpair), in profile order; the
 * first that matches returns its action.  Falls through when none does. */
static void gen_rules(struct gen *g, const struct pw_sc_demux_plan *p, int which, bool wide)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct pw_sc_demux_rule *r = &p->rules[i];
		int next;

		if (r->which != which)
			continue;
		next = new_label(g);
		for (unsigned k = 0; k < r->n; k++)
			gen_cond(g, &r->c[k], wide, next);
		emit(g, BPF_RET | BPF_K, r->action, NOLABEL, NOLABEL);
		place(g, next);
	}
}

int pw_sc_demux_gen(const struct pw_sc_demux_plan *plans, size_t nplans, struct pw_buf *out)
{
	struct gen *g;
	size_t with = 0;
	int r;

	for (size_t i = 0; i < nplans; i++)
		with += plans[i].n > 0;
	if (!with)
		return 0; /* no rules there: no section */
	g = pw_xcalloc(1, sizeof(*g));
	ld(g, offsetof(struct seccomp_data, arch));
	for (size_t i = 0; i < nplans; i++) {
		const struct pw_sc_demux_plan *p = &plans[i];
		const struct pw_sc_demux *d = p->abi;
		int skip, mux, sock, not_sock, pair, done, notify;

		if (!p->n)
			continue;
		skip = new_label(g), mux = new_label(g), sock = new_label(g),
		not_sock = new_label(g), pair = new_label(g), done = new_label(g),
		notify = new_label(g);

		emit(g, J(BPF_JEQ), d->token, NOLABEL, skip);
		ld(g, offsetof(struct seccomp_data, nr));
		emit(g, J(BPF_JEQ), d->socketcall, mux, NOLABEL);
		/* the rule sections can be long: reach them with JA */
		emit(g, J(BPF_JEQ), d->nr_socket, NOLABEL, not_sock);
		emit(g, BPF_JMP | BPF_JA, 0, sock, NOLABEL);
		place(g, not_sock);
		emit(g, J(BPF_JEQ), d->nr_socketpair, NOLABEL, done);
		emit(g, BPF_JMP | BPF_JA, 0, pair, NOLABEL);
		place(g, mux);
		ld(g, arg_lo(0));
		emit(g, J(BPF_JEQ), 1 /* SYS_SOCKET */, notify, NOLABEL);
		emit(g, J(BPF_JEQ), 8 /* SYS_SOCKETPAIR */, notify, done);
		place(g, notify);
		emit(g, BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF, NOLABEL, NOLABEL);
		place(g, sock);
		gen_rules(g, p, 0, d->word == 8);
		emit(g, BPF_JMP | BPF_JA, 0, done, NOLABEL);
		place(g, pair);
		gen_rules(g, p, 1, d->word == 8);
		place(g, done);
		ld(g, offsetof(struct seccomp_data, arch));
		place(g, skip);
	}
	r = fixup(g);
	if (r == 0)
		r = pw_buf_add(out, g->v, g->n * sizeof(struct sock_filter));
	free(g);
	return r;
}

/* ---- a classic BPF interpreter for seccomp programs ---- */

uint32_t pw_sc_bpf_run(const struct sock_filter *f, size_t n, const struct seccomp_data *d)
{
	const unsigned char *data = (const unsigned char *)d;
	uint32_t A = 0, X = 0, M[BPF_MEMWORDS] = {0};

	for (size_t pc = 0; pc < n; pc++) {
		const struct sock_filter *i = &f[pc];
		uint32_t src = BPF_SRC(i->code) == BPF_X ? X : i->k;

		switch (BPF_CLASS(i->code)) {
		case BPF_LD:
		case BPF_LDX: {
			uint32_t v;

			switch (BPF_MODE(i->code)) {
			case BPF_ABS:
				if (BPF_SIZE(i->code) != BPF_W || i->k % 4 ||
				    i->k > sizeof(*d) - 4)
					return SECCOMP_RET_KILL_PROCESS;
				memcpy(&v, data + i->k, 4);
				break;
			case BPF_IMM:
				v = i->k;
				break;
			case BPF_MEM:
				if (i->k >= BPF_MEMWORDS)
					return SECCOMP_RET_KILL_PROCESS;
				v = M[i->k];
				break;
			case BPF_LEN:
				v = sizeof(*d);
				break;
			default:
				return SECCOMP_RET_KILL_PROCESS;
			}
			if (BPF_CLASS(i->code) == BPF_LD)
				A = v;
			else
				X = v;
			break;
		}
		case BPF_ST:
		case BPF_STX:
			if (i->k >= BPF_MEMWORDS)
				return SECCOMP_RET_KILL_PROCESS;
			M[i->k] = BPF_CLASS(i->code) == BPF_ST ? A : X;
			break;
		case BPF_ALU:
			switch (BPF_OP(i->code)) {
			case BPF_ADD:
				A += src;
				break;
			case BPF_SUB:
				A -= src;
				break;
			case BPF_MUL:
				A *= src;
				break;
			case BPF_DIV:
				if (!src)
					return SECCOMP_RET_KILL_PROCESS;
				A /= src;
				break;
			case BPF_MOD:
				if (!src)
					return SECCOMP_RET_KILL_PROCESS;
				A %= src;
				break;
			case BPF_OR:
				A |= src;
				break;
			case BPF_AND:
				A &= src;
				break;
			case BPF_XOR:
				A ^= src;
				break;
			case BPF_LSH:
				A = src < 32 ? A << src : 0;
				break;
			case BPF_RSH:
				A = src < 32 ? A >> src : 0;
				break;
			case BPF_NEG:
				A = -A;
				break;
			default:
				return SECCOMP_RET_KILL_PROCESS;
			}
			break;
		case BPF_JMP: {
			bool t;

			if (BPF_OP(i->code) == BPF_JA) {
				pc += i->k;
				continue;
			}
			switch (BPF_OP(i->code)) {
			case BPF_JEQ:
				t = A == src;
				break;
			case BPF_JGT:
				t = A > src;
				break;
			case BPF_JGE:
				t = A >= src;
				break;
			case BPF_JSET:
				t = (A & src) != 0;
				break;
			default:
				return SECCOMP_RET_KILL_PROCESS;
			}
			pc += t ? i->jt : i->jf;
			break;
		}
		case BPF_RET:
			return BPF_RVAL(i->code) == BPF_A ? A : i->k;
		case BPF_MISC:
			if (BPF_MISCOP(i->code) == BPF_TAX)
				X = A;
			else
				A = X;
			break;
		default:
			return SECCOMP_RET_KILL_PROCESS;
		}
	}
	return SECCOMP_RET_KILL_PROCESS; /* fell off the end: the kernel refuses those */
}

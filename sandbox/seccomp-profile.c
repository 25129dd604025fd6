/* seccomp-profile.c - the seccomp profile format (docs/seccomp.md): JSON
 * in, a checked struct pw_sc_profile out, or one error line naming the
 * file, line:column, the JSON path of the field and what was expected.
 * Syscall names are resolved with libseccomp on the native architecture;
 * numbers may be written as constant names from the table below.
 */
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "pinwheel/json.h"
#include "pinwheel/seccomp.h"
#include "seccomp-int.h"

#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

/* ---- names: constants, errno values, actions, architectures ---- */

struct named {
	const char *name;
	uint64_t value;
};

#define N(x)                                                                                       \
	{                                                                                          \
#x, (uint64_t)(x)                                                                  \
	}
static const struct named constants[] = {
    N(AF_UNSPEC),     N(AF_UNIX),	  N(AF_LOCAL),	   N(AF_INET),	    N(AF_INET6),
    N(AF_NETLINK),    N(AF_PACKET),	  N(AF_BLUETOOTH), N(AF_VSOCK),	    N(AF_CAN),
    N(AF_ALG),	      N(AF_KEY),	  N(AF_XDP),	   N(AF_TIPC),	    N(AF_RDS),
    N(CLONE_NEWNS),   N(CLONE_NEWCGROUP), N(CLONE_NEWUTS), N(CLONE_NEWIPC), N(CLONE_NEWUSER),
    N(CLONE_NEWPID),  N(CLONE_NEWNET),	  N(CLONE_VM),	   N(CLONE_FS),	    N(CLONE_FILES),
    N(CLONE_SIGHAND), N(CLONE_THREAD),	  N(S_ISUID),	   N(S_ISGID),	    N(S_ISVTX),
    N(TIOCSTI),	      N(TIOCLINUX),	  N(PER_LINUX),	   N(PER_LINUX32),  N(ADDR_NO_RANDOMIZE),
    N(SOCK_STREAM),   N(SOCK_DGRAM),	  N(SOCK_RAW),	   N(O_CREAT),	    N(O_TMPFILE),
};

static const struct named errnos[] = {
    N(EPERM),		N(ENOENT),	N(EIO),		 N(EBADF),	  N(EAGAIN),
    N(ENOMEM),		N(EACCES),	N(EFAULT),	 N(EBUSY),	  N(EEXIST),
    N(EXDEV),		N(ENODEV),	N(EINVAL),	 N(ENOTTY),	  N(EROFS),
    N(ENOSYS),		N(ENOTSUP),	N(EOPNOTSUPP),	 N(EAFNOSUPPORT), N(EPROTONOSUPPORT),
    N(ESOCKTNOSUPPORT), N(ENETUNREACH), N(ECONNREFUSED),
};
#undef N

static bool lookup_named(const struct named *t, size_t n, const char *name, uint64_t *out)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].name, name)) {
			*out = t[i].value;
			return true;
		}
	return false;
}

static const struct pw_sc_arch arches[] = {
    {SCMP_ARCH_X86_64, "x86_64", false}, {SCMP_ARCH_X86, "x86", true},
    {SCMP_ARCH_X32, "x32", true},	 {SCMP_ARCH_AARCH64, "aarch64", false},
    {SCMP_ARCH_ARM, "arm", true},	 {SCMP_ARCH_PPC64LE, "ppc64le", false},
    {SCMP_ARCH_PPC64, "ppc64", false},	 {SCMP_ARCH_S390X, "s390x", false},
    {SCMP_ARCH_S390, "s390", true},	 {SCMP_ARCH_RISCV64, "riscv64", false},
    {SCMP_ARCH_PPC, "ppc", true},
};

const struct pw_sc_arch *pw_sc_arch_find(uint32_t token)
{
	static const struct pw_sc_arch unknown = {0, "unknown", false};

	for (size_t i = 0; i < PW_ARRAY_SIZE(arches); i++)
		if (arches[i].token == token)
			return &arches[i];
	return &unknown;
}

static const char *const op_names[] = {
    [OP_EQ] = "eq",
    [OP_NE] = "ne",
    [OP_LT] = "lt",
    [OP_LE] = "le",
    [OP_GT] = "gt",
    [OP_GE] = "ge",
    [OP_MASKED_EQ] = "masked_eq",
    [OP_ANY_BITS] = "any_bits",
    [OP_IN] = "in",
    [OP_NOT_IN] = "not_in",
};

void pw_sc_profile_release(struct pw_sc_profile *pr)
{
	for (size_t i = 0; i < pr->nrules; i++) {
		free(pr->rules[i].names);
		for (size_t j = 0; j < pr->rules[i].nconds; j++)
			free(pr->rules[i].conds[j].set);
	}
	free(pr->rules);
	json_decref(pr->root);
	memset(pr, 0, sizeof(*pr));
}

/* ---- where a field is in the text, for FILE:LINE:COL messages ---- */

/* The text was accepted by jansson, so these walkers may assume valid
 * JSON; they stop at @end whatever happens. */
static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static const char *skip_string(const char *p, const char *end)
{
	for (p++; p < end && *p != '"'; p++)
		if (*p == '\\')
			p++;
	return p < end ? p + 1 : end;
}

static const char *skip_value(const char *p, const char *end)
{
	int depth = 0;

	p = skip_ws(p, end);
	do {
		if (p >= end)
			return end;
		if (*p == '"') {
			p = skip_string(p, end);
			continue;
		}
		if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']')
			depth--;
		else if (depth == 0 &&
			 (*p == ',' || *p == ' ' || *p == '\n' || *p == '\t' || *p == '\r'))
			return p;
		p++;
	} while (depth > 0 || (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' &&
			       *p != '\n' && *p != '\t' && *p != '\r'));
	return p;
}

/* The value of member @key (length @klen) of the object at @p, or NULL;
 * with @at_key, the position of the key itself. */
static const char *find_member(const char *p, const char *end, const char *key, size_t klen,
			       bool at_key)
{
	p = skip_ws(p, end);
	if (p >= end || *p != '{')
		return NULL;
	for (p = skip_ws(p + 1, end); p < end && *p == '"';) {
		const char *k = p, *q = skip_string(p, end);
		bool match = (size_t)(q - k) == klen + 2 && !memcmp(k + 1, key, klen);
		p = skip_ws(q, end);
		if (p >= end || *p != ':')
			return NULL;
		p = skip_ws(p + 1, end);
		if (match)
			return at_key ? k : p;
		p = skip_ws(skip_value(p, end), end);
		if (p < end && *p == ',')
			p = skip_ws(p + 1, end);
	}
	return NULL;
}

static const char *find_element(const char *p, const char *end, size_t idx)
{
	p = skip_ws(p, end);
	if (p >= end || *p != '[')
		return NULL;
	p = skip_ws(p + 1, end);
	for (size_t i = 0; p < end && *p != ']'; i++) {
		if (i == idx)
			return p;
		p = skip_ws(skip_value(p, end), end);
		if (p < end && *p == ',')
			p = skip_ws(p + 1, end);
	}
	return NULL;
}

/* The deepest element of @path ("syscalls[3].names[1]", "@key" last for
 * the key itself) that exists in the text. */
static const char *locate(const char *text, size_t n, const char *path)
{
	const char *end = text + n, *cur = skip_ws(text, end), *p = path;

	if (!strcmp(path, "(top level)"))
		return cur;
	while (*p && cur) {
		const char *next;
		if (*p == '[') {
			char *stop;
			unsigned long idx = strtoul(p + 1, &stop, 10);
			next = find_element(cur, end, idx);
			p = *stop == ']' ? stop + 1 : stop;
		} else {
			bool at_key = *p == '@';
			size_t len;
			if (*p == '.' || at_key)
				p++;
			len = strcspn(p, ".[@");
			next = find_member(cur, end, p, len, at_key);
			p += len;
		}
		if (!next)
			break;
		cur = next;
	}
	return cur;
}

int pw_sc_bad_at(struct pw_sc_profile *pr, struct pw_err *e, const char *field, const char *loc,
		 const char *fmt, ...)
{
	char what[384];
	va_list ap;
	const char *at;
	unsigned line = 1, col = 1;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	errno = EINVAL;
	if (!pr->text)
		return pw_err_set(e, EINVAL, "%s: %s: %s", pr->name, field, what);
	at = locate(pr->text, pr->len, loc);
	for (const char *p = pr->text; p < at; p++, col++)
		if (*p == '\n')
			line++, col = 0;
	return pw_err_set(e, EINVAL, "%s:%u:%u: %s: %s", pr->name, line, col, field, what);
}

/* Refuse keys outside @allowed (NULL-terminated). */
static int check_keys(struct pw_sc_profile *pr, json_t *obj, const char *field,
		      const char *const *allowed, struct pw_err *e)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v)
	{
		size_t i;
		for (i = 0; allowed[i]; i++)
			if (!strcmp(key, allowed[i]))
				break;
		if (!allowed[i]) {
			char loc[300];
			snprintf(loc, sizeof(loc), "%s@%s",
				 strcmp(field, "(top level)") ? field : "", key);
			return pw_sc_bad_at(pr, e, field, loc, "unknown key '%s'", key);
		}
	}
	return 0;
}

/* A number: a JSON integer >= 0, a string holding one (decimal or 0x hex),
 * or a constant name; with @or_array, an array of those OR'ed together. */
static int parse_value(struct pw_sc_profile *pr, json_t *v, const char *field, bool or_array,
		       uint64_t *out, struct pw_err *e)
{
	if (or_array && json_is_array(v)) {
		uint64_t acc = 0, x;
		size_t i;
		json_t *it;
		if (json_array_size(v) == 0)
			return pw_sc_bad(pr, e, field, "expected a non-empty array");
		json_array_foreach(v, i, it)
		{
			char sub[256];
			snprintf(sub, sizeof(sub), "%s[%zu]", field, i);
			if (parse_value(pr, it, sub, false, &x, e) < 0)
				return -EINVAL;
			acc |= x;
		}
		*out = acc;
		return 0;
	}
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);
		if (i < 0)
			return pw_sc_bad(pr, e, field, "expected a number >= 0, got %lld",
					 (long long)i);
		*out = (uint64_t)i;
		return 0;
	}
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		if (*s >= '0' && *s <= '9') {
			char *end;
			errno = 0;
			unsigned long long x = strtoull(s, &end, 0);
			if (errno || *end)
				return pw_sc_bad(pr, e, field, "'%s' is not a 64-bit number", s);
			*out = x;
			return 0;
		}
		if (lookup_named(constants, PW_ARRAY_SIZE(constants), s, out))
			return 0;
		return pw_sc_bad(
		    pr, e, field,
		    "unknown constant '%s' (expected a number or a name listed in docs/seccomp.md)",
		    s);
	}
	return pw_sc_bad(pr, e, field,
			 or_array ? "expected a number, a constant name or an array of them"
				  : "expected a number or a constant name");
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int parse_cond(struct pw_sc_profile *pr, json_t *c, const char *field,
		      struct pw_sc_cond *out, struct pw_err *e)
{
	static const char *const keys[] = {"index", "op", "value", "mask", "comment", NULL};
	char sub[256];
	json_t *v;
	const char *op;
	size_t k;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(c))
		return pw_sc_bad(pr, e, field, "expected an object");
	if (check_keys(pr, c, field, keys, e) < 0)
		return -EINVAL;
	v = json_object_get(c, "index");
	snprintf(sub, sizeof(sub), "%s.index", field);
	if (!v || !json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) >= PW_SC_MAX_ARGS)
		return pw_sc_bad(pr, e, sub, "expected an argument index from 0 to 5");
	out->index = (unsigned)json_integer_value(v);
	v = json_object_get(c, "op");
	snprintf(sub, sizeof(sub), "%s.op", field);
	if (!v || !json_is_string(v))
		return pw_sc_bad(
		    pr, e, sub,
		    "expected one of eq, ne, lt, le, gt, ge, masked_eq, any_bits, in, not_in");
	op = json_string_value(v);
	for (k = 0; k < PW_ARRAY_SIZE(op_names); k++)
		if (!strcmp(op, op_names[k]))
			break;
	if (k == PW_ARRAY_SIZE(op_names))
		return pw_sc_bad(
		    pr, e, sub,
		    "unknown op '%s' (expected eq, ne, lt, le, gt, ge, masked_eq, any_bits, "
		    "in or not_in)",
		    op);
	out->op = (enum pw_sc_op)k;

	v = json_object_get(c, "mask");
	snprintf(sub, sizeof(sub), "%s.mask", field);
	if (out->op == OP_MASKED_EQ) {
		if (!v)
			return pw_sc_bad(pr, e, sub, "masked_eq needs a mask");
		if (parse_value(pr, v, sub, true, &out->mask, e) < 0)
			return -EINVAL;
	} else if (v) {
		return pw_sc_bad(pr, e, sub, "only masked_eq takes a mask");
	}

	v = json_object_get(c, "value");
	snprintf(sub, sizeof(sub), "%s.value", field);
	if (!v)
		return pw_sc_bad(pr, e, sub, "missing");
	if (out->op == OP_IN || out->op == OP_NOT_IN) {
		size_t i, n = json_array_size(v);
		json_t *it;
		if (!json_is_array(v) || n == 0)
			return pw_sc_bad(pr, e, sub, "%s expects a non-empty array of values", op);
		if (n > 64)
			return pw_sc_bad(pr, e, sub, "at most 64 values");
		out->set = pw_xcalloc(n, sizeof(*out->set));
		json_array_foreach(v, i, it)
		{
			char sub2[300];
			snprintf(sub2, sizeof(sub2), "%s[%zu]", sub, i);
			if (parse_value(pr, it, sub2, false, &out->set[i], e) < 0)
				return -EINVAL;
		}
		qsort(out->set, n, sizeof(*out->set), cmp_u64);
		out->nset = 0;
		for (i = 0; i < n; i++)
			if (i == 0 || out->set[i] != out->set[out->nset - 1])
				out->set[out->nset++] = out->set[i];
		return 0;
	}
	if (parse_value(pr, v, sub, out->op == OP_ANY_BITS || out->op == OP_MASKED_EQ, &out->value,
			e) < 0)
		return -EINVAL;
	if (out->op == OP_ANY_BITS && out->value == 0)
		return pw_sc_bad(pr, e, sub, "any_bits needs at least one bit");
	if (out->op == OP_MASKED_EQ && (out->value & ~out->mask))
		return pw_sc_bad(pr, e, sub,
				 "value has bits outside the mask, so it can never match");
	return 0;
}

/* "action" (+ "errno") of an object: the libseccomp action. */
static int parse_action(struct pw_sc_profile *pr, json_t *obj, const char *field, const char *akey,
			const char *ekey, uint32_t *out, struct pw_err *e)
{
	char sub[256];
	json_t *a = json_object_get(obj, akey), *er = json_object_get(obj, ekey);
	const char *s;

	snprintf(sub, sizeof(sub), "%s%s%s", field, *field ? "." : "", akey);
	if (!a || !json_is_string(a))
		return pw_sc_bad(pr, e, sub, "expected one of allow, log, errno, kill");
	s = json_string_value(a);
	if (strcmp(s, "errno") && er) {
		snprintf(sub, sizeof(sub), "%s%s%s", field, *field ? "." : "", ekey);
		return pw_sc_bad(pr, e, sub, "only allowed with action errno");
	}
	if (!strcmp(s, "allow")) {
		*out = SCMP_ACT_ALLOW;
	} else if (!strcmp(s, "log")) {
		*out = SCMP_ACT_LOG;
	} else if (!strcmp(s, "kill")) {
		*out = SCMP_ACT_KILL_PROCESS;
	} else if (!strcmp(s, "errno")) {
		uint64_t n = 0;
		snprintf(sub, sizeof(sub), "%s%s%s", field, *field ? "." : "", ekey);
		if (!er)
			return pw_sc_bad(
			    pr, e, sub,
			    "action errno needs an errno (a name such as \"EPERM\" or a number)");
		if (json_is_string(er)) {
			if (!lookup_named(errnos, PW_ARRAY_SIZE(errnos), json_string_value(er), &n))
				return pw_sc_bad(pr, e, sub, "unknown errno name '%s'",
						 json_string_value(er));
		} else if (json_is_integer(er) && json_integer_value(er) > 0 &&
			   json_integer_value(er) < 4096) {
			n = (uint64_t)json_integer_value(er);
		} else {
			return pw_sc_bad(pr, e, sub,
					 "expected an errno name or a number from 1 to 4095");
		}
		*out = SCMP_ACT_ERRNO((uint32_t)n);
	} else {
		return pw_sc_bad(pr, e, sub,
				 "unknown action '%s' (expected allow, log, errno or kill)", s);
	}
	return 0;
}

static int parse_rule(struct pw_sc_profile *pr, json_t *r, size_t ri, struct pw_sc_rule *out,
		      struct pw_err *e)
{
	static const char *const keys[] = {"names",  "action",	"errno", "args",
					   "unless", "comment", NULL};
	char field[64], sub[128];
	json_t *v, *it;
	size_t i, nexpand = 0;
	unsigned seen = 0;

	snprintf(field, sizeof(field), "syscalls[%zu]", ri);
	if (!json_is_object(r))
		return pw_sc_bad(pr, e, field, "expected an object");
	if (check_keys(pr, r, field, keys, e) < 0)
		return -EINVAL;
	if ((v = json_object_get(r, "comment")) && !json_is_string(v))
		return pw_sc_bad(pr, e, field, "comment: expected a string");

	v = json_object_get(r, "names");
	snprintf(sub, sizeof(sub), "%s.names", field);
	if (!v || !json_is_array(v) || json_array_size(v) == 0)
		return pw_sc_bad(pr, e, sub, "expected a non-empty array of syscall names");
	out->names = pw_xcalloc(json_array_size(v), sizeof(*out->names));
	json_array_foreach(v, i, it)
	{
		const char *name = json_string_value(it);
		snprintf(sub, sizeof(sub), "%s.names[%zu]", field, i);
		if (!name)
			return pw_sc_bad(pr, e, sub, "expected a syscall name");
		if (seccomp_syscall_resolve_name(name) == __NR_SCMP_ERROR)
			return pw_sc_bad(pr, e, sub, "unknown syscall '%s' on %s", name,
					 pw_sc_arch_find(seccomp_arch_native())->name);
		out->names[out->nnames++] = name;
	}

	if (parse_action(pr, r, field, "action", "errno", &out->action, e) < 0)
		return -EINVAL;
	if (out->action == pr->def_action)
		return pw_sc_bad(pr, e, field,
				 "the action is the default action, so the rule has no effect");

	if ((v = json_object_get(r, "unless"))) {
		snprintf(sub, sizeof(sub), "%s.unless", field);
		if (!json_is_string(v) || strcmp(json_string_value(v), "net"))
			return pw_sc_bad(pr, e, sub, "expected \"net\"");
		out->unless_net = true;
	}

	if ((v = json_object_get(r, "args"))) {
		snprintf(sub, sizeof(sub), "%s.args", field);
		if (!json_is_array(v) || json_array_size(v) > PW_SC_MAX_ARGS)
			return pw_sc_bad(pr, e, sub, "expected an array of at most 6 conditions");
		json_array_foreach(v, i, it)
		{
			struct pw_sc_cond *c = &out->conds[out->nconds];
			snprintf(sub, sizeof(sub), "%s.args[%zu]", field, i);
			out->nconds++;
			if (parse_cond(pr, it, sub, c, e) < 0)
				return -EINVAL;
			if (seen & (1u << c->index))
				return pw_sc_bad(pr, e, sub,
						 "argument %u already has a condition in this rule "
						 "(write a second rule)",
						 c->index);
			seen |= 1u << c->index;
			if (c->op == OP_ANY_BITS || c->op == OP_IN || c->op == OP_NOT_IN)
				nexpand++;
			if (nexpand > 1)
				return pw_sc_bad(
				    pr, e, sub,
				    "at most one any_bits, in or not_in condition per rule");
		}
	}
	return 0;
}

struct name_use {
	const char *name;
	size_t rule, idx;
	bool uncond;
};

static int cmp_use(const void *a, const void *b)
{
	const struct name_use *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/* libseccomp resolves overlapping rules silently (an unconditional rule
 * wins over conditional ones whatever their order; of two unconditional
 * ones the first wins), so a syscall with an unconditional rule may have
 * no other rule. */
static int check_overlap(struct pw_sc_profile *pr, struct pw_err *e)
{
	struct name_use *u;
	size_t n = 0, k = 0;
	int r = 0;

	for (size_t i = 0; i < pr->nrules; i++)
		n += pr->rules[i].nnames;
	u = pw_xcalloc(n + 1, sizeof(*u));
	for (size_t i = 0; i < pr->nrules; i++)
		for (size_t j = 0; j < pr->rules[i].nnames; j++)
			u[k++] = (struct name_use){pr->rules[i].names[j], i, j,
						   pr->rules[i].nconds == 0};
	qsort(u, n, sizeof(*u), cmp_use);
	for (size_t i = 1; i < n && r == 0; i++) {
		const struct name_use *a = &u[i - 1], *b = &u[i];
		char f[96];
		if (strcmp(a->name, b->name) || (!a->uncond && !b->uncond))
			continue;
		snprintf(f, sizeof(f), "syscalls[%zu].names[%zu]", b->rule, b->idx);
		r = pw_sc_bad(pr, e, f,
			      "'%s' already has a rule in syscalls[%zu] and one of them has no "
			      "conditions (it would override the other)",
			      b->name, a->rule);
	}
	free(u);
	return r;
}

/* "filter", "kill", or an object naming what each other ABI gets
 * ({"x86": "filter", "x32": "kill"}; an ABI not named is filtered). */
static int parse_compat(struct pw_sc_profile *pr, json_t *v, struct pw_err *e)
{
	const char *s = json_string_value(v), *abi;
	json_t *it;

	if (s) {
		if (strcmp(s, "filter") && strcmp(s, "kill"))
			return pw_sc_bad(pr, e, "compat_arches", "expected \"filter\" or \"kill\"");
		pr->compat_kill = !strcmp(s, "kill");
		return 0;
	}
	if (!json_is_object(v))
		return pw_sc_bad(pr, e, "compat_arches",
				 "expected \"filter\", \"kill\" or an object such as "
				 "{\"x32\": \"kill\"}");
	json_object_foreach(v, abi, it)
	{
		const struct pw_sc_arch *a = NULL;
		char where[64];

		snprintf(where, sizeof(where), "compat_arches.%s", abi);
		for (size_t i = 0; i < PW_ARRAY_SIZE(arches); i++)
			if (arches[i].narrow && !strcmp(arches[i].name, abi))
				a = &arches[i];
		if (!a)
			return pw_sc_bad(pr, e, where,
					 "expected a compat ABI: x86, x32, arm, s390 or ppc");
		s = json_string_value(it);
		if (!s || (strcmp(s, "filter") && strcmp(s, "kill")))
			return pw_sc_bad(pr, e, where, "expected \"filter\" or \"kill\"");
		if (!strcmp(s, "kill") && pr->n_compat_killed < PW_ARRAY_SIZE(pr->compat_killed))
			pr->compat_killed[pr->n_compat_killed++] = a->token;
	}
	return 0;
}

/* Parse @data into @pr; @pr owns everything after, even on failure. */
int pw_sc_profile_parse(struct pw_sc_profile *pr, const char *name, const char *data, size_t n,
			struct pw_err *e)
{
	static const char *const keys[] = {"description",
					   "default_action",
					   "default_errno",
					   "compat_arches",
					   "syscalls",
					   "$schema",
					   NULL};
	json_t *v, *it;
	size_t i;

	memset(pr, 0, sizeof(*pr));
	pr->name = name;
	if (n > PW_SC_PROFILE_MAX) {
		errno = E2BIG;
		return pw_err_set(e, E2BIG, "%s: larger than %u bytes", name, PW_SC_PROFILE_MAX);
	}
	pr->root = pw_json_load_mem(name, data, n, e);
	if (!pr->root)
		return -EINVAL;
	pr->text = data;
	pr->len = n;
	if (!json_is_object(pr->root))
		return pw_sc_bad(pr, e, "(top level)", "expected an object");
	if (check_keys(pr, pr->root, "(top level)", keys, e) < 0)
		return -EINVAL;
	if ((v = json_object_get(pr->root, "description")) && !json_is_string(v))
		return pw_sc_bad(pr, e, "description", "expected a string");
	if ((v = json_object_get(pr->root, "$schema")) && !json_is_string(v))
		return pw_sc_bad(pr, e, "$schema", "expected a string");
	if (parse_action(pr, pr->root, "", "default_action", "default_errno", &pr->def_action, e) <
	    0)
		return -EINVAL;
	if ((v = json_object_get(pr->root, "compat_arches")) && parse_compat(pr, v, e) < 0)
		return -EINVAL;
	v = json_object_get(pr->root, "syscalls");
	if (!v || !json_is_array(v))
		return pw_sc_bad(pr, e, "syscalls", "expected an array of rules");
	pr->rules = pw_xcalloc(json_array_size(v) + 1, sizeof(*pr->rules));
	json_array_foreach(v, i, it)
	{
		pr->nrules++;
		if (parse_rule(pr, it, i, &pr->rules[i], e) < 0)
			return -EINVAL;
	}
	return check_overlap(pr, e);
}

int pw_seccomp_profile_check(const char *name, const char *data, size_t n, struct pw_err *e)
{
	struct pw_sc_profile pr;
	int r = pw_sc_profile_parse(&pr, name, data, n, e);

	pw_sc_profile_release(&pr);
	return r;
}

/* opts.c - the option parser and --help formatter of
 * include/pinwheel/opts.h. */
#include <string.h>

#include "pinwheel/opts.h"

#define HELP_WIDTH 79
#define HELP_COL_MAX 25

void pw_strv_push(struct pw_strv *l, const char *s)
{
	l->v = pw_xrealloc(l->v, (l->n + 2) * sizeof(*l->v));
	l->v[l->n++] = s;
	l->v[l->n] = NULL;
}

void pw_strv_release(struct pw_strv *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* How many values follow the option's name. */
static unsigned nvalues(const struct pw_opt *o)
{
	if (o->kind == PW_ARG_NONE)
		return 0;
	return o->kind == PW_ARG_CALL ? o->nargs : 1;
}

static bool is_operand(const struct pw_opt *o)
{
	return !o->name && o->kind != PW_ARG_SECTION;
}

/* The largest value an unsigned field of @size bytes holds. */
static uint64_t field_max(size_t size)
{
	return size >= 8 ? UINT64_MAX : (UINT64_C(1) << (size * 8)) - 1;
}

static uint64_t uint_max(const struct pw_opt *o)
{
	uint64_t m = field_max(o->size);

	return o->max && o->max < m ? o->max : m;
}

/* What a value of @o must be, for messages: "a number from 1 to 64". */
static void what(const struct pw_opt *o, char *buf, size_t len)
{
	size_t n = 0, k;

	if (o->what) {
		snprintf(buf, len, "%s", o->what);
	} else if (o->kind == PW_ARG_UINT) {
		snprintf(buf, len, "a number from %llu to %llu", (unsigned long long)o->min,
			 (unsigned long long)uint_max(o));
	} else if (o->kind == PW_ARG_SIZE) {
		snprintf(buf, len, "a size in bytes (K, M, G suffixes allowed)");
	} else if (o->kind == PW_ARG_ENUM) {
		buf[0] = '\0';
		for (k = 0; o->words[k] && n < len; k++)
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
					      k == 0		? ""
					      : o->words[k + 1] ? ", "
								: " or ",
					      o->words[k]);
	} else {
		snprintf(buf, len, "a value");
	}
}

static void put_uint(void *f, size_t size, uint64_t n)
{
	switch (size) {
	case 1:
		*(uint8_t *)f = (uint8_t)n;
		break;
	case 2:
		*(uint16_t *)f = (uint16_t)n;
		break;
	case 4:
		*(uint32_t *)f = (uint32_t)n;
		break;
	default:
		*(uint64_t *)f = n;
		break;
	}
}

/* Store @v (nvalues(o) of them) into @o's field of @base.  @given is the
 * option as written (without "=VALUE"), for messages. */
static int store(const struct pw_opt *o, void *base, const char *const *v, const char *given,
		 struct pw_err *e)
{
	void *f = (char *)base + o->off;
	char w[160];
	uint64_t n;
	int r;

	switch (o->kind) {
	case PW_ARG_NONE:
		*(bool *)f = true;
		return 0;
	case PW_ARG_STR:
	case PW_ARG_LIST:
		if (o->check && !o->check(v[0]))
			break;
		if (o->kind == PW_ARG_LIST)
			pw_strv_push(f, v[0]);
		else
			*(const char **)f = v[0];
		return 0;
	case PW_ARG_UINT:
		if (pw_parse_u64(v[0], &n) < 0 || n < o->min || n > uint_max(o))
			break;
		put_uint(f, o->size, n);
		return 0;
	case PW_ARG_SIZE:
		if (pw_parse_size(v[0], &n) < 0)
			break;
		*(uint64_t *)f = n;
		return 0;
	case PW_ARG_ENUM:
		for (int k = 0; o->words[k]; k++)
			if (!strcmp(v[0], o->words[k])) {
				*(int *)f = k;
				return 0;
			}
		break;
	case PW_ARG_CALL:
		pw_err_clear(e);
		r = o->call(o, f, v, e);
		if (r >= 0 || e->msg[0])
			return r;
		break;
	case PW_ARG_SECTION:
		break;
	}
	what(o, w, sizeof(w));
	return pw_err_set(e, EINVAL, "%s expects %s, got '%s'", given, w, v ? v[0] : "");
}

/* The entry of @sets named by @a ("--name", "--name=VALUE", "-w"), with
 * *val the "=VALUE" part or NULL and *base its table's struct. */
static const struct pw_opt *find(const struct pw_optset *sets, size_t nsets, const char *a,
				 const char **val, void **base)
{
	for (size_t s = 0; s < nsets; s++)
		for (size_t i = 0; i < sets[s].n; i++) {
			const struct pw_opt *o = &sets[s].opts[i];
			const char *names[2] = {o->name, o->alias};

			if (!o->name || (o->flags & PW_OPT_DOC))
				continue;
			for (int k = 0; k < 2; k++) {
				size_t len = names[k] ? strlen(names[k]) : 0;

				if (!len || strncmp(a, names[k], len))
					continue;
				if (a[len] == '=' && nvalues(o) != 1)
					continue;
				if (a[len] != '\0' && a[len] != '=')
					continue;
				*val = a[len] == '=' ? a + len + 1 : NULL;
				*base = sets[s].base;
				return o;
			}
		}
	return NULL;
}

/* The option argv[*i]: take its values (advancing *i) and store them. */
static int option(const struct pw_optset *sets, size_t nsets, int argc, char *const *argv, int *i,
		  struct pw_err *e)
{
	const char *a = argv[*i], *val, *v[2] = {NULL, NULL};
	const struct pw_opt *o;
	unsigned nv;
	char w[160];
	void *base;
	int r;

	o = find(sets, nsets, a, &val, &base);
	if (!o)
		return pw_err_set(e, EINVAL, "unknown option '%s'", a);
	nv = nvalues(o);
	if (val) {
		v[0] = val;
	} else if (nv > 0) {
		if (*i + (int)nv >= argc) {
			what(o, w, sizeof(w));
			return pw_err_set(e, EINVAL, "option '%s' needs %s", a, w);
		}
		for (unsigned k = 0; k < nv; k++)
			v[k] = argv[++*i];
	}
	if (!val)
		return store(o, base, v, a, e);
	{
		_cleanup_free_ char *given = pw_xasprintf("%.*s", (int)(val - a - 1), a);

		r = store(o, base, v, given, e);
	}
	return r;
}

/* An operand: the first operand entry with room takes it. */
static int operand(const struct pw_optset *sets, size_t nsets, const char *a, struct pw_err *e)
{
	const struct pw_opt *full = NULL;
	const char *prev = NULL;
	size_t nops = 0;

	for (size_t s = 0; s < nsets; s++)
		for (size_t i = 0; i < sets[s].n; i++) {
			const struct pw_opt *o = &sets[s].opts[i];
			void *f = (char *)sets[s].base + o->off;

			if (!is_operand(o))
				continue;
			nops++;
			if (o->kind == PW_ARG_STR && *(const char **)f) {
				full = full ? full : o;
				prev = prev ? prev : *(const char **)f;
				continue;
			}
			return store(o, sets[s].base, &a, o->meta, e);
		}
	if (nops == 1 && full)
		return pw_err_set(e, EINVAL, "one %s only, got '%s' and '%s'", full->meta, prev, a);
	return pw_err_set(e, EINVAL, "unexpected argument '%s'", a);
}

/* The PW_OPT_REQUIRED entries all given? */
static int required(const struct pw_optset *sets, size_t nsets, struct pw_err *e)
{
	for (size_t s = 0; s < nsets; s++)
		for (size_t i = 0; i < sets[s].n; i++) {
			const struct pw_opt *o = &sets[s].opts[i];
			const void *f = (const char *)sets[s].base + o->off;

			if (!(o->flags & PW_OPT_REQUIRED))
				continue;
			if (o->kind == PW_ARG_LIST ? ((const struct pw_strv *)f)->n > 0
						   : *(const char *const *)f != NULL)
				continue;
			if (o->name)
				return pw_err_set(e, EINVAL, "missing %s", o->name);
			return pw_err_set(e, EINVAL, "no %s given", o->meta);
		}
	return 0;
}

int pw_opts_parse(const struct pw_optset *sets, size_t nsets, unsigned flags, int argc,
		  char *const *argv, int *next, struct pw_err *e)
{
	bool operands_only = false;
	int i, r;

	*next = -1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!operands_only && !strcmp(a, "--")) {
			if (flags & PW_OPTS_STOP_DASHDASH) {
				*next = i + 1;
				break;
			}
			operands_only = true;
			continue;
		}
		if (operands_only || a[0] != '-' || !a[1]) {
			if (flags & PW_OPTS_STOP_OPERAND) {
				*next = i;
				break;
			}
			r = operand(sets, nsets, a, e);
		} else {
			r = option(sets, nsets, argc, argv, &i, e);
		}
		if (r < 0)
			return r;
	}
	return required(sets, nsets, e);
}

bool pw_opts_wants_help(int argc, char *const *argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return true;
	return false;
}

/* "-w, --wheel-dir DIR" into @b; returns its length. */
static size_t label(const struct pw_opt *o, struct pw_buf *b)
{
	size_t start = b->len;

	if (o->alias)
		pw_buf_addf(b, "%s, ", o->alias);
	pw_buf_adds(b, o->name);
	if (o->meta && nvalues(o) > 0) {
		pw_buf_addf(b, " %s", o->meta);
	} else if (o->kind == PW_ARG_ENUM) {
		for (int k = 0; o->words[k]; k++)
			pw_buf_addf(b, "%c%s", k ? '|' : ' ', o->words[k]);
	}
	return b->len - start;
}

static bool listed(const struct pw_opt *o)
{
	return o->name && !(o->flags & PW_OPT_HIDDEN);
}

size_t pw_opts_help_col(const struct pw_opt *opts, size_t n)
{
	struct pw_buf b = PW_BUF_INIT(4096);
	size_t col = 0;

	for (size_t i = 0; i < n; i++) {
		if (!listed(&opts[i]))
			continue;
		pw_buf_reset(&b);
		if (2 + label(&opts[i], &b) + 2 > col)
			col = 2 + b.len + 2;
	}
	pw_buf_release(&b);
	return col < HELP_COL_MAX ? col : HELP_COL_MAX;
}

/* @text wrapped at HELP_WIDTH, continuation lines indented to @col; the
 * current line already holds @used columns. */
static void wrap(struct pw_buf *b, const char *text, size_t col, size_t used)
{
	const char *p = text;
	bool first = true;

	while (*p) {
		size_t w;

		if (*p == ' ') {
			p++;
			continue;
		}
		if (*p == '\n') {
			pw_buf_addf(b, "\n%*s", (int)col, "");
			used = col;
			first = true;
			p++;
			continue;
		}
		w = strcspn(p, " \n");
		if (!first && used + 1 + w > HELP_WIDTH) {
			pw_buf_addf(b, "\n%*s", (int)col, "");
			used = col;
			first = true;
		}
		if (!first) {
			pw_buf_adds(b, " ");
			used++;
		}
		pw_buf_add(b, p, w);
		used += w;
		first = false;
		p += w;
	}
	pw_buf_adds(b, "\n");
}

void pw_opts_help(struct pw_buf *b, const struct pw_opt *opts, size_t n, size_t col)
{
	if (!col)
		col = pw_opts_help_col(opts, n);
	for (size_t i = 0; i < n; i++) {
		const struct pw_opt *o = &opts[i];
		size_t used;

		if (o->kind == PW_ARG_SECTION) {
			pw_buf_addf(b, "\n%s\n", o->help);
			continue;
		}
		if (!listed(o))
			continue;
		pw_buf_adds(b, "  ");
		used = 2 + label(o, b);
		if (used + 2 > col) {
			pw_buf_adds(b, "  ");
			used += 2;
		}
		for (; used < col; used++)
			pw_buf_adds(b, " ");
		wrap(b, o->help ? o->help : "", col, used);
	}
}

/* The field size an entry of kind @k must have (0: any). */
static size_t kind_size(enum pw_arg_kind k)
{
	switch (k) {
	case PW_ARG_NONE:
		return sizeof(bool);
	case PW_ARG_STR:
		return sizeof(const char *);
	case PW_ARG_LIST:
		return sizeof(struct pw_strv);
	case PW_ARG_SIZE:
		return sizeof(uint64_t);
	case PW_ARG_ENUM:
		return sizeof(int);
	default:
		return 0;
	}
}

static int check_one(const struct pw_opt *o, struct pw_err *e)
{
	const char *id = o->name ? o->name : o->meta ? o->meta : "(operand)";
	size_t want = kind_size(o->kind);

	if (o->kind == PW_ARG_SECTION)
		return o->help ? 0 : pw_err_set(e, EINVAL, "a section without a heading");
	if (o->flags & PW_OPT_DOC)
		return o->name && o->help
			   ? 0
			   : pw_err_set(e, EINVAL, "%s: a DOC entry needs a name and help", id);
	if (o->name && (o->name[0] != '-' || (!o->help && !(o->flags & PW_OPT_HIDDEN))))
		return pw_err_set(e, EINVAL, "%s: a name starts with '-' and has help", id);
	if (!o->name && (!o->meta || o->kind == PW_ARG_NONE || o->kind == PW_ARG_UINT ||
			 o->kind == PW_ARG_SIZE || o->kind == PW_ARG_ENUM))
		return pw_err_set(e, EINVAL,
				  "%s: an operand is a string, a list or a call, with meta", id);
	if (want && o->size != want)
		return pw_err_set(e, EINVAL, "%s: the field has %zu bytes, its kind needs %zu", id,
				  o->size, want);
	if (o->kind == PW_ARG_UINT &&
	    (o->size == 0 || o->size > 8 || (o->size & (o->size - 1)) ||
	     (o->max && o->max > field_max(o->size)) || o->min > uint_max(o)))
		return pw_err_set(e, EINVAL, "%s: the field cannot hold the range", id);
	if (o->kind == PW_ARG_ENUM && (!o->words || !o->words[0]))
		return pw_err_set(e, EINVAL, "%s: an enum without words", id);
	if (o->kind == PW_ARG_CALL && (!o->call || o->nargs > 2 || (!o->name && o->nargs != 1)))
		return pw_err_set(e, EINVAL, "%s: a call needs .call and at most 2 values", id);
	if ((o->kind == PW_ARG_STR || o->kind == PW_ARG_LIST ||
	     (o->kind == PW_ARG_CALL && o->nargs)) &&
	    o->name && !o->what)
		return pw_err_set(e, EINVAL, "%s: say .what a value must be", id);
	if ((o->flags & PW_OPT_REQUIRED) && o->kind != PW_ARG_STR && o->kind != PW_ARG_LIST)
		return pw_err_set(e, EINVAL, "%s: only strings and lists can be required", id);
	return 0;
}

int pw_opts_check(const struct pw_opt *opts, size_t n, struct pw_err *e)
{
	for (size_t i = 0; i < n; i++) {
		int r = check_one(&opts[i], e);

		if (r < 0)
			return r;
		for (size_t j = 0; j < i && opts[i].name; j++)
			if (opts[j].name && !strcmp(opts[i].name, opts[j].name))
				return pw_err_set(e, EINVAL, "%s: named twice", opts[i].name);
	}
	return 0;
}

/* cmd_attest.c - `pinwheel attest sign` and `pinwheel attest verify`
 * (docs/attest.md): a build's manifest as an in-toto Statement v1 in a
 * DSSE envelope signed with an ed25519 key (lib/attest.c), optionally
 * carrying the report of `verify --against` as evidence that every
 * published wheel was rebuilt and matched; and the check of such an
 * envelope against a public key, files and the evidence. */
#include <fcntl.h>
#include <string.h>

#include "pinwheel/attest.h"
#include "pinwheel/cli.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/hash.h"
#include "pinwheel/json.h"

#define STATEMENT_TYPE "https://in-toto.io/Statement/v1"
#define PREDICATE_TYPE "https://pinwheel.example/attestation/rebuilt/v1"
#define PAYLOAD_TYPE "application/vnd.in-toto+json"
#define MAX_PAYLOAD (64u << 20)

static int file_hex(const char *path, char hex[PW_SHA256_HEX], struct pw_err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return pw_err_sys(e, errno, "could not open '%s'", path);
	r = pw_sha256_fd(fd, hex, NULL);
	close(fd);
	return r < 0 ? pw_err_sys(e, -r, "could not read '%s'", path) : 0;
}

static const char *subject_sha(json_t *s)
{
	return json_string_value(json_object_get(json_object_get(s, "digest"), "sha256"));
}

/* The subject array of a statement or manifest @doc (read from @path):
 * borrowed, or NULL with e filled. */
static json_t *subjects_of(json_t *doc, const char *path, struct pw_err *e)
{
	json_t *subj = json_object_get(doc, "subject"), *s;
	size_t i;

	if (!json_is_array(subj) || !json_array_size(subj)) {
		pw_err_set(e, EINVAL, "'%s': expected \"subject\", a non-empty array", path);
		return NULL;
	}
	json_array_foreach(subj, i, s)
	{
		const char *h = subject_sha(s);

		if (!json_string_value(json_object_get(s, "name")) || !h ||
		    !pw_sha256_hex_valid(h)) {
			pw_err_set(e, EINVAL,
				   "'%s': subject[%zu]: expected \"name\" and \"digest\": "
				   "{\"sha256\": 64 hex digits}",
				   path, i);
			return NULL;
		}
	}
	return subj;
}

/* ---- sign ---- */

struct sign_args {
	const char *manifest, *key, *out, *evidence;
};

static const struct pw_opt sign_opts[] = {
    {.name = NULL,
     .kind = PW_ARG_STR,
     .flags = PW_OPT_REQUIRED,
     PW_OPT_AT(struct sign_args, manifest),
     .meta = "MANIFEST"},
    {.name = "--key",
     .kind = PW_ARG_STR,
     .flags = PW_OPT_REQUIRED,
     PW_OPT_AT(struct sign_args, key),
     .meta = "KEY.pem",
     .what = "a PEM file",
     .help = "the ed25519 private key (PKCS#8 PEM, unencrypted) to sign with"},
    {.name = "--out",
     .kind = PW_ARG_STR,
     PW_OPT_AT(struct sign_args, out),
     .meta = "FILE",
     .what = "a file",
     .help = "write the envelope to FILE (temp file, then rename) instead of stdout"},
    {.name = "--evidence",
     .kind = PW_ARG_STR,
     PW_OPT_AT(struct sign_args, evidence),
     .meta = "REPORT",
     .what = "a report file",
     .help = "the report of `verify --against --report` in which every published wheel "
	     "matched its rebuild, carried in the predicate"},
};

static const struct pw_cli_cmd cli_sign = {
    .name = "attest sign", .opts = sign_opts, .nopts = PW_ARRAY_SIZE(sign_opts)};

/* The evidence @ev (from @path) must say every published wheel matched,
 * and name only subjects of @subj.  0, or -EINVAL with e filled. */
static int check_evidence(json_t *ev, const char *path, json_t *subj, const char *mpath,
			  struct pw_err *e)
{
	json_t *w, *s;
	size_t i, k;

	if (!json_is_array(json_object_get(ev, "wheels")) ||
	    !json_is_boolean(json_object_get(ev, "ok")))
		return pw_err_set(e, EINVAL,
				  "'%s': expected the report of `pinwheel verify --against`", path);
	if (!json_is_true(json_object_get(ev, "ok")))
		return pw_err_set(e, EINVAL,
				  "'%s': not every published wheel matched its rebuild: no "
				  "evidence to sign",
				  path);
	json_array_foreach(json_object_get(ev, "wheels"), i, w)
	{
		const char *h =
		    json_string_value(json_object_get(json_object_get(w, "published"), "sha256"));
		bool found = false;

		json_array_foreach(subj, k, s) found = found || (h && !strcmp(subject_sha(s), h));
		if (!found)
			return pw_err_set(e, EINVAL,
					  "'%s': published wheel '%s' (sha256 %s) is not a subject "
					  "of '%s'",
					  path,
					  json_string_value(json_object_get(
					      json_object_get(w, "published"), "file")),
					  h ? h : "?", mpath);
	}
	return 0;
}

static int cmd_sign(struct pw_ctx *ctx, int argc, char **argv)
{
	struct sign_args a;
	struct pw_err e = PW_ERR_INIT;
	json_t *m = NULL, *ev = NULL, *st = NULL, *env = NULL, *subj;
	struct pw_buf pae = PW_BUF_INIT(MAX_PAYLOAD + 4096);
	char mhex[PW_SHA256_HEX], keyid[PW_SHA256_HEX];
	unsigned char sig[PW_ED25519_SIG_LEN];
	char *payload = NULL, *p64 = NULL, *s64 = NULL;
	int r;

	memset(&a, 0, sizeof(a));
	r = pw_cli_parse(ctx, &cli_sign, &a, argc, argv, NULL);
	if (r != PW_CLI_GO)
		return r;
	r = PW_EXIT_USAGE;
	if (file_hex(a.manifest, mhex, &e) < 0 || !(m = pw_json_load_file(a.manifest, &e)) ||
	    !(subj = subjects_of(m, a.manifest, &e)))
		goto fail;
	if (a.evidence) {
		if (!(ev = pw_json_load_file(a.evidence, &e)))
			goto fail;
		if (check_evidence(ev, a.evidence, subj, a.manifest, &e) < 0) {
			r = PW_EXIT_FAIL;
			goto fail;
		}
	}
	st = json_pack("{s:s,s:O,s:s,s:{s:O,s:s,s:O?}}", "_type", STATEMENT_TYPE, "subject", subj,
		       "predicateType", PREDICATE_TYPE, "predicate", "manifest", m,
		       "manifest_sha256", mhex, "evidence", ev);
	payload = json_dumps(st, JSON_COMPACT | JSON_SORT_KEYS);
	if (!payload || strlen(payload) > MAX_PAYLOAD ||
	    pw_dsse_pae(PAYLOAD_TYPE, payload, strlen(payload), &pae) < 0) {
		pw_err_set(&e, E2BIG, "'%s': the statement is larger than %u bytes", a.manifest,
			   MAX_PAYLOAD);
		goto fail;
	}
	if (pw_ed25519_sign(a.key, pae.buf, pae.len, sig, keyid, &e) < 0)
		goto fail;
	p64 = pw_base64_encode(payload, strlen(payload));
	s64 = pw_base64_encode(sig, sizeof(sig));
	env = json_pack("{s:s,s:s,s:[{s:s,s:s}]}", "payload", p64, "payloadType", PAYLOAD_TYPE,
			"signatures", "keyid", keyid, "sig", s64);
	if (a.out) {
		if (pw_json_dump_file(a.out, env, &e) < 0) {
			r = PW_EXIT_FAIL;
			goto fail;
		}
		pw_info("wrote '%s' (%zu subjects, keyid %.12s%s)", a.out, json_array_size(subj),
			keyid, ev ? ", with rebuild evidence" : "");
	} else {
		pw_json_print(env, true);
	}
	r = PW_EXIT_OK;
	goto out;
fail:
	pw_error("attest sign: %s", e.msg);
out:
	json_decref(m);
	json_decref(ev);
	json_decref(st);
	json_decref(env);
	free(payload);
	free(p64);
	free(s64);
	pw_buf_release(&pae);
	return r;
}

/* ---- verify ---- */

struct verify_args {
	const char *envelope, *pub;
	struct pw_strv files;
	bool require_rebuilt;
};

/* The operands: the envelope, then files. */
static int verify_operand(const struct pw_opt *o, void *args, const char *const *v,
			  struct pw_err *e)
{
	struct verify_args *a = args;

	(void)o;
	(void)e;
	if (!a->envelope)
		a->envelope = v[0];
	else
		pw_strv_push(&a->files, v[0]);
	return 0;
}

static const struct pw_opt verify_opts[] = {
    {.name = NULL, .kind = PW_ARG_CALL, .call = verify_operand, .nargs = 1, .meta = "ENVELOPE"},
    {.name = "--pub",
     .kind = PW_ARG_STR,
     .flags = PW_OPT_REQUIRED,
     PW_OPT_AT(struct verify_args, pub),
     .meta = "PUB.pem",
     .what = "a PEM file",
     .help = "the ed25519 public key (PEM, BEGIN PUBLIC KEY) the envelope must be signed with"},
    {.name = "--require-rebuilt",
     .kind = PW_ARG_NONE,
     PW_OPT_AT(struct verify_args, require_rebuilt),
     .help = "also require the evidence that every wheel subject was rebuilt and matched"},
};

static const struct pw_cli_cmd cli_verify = {
    .name = "attest verify", .opts = verify_opts, .nopts = PW_ARRAY_SIZE(verify_opts)};

/* One failed check: its line, counted. */
static void failed(size_t *nfail, const char *fmt, ...) PW_PRINTF(2, 3);
static void failed(size_t *nfail, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pw_error("attest verify: %s", msg);
	(*nfail)++;
}

/* The envelope's payload when a signature verifies with @pub; NULL
 * otherwise, with the line said (*status: the exit status). */
static json_t *open_envelope(const struct verify_args *a, json_t *env, char keyid[PW_SHA256_HEX],
			     size_t *nfail, int *status)
{
	struct pw_buf payload = PW_BUF_INIT(MAX_PAYLOAD), pae = PW_BUF_INIT(MAX_PAYLOAD + 4096);
	const char *p64 = json_string_value(json_object_get(env, "payload"));
	const char *type = json_string_value(json_object_get(env, "payloadType"));
	json_t *sigs = json_object_get(env, "signatures"), *s, *st = NULL;
	struct pw_err e = PW_ERR_INIT;
	const char *theirs = NULL;
	bool ok = false;
	size_t i;

	*status = PW_EXIT_USAGE;
	if (!p64 || !type || !json_is_array(sigs) || !json_array_size(sigs) ||
	    pw_base64_decode(p64, strlen(p64), &payload) < 0) {
		pw_error("attest verify: '%s': expected a DSSE envelope (\"payload\" in base64, "
			 "\"payloadType\", \"signatures\")",
			 a->envelope);
		goto out;
	}
	if (strcmp(type, PAYLOAD_TYPE)) {
		pw_error("attest verify: '%s': payloadType '%s', expected '%s'", a->envelope, type,
			 PAYLOAD_TYPE);
		goto out;
	}
	if (pw_dsse_pae(type, payload.buf, payload.len, &pae) < 0)
		goto out;
	/* the key's id, whatever the signatures say (keyid is only a hint) */
	if (pw_ed25519_verify(a->pub, NULL, 0, NULL, 0, keyid, &e) < 0) {
		pw_error("attest verify: %s", e.msg);
		goto out;
	}
	json_array_foreach(sigs, i, s)
	{
		const char *s64 = json_string_value(json_object_get(s, "sig"));
		struct pw_buf sig = PW_BUF_INIT(4096);

		if (!theirs)
			theirs = json_string_value(json_object_get(s, "keyid"));
		if (s64 && pw_base64_decode(s64, strlen(s64), &sig) == 0 &&
		    pw_ed25519_verify(a->pub, pae.buf, pae.len, (const unsigned char *)sig.buf,
				      sig.len, keyid, &e) == 0)
			ok = true;
		pw_buf_release(&sig);
		if (ok)
			break;
	}
	*status = PW_EXIT_FAIL;
	if (!ok) {
		failed(nfail,
		       "'%s': no signature verifies with the key in '%s' (keyid %s; the "
		       "envelope names %s)",
		       a->envelope, a->pub, keyid, theirs ? theirs : "none");
		goto out;
	}
	st = pw_json_load_mem(a->envelope, payload.buf, payload.len, &e);
	if (!st || strcmp(json_string_value(json_object_get(st, "_type")) ?: "", STATEMENT_TYPE) ||
	    strcmp(json_string_value(json_object_get(st, "predicateType")) ?: "", PREDICATE_TYPE) ||
	    !subjects_of(st, a->envelope, &e)) {
		failed(nfail,
		       "'%s': the signed payload is not an in-toto Statement v1 with "
		       "predicateType '%s' and subjects",
		       a->envelope, PREDICATE_TYPE);
		json_decref(st);
		st = NULL;
		goto out;
	}
	*status = PW_EXIT_OK;
out:
	pw_buf_release(&payload);
	pw_buf_release(&pae);
	return st;
}

/* Every wheel subject has an entry in the evidence that matched. */
static void check_rebuilt(const char *env, json_t *st, size_t *nfail)
{
	json_t *ev = json_object_get(json_object_get(st, "predicate"), "evidence"), *s, *w;
	size_t i, k;

	if (!json_is_object(ev)) {
		failed(nfail, "'%s': no rebuild evidence (signed without --evidence)", env);
		return;
	}
	json_array_foreach(json_object_get(st, "subject"), i, s)
	{
		const char *name = json_string_value(json_object_get(s, "name"));
		size_t l = strlen(name);
		bool matched = false;

		if (l < 4 || strcmp(name + l - 4, ".whl"))
			continue; /* the sdist: the rebuild's input, not compared */
		json_array_foreach(json_object_get(ev, "wheels"), k, w)
		{
			const char *h = json_string_value(
			    json_object_get(json_object_get(w, "published"), "sha256"));
			const char *stt = json_string_value(json_object_get(w, "status"));

			matched = matched || (h && stt && !strcmp(h, subject_sha(s)) &&
					      !strcmp(stt, "matched"));
		}
		if (!matched)
			failed(nfail, "'%s': subject '%s' was not rebuilt and matched", env, name);
	}
}

static int cmd_verify(struct pw_ctx *ctx, int argc, char **argv)
{
	struct verify_args a;
	struct pw_err e = PW_ERR_INIT;
	json_t *env = NULL, *st = NULL;
	char keyid[PW_SHA256_HEX];
	size_t nfail = 0;
	int r;

	memset(&a, 0, sizeof(a));
	r = pw_cli_parse(ctx, &cli_verify, &a, argc, argv, NULL);
	if (r != PW_CLI_GO)
		goto out;
	if (!a.envelope) {
		r = pw_usage_error("attest verify", "no ENVELOPE given");
		goto out;
	}
	env = pw_json_load_file(a.envelope, &e);
	if (!env) {
		pw_error("attest verify: %s", e.msg);
		r = PW_EXIT_USAGE;
		goto out;
	}
	st = open_envelope(&a, env, keyid, &nfail, &r);
	if (!st)
		goto out;
	for (size_t i = 0; i < a.files.n; i++) {
		const char *f = a.files.v[i], *base = strrchr(f, '/');
		char hex[PW_SHA256_HEX];
		json_t *s, *found = NULL;
		size_t k;

		base = base ? base + 1 : f;
		if (file_hex(f, hex, &e) < 0) {
			pw_error("attest verify: %s", e.msg);
			r = PW_EXIT_USAGE;
			goto out;
		}
		json_array_foreach(
		    json_object_get(st, "subject"), k,
		    s) if (!found && !strcmp(json_string_value(json_object_get(s, "name")), base))
		    found = s;
		if (!found)
			failed(&nfail, "'%s': not a subject of '%s'", f, a.envelope);
		else if (strcmp(subject_sha(found), hex))
			failed(&nfail, "'%s': sha256 %s, but its subject in '%s' has %s", f, hex,
			       a.envelope, subject_sha(found));
	}
	if (a.require_rebuilt)
		check_rebuilt(a.envelope, st, &nfail);
	if (nfail) {
		r = PW_EXIT_FAIL;
		goto out;
	}
	pw_out("'%s': signed by keyid %s; %zu file%s match%s %s subjects%s\n", a.envelope, keyid,
	       a.files.n, a.files.n == 1 ? "" : "s", a.files.n == 1 ? "es" : "", "its",
	       a.require_rebuilt ? "; every wheel subject was rebuilt and matched" : "");
	r = PW_EXIT_OK;
out:
	json_decref(env);
	json_decref(st);
	pw_strv_release(&a.files);
	return r;
}

/* ---- the command ---- */

static const struct pw_cli_cmd *const attest_subs[] = {&cli_sign, &cli_verify};

const struct pw_cli_cmd pw_cli_attest = {
    .name = "attest",
    .subs = attest_subs,
    .nsubs = PW_ARRAY_SIZE(attest_subs),
    .flags = PW_OPTS_STOP_OPERAND,
    .usage = "usage: pinwheel attest sign --key KEY.pem [--out FILE] [--evidence REPORT]\n"
	     "                            MANIFEST\n"
	     "       pinwheel attest verify --pub PUB.pem [--require-rebuilt] ENVELOPE\n"
	     "                              [FILE...]\n\n"
	     "Signed attestations of a build (docs/attest.md).\n\n"
	     "  sign     the subjects of MANIFEST (a pinwheel-manifest.json) as an in-toto\n"
	     "           Statement v1 whose predicate holds the manifest and, with\n"
	     "           --evidence, the report of `pinwheel verify --against` in which every\n"
	     "           published wheel matched its rebuild; predicateType\n"
	     "           " PREDICATE_TYPE ".  In a DSSE envelope\n"
	     "           (payloadType " PAYLOAD_TYPE ") signed with the ed25519\n"
	     "           key in KEY.pem; keyid: the sha256 of the key's DER public key.\n"
	     "  verify   check the envelope's signature with PUB.pem, that each FILE is a\n"
	     "           subject with the same sha256, and with --require-rebuilt that the\n"
	     "           evidence says every wheel subject was rebuilt and matched.  One\n"
	     "           line per failed check.\n",
    .epilogue = "exit status: 0 signed (sign), every check passed (verify); 1 a check failed\n"
		"(verify: signature, subjects, evidence; sign: evidence of a mismatch); 2 usage,\n"
		"an unreadable or malformed file or key.\n",
};

int pw_cmd_attest(struct pw_ctx *ctx, int argc, char **argv)
{
	int i, r;

	r = pw_cli_parse(ctx, &pw_cli_attest, NULL, argc, argv, &i);
	if (r != PW_CLI_GO)
		return r;
	if (i < 0)
		return pw_usage_error("attest", "missing subcommand (sign or verify)");
	if (!strcmp(argv[i], "sign"))
		return cmd_sign(ctx, argc - i, argv + i);
	if (!strcmp(argv[i], "verify"))
		return cmd_verify(ctx, argc - i, argv + i);
	return pw_usage_error("attest", "unknown subcommand '%s' (expected sign or verify)",
			      argv[i]);
}

/* cmd_init.c - `pinwheel init [DIR]`: write DIR/pinwheel.json of exactly
 * what zero config derives from DIR/pyproject.toml (zeroconf.h), so that
 * every choice is written down and can be edited. */
#include <string.h>
#include <sys/stat.h>

#include "pinwheel/cli.h"
#include "pinwheel/config.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/json.h"
#include "pinwheel/zeroconf.h"

struct init_args {
	const char *dir;
};

static const struct pw_opt init_opts[] = {
    PW_OPT_PROJECT_DIR(struct init_args, dir),
    PW_OPT_DOC("--json", "print {\"path\", \"targets\", \"config\"} instead of the file"),
};

const struct pw_cli_cmd pw_cli_init = {
    .name = "init",
    .opts = init_opts,
    .nopts = PW_ARRAY_SIZE(init_opts),
    .usage = "usage: pinwheel init [DIR]\n\n"
	     "Write DIR/pinwheel.json (DIR defaults to .) with exactly the config that\n"
	     "zero config derives from DIR/pyproject.toml: the Pythons requires-python\n"
	     "allows that a Debian suite carries, the host's platform, each base's\n"
	     "packages for the build backend, [build-system].requires (ranges, pinned by\n"
	     "'pinwheel lock'), and Rust and its crates for a Rust project.  Refuses to\n"
	     "replace an existing pinwheel.json, or to add one next to a [tool.pinwheel]\n"
	     "table.  Prints what it wrote.  Uses no network.\n",
    .epilogue = "docs/config.md, \"Zero config\", says how each value is chosen.\n\n"
		"exit status: 0 written, 2 usage error, pinwheel.json exists, [tool.pinwheel]\n"
		"exists, or no or a bad pyproject.toml\n",
};

int pw_cmd_init(struct pw_ctx *ctx, int argc, char **argv)
{
	struct init_args a = {NULL};
	struct pw_err e = PW_ERR_INIT;
	_cleanup_free_ char *path = NULL, *pyname = NULL, *text = NULL;
	struct pw_toml *doc = NULL;
	struct pw_config c;
	json_t *cfg = NULL, *out;
	const char *dir;
	struct stat st;
	int st_ = pw_cli_parse(ctx, &pw_cli_init, &a, argc, argv, NULL), r;

	if (st_ != PW_CLI_GO)
		return st_;
	dir = a.dir ? a.dir : ".";
	st_ = PW_EXIT_USAGE;
	path = pw_path_join(dir, PW_CONFIG_FILE);
	if (lstat(path, &st) == 0) {
		pw_error("init: '%s' exists: init writes a new one only (remove it to start "
			 "again)",
			 path);
		goto out;
	}
	doc = pw_pyproject_read(dir, &pyname, &e);
	if (!doc) {
		if (errno == ENOENT)
			pw_error("init: no '%s/%s': init derives the config from it", dir,
				 PW_PYPROJECT_FILE);
		else
			pw_error("init: %s", e.msg);
		goto out;
	}
	if (pw_pyproject_has_tool(doc)) {
		const struct pw_toml *t = pw_toml_get(pw_toml_get(doc, "tool"), "pinwheel");

		pw_error("init: %s:%u:%u: [tool.pinwheel] already configures pinwheel: a "
			 "pinwheel.json beside it would be an error",
			 pyname, t->line, t->col);
		goto out;
	}
	cfg = pw_zeroconf_derive(dir, doc, pyname, &e);
	if (!cfg) {
		pw_error("init: %s", e.msg);
		goto out;
	}
	text = json_dumps(cfg, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!text) {
		pw_error("init: out of memory");
		goto out;
	}
	{
		/* what is written must read back as the same config */
		size_t n = strlen(text);

		text = pw_xrealloc(text, n + 2);
		memcpy(text + n, "\n", 2);
		if (pw_config_parse(path, dir, text, n + 1, &c, &e) < 0) {
			pw_error("init: %s", e.msg);
			goto out;
		}
	}
	r = pw_write_file_atomic(path, text, strlen(text), 0644);
	if (r < 0) {
		pw_error("init: could not write '%s': %s", path, strerror(-r));
		pw_config_release(&c);
		st_ = PW_EXIT_FAIL;
		goto out;
	}
	if (ctx->json) {
		json_t *ids = json_array();

		for (size_t i = 0; i < c.ntargets; i++)
			json_array_append_new(ids, json_string(c.targets[i].id));
		out = json_pack("{s:s,s:o,s:O}", "path", path, "targets", ids, "config", cfg);
		pw_json_print_line(out);
		json_decref(out);
	} else {
		pw_info("wrote '%s' (%zu target%s, from '%s'):", path, c.ntargets,
			c.ntargets == 1 ? "" : "s", pyname);
		pw_out("%s", text);
	}
	pw_config_release(&c);
	st_ = PW_EXIT_OK;
out:
	json_decref(cfg);
	pw_toml_free(doc);
	return st_;
}

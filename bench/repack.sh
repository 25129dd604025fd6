#!/bin/sh
# bench/repack.sh - deterministic wheel packing: pinwheel's packer
# (pw_wheel_pack through tests/helpers/pw-wheel) against the established
# tool, `wheel pack` (pip-installed into a venv under the bench's temp
# directory), on the same unpacked wheel, in the same run.  Both deflate at
# zlib's level 6 and regenerate RECORD.
#
#   sh bench/repack.sh [RUNS] [WHEEL]
#
# Without WHEEL a synthetic wheel of about 50 MB is made from the host's
# files (the Python standard library's sources and some large shared
# libraries).  Prints the median wall and CPU time of each, both output
# sizes and the ratio wheel-pack/pinwheel (higher is better for pinwheel).
# Not part of `make check`.
set -eu
RUNS=${1:-3}
WHL=${2:-}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
make -C "$SRCDIR" --no-print-directory all unit-tests >/dev/null
H="$SRCDIR/build/tests/helpers/pw-wheel"
W=$(mktemp -d "${TMPDIR:-/tmp}/pwbench.XXXXXX")
trap 'rm -rf "$W"' EXIT
export SOURCE_DATE_EPOCH=1700000000 PIP_DISABLE_PIP_VERSION_CHECK=1

python3 -m venv "$W/venv" >/dev/null
"$W/venv/bin/pip" install -q wheel >/dev/null

if [ -z "$WHL" ]; then
	python3 - "$W/src" <<'PY'
import os, shutil, sys, sysconfig
dst = sys.argv[1]
pkg = os.path.join(dst, "big")
os.makedirs(os.path.join(dst, "big-1.0.dist-info"))
stdlib = sysconfig.get_paths()["stdlib"]
shutil.copytree(stdlib, os.path.join(pkg, "stdlib"), symlinks=False,
                ignore=shutil.ignore_patterns("__pycache__", "site-packages", "dist-packages", "*.pyc", "test", "tests"),
                ignore_dangling_symlinks=True)
libs, total = [], 0
for d in ("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib"):
    if os.path.isdir(d):
        for n in sorted(os.listdir(d)):
            p = os.path.join(d, n)
            if ".so" in n and os.path.isfile(p) and not os.path.islink(p):
                libs.append((os.path.getsize(p), p))
libs.sort(reverse=True)
os.makedirs(os.path.join(pkg, "libs"))
for size, p in libs:
    if size > 30 << 20 or total + size > 100 << 20:
        continue
    shutil.copyfile(p, os.path.join(pkg, "libs", os.path.basename(p)))
    total += size
open(os.path.join(dst, "big-1.0.dist-info", "METADATA"), "w").write(
    "Metadata-Version: 2.1\nName: big\nVersion: 1.0\n")
open(os.path.join(dst, "big-1.0.dist-info", "WHEEL"), "w").write(
    "Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
PY
	"$H" pack "$W/src" "$W/big-1.0-py3-none-any.whl"
	WHL="$W/big-1.0-py3-none-any.whl"
fi
rm -rf "$W/src"
"$H" unpack "$WHL" "$W/src"
echo "input: $(basename "$WHL"), $(du -sb "$W/src" | cut -f1) bytes unpacked, $(find "$W/src" -type f | wc -l) files"

python3 - "$RUNS" "$H" "$W" "$W/venv/bin/wheel" <<'PY'
import os, resource, statistics, subprocess, sys, time
runs, helper, w, wheel = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]

def measure(cmd, out):
    walls, cpus = [], []
    for _ in range(runs):
        for f in os.listdir(out):
            os.unlink(os.path.join(out, f))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        walls.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    size = sum(os.path.getsize(os.path.join(out, f)) for f in os.listdir(out))
    return statistics.median(walls), statistics.median(cpus), size

os.makedirs(w + "/o1"); os.makedirs(w + "/o2")
pw = measure([helper, "pack", w + "/src", w + "/o1/big-1.0-py3-none-any.whl"], w + "/o1")
wp = measure([wheel, "pack", w + "/src", "--dest-dir", w + "/o2"], w + "/o2")
print("pinwheel pack: wall %.3f s, cpu %.3f s, %d bytes" % pw)
print("wheel pack:    wall %.3f s, cpu %.3f s, %d bytes" % wp)
print("ratio wheel-pack/pinwheel: wall %.2fx, cpu %.2fx" % (wp[0] / pw[0], wp[1] / pw[1]))
PY

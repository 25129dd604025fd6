#!/bin/sh
# The tools `pinwheel lock` runs in a target's root (its pip, its cargo)
# run under the seccomp profile "lock" (build's, with the network), as
# docs/seccomp.md says: the root's python (the host's python3.11 + pip,
# packed as an archive base, test only) has a sitecustomize that probes
# the filter before pip starts and fails the lock with what it saw.
# Without a filter unshare(CLONE_NEWUSER) fails with ENOSPC (no nested
# user namespace), io_uring_setup with EFAULT and PTRACE_TRACEME succeeds;
# under "lock" they are EPERM, ENOSYS and EPERM.
. "$SRCDIR/tests/lib.sh"
[ -x /usr/bin/python3.11 ] || skip_all "/usr/bin/python3.11 missing"
/usr/bin/python3.11 -c 'import pip' 2>/dev/null || skip_all "python3-pip not installed"
[ "$(uname -m)" = x86_64 ] || skip_all "the probe's syscall numbers are x86_64's"
plan 7

py_base_tar "$T/py.tar"
ok $? "packed the test base"

# The probe, over the base: pip's wrapper reads its log from
# /tmp/pinwheel-out/pip.log, and lock's error line quotes its ERROR line.
mkdir -p "$T/probe/usr/lib/python3.11"
cat >"$T/probe/usr/lib/python3.11/sitecustomize.py" <<'PY'
import ctypes, errno, os
libc = ctypes.CDLL(None, use_errno=True)
def probe(call):
    ctypes.set_errno(0)
    r = call()
    return "ok" if r >= 0 else errno.errorcode.get(ctypes.get_errno(), "?")
seen = "unshare=%s io_uring_setup=%s ptrace=%s" % (
    probe(lambda: libc.unshare(0x10000000)),
    probe(lambda: libc.syscall(425, 0, None)),
    probe(lambda: libc.ptrace(0, 0, None, None)))
with open("/tmp/pinwheel-out/pip.log", "w") as f:
    f.write("ERROR: probe " + seen + "\n")
os._exit(3)
PY
tar -C "$T/probe" -cf "$T/probe.tar" usr
ok $? "packed the probe"

cat >"$T/spec.json" <<'JSON'
[{"name": "bar", "version": "1.0", "modules": {"bar.py": "VALUE = 1\n"}}]
JSON
pypi_index
export PIP_INDEX_URL="$INDEX" PIP_TRUSTED_HOST=127.0.0.1

P="$T/proj" S="$T/store"
mkdir -p "$P"
cat >"$P/pinwheel.json" <<JSON
{"version": 1, "manylinux": "native",
 "python": {"3.11": {"base": {"archives": [{"url": "file://$T/py.tar"},
                                           {"url": "file://$T/probe.tar"}]}}},
 "platforms": ["manylinux_x86_64"],
 "build_requires": ["bar==1.0"]}
JSON

run_pw 1 "the probe fails the lock" --store "$S" lock "$P"
like "$ERR" "build_requires.*cp311-manylinux_x86_64.*status 3: ERROR: probe " "the error line is the probe's"
like "$ERR" "probe unshare=EPERM " "unshare: EPERM (the filter), not ENOSPC"
like "$ERR" " io_uring_setup=ENOSYS " "io_uring_setup: ENOSYS (the filter), not EFAULT"
like "$ERR" " ptrace=EPERM$" "PTRACE_TRACEME: EPERM (the filter), not allowed"

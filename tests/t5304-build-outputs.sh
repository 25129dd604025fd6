#!/bin/sh
# t5304-build-outputs: a hostile PEP 517 backend leaves something other
# than a regular file where `pinwheel build` takes its outputs from:
#   - the wheel replaced by a symlink to a private wheel of the user's, the
#     sdist by a symlink to a tarball of the user's ~/.ssh: exit 1, one line
#     "'/out/NAME' is a symbolic link, expected a regular file"; nothing
#     private in OUT, in the store or in the action cache
#   - a FIFO, a socket, a character device (the 0:0 whiteout node, which
#     anyone may make) and a directory in place of the wheel, then of the
#     sdist: exit 1 at once (no hang), one line naming what was found
#   - a wheel and an sdist whose members carry setuid bits: published with
#     0755, no S_ISUID/S_ISGID
# Each build runs under timeout(1) only as a safety net: before the fix a
# FIFO made build hang forever.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/tiny-lib.sh"
command -v timeout >/dev/null || skip_all "timeout(1) missing"
plan 47
TGT=cp311-manylinux_x86_64

P="$T/proj"
tiny_plain "$P"
ok $? "the tiny project on the test base"
# The hostile backend: HOSTILE says which output ("wheel" or "sdist") to
# replace by what ("symlink TARGET", "fifo", "socket", "chardev", "dir");
# "none" builds normally.  Both outputs carry a setuid member.
cat >"$P/_backend/minibackend.py" <<'PY'
import base64, hashlib, io, os, socket, stat, tarfile, zipfile

FILES = ["pyproject.toml", "_backend/minibackend.py", "tiny/__init__.py", "HOSTILE"]
TOOL = b"#!/bin/sh\necho tool\n"


def hostile(outdir, what, name):
    words = open("HOSTILE").read().split()
    if words[0] != what:
        return
    path = os.path.join(outdir, name)
    os.unlink(path)
    how = words[1]
    if how == "symlink":
        os.symlink(words[2], path)
    elif how == "fifo":
        os.mkfifo(path)
    elif how == "socket":
        socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).bind(path)
    elif how == "chardev":
        try:
            os.mknod(path, stat.S_IFCHR | 0o644, os.makedev(0, 0))
        except OSError as e:
            print("HOSTILE: mknod refused:", e, flush=True)
            raise
    elif how == "dir":
        os.mkdir(path)
    elif how == "escapes":
        # a wheel whose name is full of terminal escapes
        with open(os.path.join(outdir, "tiny\x1b]0;pwned\x07\x1b[2J-0-py3-none-any.whl"), "wb") as f:
            f.write(b"PK")
    print("HOSTILE: replaced", path, "by", how, flush=True)


def build_sdist(outdir, config_settings=None):
    name = "tiny-0"
    with tarfile.open(os.path.join(outdir, name + ".tar.gz"), "w:gz") as t:
        for f in FILES:
            t.add(f, arcname=f"{name}/{f}")
        for member, data, mode in (("PKG-INFO", b"Metadata-Version: 2.1\nName: tiny\nVersion: 0\n", 0o644),
                                   ("tiny/tool.sh", TOOL, 0o6755)):
            ti = tarfile.TarInfo(f"{name}/{member}")
            ti.size, ti.mode = len(data), mode
            t.addfile(ti, io.BytesIO(data))
    hostile(outdir, "sdist", name + ".tar.gz")
    return name + ".tar.gz"


def build_wheel(outdir, config_settings=None, metadata_directory=None):
    di = "tiny-0.dist-info"
    files = {"tiny/__init__.py": open("tiny/__init__.py", "rb").read(),
             "tiny/tool.sh": TOOL,
             f"{di}/METADATA": b"Metadata-Version: 2.1\nName: tiny\nVersion: 0\n",
             f"{di}/WHEEL": b"Wheel-Version: 1.0\nGenerator: hostile\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    rec = ""
    for n, data in files.items():
        h = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        rec += f"{n},sha256={h},{len(data)}\n"
    files[f"{di}/RECORD"] = (rec + f"{di}/RECORD,,\n").encode()
    name = "tiny-0-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(outdir, name), "w") as z:
        for n, data in files.items():
            zi = zipfile.ZipInfo(n, (2020, 1, 1, 0, 0, 0))
            zi.create_system = 3
            zi.external_attr = (0o106755 if n == "tiny/tool.sh" else 0o100644) << 16
            z.writestr(zi, data)
    hostile(outdir, "wheel", name)
    return name
PY
echo none >"$P/HOSTILE"
W=tiny-0-py3-none-any.whl
S=tiny-0.tar.gz

# The user's private files: a wheel that would pass every check (and the
# smoke test), and a tarball of ~/.ssh.
mkdir -p "$HOME/.ssh" "$T/priv/tiny"
echo "PRIVATE KEY of the user" >"$HOME/.ssh/id_ed25519"
tar -C "$HOME" -czf "$HOME/ssh-backup.tar.gz" .ssh
python3 - "$HOME/private.whl" <<'PY'
import base64, hashlib, sys, zipfile
di = "tiny-0.dist-info"
files = {"tiny/__init__.py": b"VALUE = 42\nSECRET = 'PRIVATE WHEEL of the user'\n",
         f"{di}/METADATA": b"Metadata-Version: 2.1\nName: tiny\nVersion: 0\n",
         f"{di}/WHEEL": b"Wheel-Version: 1.0\nGenerator: user\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
rec = "".join(f"{n},sha256={base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b'=').decode()},{len(d)}\n"
              for n, d in files.items())
files[f"{di}/RECORD"] = (rec + f"{di}/RECORD,,\n").encode()
with zipfile.ZipFile(sys.argv[1], "w") as z:
    for n, d in files.items():
        z.writestr(n, d)
PY
ok $? "the user's private wheel and ~/.ssh tarball"

run_pw 0 "lock" lock "$P"
run_pw 0 "fetch" fetch "$P"

# hostile N MODE...: build with HOSTILE set to MODE into OUT $T/oN.
hostile() {
	_n=$1
	shift
	echo "$*" >"$P/HOSTILE"
	run_cmd "$_want" "$_desc" timeout 120 "$PINWHEEL" build "$P" --out "$T/o$_n"
}
# no_private DIR: nothing of the user's private files under DIR, in any
# file, zip member or tar member (by content or by name)
no_private() {
	python3 - "$1" <<'PY'
import os, re, sys, tarfile, zipfile
bad = re.compile(rb"PRIVATE (KEY|WHEEL) of the user|\.ssh")
def chunks(path):
    yield open(path, "rb").read()
    if zipfile.is_zipfile(path):
        z = zipfile.ZipFile(path)
        for n in z.namelist():
            yield n.encode() + b"\n" + z.read(n)
    try:
        with tarfile.open(path) as t:
            for m in t:
                yield m.name.encode() + b"\n" + (t.extractfile(m).read() if m.isfile() else b"")
    except (tarfile.TarError, OSError, EOFError):
        pass
for d, _, files in os.walk(sys.argv[1]):
    for f in files:
        p = os.path.join(d, f)
        if os.path.isfile(p) and not os.path.islink(p) and any(bad.search(c) for c in chunks(p)):
            print("private bytes in", p)
            sys.exit(1)
PY
}
# leftovers DIR: what OUT holds besides logs and the manifest
leftovers() { ls -A "$1" | grep -v -e '^logs$' -e '^pinwheel-manifest.json$' | tr '\n' ' '; }

# The good build first: the setuid bits of the backend's members are gone.
_want=0 _desc="a normal build" hostile 0 none
python3 - "$T/o0/$W" "$T/o0/$S" >"$T/modes" <<'PY'
import sys, tarfile, zipfile
z = zipfile.ZipFile(sys.argv[1])
print(oct(z.getinfo("tiny/tool.sh").external_attr >> 16))
print(oct(tarfile.open(sys.argv[2]).getmember("tiny-0/tiny/tool.sh").mode))
PY
is "$(sed -n 1p "$T/modes")" "0o100755" "the wheel's setuid+setgid member is published 0755"
is "$(sed -n 2p "$T/modes")" "0o755" "the sdist's setuid+setgid member is published 0755"

# The wheel: a symlink to the user's private wheel.
_want=1 _desc="wheel replaced by a symlink: exit 1" hostile 1 wheel symlink "$HOME/private.whl"
like "$ERR" "build: $TGT: '/out/$W' is a symbolic link, expected a regular file" \
	"the error names the wheel and what was found"
is "$(leftovers "$T/o1")" "$S " "no wheel in OUT"
no_private "$T/o1"
ok $? "nothing of the private wheel in OUT"
no_private "$PINWHEEL_STORE"
ok $? "nothing of the private wheel in the store"

# The sdist: a symlink to a tarball of ~/.ssh.
_want=1 _desc="sdist replaced by a symlink: exit 1" hostile 2 sdist symlink "$HOME/ssh-backup.tar.gz"
like "$ERR" "build: sdist: '/out/$S' is a symbolic link, expected a regular file" \
	"the error names the sdist and what was found"
is "$(leftovers "$T/o2")" "" "no sdist and no wheel in OUT"
no_private "$T/o2"
ok $? "nothing of ~/.ssh in OUT"
no_private "$PINWHEEL_STORE"
ok $? "nothing of ~/.ssh in the store"

# FIFO, socket, character device, directory: in place of the wheel, then
# of the sdist.
n=3
for what in wheel sdist; do
	if [ $what = wheel ]; then name=$W who=$TGT; else name=$S who=sdist; fi
	for how in fifo socket chardev dir; do
		case $how in
		fifo) found="a FIFO" ;;
		socket) found="a socket" ;;
		chardev) found="a character device" ;;
		dir) found="a directory" ;;
		esac
		_want=1 _desc="$what replaced by $found: exit 1" hostile $n $what $how
		if [ $how = chardev ] && grep -q "HOSTILE: mknod refused" "$T/o$n/logs/$who.log" 2>/dev/null; then
			skip "the sandbox refused mknod of the 0:0 device: $(grep -m1 'mknod refused' "$T/o$n/logs/$who.log")"
			skip "(no device made)"
		else
			like "$ERR" "build: $who: '/out/$name' is $found, expected a regular file" \
				"$what as $found: the error says what was found"
			is "$(leftovers "$T/o$n")" "$([ $what = wheel ] && echo "$S ")" \
				"$what as $found: nothing of it in OUT, no temp directory"
		fi
		n=$((n + 1))
	done
done
is "$(grep -l "\"target\": \"$TGT\"" "$PINWHEEL_STORE"/ac/*.json | wc -l | tr -d ' ')" 1 \
	"one wheel record: the normal build's"
is "$(grep -l '"target": "sdist"' "$PINWHEEL_STORE"/ac/*.json | wc -l | tr -d ' ')" 6 \
	"six sdist records: the normal build's and those of the five wheel cases, none of a hostile sdist"
run_pw 0 "the store is consistent" store verify

# A wheel named with terminal escapes: the error line and the summary
# table name it escaped, never with the raw bytes.
_want=1 _desc="a wheel named with terminal escapes: exit 1" hostile 20 wheel escapes
like "$ERR" "build: $TGT: .*tiny\\\\x1b\\]0;pwned\\\\x07\\\\x1b\\[2J-0-py3-none-any\\.whl" \
	"the error line names the wheel with \\xNN escapes"
is "$(printf '%s%s' "$OUT" "$ERR" | LC_ALL=C grep -c "$(printf '\033')")" "0" \
	"no raw ESC on stdout (the table) or stderr"

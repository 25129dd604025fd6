#!/bin/sh
# sdist normalisation (pw_sdist_normalize through tests/helpers/pw-wheel):
# two .tar.gz made by GNU tar from the same files with different owners,
# mtimes, modes, member order and tar format give byte-identical output;
# the output lists uid/gid 0 with empty names, mtime = SOURCE_DATE_EPOCH,
# modes 0644/0755, sorted members, a gzip header without name or mtime;
# long and non-ASCII names survive; hostile archives are refused naming the
# entry and leave no output; a path that appears twice (a backend adding
# its own PKG-INFO after the project's, as scikit-build-core does on an
# unpacked sdist) keeps its later entry, and a directory and a file under
# one name are refused naming the entry.
. "$SRCDIR/tests/lib.sh"
plan 28
H="$SRCDIR/${BUILD:-build}/tests/helpers/pw-wheel"
export SOURCE_DATE_EPOCH=1700000000

LONG=$(printf 'd%.0s' $(seq 1 110))
mk_tree() { # mk_tree DIR MTIME UMASK LINK(ln|cp)
	(
		umask "$3"
		mkdir -p "$1/demo-1.0/src/demo/$LONG" &&
		printf 'Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n' >"$1/demo-1.0/PKG-INFO" &&
		printf 'print(1)\n' >"$1/demo-1.0/src/demo/__init__.py" &&
		printf 'naïve\n' >"$1/demo-1.0/src/demo/naïve.txt" &&
		printf 'deep\n' >"$1/demo-1.0/src/demo/$LONG/file.pxd" &&
		printf '#!/bin/sh\necho hi\n' >"$1/demo-1.0/build.sh" && chmod 0750 "$1/demo-1.0/build.sh" &&
		ln -s src/demo/__init__.py "$1/demo-1.0/alias.py" &&
		$4 "$1/demo-1.0/PKG-INFO" "$1/demo-1.0/src/PKG-INFO.copy" &&
		find "$1" -exec touch -h -d "@$2" {} +
	)
}
# a holds a hard link where b holds a copy: the output has a regular file
mk_tree "$T/a" 12345 022 ln
mk_tree "$T/b" 1234567890 077 cp
# A: default order, gnu format, a made-up owner
(cd "$T/a" && tar --format=gnu --owner=joe:1234 --group=staff:99 -czf "$T/a.tar.gz" demo-1.0)
# B: reverse order, pax format, numeric root owner, no directory recursion
(cd "$T/b" && find demo-1.0 | sort -r | tar --format=pax --owner=0 --group=0 --no-recursion -T - -czf "$T/b.tar.gz")
run_cmd 0 "inputs differ" sh -c '! cmp -s "$1" "$2"' sh "$T/a.tar.gz" "$T/b.tar.gz"
like "$(tar -tvzf "$T/a.tar.gz")" "PKG-INFO(.copy)? link to" "input a carries a hard link"

run_cmd 0 "normalise the gnu-format sdist" "$H" sdist "$T/a.tar.gz" "$T/a.out.tar.gz"
run_cmd 0 "normalise the pax-format sdist (from another directory, TZ and umask)" \
	sh -c 'umask 077; cd / && TZ=Asia/Tokyo "$1" sdist "$2" "$3"' sh "$H" "$T/b.tar.gz" "$T/b.out.tar.gz"
run_cmd 0 "the two outputs are byte-identical" cmp "$T/a.out.tar.gz" "$T/b.out.tar.gz"

is "$(od -An -tx1 -N10 "$T/a.out.tar.gz" | tr -d ' \n')" "1f8b0800000000000203" \
	"gzip header: deflate, no flags (no name), mtime 0, XFL 2, OS 3"
run_cmd 0 "gzip -t accepts it" gzip -t "$T/a.out.tar.gz"
tar -tvzf "$T/a.out.tar.gz" >"$T/list" 2>"$T/list.err"
is "$(awk '{print $2}' "$T/list" | sort -u)" "0/0" "tar -tv: every member owned by 0/0"
is "$(cat "$T/list.err")" "" "tar reads it without warnings"
cat >"$T/check.py" <<'EOF'
import sys, tarfile
t = tarfile.open(sys.argv[1])
ms = t.getmembers()
names = [m.name for m in ms]
print(names == sorted(names, key=lambda s: s.encode()))
print(sorted({m.mtime for m in ms}), sorted({(m.uid, m.gid, m.uname, m.gname) for m in ms}))
print(" ".join("%s:%o" % (m.name.split("/")[-1][:8], m.mode) for m in ms))
print(sorted({k for m in ms for k in m.pax_headers}))
print(t.extractfile("demo-1.0/src/demo/naïve.txt").read().decode(), end="")
print(t.getmember("demo-1.0/alias.py").linkname)
EOF
python3 "$T/check.py" "$T/a.out.tar.gz" >"$T/chk" 2>&1
is "$(sed -n 1p "$T/chk")" "True" "members sorted bytewise"
is "$(sed -n 2p "$T/chk")" "[1700000000] [(0, 0, '', '')]" "mtime = SOURCE_DATE_EPOCH, uid/gid 0, empty names"
is "$(sed -n 3p "$T/chk")" "demo-1.0:755 PKG-INFO:644 alias.py:777 build.sh:755 src:755 PKG-INFO:644 demo:755 __init__:644 $(printf 'd%.0s' $(seq 1 8)):755 file.pxd:644 naïve.tx:644" \
	"modes normalised (dirs and executables 0755, files 0644)"
is "$(sed -n 4p "$T/chk")" "['path']" "pax records only for long or non-ASCII names (no times)"
is "$(sed -n '5,6p' "$T/chk")" "naïve
src/demo/__init__.py" "non-ASCII content and names and the symlink survive"

# hostile inputs, made with python's tarfile
cat >"$T/evil.py" <<'EOF'
import io, sys, tarfile
kind, out = sys.argv[1], sys.argv[2]
with tarfile.open(out, "w:gz") as t:
    def add(name, data=b"x", **kw):
        ti = tarfile.TarInfo(name)
        for k, v in kw.items():
            setattr(ti, k, v)
        ti.size = len(data) if ti.type == tarfile.REGTYPE else 0
        t.addfile(ti, io.BytesIO(data) if ti.type == tarfile.REGTYPE else None)
    add("demo-1.0/PKG-INFO")
    if kind == "dotdot":
        add("demo-1.0/../../evil.py")
    elif kind == "abs":
        add("/etc/cron.d/evil")
    elif kind == "link":
        add("demo-1.0/etc", type=tarfile.SYMTYPE, linkname="../../etc")
    elif kind == "dup":
        add("demo-1.0/src.py", b"same")
        add("demo-1.0/PKG-INFO", b"Metadata-Version: 2.4\nName: demo\n")
        add("demo-1.0/src.py", b"same")
    elif kind == "dirfile":
        add("demo-1.0/sub", type=tarfile.DIRTYPE)
        add("demo-1.0/sub", b"a file now")
EOF
python3 "$T/evil.py" dotdot "$T/dotdot.tar.gz"
python3 "$T/evil.py" link "$T/link.tar.gz"
python3 "$T/evil.py" abs "$T/abs.tar.gz"
run_cmd 1 "an entry with '..' is refused" "$H" sdist "$T/dotdot.tar.gz" "$T/x.tar.gz"
like "$ERR" "entry 'demo-1.0/../../evil.py'" "the entry is named"
run_cmd 1 "an absolute entry is refused" "$H" sdist "$T/abs.tar.gz" "$T/x.tar.gz"
like "$ERR" "entry '/etc/cron.d/evil': absolute path" "the absolute entry is named"
run_cmd 1 "a symlink out of the tree is refused, no output left" \
	sh -c '"$1" sdist "$2" "$3"; st=$?; ls -A "$4" | grep -c "x\.tar\.gz"; exit $st' sh "$H" "$T/link.tar.gz" "$T/x.tar.gz" "$T"
like "$ERR" "entry 'demo-1.0/etc': symlink leaves the tree" "the symlink is named"
is "$OUT" "0" "no output file (nor temp file) left behind"

# duplicates: the later entry wins, the result is one entry per path
python3 "$T/evil.py" dup "$T/dup.tar.gz"
python3 "$T/evil.py" dirfile "$T/dirfile.tar.gz"
run_cmd 0 "an sdist with PKG-INFO twice is normalised" "$H" sdist "$T/dup.tar.gz" "$T/dup.out.tar.gz"
python3 - "$T/dup.out.tar.gz" >"$T/dupchk" 2>&1 <<'EOF'
import sys, tarfile
t = tarfile.open(sys.argv[1])
print(" ".join(m.name for m in t.getmembers()))
print(t.extractfile("demo-1.0/PKG-INFO").read().decode().split("\n")[0])
EOF
is "$(sed -n 1p "$T/dupchk")" "demo-1.0/PKG-INFO demo-1.0/src.py" "one member per path"
is "$(sed -n 2p "$T/dupchk")" "Metadata-Version: 2.4" "PKG-INFO is the later entry's (what extracting gives)"
python3 "$T/evil.py" dup "$T/dup2.tar.gz"
run_cmd 0 "normalised again from a fresh archive" "$H" sdist "$T/dup2.tar.gz" "$T/dup2.out.tar.gz"
run_cmd 0 "the same bytes" cmp "$T/dup.out.tar.gz" "$T/dup2.out.tar.gz"
run_cmd 1 "a directory and a file under one name are refused" "$H" sdist "$T/dirfile.tar.gz" "$T/x.tar.gz"
like "$ERR" "entry 'demo-1.0/sub' appears twice, as a directory and as a file" "the entry and both kinds are named"

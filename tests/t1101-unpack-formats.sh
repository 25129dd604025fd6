#!/bin/sh
# The formats the unpacker reads and what a good extraction looks like:
# tar plain/gzip/xz/zstd/bzip2, zip (wheel, modes from external attributes,
# data descriptors), .deb (data.tar with each compression, streamed from the
# ar), .crate (tar.gz + --strip 1), --subdir, input on a pipe; the tree
# matches GNU tar's extraction of the same archive (content, types, link
# targets, mtimes; modes too, and exact whatever the umask).
. "$SRCDIR/tests/lib.sh"
U="$SRCDIR/$BUILD/tests/helpers/pw-unpack"
[ -x "$U" ] || skip_all "pw-unpack helper not built"
for c in python3 tar gzip xz zstd bzip2; do
	command -v $c >/dev/null || skip_all "$c missing"
done
plan 41

# A tree with the usual suspects.
S="$T/src/pkg-1.0"
mkdir -p "$S/bin" "$S/lib/python3/site" "$S/share/doc" "$S/empty"
printf '#!/bin/sh\necho hi\n' >"$S/bin/tool" && chmod 0755 "$S/bin/tool"
printf 'data\n' >"$S/lib/python3/site/mod.py"
head -c 300000 /dev/urandom >"$S/share/blob" && chmod 0640 "$S/share/blob"
printf 'readme\n' >"$S/share/doc/README" && chmod 0444 "$S/share/doc/README"
ln -s /usr/bin/python3.11 "$S/bin/python3"
ln -s ../lib "$S/bin/lib"
ln "$S/share/doc/README" "$S/share/doc/README.hard"
chmod 0700 "$S/empty"
touch -d @1600000000 "$S"/bin/tool "$S/share/blob"
touch -h -d @1500000000 "$S/bin/python3"

# listing DIR: one line per entry with what a tree is made of
listing() {
	(cd "$1" && find . -mindepth 1 -printf '%P %y %s %T@ %l\n' | sort)
}
modes() {
	(cd "$1" && find . -mindepth 1 ! -type l -printf '%P %m\n' | sort)
}
tar -C "$T/src" -cf "$T/a.tar" pkg-1.0
mkdir "$T/ref" && tar -C "$T/ref" -xpf "$T/a.tar"
gzip -9 -c "$T/a.tar" >"$T/a.tar.gz"
xz -c "$T/a.tar" >"$T/a.tar.xz"
zstd -q -c "$T/a.tar" >"$T/a.tar.zst"
bzip2 -c "$T/a.tar" >"$T/a.tar.bz2"

# several xz blocks: decoded by liblzma's multi-threaded decoder
xz -T2 --block-size=65536 -c "$T/a.tar" >"$T/a.mt.tar.xz"
for f in a.tar a.tar.gz a.tar.xz a.mt.tar.xz a.tar.zst a.tar.bz2; do
	run_cmd 0 "$f unpacks" "$U" "$T/$f" "$T/out-$f"
	is "$(listing "$T/out-$f")" "$(listing "$T/ref")" "$f: same tree as tar -xf (content, types, mtimes, links)"
done
is "$OUT" "ok 15 300030" "the helper reports entries and bytes"
# modes: exact, with no umask in them (tar -p as the reference)
is "$(umask 077; "$U" "$T/a.tar.gz" "$T/um" >/dev/null; modes "$T/um")" "$(modes "$T/ref")" \
	"modes are the archive's, whatever the umask"
is "$(stat -c %i "$T/out-a.tar/pkg-1.0/share/doc/README")" \
	"$(stat -c %i "$T/out-a.tar/pkg-1.0/share/doc/README.hard")" "hardlinks stay hardlinks"

# setuid/setgid/sticky are stripped
mkdir -p "$T/suid/d" && printf x >"$T/suid/s" && chmod 6755 "$T/suid/s" && chmod 1777 "$T/suid/d"
tar -C "$T/suid" -czf "$T/suid.tgz" s d
run_cmd 0 "an archive with setuid/sticky modes unpacks" "$U" "$T/suid.tgz" "$T/out-suid"
is "$(stat -c %a "$T/out-suid/s" "$T/out-suid/d" | tr '\n' ' ')" "755 777 " \
	"setuid, setgid and sticky bits are stripped"

# sparse members come out with the same bytes (holes read as zeros)
mkdir "$T/sp" && printf head >"$T/sp/f" && truncate -s 5M "$T/sp/f" && printf tail >>"$T/sp/f" &&
	truncate -s 8M "$T/sp/f"
tar -C "$T/sp" -S -czf "$T/sparse.tgz" f
"$U" "$T/sparse.tgz" "$T/out-sp" >/dev/null 2>&1 && cmp -s "$T/sp/f" "$T/out-sp/f"
ok $? "a sparse tar member unpacks to the same bytes"

# corrupt and oversized input
head -c 200000 "$T/a.tar.xz" >"$T/trunc.tar.xz"
run_cmd 1 "a truncated tar.xz is refused" "$U" "$T/trunc.tar.xz" "$T/trunc"
is "$ERR" "error EBADMSG: corrupt archive: xz data is truncated" "as truncated"

# .crate: a tar.gz with one top directory, --strip 1
run_cmd 0 ".crate with --strip 1" "$U" "$T/a.tar.gz" "$T/crate" --strip 1
is "$(listing "$T/crate")" "$(listing "$T/ref/pkg-1.0")" "--strip 1 drops the top directory"
run_cmd 0 "--subdir keeps one subtree as the root" "$U" "$T/a.tar.xz" "$T/sub" --subdir pkg-1.0/lib
is "$(listing "$T/sub")" "$(listing "$T/ref/pkg-1.0/lib")" "--subdir makes that directory the root"

# input on a pipe (no seeking)
cat "$T/a.tar.zst" | "$U" - "$T/pipe" >"$T/o" 2>&1
is "$(cat "$T/o")" "ok 15 300030" "a tar.zst on a pipe unpacks"

# .deb: ar wrapping data.tar.{gz,xz,zst,bz2,}
python3 - "$T" <<'PY'
import os, sys
T = sys.argv[1]
def member(name, data):
    h = b"%-16s%-12d%-6d%-6d%-8s%-10d`\n" % (name.encode(), 0, 0, 0, b"100644", len(data))
    return h + data + (b"\n" if len(data) % 2 else b"")
for ext in ["gz", "xz", "zst", "bz2", ""]:
    src = os.path.join(T, "a.tar" + ("." + ext if ext else ""))
    data = open(src, "rb").read()
    deb = (b"!<arch>\n" + member("debian-binary", b"2.0\n")
           + member("control.tar.xz", open(os.path.join(T, "a.tar.xz"), "rb").read())
           + member("data.tar" + ("." + ext if ext else ""), data))
    open(os.path.join(T, "pkg-%s.deb" % (ext or "plain")), "wb").write(deb)
open(os.path.join(T, "nodata.deb"), "wb").write(b"!<arch>\n" + member("debian-binary", b"2.0\n"))
PY
for x in gz xz zst bz2 plain; do
	"$U" "$T/pkg-$x.deb" "$T/deb-$x" >/dev/null 2>"$T/e" && [ "$(listing "$T/deb-$x")" = "$(listing "$T/ref")" ]
	ok $? ".deb with data.tar${x#plain}: only data.tar is extracted, same tree"
done
run_cmd 1 "an ar without data.tar is refused" "$U" "$T/nodata.deb" "$T/nodata"
is "$ERR" "error EBADMSG: ar archive without a 'data.tar' member (not a .deb)" "and says why"

# zip: a wheel-like archive, with and without data descriptors
python3 - "$T" <<'PY'
import os, sys, zipfile, stat
T = sys.argv[1]
def add(z, name, data, mode):
    zi = zipfile.ZipInfo(name, (2024, 1, 2, 3, 4, 6))
    zi.create_system = 3
    zi.external_attr = (stat.S_IFREG | mode) << 16
    zi.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(zi, data)
with zipfile.ZipFile(os.path.join(T, "w.whl"), "w") as z:
    add(z, "demo/__init__.py", b"x = 1\n", 0o644)
    add(z, "demo/_ext.so", b"\x7fELF" + bytes(5000), 0o755)
    add(z, "demo-1.0.dist-info/RECORD", b"", 0o644)
    zi = zipfile.ZipInfo("p", (2024, 1, 2, 3, 4, 6)); zi.create_system = 3
    zi.external_attr = (stat.S_IFIFO | 0o644) << 16
    z.writestr(zi, b"")
# data descriptors: zipfile writes them when the output cannot seek
class NoSeek:
    def __init__(s, f): s.f = f
    def write(s, b): return s.f.write(b)
    def flush(s): pass
    def tell(s): raise OSError
    def seek(s, *a): raise OSError
with open(os.path.join(T, "dd.zip"), "wb") as f:
    with zipfile.ZipFile(NoSeek(f), "w") as z:
        for i in range(3):
            with z.open(zipfile.ZipInfo("f%d" % i, (2024, 1, 2, 3, 4, 6)), "w") as w:
                w.write(b"%d\n" % i * 1000)
PY
run_cmd 0 "a wheel (zip) unpacks" "$U" "$T/w.whl" "$T/whl"
is "$(stat -c '%a %s %Y' "$T/whl/demo/_ext.so")" "755 5004 $(TZ=UTC date -d '2024-01-02 03:04:06' +%s)" \
	"zip: mode from the external attributes, size and mtime kept"
is "$(stat -c %F "$T/whl/p")" "regular empty file" "a zip 'fifo' entry never becomes a fifo"
run_cmd 0 "a zip with data descriptors unpacks from a file" "$U" "$T/dd.zip" "$T/dd"
is "$(cat "$T/dd/f2" | wc -c | tr -d ' ')" 2000 "its data is all there"
(cd "$T/src" && python3 -c '
import os, stat, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    for root, dirs, files in os.walk("pkg-1.0"):
        for n in sorted(files):
            p = os.path.join(root, n)
            zi = zipfile.ZipInfo.from_file(p)
            zi.create_system = 3
            if os.path.islink(p):
                zi.external_attr = (stat.S_IFLNK | 0o777) << 16
                z.writestr(zi, os.readlink(p))
            else:
                z.writestr(zi, open(p, "rb").read())
' "$T/tree.zip")
python3 -c '
import io, sys, tarfile, zipfile
n = "caf\u00e9/na\u00efve.txt"
with zipfile.ZipFile(sys.argv[1] + "/u.zip", "w") as z:
    z.writestr(n, b"abc")
with tarfile.open(sys.argv[1] + "/u.tar", "w", format=tarfile.PAX_FORMAT) as t:
    ti = tarfile.TarInfo(n); ti.size = 3; t.addfile(ti, io.BytesIO(b"abc"))
' "$T"
"$U" "$T/u.zip" "$T/uz" >/dev/null 2>&1 && "$U" "$T/u.tar" "$T/ut" >/dev/null 2>&1
is "$(cat "$T/uz/$(printf 'caf\303\251/na\303\257ve.txt')" "$T/ut/$(printf 'caf\303\251/na\303\257ve.txt')")" \
	abcabc "UTF-8 names (zip flag, pax) come out as their bytes under LC_ALL=C"
cat "$T/tree.zip" | "$U" - "$T/zpipe" >"$T/o" 2>&1
is "$(cat "$T/o")" "ok 6 300037" "a zip on a pipe unpacks"
is "$(stat -c '%a %N' "$T/zpipe/pkg-1.0/bin/tool" "$T/zpipe/pkg-1.0/bin/python3" | tr '\n' ' ')" \
	"755 '$T/zpipe/pkg-1.0/bin/tool' 777 '$T/zpipe/pkg-1.0/bin/python3' -> '/usr/bin/python3.11' " \
	"a zip on a pipe keeps modes and symlinks (read through its central directory)"
cat "$T/tree.zip" | "$U" - "$T/zbig" --max-bytes 100K >/dev/null 2>"$T/e"
like "$(cat "$T/e")" "^error EFBIG: zip archive on a pipe larger than 102400 bytes" \
	"a zip on a pipe is copied to memory only up to --max-bytes"

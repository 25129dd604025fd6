#!/usr/bin/env python3
"""mkevil.py - generate the hostile-archive corpus for the unpacker's tests.

    mkevil.py OUTDIR CANARY

Writes each attack in each form that can express it -- NAME.tar.gz (tar
through gzip), NAME.zip, NAME.deb (ar with debian-binary, control.tar.gz
and data.tar.xz wrapping the tar) -- into OUTDIR, plus OUTDIR/expect.tsv:
one line per archive, "FILE<TAB>ERRNO<TAB>REGEX", the error pw-unpack must
print.  CANARY is the absolute path of a directory beside the destination
(DEST and CANARY share a parent, so "../canary" from DEST is CANARY) that
holds a file "target" which no attack may change.

Test-only code: nothing here ships.  Zip cannot express hardlinks, so the
hardlink attacks exist as tar and .deb only; libarchive's zip reader reports
a fifo entry as a regular file (so no fifo can come out of a zip: t1101
checks that it becomes an empty regular file), so the fifo attack is tar and
.deb only too.
"""
import io
import lzma
import os
import stat
import sys
import tarfile
import time
import zipfile

MTIME = 1700000000


# -- entry descriptions -------------------------------------------------------
# ("file", name, data, mode) ("dir", name, mode) ("sym", name, target)
# ("hard", name, target) ("chr"|"blk"|"fifo", name)

def f(name, data=b"x\n", mode=0o644):
    return ("file", name, data, mode)


def d(name, mode=0o755):
    return ("dir", name, mode)


def sym(name, target):
    return ("sym", name, target)


def hard(name, target):
    return ("hard", name, target)


def attacks(canary):
    rel = "../" + os.path.basename(canary)
    big = b"\0" * (12 << 20)
    many = [f("m/%05d" % i, b"") for i in range(1100)]
    return [
        # name, entries, errno, regex, forms
        ("abs-path", [f(canary + "/abs")], "EPERM",
         r"entry '/.*/abs': absolute path", "tzd"),
        ("dotdot", [f(rel + "/dotdot")], "EPERM",
         r"entry '\.\./[^']*/dotdot': '\.\.' component leaves the destination", "tzd"),
        ("dotdot-inner", [d("a"), f("a/../../" + os.path.basename(canary) + "/x")],
         "EPERM", r"entry 'a/\.\./\.\./.*': '\.\.' component", "tzd"),
        ("symlink-rel-escape", [sym("link", rel), f("link/evil")], "EPERM",
         r"entry 'link/evil': parent 'link' is a symlink", "tzd"),
        ("symlink-abs-escape", [sym("link", canary), f("link/evil")], "EPERM",
         r"entry 'link/evil': parent 'link' is a symlink", "tzd"),
        ("symlink-deep-escape", [d("a"), d("a/b"), sym("a/b/c", canary),
                                 d("a/b/c/sub"), f("a/b/c/sub/evil")], "EPERM",
         r"entry 'a/b/c/sub/': parent 'a/b/c' is a symlink", "tzd"),
        ("symlink-dir-escape", [sym("link", canary), d("link")], "EPERM",
         r"entry 'link/': would replace the symlink 'link'", "tzd"),
        ("file-over-symlink", [sym("x", canary + "/target"), f("x", b"pwned\n")],
         "EPERM", r"entry 'x': would replace the symlink 'x'", "tzd"),
        ("symlink-over-symlink", [sym("x", "a"), sym("x", canary + "/target")],
         "EPERM", r"entry 'x': would replace the symlink 'x'", "tzd"),
        ("hardlink-over-symlink", [f("t"), sym("x", canary + "/target"), hard("x", "t")],
         "EPERM", r"entry 'x': would replace the symlink 'x'", "td"),
        ("duplicate-file", [f("a", b"one\n"), f("a", b"two\n")], "EPERM",
         r"entry 'a': duplicate entry: 'a' was already extracted", "tzd"),
        ("file-over-dir", [d("a"), f("a")], "EPERM",
         r"entry 'a': would replace the directory 'a'", "tzd"),
        ("hardlink-dotdot", [hard("h", rel + "/target")], "EPERM",
         r"entry 'h': hardlink target '\.\./.*/target': '\.\.' component", "td"),
        ("hardlink-abs", [hard("h", canary + "/target")], "EPERM",
         r"entry 'h': hardlink target '/.*/target': absolute path", "td"),
        ("hardlink-via-symlink", [sym("link", canary), hard("h", "link/target")], "EPERM",
         r"entry 'h': hardlink target 'link/target' is not an extracted file", "td"),
        ("hardlink-to-symlink", [sym("s", canary + "/target"), hard("h", "s")], "EPERM",
         r"entry 'h': hardlink target 's' is not an extracted regular file", "td"),
        ("hardlink-not-yet", [hard("h", "later"), f("later")], "EPERM",
         r"entry 'h': hardlink target 'later' is not an extracted", "td"),
        ("hardlink-then-write", [f("t"), hard("h", "t"), f("h", b"pwned\n")], "EPERM",
         r"entry 'h': duplicate entry", "td"),
        ("chardev", [("chr", "dev/null")], "EPERM",
         r"entry 'dev/null': character device not allowed", "tzd"),
        ("blockdev", [("blk", "dev/sda")], "EPERM",
         r"entry 'dev/sda': block device not allowed", "tzd"),
        ("fifo", [("fifo", "p")], "EPERM", r"entry 'p': fifo not allowed", "td"),
        ("too-many-entries", many, "E2BIG",
         r"entry 'm/01000': more than 1000 entries", "tzd"),
        ("bomb", [f("small"), f("bomb", big)], "EFBIG",
         r"entry 'bomb': unpacked size exceeds the limit of 4194304 bytes", "tzd"),
        ("long-component", [f("a/" + "n" * 300)], "ENAMETOOLONG",
         r"entry 'a/nnnn.*': path component longer than 255 bytes", "tzd"),
        ("long-path", [f("/".join(["d" * 200] * 21))], "ENAMETOOLONG",
         r"entry 'dd.*': path longer than 4095 bytes", "tzd"),
        ("control-chars", [f("ok"), f("a\nb/../../x")], "EPERM",
         r"entry 'a\\x0ab/\.\./\.\./x': '\.\.' component", "tzd"),
    ]


# -- writers ------------------------------------------------------------------

def tar_bytes(entries):
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode="w", format=tarfile.PAX_FORMAT) as t:
        for e in entries:
            ti = tarfile.TarInfo(e[1])
            ti.mtime = MTIME
            data = None
            if e[0] == "file":
                ti.type, ti.mode, ti.size, data = tarfile.REGTYPE, e[3], len(e[2]), e[2]
            elif e[0] == "dir":
                ti.type, ti.mode = tarfile.DIRTYPE, e[2]
            elif e[0] == "sym":
                ti.type, ti.linkname, ti.mode = tarfile.SYMTYPE, e[2], 0o777
            elif e[0] == "hard":
                ti.type, ti.linkname = tarfile.LNKTYPE, e[2]
            elif e[0] == "chr":
                ti.type, ti.devmajor, ti.devminor = tarfile.CHRTYPE, 1, 3
            elif e[0] == "blk":
                ti.type, ti.devmajor, ti.devminor = tarfile.BLKTYPE, 8, 0
            elif e[0] == "fifo":
                ti.type = tarfile.FIFOTYPE
            t.addfile(ti, io.BytesIO(data) if data is not None else None)
    return bio.getvalue()


def zip_bytes(entries):
    bio = io.BytesIO()
    kinds = {"file": stat.S_IFREG, "dir": stat.S_IFDIR, "sym": stat.S_IFLNK,
             "chr": stat.S_IFCHR, "blk": stat.S_IFBLK, "fifo": stat.S_IFIFO}
    with zipfile.ZipFile(bio, "w", zipfile.ZIP_DEFLATED) as z:
        for e in entries:
            name = e[1] + ("/" if e[0] == "dir" else "")
            zi = zipfile.ZipInfo(name, time.gmtime(MTIME)[:6])
            zi.create_system = 3  # Unix: external attributes carry st_mode
            if e[0] == "file":
                mode, data = e[3], e[2]
            elif e[0] == "dir":
                mode, data = e[2], b""
            elif e[0] == "sym":
                mode, data = 0o777, e[2].encode()
            else:
                mode, data = 0o644, b""
            zi.external_attr = (kinds[e[0]] | mode) << 16
            zi.compress_type = zipfile.ZIP_DEFLATED
            # zipfile warns about duplicates; duplicates are the point here
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                z.writestr(zi, data)
    return bio.getvalue()


def ar_member(name, data):
    hdr = b"%-16s%-12d%-6d%-6d%-8s%-10d`\n" % (name.encode(), MTIME, 0, 0, b"100644", len(data))
    assert len(hdr) == 60
    return hdr + data + (b"\n" if len(data) % 2 else b"")


def deb_bytes(data_tar_xz):
    control = tar_bytes([f("./control", b"Package: evil\nVersion: 1\nArchitecture: all\n")])
    return (b"!<arch>\n" + ar_member("debian-binary", b"2.0\n")
            + ar_member("control.tar.xz", lzma.compress(control, format=lzma.FORMAT_XZ))
            + ar_member("data.tar.xz", data_tar_xz))


def gz(data):
    import gzip
    return gzip.compress(data, mtime=0)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: mkevil.py OUTDIR CANARY")
    out, canary = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    lines = []
    for name, entries, errno, rx, forms in attacks(canary):
        tar = tar_bytes(entries)
        blobs = []
        if "t" in forms:
            blobs.append((name + ".tar.gz", gz(tar)))
        if "z" in forms:
            blobs.append((name + ".zip", zip_bytes(entries)))
        if "d" in forms:
            blobs.append((name + ".deb",
                          deb_bytes(lzma.compress(tar, format=lzma.FORMAT_XZ))))
        for fn, blob in blobs:
            with open(os.path.join(out, fn), "wb") as fh:
                fh.write(blob)
            lines.append("%s\t%s\t%s\n" % (fn, errno, rx))
    with open(os.path.join(out, "expect.tsv"), "w") as fh:
        fh.writelines(lines)


if __name__ == "__main__":
    main()

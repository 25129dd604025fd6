#!/bin/sh
# OCI layers applied into one tree (pw_oci_apply through the pw-oci-apply
# helper): gzip, zstd and plain layers; whiteouts, an opaque whiteout that
# comes after the same layer's entries, hard links within and across
# layers, replacements of files by directories and back, device nodes and
# fifos skipped, setuid dropped; the resulting tree checked exactly.  Then
# hostile layers, a diff_id mismatch, tampered compressed data and bad
# configs: each a clear error and nothing left in the destination.
. "$SRCDIR/tests/lib.sh"
A="$SRCDIR/$BUILD/tests/helpers/pw-oci-apply"
MK="$SRCDIR/tests/helpers/mkoci.py"
[ -x "$A" ] || skip_all "pw-oci-apply helper not built"
command -v zstd >/dev/null || skip_all "zstd is not installed"
plan 42

python3 "$MK" build "$T/img" layers || skip_all "could not assemble the test image"
I="$T/img"
run_cmd 0 "three layers apply" "$A" "$I/config.json" "$T/out" "$I/layer1" "$I/layer2" "$I/layer3"
is "$OUT" "ok 34 104 7 3" "34 entries written, 104 bytes, 7 whiteouts, 3 nodes skipped"
python3 "$MK" list "$T/out" >"$T/list"
cat >"$T/want" <<'LIST'
bin d 755
bin/su f 755 su\n
c f 644 c3\n
dev d 755
etc d 755
etc/a f 644 a3\n
lib d 755
lib/h2 f 644 a1\n
opt d 755
opt/d d 755
opt/d/f3 f 644 f3\n
opt/d/sub d 755
opt/d/sub/s2 f 644 s2\n
rep1 f 644 now a file\n
rep2 d 750
rep2/child f 644 child\n
ro d 555
ro/file f 444 ro\n
ro/new f 644 new\n
run d 755
sym d 755
sym/inside f 644 inside\n
usr d 755
usr/bin d 755
usr/bin/h1 f 644 a1\n
usr/bin/py f 644 no longer a link\n
usr/bin/python3 f 755 #!py\n
link lib/h2 usr/bin/h1
LIST
run_cmd 0 "the tree is exactly the overlay of the three layers" diff -u "$T/want" "$T/list"
[ -n "$OUT" ] && diag "$OUT"
run_cmd 1 "no whiteout file was written" sh -c "find '$T/out' -name '.wh.*' | grep ."
is "$(stat -c %Y "$T/out/etc" "$T/out/opt" "$T/out/etc/a" | tr '\n' ' ')" "1700000000 0 1700000000 " \
	"mtimes: from the layer, 0 for implicit directories"
is "$(stat -c %u "$T/out/etc/a")" "$(id -u)" "files are owned by the caller"

# The same image twice gives the same tree.
run_cmd 0 "applying again" "$A" "$I/config.json" "$T/out2" "$I/layer1" "$I/layer2" "$I/layer3"
python3 "$MK" list "$T/out2" >"$T/list2"
run_cmd 0 "same tree" cmp "$T/list" "$T/list2"

# Layers in the wrong order do not match the diff_ids (and nothing is left).
run_cmd 1 "layers out of order" "$A" "$I/config.json" "$T/o1" "$I/layer2" "$I/layer1" "$I/layer3"
like "$ERR" "^error (EBADMSG|EPERM): layer 1 of 3 \('layer2'\): " "the first layer is named"
is "$(ls -A "$T/o1")" "" "nothing left"
run_cmd 1 "too few layers" "$A" "$I/config.json" "$T/o2" "$I/layer1" "$I/layer2"
is "$ERR" "error EINVAL: the image has 2 layers but its config lists 3 diff_ids" "count checked"

# Tampered data: zstd, gzip, plain.
for n in 1 2 3; do
	rm -rf "$T/bad" && cp -r "$I" "$T/bad" && python3 "$MK" tamper "$T/bad/layer$n"
	run_cmd 1 "tampered layer $n refused" "$A" "$T/bad/config.json" "$T/ot$n" \
		"$T/bad/layer1" "$T/bad/layer2" "$T/bad/layer3"
	like "$ERR" "^error EBADMSG: layer $n of 3 \('layer$n'\): (corrupt archive|uncompressed layer has sha256:[0-9a-f]{64}, the config's diff_id is sha256:[0-9a-f]{64})" \
		"layer $n: corrupt or not its diff_id"
	is "$(ls -A "$T/ot$n")" "" "layer $n: nothing left"
done

# Hostile layers (over a good base): each refused with EPERM, nothing left.
hostile() { # hostile SCENARIO MESSAGE
	python3 "$MK" build "$T/h-$1" "$1"
	run_cmd 1 "$1: refused" "$A" "$T/h-$1/config.json" "$T/oh-$1" "$T/h-$1/layer1" "$T/h-$1/layer2"
	is "$ERR|$(ls -A "$T/oh-$1")" "error EPERM: layer 2 of 2 ('layer2'): $2|" "$1: the error, and nothing left"
}
hostile traversal "entry '../escape': '..' component leaves the destination"
hostile wh-dotdot "entry 'etc/.wh...': whiteout of '..' is not a name in the directory"
hostile wh-symlink "entry 'sym/.wh.passwd': parent 'sym' is a symlink"
hostile entry-symlink "entry 'sym/passwd': parent 'sym' is a symlink"
hostile hardlink-out "entry 'etc/l': hardlink target '../../etc/passwd': '..' component leaves the destination"
hostile wh-as-dir "entry '.wh.x/y': whiteout '.wh.x' used as a directory"
hostile dup "entry 'z': duplicate entry: 'z' was already extracted"

# Configs.
run_cmd 0 "config read" "$A" --config "$I/config.json"
like "$OUT" "^os=linux
architecture=amd64
variant=\(none\)
workdir=/work
user=1000
env PATH=/opt/bin:/usr/bin:/bin
env AUDITWHEEL_PLAT=manylinux_2_28_x86_64
diff_id sha256:[0-9a-f]{64}
diff_id sha256:[0-9a-f]{64}
diff_id sha256:[0-9a-f]{64}$" "os, architecture, Env, WorkingDir, User, diff_ids"
printf '{"os": "linux", "architecture": "amd64", "rootfs": {"type": "layers", "diff_ids": ["sha256:12"]}}' >"$T/c1"
run_cmd 1 "short diff_id" "$A" --config "$T/c1"
is "$ERR" "error EINVAL: image config '$T/c1': field 'rootfs.diff_ids[0]': expected \"sha256:<64 lowercase hex>\"" "names the field"
printf '{"os": "linux", "architecture": "amd64", "config": {"Env": ["A=1", 2]}, "rootfs": {"type": "layers", "diff_ids": []}}' >"$T/c2"
run_cmd 1 "Env of the wrong type" "$A" --config "$T/c2"
is "$ERR" "error EINVAL: image config '$T/c2': field 'config.Env[1]': expected a string \"NAME=VALUE\"" "names the entry"

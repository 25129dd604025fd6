#!/bin/sh
# Trees: `store add --unpack` and `fetch` with "unpack" make a read-only tree
# addressed by (blob, options); concurrent makers produce one tree; a failed
# unpack leaves nothing; verify notices a damaged tree; gc keeps trees a
# lock references.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/helpers/fetchlib.sh"
plan 27
export PINWHEEL_RETRY_BASE_MS=5
start_httpd
S=$PINWHEEL_STORE
mkdir -p "$T/src/pkg/usr/lib" "$T/src/pkg/etc"
echo hello >"$T/src/pkg/usr/lib/x.txt"
ln -s x.txt "$T/src/pkg/usr/lib/link"
echo conf >"$T/src/pkg/etc/c"
tar -C "$T/src" -czf "$WWW/pkg.tgz" pkg
P=$(sha_of pkg.tgz)
PSIZE=$(stat -c %s "$WWW/pkg.tgz")

# the tree id is sha256("blob=<hex>;strip=N;subdir=P;v1"); a half-made tree
# of a killed process (read-only, under tmp/) is removed by the next maker
TID=$(printf 'blob=%s;strip=1;subdir=usr;v1' "$P" | sha256sum | cut -d' ' -f1)
mkdir -p "$S/tmp/tree-$TID.KiLLed/lib" && chmod 555 "$S/tmp/tree-$TID.KiLLed/lib" "$S/tmp/tree-$TID.KiLLed"
run_pw 0 "store add --unpack --strip 1 --subdir usr" store add "$WWW/pkg.tgz" --sha256 "$P" --unpack --strip 1 --subdir usr
TREE=$OUT
is "$TREE" "$S/trees/$TID" "prints the tree path, named by the tree id"
is "$(count_files "$S/tmp")" 0 "the stale half-made tree is gone"
is "$(cat "$TREE/lib/x.txt")" hello "the tree holds the subdir's content"
is "$(readlink "$TREE/lib/link")" x.txt "symlinks are kept"
ok $([ ! -e "$TREE/etc" ] && echo 0 || echo 1) "entries outside the subdir are left out"
is "$(stat -c %a "$TREE" "$TREE/lib" "$TREE/lib/x.txt" | tr '\n' ' ')" "555 555 444 " "the tree is read-only"
run_pw 0 "the same add again" store add "$WWW/pkg.tgz" --sha256 "$P" --unpack --strip 1 --subdir usr --json
like "$OUT" "\"cached\":true,\"event\":\"add\",\"kind\":\"tree\",\"path\":\"$TREE\"" "finds the same tree, cached"
run_pw 0 "other options make another tree" store add "$WWW/pkg.tgz" --sha256 "$P" --unpack
TREE2=$OUT
ok $([ "$TREE2" != "$TREE" ] && [ -f "$TREE2/pkg/etc/c" ] && echo 0 || echo 1) "a tree per (blob, options)"
run_pw 0 "store ls lists the trees" store ls
like "$OUT" "tree +6 [0-9a-f]{64} blob=$P strip=1;subdir=usr" "a tree line has size, id, blob and options"
run_pw 0 "store verify: all sound" store verify
like "$ERR" "verified 3 entries: 0 damaged" "one blob, two trees"

# a damaged tree
chmod u+w "$TREE/lib" "$TREE/lib/x.txt"; echo tampered >"$TREE/lib/x.txt"
run_pw 1 "store verify names a damaged tree" store verify
like "$ERR" "damaged: tree ${TREE##*/}: content digest [0-9a-f]{64}, recorded [0-9a-f]{64}" "says the digest differs"

# gc: a lock with unpack {strip 1, subdir usr} keeps that tree, not the other
cat >"$T/keep.lock" <<EOT
{"version": 1, "artifacts": [{"name": "pkg", "urls": ["https://mirror.example/pkg.tgz"],
  "sha256": "$P", "size": $PSIZE, "unpack": {"strip": 1, "subdir": "usr"}}]}
EOT
run_pw 0 "store gc keeps the referenced tree" store gc --keep "$T/keep.lock"
ok $([ -d "$TREE" ] && [ ! -e "$TREE2" ] && [ ! -e "$TREE2.json" ] && echo 0 || echo 1) "the other tree and its record are gone"
clear_store

# a blob that is not an archive: no tree, no temp dir
mkblob junk 1000
run_pw 1 "unpacking a non-archive fails" store add "$WWW/junk" --sha256 "$SHA" --unpack
like "$ERR" "could not unpack blob $SHA" "names the blob"
is "$(count_files "$S/trees")$(count_files "$S/tmp")" 00 "no tree, no temp dir"

# four concurrent adds of one tree, from a URL
pids=""
for i in 1 2 3 4; do
	"$PINWHEEL" store add "$BASE/slow/pkg.tgz" --sha256 "$P" --unpack --strip 1 >"$T/o.$i" 2>"$T/e.$i" &
	pids="$pids $!"
done
st=""
for p in $pids; do wait "$p"; st="$st$?"; done
is "$st" 0000 "four concurrent add --unpack succeed"
is "$(cat "$T"/o.* | sort -u | wc -l | tr -d ' ')" 1 "all print the same tree"
is "$(count_files "$S/trees")$(count_files "$S/tmp")" 20 "one tree and its record, no temp files"

# fetch with unpack
clear_store
mkdir -p "$T/p"
cat >"$T/p/pinwheel.lock" <<EOT
{"version": 1, "artifacts": [{"name": "pkg", "kind": "archive", "urls": ["$BASE/ok/pkg.tgz"],
  "sha256": "$P", "size": $PSIZE, "unpack": {"strip": 1}}]}
EOT
run_pw 0 "fetch makes the tree of an artifact with unpack" --json fetch "$T/p"
like "$OUT" "\"path\":\"$S/trees/[0-9a-f]{64}\"" "the event gives the tree path"

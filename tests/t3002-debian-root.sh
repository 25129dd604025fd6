#!/bin/sh
# Debian roots: fetch the pinned .debs into the store and merge them into one
# tree with the fix-ups (merged /usr, /bin/sh, cc/c++/awk, passwd); mirror
# choice from an apt configuration; unverified indexes only when allowed;
# a mirror that is down; a .deb whose bytes do not match its pin.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/helpers/debrepo.sh"
plan 30

STORE="$T/store"
run_cmd 0 "build the root of app" "$DRV" root --store "$STORE" --suite pwtest --arch amd64 \
	--mirror "$MIRROR" --keyring "$KEYRING" app
R=${OUT:-$T/no-root}
case "$R" in "$STORE"/trees/*) ok 0 "root is a store tree" ;; *) ok 1 "root is a store tree"; diag "$R" ;; esac
is "$(readlink "$R/bin")" "usr/bin" "/bin -> usr/bin"
is "$(readlink "$R/sbin")" "usr/sbin" "/sbin -> usr/sbin (a shipped link is replaced by the fix-up)"
is "$(readlink "$R/lib")" "usr/lib" "/lib -> usr/lib"
is "$(readlink "$R/lib64")" "usr/lib64" "/lib64 -> usr/lib64"
is "$(cat "$R/usr/bin/tool")" "#!/bin/sh
echo tool" "a file shipped in /bin lands in /usr/bin"
is "$(readlink "$R/lib64/ld-linux-x86-64.so.2")" "/lib/x86_64-linux-gnu/libc.so.6" "ELF interpreter link kept"
is "$(cat "$R/usr/lib/x86_64-linux-gnu/libc.so.6")" "libc" "a file shipped in /lib lands in /usr/lib"
is "$(readlink "$R/usr/bin/sh")" "dash" "/bin/sh -> dash"
is "$(readlink "$R/usr/bin/cc")" "gcc" "cc -> gcc"
is "$(readlink "$R/usr/bin/c++")" "g++" "c++ -> g++"
is "$(readlink "$R/usr/bin/awk")" "mawk" "awk -> mawk"
is "$(cat "$R/usr/bin/cpp")" "cpp" "the highest cpp was unpacked"
like "$(head -1 "$R/etc/passwd")" "^root:x:0:0:" "/etc/passwd has root"
[ -d "$R/tmp" ] && [ -d "$R/proc" ] && [ -d "$R/dev" ]; ok $? "mount points exist"
is "$(cat "$R/etc/ssl/certs/ca-certificates.crt")" "certA
certB" "the CA bundle is made from the shipped .crt files in sorted order (update-ca-certificates)"
is "$(stat -c %a "$R/usr/bin")" "555" "the root is read-only"
run_cmd 0 "same root again" "$DRV" root --store "$STORE" --suite pwtest --arch amd64 \
	--mirror "$MIRROR" --keyring "$KEYRING" app
is "$OUT" "$R" "cached: same tree"
run_pw 0 "store verify accepts the root" --store "$STORE" store verify
like "$OUT $ERR" "verified [0-9]+ entries: 0 damaged" "root tree digest matches its record"

# Mirror from an apt configuration under a fake root.
mkdir -p "$T/apt/etc/apt/sources.list.d"
cat >"$T/apt/etc/apt/sources.list" <<LIST
# comment
deb [arch=arm64] http://127.0.0.1:1/nowhere pwtest main
LIST
cat >"$T/apt/etc/apt/sources.list.d/test.sources" <<SRC
Types: deb
URIs: $MIRROR/
Suites: pwtest
Components: main
Signed-By: $KEYRING
SRC
run_cmd 0 "mirror from apt sources" "$DRV" lock --apt-root "$T/apt" --suite pwtest --arch amd64 libfoo
like "$OUT" "^# mirror $MIRROR verified-by $KEYRING" "deb822 source picked (arch-restricted line skipped), Signed-By used"

# Without a keyring: refused unless allowed.
run_cmd 0 "unverified when allowed" "$DRV" lock --suite pwtest --arch amd64 --mirror "$MIRROR" \
	--keyring "$T/none.gpg" --allow-unverified libfoo
like "$OUT" "verified-by -" "marked unverified"

# A mirror that is down: a port nobody listens on.
run_cmd 1 "mirror down" "$DRV" lock --suite pwtest --arch amd64 --mirror "http://127.0.0.1:1/x" \
	--keyring "$KEYRING" libfoo
like "$ERR" "^pw-debian: mirror down: 'http://127.0.0.1:1/x/dists/pwtest/InRelease': " "mirror down: one line"

# A .deb replaced on the mirror after the index was signed.
cp -R "$T/www/good" "$T/www/baddeb"
printf 'X' >>"$T/www/baddeb/pool/main/libfoo_2.0~rc2-1_amd64.deb"
run_cmd 1 "tampered .deb" "$DRV" root --store "$T/store2" --no-required --suite pwtest --arch amd64 \
	--mirror "http://127.0.0.1:$PORT/baddeb" --keyring "$KEYRING" libfoo
like "$ERR" "libfoo.*(sha256|size) mismatch|more than the pinned" "tampered .deb: digest mismatch"

#!/bin/sh
# The Debian provider against a generated, signed repository on loopback:
# resolution rules (versions, alternatives, virtual and versioned Provides,
# :any, Essential/required set), and each failure as one clear line.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/helpers/debrepo.sh"
plan 33

lock() { run_cmd "$@"; }

lock 0 "lock app" "$DRV" lock --suite pwtest --arch amd64 --mirror "$MIRROR" --keyring "$KEYRING" app
names=$(printf '%s\n' "$OUT" | awk '!/^#/{printf "%s ", $1}')
is "$names" "app base base-files cpp dash fallback-mta g++ gcc libc6 libfoo mawk python3 realver " \
	"closure is sorted and complete"
like "$OUT" "verified-by $KEYRING" "InRelease verified with the given keyring"
like "$OUT" "^cpp 4:12.2.0-3 amd64 [0-9a-f]{64} [0-9]+ $MIRROR/pool/main/cpp_12.2.0-3_amd64.deb" \
	"highest version of cpp that satisfies (>= 4:12), with url, sha256, size"
like "$OUT" "^mawk " "virtual 'awk': first provider by name"
unlike "$OUT" "original-awk" "second provider not taken"
like "$OUT" "^fallback-mta " "alternative: first satisfiable one"
like "$OUT" "^realver " "versioned Provides satisfies (>= 3)"
unlike "$OUT" "armonly" "other architectures are not in the index"
OUT1=$OUT
lock 0 "lock again" "$DRV" lock --suite pwtest --arch amd64 --mirror "$MIRROR" --keyring "$KEYRING" app
is "$OUT" "$OUT1" "same inputs, same output"

# With a store, each Packages index the InRelease pins is kept as the blob
# of its sha256, and taken from there the next time the InRelease names it:
# a mirror that lost its indexes (same InRelease) still resolves.
IDX=$(sha256sum "$T/www/good/dists/pwtest/main/binary-amd64/Packages.xz" | cut -d' ' -f1)
lock 0 "lock with a store" "$DRV" lock --store "$T/ixstore" --suite pwtest --arch amd64 \
	--mirror "$MIRROR" --keyring "$KEYRING" app
is "$OUT" "$OUT1" "the same output with a store"
run_cmd 0 "the Packages index is in the store under its sha256" test -f "$T/ixstore/blobs/sha256/$IDX"
cp -R "$T/www/good" "$T/www/noindex"
rm -f "$T/www/noindex/dists/pwtest/main/binary-amd64/Packages"*
lock 1 "without the store, a mirror without indexes fails" "$DRV" lock --suite pwtest --arch amd64 \
	--mirror "http://127.0.0.1:$PORT/noindex" --keyring "$KEYRING" app
lock 0 "with it, the index comes from the store" "$DRV" lock --store "$T/ixstore" --suite pwtest \
	--arch amd64 --mirror "http://127.0.0.1:$PORT/noindex" --keyring "$KEYRING" app
is "$(printf '%s\n' "$OUT" | grep -v '^#')" "$(printf '%s\n' "$OUT1" | grep -v '^#' | sed "s|/good/|/noindex/|")" \
	"and resolves the same packages"

lock 0 "without the required set" "$DRV" lock --no-required --suite pwtest --arch amd64 \
	--mirror "$MIRROR" --keyring "$KEYRING" libfoo
is "$(printf '%s\n' "$OUT" | grep -vc '^#')" 1 "only the requested package"

lock 1 "unknown package" "$DRV" lock --suite pwtest --arch amd64 --mirror "$MIRROR" --keyring "$KEYRING" nope
is "$ERR" "pw-debian: unknown package 'nope' in pwtest/main amd64" "unknown package: one line"

lock 1 "unsatisfiable dependency" "$DRV" lock --suite pwtest --arch amd64 --mirror "$MIRROR" \
	--keyring "$KEYRING" broken
is "$ERR" "pw-debian: broken (requested) -> mid (>= 2) -> missing-lib (>= 1): no package 'missing-lib' in pwtest/main amd64" \
	"unsatisfiable: the chain"

lock 1 "version too low" "$DRV" lock --suite pwtest --arch amd64 --mirror "$MIRROR" --keyring "$KEYRING" badver
like "$ERR" "badver \(requested\) -> libfoo \(>= 3\): 'libfoo' has version 2.0~rc2-1, wanted 'libfoo \(>= 3\)'" \
	"versioned dependency failure names both versions"

lock 1 ":any needs Multi-Arch: allowed" "$DRV" lock --suite pwtest --arch amd64 --mirror "$MIRROR" \
	--keyring "$KEYRING" anyfail
like "$ERR" "notallowed:any: 'notallowed' \(Multi-Arch: no\) cannot satisfy" ":any failure explained"

# A Packages.xz changed after signing.
cp -R "$T/www/good" "$T/www/tampered"
printf 'junk' >>"$T/www/tampered/dists/pwtest/main/binary-amd64/Packages.xz"
lock 1 "tampered index" "$DRV" lock --suite pwtest --arch amd64 --mirror "http://127.0.0.1:$PORT/tampered" \
	--keyring "$KEYRING" app
like "$ERR" "^pw-debian: 'http://127.0.0.1:$PORT/tampered/dists/pwtest/main/binary-amd64/Packages.xz': (digest|size) mismatch" \
	"tampered index: digest mismatch"

# Signed by a key that is not in the keyring.
cp -R "$T/www/good" "$T/www/badsig"
sign "$T/www/badsig" other@mirror.example
lock 1 "wrong signer" "$DRV" lock --suite pwtest --arch amd64 --mirror "http://127.0.0.1:$PORT/badsig" \
	--keyring "$KEYRING" app
like "$ERR" "bad signature on 'http://127.0.0.1:$PORT/badsig/dists/pwtest/InRelease'" "bad signature"

lock 1 "no keyring" "$DRV" lock --suite pwtest --arch amd64 --mirror "$MIRROR" --keyring "$T/none.gpg" app
like "$ERR" "cannot verify .*keyring '$T/none.gpg' is not available" "missing keyring refused, said clearly"

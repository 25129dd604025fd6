#!/bin/sh
# An arm64 root: the index keeps arm64 and all packages only, the ELF
# interpreter lives in /lib (no /lib64 link), and the same fix-ups apply.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/helpers/debrepo.sh"
plan 11

cat >"$T/arm.json" <<'JSON'
{"suite": "pwtest", "arch": "arm64", "packages": [
 {"Package": "libc6", "Version": "2.36-9", "Architecture": "arm64", "Multi-Arch": "same",
  "Priority": "required", "files": {"lib/aarch64-linux-gnu/libc.so.6": "libc"},
  "links": {"lib/ld-linux-aarch64.so.1": "aarch64-linux-gnu/ld-linux-aarch64.so.1"}},
 {"Package": "libc6", "Version": "2.36-9", "Architecture": "amd64", "Multi-Arch": "same",
  "files": {"lib/x86_64-linux-gnu/libc.so.6": "wrong arch"}},
 {"Package": "dash", "Version": "0.5.12-2", "Architecture": "arm64", "Essential": "yes",
  "Priority": "required", "Depends": "libc6 (>= 2.34)", "files": {"bin/dash": "dash"}},
 {"Package": "gcc", "Version": "4:12.2.0-3", "Architecture": "arm64", "Depends": "libc6:arm64",
  "files": {"usr/bin/gcc": "gcc"}},
 {"Package": "tzdata", "Version": "2024a-0+deb12u1", "Architecture": "all", "Multi-Arch": "foreign",
  "files": {"usr/share/zoneinfo/UTC": "utc"}},
 {"Package": "x86only", "Version": "1", "Architecture": "amd64"}
]}
JSON
python3 "$SRCDIR/tests/helpers/debrepo.py" build "$T/www/arm" "$T/arm.json" ||
	skip_all "could not build the arm64 repository"
sign "$T/www/arm" test@mirror.example
ARM="http://127.0.0.1:$PORT/arm"

run_cmd 0 "lock gcc for arm64" "$DRV" lock --suite pwtest --arch arm64 --mirror "$ARM" --keyring "$KEYRING" gcc tzdata
is "$(printf '%s\n' "$OUT" | awk '!/^#/{printf "%s/%s ", $1, $3}')" "dash/arm64 gcc/arm64 libc6/arm64 tzdata/all " \
	"arm64 and all packages only, explicit :arm64 qualifier satisfied"
run_cmd 1 "an amd64-only package is unknown on arm64" "$DRV" lock --suite pwtest --arch arm64 --mirror "$ARM" \
	--keyring "$KEYRING" x86only
is "$ERR" "pw-debian: unknown package 'x86only' in pwtest/main arm64" "one line naming the architecture"
run_cmd 1 "architecture not in the suite" "$DRV" lock --suite pwtest --arch riscv64 --mirror "$ARM" \
	--keyring "$KEYRING" gcc
like "$ERR" "suite 'pwtest' on '$ARM' has no architecture 'riscv64'" "missing architecture: one line"

run_cmd 0 "build the arm64 root" "$DRV" root --store "$T/store" --suite pwtest --arch arm64 \
	--mirror "$ARM" --keyring "$KEYRING" gcc
R=${OUT:-$T/no-root}
is "$(readlink "$R/lib")" "usr/lib" "/lib -> usr/lib"
is "$(readlink "$R/usr/lib/ld-linux-aarch64.so.1")" "aarch64-linux-gnu/ld-linux-aarch64.so.1" \
	"ELF interpreter link moved into /usr/lib"
[ ! -e "$R/lib64" ] && [ ! -L "$R/lib64" ]; ok $? "no /lib64 on arm64"
is "$(readlink "$R/usr/bin/sh")" "dash" "/bin/sh -> dash on arm64 too"

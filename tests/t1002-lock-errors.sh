#!/bin/sh
# pinwheel.lock errors name file:line:col and what was expected (exit 2).
. "$SRCDIR/tests/lib.sh"
plan 17
mkdir -p "$T/p"
L="$T/p/pinwheel.lock"
H=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef

run_pw 2 "a missing lock file is a configuration error" fetch "$T/p"
is "$ERR" "pinwheel: fetch: no '$L': run 'pinwheel lock' first" "names the file and what to run"

cat >"$L" <<EOT
{
  "version": 1,
  "artifacts": [
    {"name": "a", "urls": ["https://mirror.example/a"], "sha256": "$H", "size": 1,
     "sha512": "x"}
  ]
}
EOT
run_pw 2 "an unknown key" fetch "$T/p"
is "$ERR" "pinwheel: fetch: $L:5:6: artifacts[0]: unknown key 'sha512' (expected name, kind, version, package, urls, sha256, size, unpack, needed_by or snapshot)" "names file:line:col and the key"

cat >"$L" <<EOT
{"version": 1, "artifacts": [
  {"name": "a", "urls": ["https://mirror.example/a"], "sha256": "$H", "size": 1},
  {"name": "b", "urls": ["https://mirror.example/b"], "size": 2}]}
EOT
run_pw 2 "a missing key" fetch "$T/p"
is "$ERR" "pinwheel: fetch: $L:3:3: artifacts[1]: missing 'sha256'" "names the object missing it"

cat >"$L" <<EOT
{"version": 1, "artifacts": [
  {"name": "a", "urls": ["ftp://mirror.example/a"], "sha256": "$H", "size": 1}]}
EOT
run_pw 2 "a url with another scheme" fetch "$T/p"
like "$ERR" "$L:2:17: artifacts\[0\]: 'urls\[0\]' must be an http://, https:// or file:// url" "names the url entry"

cat >"$L" <<EOT
{"version": 1, "artifacts": [
  {"name": "a", "urls": ["https://mirror.example/a"], "sha256": "$H", "size": 1,
   "unpack": {"strip": 1, "subdir": "../etc"}}]}
EOT
run_pw 2 "an unpack.subdir escaping the tree" fetch "$T/p"
like "$ERR" "$L:3:27: artifacts\[0\]: 'unpack.subdir' must be a relative path" "names the subdir"

echo '{"version": 2, "artifacts": []}' >"$L"
run_pw 2 "another version" fetch "$T/p"
is "$ERR" "pinwheel: fetch: $L:1:2: 'version' must be 1" "says which version is read"

printf '{"version": 1,\n "artifacts": [}\n' >"$L"
run_pw 2 "invalid json" fetch "$T/p"
like "$ERR" "^pinwheel: fetch: $L:2:16: " "jansson's line and column"

printf '{"version": 1, "version": 1, "artifacts": []}' >"$L"
run_pw 2 "a duplicate key" fetch "$T/p"
like "$ERR" "duplicate object key" "says the key is duplicated"

echo '{"version": 1, "artifacts": []}' >"$L"
run_pw 0 "an empty artifact list is fine" fetch "$T/p"

#!/bin/sh
# t5704-attest: `pinwheel attest sign` and `attest verify` on a release of
# the tiny project of t5701 (keys made here with openssl's CLI: fixtures
# only):
#   - sign with the evidence of `verify --against`: a DSSE envelope of an
#     in-toto Statement v1 (the subjects, the predicate type, the manifest
#     and the evidence), keyid the sha256 of the public key's DER
#   - verify with the wheel and the sdist, --require-rebuilt: exit 0
#   - a flipped byte in the payload, another key: exit 1, the exact line
#   - a file that is not a subject, a file whose digest differs: a line each
#   - signed without evidence, --require-rebuilt: the line; evidence of a
#     mismatch is refused at signing
#   - usage: no --key, a key that is not ed25519: exit 2
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/helpers/verify-tiny.sh"
command -v openssl >/dev/null || skip_all "openssl missing (the test makes its keys with it)"
plan 26
export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"

openssl genpkey -algorithm ed25519 -out "$T/k.pem" 2>/dev/null &&
	openssl pkey -in "$T/k.pem" -pubout -out "$T/k.pub" &&
	openssl genpkey -algorithm ed25519 -out "$T/k2.pem" 2>/dev/null &&
	openssl pkey -in "$T/k2.pem" -pubout -out "$T/k2.pub"
ok $? "two ed25519 key pairs"
KEYID=$(openssl pkey -in "$T/k.pem" -pubout -outform DER | sha256sum | cut -d' ' -f1)
KEYID2=$(openssl pkey -in "$T/k2.pem" -pubout -outform DER | sha256sum | cut -d' ' -f1)

make_base
P="$T/proj"
make_tiny "$P" "" "SHIP_ELF"
ok $? "the tiny project: locked and fetched"
"$PINWHEEL" build "$P" --out "$T/rel" >/dev/null 2>"$T/build.err"
ok $? "built the release"
W=$(ls "$T"/rel/*.whl)
M="$T/rel/pinwheel-manifest.json"
"$PINWHEEL" verify "$P" --against "$W" --manifest "$M" --report "$T/report.json" >/dev/null 2>&1
ok $? "verify --against wrote a matching report"

run_pw 0 "sign with the evidence" attest sign --key "$T/k.pem" --out "$T/env.json" --evidence "$T/report.json" "$M"
like "$ERR" "wrote '$T/env.json' \\(2 subjects, keyid ${KEYID%"${KEYID#????????????}"}, with rebuild evidence\\)" \
	"it says what it wrote"
python3 - "$T/env.json" "$M" "$T/report.json" >"$T/j" 2>&1 <<'PY'
import base64, json, sys
env = json.load(open(sys.argv[1]))
st = json.loads(base64.b64decode(env["payload"]))
m = json.load(open(sys.argv[2]))
print(env["payloadType"], len(env["signatures"]), len(base64.b64decode(env["signatures"][0]["sig"])))
print(st["_type"], st["predicateType"], st["subject"] == m["subject"],
      st["predicate"]["manifest"] == m, st["predicate"]["evidence"] == json.load(open(sys.argv[3])))
print(env["signatures"][0]["keyid"])
PY
is "$(cat "$T/j")" "application/vnd.in-toto+json 1 64
https://in-toto.io/Statement/v1 https://pinwheel.example/attestation/rebuilt/v1 True True True
$KEYID" "the envelope: DSSE around the in-toto statement, keyid of the public key"

run_pw 0 "verify: signature, both files, rebuilt and matched" \
	attest verify --pub "$T/k.pub" --require-rebuilt "$T/env.json" "$W" "$T/rel/tiny-1.0.0.tar.gz"
is "$OUT" "'$T/env.json': signed by keyid $KEYID; 2 files match its subjects; every wheel subject was rebuilt and matched" \
	"one line saying what was checked"

# a flipped byte in the payload
python3 - "$T/env.json" "$T/flipped.json" <<'PY'
import base64, json, sys
env = json.load(open(sys.argv[1]))
p = bytearray(base64.b64decode(env["payload"]))
i = p.index(b"tiny-1.0.0.tar.gz")
p[i] = ord("T")
env["payload"] = base64.b64encode(bytes(p)).decode()
json.dump(env, open(sys.argv[2], "w"))
PY
run_pw 1 "a flipped byte in the payload: exit 1" attest verify --pub "$T/k.pub" "$T/flipped.json"
is "$ERR" "pinwheel: attest verify: '$T/flipped.json': no signature verifies with the key in '$T/k.pub' (keyid $KEYID; the envelope names $KEYID)" \
	"the exact line"
run_pw 1 "another key: exit 1" attest verify --pub "$T/k2.pub" "$T/env.json" "$W"
is "$ERR" "pinwheel: attest verify: '$T/env.json': no signature verifies with the key in '$T/k2.pub' (keyid $KEYID2; the envelope names $KEYID)" \
	"the exact line, both keyids"

cp "$W" "$T/other.whl"
printf 'x' >>"$T/rel/tiny-1.0.0.tar.gz"
run_pw 1 "a file that is not a subject, a file that differs: exit 1" \
	attest verify --pub "$T/k.pub" "$T/env.json" "$W" "$T/other.whl" "$T/rel/tiny-1.0.0.tar.gz"
SD=$(sha256sum "$T/rel/tiny-1.0.0.tar.gz" | cut -d' ' -f1)
SDM=$(python3 -c 'import json,sys; print([s["digest"]["sha256"] for s in json.load(open(sys.argv[1]))["subject"] if s["name"].endswith(".tar.gz")][0])' "$M")
is "$ERR" "pinwheel: attest verify: '$T/other.whl': not a subject of '$T/env.json'
pinwheel: attest verify: '$T/rel/tiny-1.0.0.tar.gz': sha256 $SD, but its subject in '$T/env.json' has $SDM" \
	"one line each"
is "$OUT" "" "nothing on stdout"

run_pw 0 "sign without evidence, to stdout" attest sign --key "$T/k.pem" "$M"
printf '%s\n' "$OUT" >"$T/bare.json"
run_pw 0 "its signature and subjects verify" attest verify --pub "$T/k.pub" "$T/bare.json" "$W"
run_pw 1 "--require-rebuilt without evidence: exit 1" attest verify --pub "$T/k.pub" --require-rebuilt "$T/bare.json"
is "$ERR" "pinwheel: attest verify: '$T/bare.json': no rebuild evidence (signed without --evidence)" "the line"

python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
d["ok"] = False
d["wheels"][0]["status"] = "differs"
json.dump(d, open(sys.argv[2], "w"))' "$T/report.json" "$T/bad-report.json"
run_pw 1 "evidence of a mismatch is not signed: exit 1" \
	attest sign --key "$T/k.pem" --out "$T/no.json" --evidence "$T/bad-report.json" "$M"
is "$ERR" "pinwheel: attest sign: '$T/bad-report.json': not every published wheel matched its rebuild: no evidence to sign" \
	"the line"
[ ! -e "$T/no.json" ]
ok $? "nothing written"

run_pw 2 "no --key: exit 2" attest sign "$M"
run_pw 2 "a public key to sign with: exit 2" attest sign --key "$T/k.pub" "$M"
like "$ERR" "^pinwheel: attest sign: '$T/k.pub': expected an ed25519 private key in PEM \\(BEGIN PRIVATE KEY\\)$" \
	"the line names the file and what was expected"

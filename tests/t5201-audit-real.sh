#!/bin/sh
# t5201-audit-real: `pinwheel audit` on real wheels from the package index
# gives the same platform tag as `auditwheel show` (installed into a venv
# here) for every one (x86_64, i686, aarch64, armv7l, ppc64le, s390x);
# --json validates against its schema; the exit statuses of unreadable or
# damaged wheels and usage errors.
#
# The wheels and auditwheel's own wheels are downloaded with the host's pip
# once into $BUILD/test-cache (kept across runs); from an empty cache the
# test downloads them first.  Pinned versions, explicit platforms, so the
# answers do not move with the index or the host's Python.
. "$SRCDIR/tests/lib.sh"

AUDITWHEEL=auditwheel==6.8.2
# key  platform  python-version  abi  requirement
WHEELS="
numpy-x86_64 manylinux_2_28_x86_64 311 cp311 numpy==2.4.6
orjson-x86_64 manylinux2014_x86_64 311 cp311 orjson==3.13.0
orjson-aarch64 manylinux2014_aarch64 311 cp311 orjson==3.13.0
pydantic-core-x86_64 manylinux2014_x86_64 311 cp311 pydantic-core==2.50.5
pillow-x86_64 manylinux_2_28_x86_64 311 cp311 pillow==13.0.0
lxml-x86_64 manylinux_2_28_x86_64 311 cp311 lxml==6.1.3
cryptography-2_28-x86_64 manylinux_2_28_x86_64 311 abi3 cryptography==50.0.2
cryptography-2_34-x86_64 manylinux_2_34_x86_64 311 abi3 cryptography==50.0.2
markupsafe-manylinux1 manylinux1_x86_64 39 cp39 markupsafe==2.0.1
markupsafe-i686 manylinux1_i686 39 cp39 markupsafe==2.0.1
orjson-i686 manylinux2014_i686 311 cp311 orjson==3.13.0
orjson-armv7l manylinux2014_armv7l 311 cp311 orjson==3.13.0
pydantic-core-ppc64le manylinux2014_ppc64le 311 cp311 pydantic-core==2.50.5
pydantic-core-s390x manylinux2014_s390x 311 cp311 pydantic-core==2.50.5
"
NWHEELS=$(echo "$WHEELS" | grep -c .)

command -v python3 >/dev/null || skip_all "no python3"
PY=python3
$PY -c 'import jsonschema, venv' 2>/dev/null || PY=/usr/bin/python3
$PY -c 'import jsonschema, venv' 2>/dev/null || skip_all "python3 lacks jsonschema or venv"

# The cache: shared when writable (or already complete), else private.
CACHE="$SRCDIR/$BUILD/test-cache"
mkdir -p "$CACHE/wheels" 2>/dev/null
if ! [ -w "$CACHE/wheels" ]; then
	PRIV="$T/cache"
	mkdir -p "$PRIV/wheels"
	[ -d "$CACHE/wheels" ] && cp -R "$CACHE/." "$PRIV/" 2>/dev/null
	chmod -R u+w "$PRIV"
	CACHE=$PRIV
fi

fetch() { # KEY PLATFORM PYVER ABI REQ
	d="$CACHE/wheels/$1"
	ls "$d"/*.whl >/dev/null 2>&1 && return 0
	rm -rf "$d.tmp" && mkdir -p "$d.tmp" &&
		$PY -m pip download -q --disable-pip-version-check --only-binary :all: --no-deps \
			-d "$d.tmp" --platform "$2" --python-version "$3" --implementation cp \
			--abi "$4" "$5" >"$T/pip.log" 2>&1 &&
		rm -rf "$d" && mv "$d.tmp" "$d"
}

plan $((NWHEELS * 3 + 18))

st=0
echo "$WHEELS" | while read -r key plat pyv abi req; do
	[ -n "$key" ] || continue
	fetch "$key" "$plat" "$pyv" "$abi" "$req" || { cat "$T/pip.log" >&2; exit 1; }
done || st=1
ok $st "downloaded $NWHEELS wheels with pip (cached in \$BUILD/test-cache)"

st=0
if ! ls "$CACHE/auditwheel/"*.whl >/dev/null 2>&1; then
	rm -rf "$CACHE/auditwheel.tmp" &&
		$PY -m pip download -q --disable-pip-version-check --only-binary :all: \
			-d "$CACHE/auditwheel.tmp" "$AUDITWHEEL" >"$T/pip.log" 2>&1 &&
		rm -rf "$CACHE/auditwheel" && mv "$CACHE/auditwheel.tmp" "$CACHE/auditwheel" || st=1
fi
[ $st -eq 0 ] && { $PY -m venv "$T/venv" >"$T/venv.log" 2>&1 &&
	"$T/venv/bin/python" -m pip install -q --disable-pip-version-check --no-index \
		--find-links "$CACHE/auditwheel" "$AUDITWHEEL" >>"$T/venv.log" 2>&1 || st=1; }
ok $st "$AUDITWHEEL installed into a venv"
[ $st -eq 0 ] || diag "$(cat "$T/pip.log" "$T/venv.log" 2>/dev/null | tail -20)"

tags_of_auditwheel() { # WHEEL -> the tag of "consistent with the following platform tag"
	"$T/venv/bin/auditwheel" show "$1" 2>"$T/aw.err" | tr '\n' ' ' |
		sed -n 's/.*consistent with the following platform tag: *"\([^"]*\)".*/\1/p'
}

for key in $(echo "$WHEELS" | awk 'NF { print $1 }'); do
	w=$(ls "$CACHE/wheels/$key/"*.whl 2>/dev/null | head -1)
	base=$(basename "${w:-$key}")
	want=$(tags_of_auditwheel "$w")
	[ -n "$want" ] || diag "auditwheel show $base: $(tail -3 "$T/aw.err")"
	run_pw 0 "pinwheel audit $base exits 0" audit "$w"
	got=$(printf '%s\n' "$OUT" | sed -n '1s/^[^:]*: \([^ ]*\).*/\1/p')
	is "$got" "$want" "$key: pinwheel and auditwheel agree ($want)"
	pw audit --json "$w" >"$T/$key.json" 2>"$T/$key.err"
	jtag=$($PY -c 'import json, sys; print(json.load(open(sys.argv[1]))["wheels"][0]["platform"])' \
		"$T/$key.json" 2>/dev/null)
	is "$jtag" "$want" "$key: --json says the same"
done

# orjson's i686 wheel claims manylinux2014 but fits manylinux1 (both tools
# agree, above); big-endian s390x is read too.
w=$(ls "$CACHE/wheels/pydantic-core-s390x/"*.whl | head -1)
run_pw 0 "audit a big-endian wheel" audit --json "$w"
like "$OUT" '"arch": "s390x"' "its ELF members are s390x"

# The legacy alias and the reasons for a wheel below the best policy.
w=$(ls "$CACHE/wheels/orjson-x86_64/"*.whl | head -1)
run_pw 0 "audit orjson" audit "$w"
like "$OUT" "manylinux_2_17_x86_64 \\(alias manylinux2014_x86_64\\)" "the legacy alias is named"
like "$OUT" "not manylinux_2_5, manylinux_2_12: GLIBC_2.14 \\(libc.so.6\\)" \
	"policies with the same causes share a line, naming version and library"

# Every wheel at once, as one JSON document valid against the schema.
pw audit --json "$CACHE"/wheels/*/*.whl >"$T/all.json" 2>"$T/all.err"; st=$?
is "$st" 0 "audit --json of all wheels exits 0"
$PY - "$SRCDIR/profiles/schema/audit.schema.json" "$T/all.json" >"$T/schema.log" 2>&1 <<'EOF'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
jsonschema.validate(doc, schema)
assert len(doc["wheels"]) >= 14, len(doc["wheels"])
assert all(w["elfs"] for w in doc["wheels"])
EOF
ok $? "the --json document validates against profiles/schema/audit.schema.json"
[ -s "$T/schema.log" ] && diag "$(tail -5 "$T/schema.log")"

# A pure wheel, an unreadable one, usage errors.
mkdir -p "$T/pure/p-1.0.dist-info"
printf 'Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n' >"$T/pure/p-1.0.dist-info/WHEEL"
echo 'x = 1' >"$T/pure/p.py"
run_pw 0 "an unpacked pure wheel is audited" audit "$T/pure"
like "$OUT" "^pure: any" "a pure wheel's tag is any"
echo "not a zip" >"$T/bad-1.0-py3-none-any.whl"
run_pw 1 "an unreadable wheel exits 1" audit "$T/bad-1.0-py3-none-any.whl"
like "$ERR" "bad-1.0-py3-none-any.whl" "the error names the wheel"
run_pw 2 "no wheel: usage error" audit
run_pw 2 "a missing --policies directory is a usage error" audit --policies "$T/nope" "$T/pure"
like "$ERR" "nope" "the error names the directory"

# A damaged extension member: refused, naming the member.
$PY - "$w" "$T/dmg-1.0-cp311-cp311-manylinux_2_17_x86_64.whl" <<'EOF'
import shutil, struct, sys, zipfile
shutil.copy(sys.argv[1], sys.argv[2])
z = zipfile.ZipFile(sys.argv[2])
m = [i for i in z.infolist() if i.filename.endswith(".so")][0]
with open(sys.argv[2], "r+b") as f:
    f.seek(m.header_offset + 26)
    n, x = struct.unpack("<HH", f.read(4))
    at = m.header_offset + 30 + n + x + m.compress_size // 2
    f.seek(at)
    b = f.read(1)
    f.seek(at)
    f.write(bytes([b[0] ^ 0xff]))
EOF
run_pw 1 "a wheel with a damaged ELF member exits 1" audit "$T/dmg-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"
like "$ERR" "orjson/orjson.*\\.so.*(CRC-32|deflate)" "the error names the member and the damage"

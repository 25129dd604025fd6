#!/bin/sh
# Strings from outside reach the terminal escaped: ANSI CSI and OSC
# sequences, C1 controls and bidi overrides in wheel member names, archive
# member names, a lock's fields and an unknown command come out as \xNN in
# error lines, tables and reports, never as raw control bytes.  --json
# output carries them escaped by JSON.
. "$SRCDIR/tests/lib.sh"
command -v python3 >/dev/null || skip_all "python3 needed to write the fixtures"
plan 25

ESC=$(printf '\033')
# raw_ctl FILE: lines holding a control byte other than tab (ESC, BEL, CSI
# as C1, bidi override)
raw_ctl() { LC_ALL=C grep -c "$(printf '[\001-\010\013-\037\177]')\|$(printf '\302\233')\|$(printf '\342\200\256')" "$1"; }

# a wheel with hostile member names (a valid RECORD vouching for them)
python3 - "$T" <<'PY'
import base64, hashlib, sys, zipfile
t = sys.argv[1]
evil = "evil/\x1b]0;pwned\x07\x1b[2J\x9b31m\u202eexe.py"
files = {
    "evil/__init__.py": b"",
    evil: b"x = 1\n",
    "evil-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n",
    "evil-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: t\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
def wheel(dist, drop=None):
    fs = {n.replace("evil", dist): d for n, d in files.items()}
    rec = []
    for n, d in fs.items():
        if n == drop:
            continue
        h = base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode()
        rec.append("%s,sha256=%s,%d" % (n, h, len(d)))
    rec.append("%s-1.0.dist-info/RECORD,," % dist)
    fs["%s-1.0.dist-info/RECORD" % dist] = ("\n".join(rec) + "\n").encode()
    with zipfile.ZipFile("%s/%s-1.0-py3-none-any.whl" % (t, dist), "w") as z:
        for n, d in fs.items():
            z.writestr(n, d)
wheel("evil")
# the same wheel, the hostile member missing from RECORD
wheel("tampered", drop=evil.replace("evil", "tampered"))
# a tar whose member climbs out, its name full of escapes
import io, tarfile
with tarfile.open(t + "/evil.tar", "w") as tf:
    data = b"x"
    ti = tarfile.TarInfo("../\x1b[31mred\x1b]8;;http://x\x07")
    ti.size = len(data)
    tf.addfile(ti, io.BytesIO(data))
PY

# inspect: the member table
run_pw 0 "inspect lists the hostile member" inspect "$T/evil-1.0-py3-none-any.whl"
printf '%s\n' "$OUT" >"$T/out"
is "$(raw_ctl "$T/out")" "0" "inspect: no raw control byte on stdout"
like "$OUT" 'evil/\\x1b\]0;pwned\\x07\\x1b\[2J\\xc2\\x9b31m\\xe2\\x80\\xaeexe\.py' \
	"inspect: the member name is printed with \\xNN escapes"
run_pw 0 "inspect --json" --json inspect "$T/evil-1.0-py3-none-any.whl"
printf '%s\n' "$OUT" >"$T/out"
is "$(raw_ctl "$T/out")" "0" "inspect --json: no raw control byte"
like "$OUT" '\\u001[bB]\]0;pwned\\u0007\\u001[bB]\[2J\\u009b31m\\u202eexe\.py' "inspect --json: C0 escaped by JSON, C1 and the bidi override as \\u009b and \\u202e"

# audit and inspect of the tampered wheel: RECORD problems name the member
run_pw 1 "audit refuses the tampered wheel" audit "$T/tampered-1.0-py3-none-any.whl"
printf '%s\n%s\n' "$OUT" "$ERR" >"$T/out"
is "$(raw_ctl "$T/out")" "0" "audit: no raw control byte on stdout or stderr"
like "$OUT$ERR" 'tampered/\\x1b\]0;pwned' "audit: the member is named with escapes"
run_pw 1 "inspect reports the RECORD problem" inspect "$T/tampered-1.0-py3-none-any.whl"
printf '%s\n' "$OUT" >"$T/out"
is "$(raw_ctl "$T/out")" "0" "inspect of the tampered wheel: no raw control byte"
like "$OUT" 'record: 1 problem' "inspect: one RECORD problem"

# unpack: the error line names the climbing member
SHA=$(sha256sum "$T/evil.tar" | cut -d' ' -f1)
run_pw 1 "store add --unpack refuses a member outside the tree" store add "$T/evil.tar" --sha256 "$SHA" --unpack
printf '%s\n' "$ERR" >"$T/out"
is "$(raw_ctl "$T/out")" "0" "unpack error: no raw control byte"
like "$ERR" '\.\./\\x1b\[31mred\\x1b\]8;;http://x\\x07' "unpack error: the member name escaped"
is "$(printf '%s\n' "$ERR" | wc -l | tr -d ' ')" "1" "unpack error: one line"

# a lock whose field holds escapes: the error line
mkdir -p "$T/p"
printf '{"version": 1}\n' >"$T/p/pinwheel.json"
# (raw control bytes are not JSON; \u001b escapes decode to them)
printf '{"version": 1, "\\u001b[2Jkey\\u001b]0;x\\u0007": 1}\n' >"$T/p/pinwheel.lock"
run_pw 2 "fetch refuses the lock" fetch "$T/p" --offline
printf '%s\n' "$ERR" >"$T/out"
is "$(raw_ctl "$T/out")" "0" "lock error: no raw control byte"
like "$ERR" 'pinwheel\.lock.*\\x1b\[2Jkey\\x1b\]0;x\\x07' "lock error: names the lock and the key, escaped"

# command-line input echoed back
run_pw 2 "an unknown command with escapes" "$(printf 'x\033[2Jy')"
printf '%s\n' "$ERR" >"$T/out"
is "$(raw_ctl "$T/out")" "0" "unknown command: no raw control byte"
like "$ERR" "'x\\\\x1b\\[2Jy' is not a pinwheel command" "unknown command: escaped in the message"
run_pw 2 "a config whose target has escapes" plan "$(mkdir -p "$T/q" && printf '{"version": 1, "python": {"3.\\u001b]0;t\\u0007": {}}}\n' >"$T/q/pinwheel.json" && echo "$T/q")"
printf '%s\n' "$ERR" >"$T/out"
is "$(raw_ctl "$T/out")" "0" "config error: no raw control byte"
like "$ERR" '\\x1b\]0;t\\x07' "config error: the target named with escapes"

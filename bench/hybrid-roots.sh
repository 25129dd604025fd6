#!/bin/sh
# bench/hybrid-roots.sh - issue 4's acceptance (not part of make check):
# examples/hybrid's full cp311 root: the Debian base (as bench/roots-real.sh:
# apt's own signed bookworm index as a file:// mirror, .debs from
# `apt-get download`), then its build_requires locked by the ROOT's own pip
# in the sandbox (pip's own default configuration picks the index: pinwheel
# names none), fetched and installed as a pypi-install layer; then
# `run --target` imports numpy and Cython and runs rustc, with the root's
# PATH only.  Crates are left out (their registry would be fetched by
# pinwheel itself, not by an ecosystem client).
#
#   sudo sh bench/hybrid-roots.sh
#
# HTTPS from the root needs a CA bundle: a Debian root has none (nothing
# runs update-ca-certificates), so pip gets the caller's through PIP_CERT
# (pinwheel binds that file into the sandbox; default: the system bundle).
#
# Prints: base lock, cold lock with build_requires (pip resolution +
# downloads), cold fetch (base root + pypi-install), warm fetch, and the
# run's output.
set -eu
BENCH=bench/hybrid-roots.sh
. "$(dirname "$0")/debian-mirror.sh"
python3 - "$SRCDIR/examples/hybrid/pinwheel.json" "$W/proj/pinwheel.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[2]))
c["build_requires"] = json.load(open(sys.argv[1]))["build_requires"]
json.dump(c, open(sys.argv[2], "w"), indent=1)
PY
sync
export PIP_CERT="${PIP_CERT:-/etc/ssl/certs/ca-certificates.crt}"
t0=$(now); "$PW" -q --store "$S" lock "$W/proj"; t1=$(now)
echo "cold lock with build_requires (base root + pip):      $(el "$t0" "$t1") s"
python3 - "$W/proj/pinwheel.lock" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print("wheels:", " ".join("%s==%s" % (a["name"], a["version"]) for a in d["artifacts"] if a["kind"] == "wheel"))
for t, r in d["roots"].items():
    print(t, [(l["name"], l["how"], len(l["artifacts"])) for l in r["layers"]])
PY
t0=$(now); "$PW" -q --store "$S" fetch "$W/proj" >"$W/ids"; t1=$(now)
echo "cold fetch (pypi-install layer over the base):        $(el "$t0" "$t1") s   $(cat "$W/ids")"
t0=$(now); for i in 1 2 3 4 5; do "$PW" -q --store "$S" fetch "$W/proj" >/dev/null; done; t1=$(now)
echo "warm fetch (mean of 5):                               $(echo "($t1 - $t0) / 5" | bc -l | cut -c1-6) s"
T=cp311-manylinux_x86_64
t0=$(now)
"$PW" --store "$S" run --target "$T" "$W/proj" -- python3 -c 'import numpy, Cython; print(numpy.__version__, Cython.__version__)'
t1=$(now)
echo "run --target import numpy, Cython:                    $(el "$t0" "$t1") s"
"$PW" --store "$S" run --target "$T" "$W/proj" -- sh -c 'rustc -V; echo "PATH=$PATH"; command -v python3; command -v rustc'

# tests/helpers/ocilib.sh - helpers for the OCI tests: images assembled as
# OCI layouts (tests/helpers/ocilayout.py) and the loopback registry
# (tests/helpers/ociregistry.py).  Source after tests/lib.sh.

if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi

# mkimage DIR ARGS...: an OCI layout in DIR (ocilayout.py ARGS); sets
# INDEX, MANIFEST, CONFIG, LAYERS (digests "sha256:...").
mkimage() {
	_d=$1; shift
	set -- $("$PY" "$SRCDIR/tests/helpers/ocilayout.py" "$_d" "$@") || return 1
	INDEX=$1 MANIFEST=$2 CONFIG=$3; shift 3
	LAYERS="$*"
}

# start_registry LAYOUT: serve LAYOUT; sets RPORT, BPORT, REG
# ("127.0.0.1:RPORT"), CTL (the fault switch directory) and RLOG (the
# request log).  The ports come through a pipe: nothing to poll.
start_registry() {
	CTL="$T/ctl" RLOG="$T/registry.log"
	mkdir -p "$CTL" && : >"$RLOG" && mkfifo "$T/reg.fifo" || return 1
	bg sh -c 'exec "$@" >"$0"' "$T/reg.fifo" "$PY" "$SRCDIR/tests/helpers/ociregistry.py" \
		--layout "$1" --ctl "$CTL" --log "$RLOG" --lifetime 300
	read -r RPORT BPORT <"$T/reg.fifo"
	rm -f "$T/reg.fifo"
	[ -n "$RPORT" ] || { echo "Bail out! the test registry did not start"; exit 1; }
	REG="127.0.0.1:$RPORT"
}

# reqs PATTERN: how many logged registry requests match (grep -E)
reqs() { grep -cE -- "$1" "$RLOG" | tr -d ' '; }

# oci_project DIR IMAGE PLATFORM...: DIR/pinwheel.json with one Python
# (3.13) on the image, for the given platforms
oci_project() {
	_d=$1 _img=$2; shift 2
	_p=""
	for _x in "$@"; do _p="$_p${_p:+, }\"$_x\""; done
	mkdir -p "$_d"
	printf '{"version": 1, "python": {"3.13": {"base": {"oci": "%s"}}},\n "platforms": [%s], "manylinux": "native"}\n' \
		"$_img" "$_p" >"$_d/pinwheel.json"
}

# blobs_in_store: how many blobs the store holds
blobs_in_store() { find "$PINWHEEL_STORE/blobs/sha256" -type f 2>/dev/null | wc -l | tr -d ' '; }

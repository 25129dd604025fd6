# tests/helpers/fetchlib.sh - helpers for the store and fetch tests: the
# loopback fault-injecting server (tests/helpers/httpd.py) and test blobs.
# Source after tests/lib.sh.

# The Debian python3 (a root-only pyenv shim may come first in PATH).
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
WWW="$T/www"
REQLOG="$T/requests.log"
mkdir -p "$WWW"

# start_httpd: serve $WWW; sets PORT and BASE.  The port comes through a
# pipe, so there is nothing to poll.
start_httpd() {
	mkfifo "$T/port.fifo" || return 1
	# (the redirection must happen in the background child: opening a
	# fifo for writing blocks until the reader below opens it)
	bg sh -c 'exec "$@" >"$0"' "$T/port.fifo" "$PY" "$SRCDIR/tests/helpers/httpd.py" \
		--dir "$WWW" --log "$REQLOG" --lifetime 300
	read -r PORT <"$T/port.fifo"
	rm -f "$T/port.fifo"
	[ -n "$PORT" ] || { echo "Bail out! the test server did not start"; exit 1; }
	BASE="http://127.0.0.1:$PORT"
}

# mkblob NAME SIZE: random file $WWW/NAME; sets SHA and SIZE.
mkblob() {
	head -c "$2" /dev/urandom >"$WWW/$1" || return 1
	SHA=$(sha256sum "$WWW/$1" | cut -d' ' -f1)
	SIZE=$2
}

sha_of() { sha256sum "$WWW/$1" | cut -d' ' -f1; }

# requests PATTERN: how many logged requests match the grep -E pattern
requests() { grep -cE -- "$1" "$REQLOG" | tr -d ' '; }

# count_files DIR: regular files and directories directly in DIR
count_files() { find "$1" -mindepth 1 -maxdepth 1 | wc -l | tr -d ' '; }

# lock_entry NAME SHA SIZE URL...: one artifact object (no trailing comma)
lock_entry() {
	_n=$1 _s=$2 _z=$3; shift 3
	_u=""
	for _x in "$@"; do _u="$_u${_u:+, }\"$_x\""; done
	printf '    {"name": "%s", "kind": "file", "urls": [%s], "sha256": "%s", "size": %s}' \
		"$_n" "$_u" "$_s" "$_z"
}

# write_lock DIR ENTRY...: DIR/pinwheel.lock with the given artifact objects
write_lock() {
	_d=$1; shift
	mkdir -p "$_d"
	{
		printf '{\n  "version": 1,\n  "artifacts": [\n'
		_first=1
		for _e in "$@"; do
			[ $_first = 1 ] || printf ',\n'
			_first=0
			printf '%s' "$_e"
		done
		printf '\n  ]\n}\n'
	} >"$_d/pinwheel.lock"
}

# wait_for DESC SECONDS CMD...: bounded poll until CMD succeeds
wait_for() {
	_desc=$1 _lim=$2; shift 2
	_i=0
	while ! "$@"; do
		_i=$((_i + 1))
		[ $_i -gt $((_lim * 20)) ] && { diag "timed out waiting for $_desc"; return 1; }
		sleep 0.05
	done
	return 0
}

# clear_store: remove the store (trees are read-only: make them writable)
clear_store() { chmod -R u+w "$PINWHEEL_STORE" 2>/dev/null; rm -rf "$PINWHEEL_STORE"; }

# start_httpsd: like start_httpd, over TLS with a fresh self-signed
# certificate for 127.0.0.1; sets SPORT, SBASE and CA (the certificate).
start_httpsd() {
	CA="$T/tls/cert.pem"
	mkdir -p "$T/tls"
	openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 -keyout "$T/tls/key.pem" -out "$CA" \
		>/dev/null 2>&1 || { echo "Bail out! openssl could not make a certificate"; exit 1; }
	mkfifo "$T/sport.fifo" || return 1
	bg sh -c 'exec "$@" >"$0"' "$T/sport.fifo" "$PY" "$SRCDIR/tests/helpers/httpd.py" \
		--dir "$WWW" --log "$REQLOG" --lifetime 300 --tls "$CA" "$T/tls/key.pem"
	read -r SPORT <"$T/sport.fifo"
	rm -f "$T/sport.fifo"
	[ -n "$SPORT" ] || { echo "Bail out! the https test server did not start"; exit 1; }
	SBASE="https://127.0.0.1:$SPORT"
}

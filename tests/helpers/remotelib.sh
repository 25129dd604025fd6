# tests/helpers/remotelib.sh - helpers for the remote cache tests: nginx
# with WebDAV PUT on loopback, and the fault-injecting cache server
# (tests/helpers/remote_faults.py).  Source after tests/lib.sh.

if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=python3; fi
NGINX=/usr/sbin/nginx
PWREMOTE="$SRCDIR/$BUILD/tests/helpers/pw-remote"

# free_port: print a loopback TCP port nobody listens on right now.
free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# port_open PORT: does something accept connections on 127.0.0.1:PORT?
port_open() {
	"$PY" -c 'import socket, sys
s = socket.socket(); s.settimeout(1)
sys.exit(s.connect_ex(("127.0.0.1", int(sys.argv[1]))))' "$1"
}

# start_nginx: nginx in the foreground as the current user (one process,
# every path under $T/nginx), serving $T/nginx/docroot with PUT enabled; sets
# NPORT, NURL and NLOG (its access log).  Polls the port for at most 10 s.
start_nginx() {
	_nd="$T/nginx"
	mkdir -p "$_nd/docroot" || return 1
	NLOG="$_nd/access.log"
	for _try in 1 2 3; do
		NPORT=$(free_port)
		cat >"$_nd/nginx.conf" <<CONF
daemon off;
master_process off;
error_log $_nd/error.log;
pid $_nd/nginx.pid;
events { worker_connections 64; }
http {
	access_log $NLOG;
	client_body_temp_path $_nd/body;
	proxy_temp_path $_nd/proxy;
	fastcgi_temp_path $_nd/fastcgi;
	uwsgi_temp_path $_nd/uwsgi;
	scgi_temp_path $_nd/scgi;
	server {
		listen 127.0.0.1:$NPORT;
		root $_nd/docroot;
		client_max_body_size 1g;
		location / {
			dav_methods PUT DELETE;
			create_full_put_path on;
			dav_access user:rw;
		}
	}
}
CONF
		bg "$NGINX" -p "$_nd" -e "$_nd/error.log" -c "$_nd/nginx.conf"
		_i=0
		while [ $_i -lt 100 ]; do
			port_open "$NPORT" && break
			kill -0 "$BG_PID" 2>/dev/null || break
			_i=$((_i + 1))
			"$PY" -c 'import time; time.sleep(0.1)'
		done
		if port_open "$NPORT"; then
			NURL="http://127.0.0.1:$NPORT"
			return 0
		fi
		kill "$BG_PID" 2>/dev/null
	done
	echo "Bail out! nginx did not start: $(cat "$_nd/error.log" 2>/dev/null)"
	exit 1
}

# start_faults [ARGS...]: the fault server over $T/faults/docroot; sets FPORT,
# FURL and FLOG.  The port comes through a pipe: nothing to poll.
start_faults() {
	mkdir -p "$T/faults/docroot" || return 1
	FLOG="$T/faults/requests.log"
	mkfifo "$T/faults/port.fifo" || return 1
	bg sh -c 'exec "$@" >"$0"' "$T/faults/port.fifo" "$PY" \
		"$SRCDIR/tests/helpers/remote_faults.py" --dir "$T/faults/docroot" --log "$FLOG" "$@"
	read -r FPORT <"$T/faults/port.fifo"
	rm -f "$T/faults/port.fifo"
	[ -n "$FPORT" ] || { echo "Bail out! the fault server did not start"; exit 1; }
	FURL="http://127.0.0.1:$FPORT"
}

# nreq FILE PATTERN: how many lines of FILE match the grep -E pattern
nreq() { grep -cE -- "$2" "$1" | tr -d ' '; }

# The "machines" of the remote-cache tests: R (a store holding only the
# project's root) is copied for each, with hard links (the store renames
# new files into place, never changes one).  machine NAME prints its store.
machine() { cp -al "$R" "$T/$1" && echo "$T/$1"; }
# warnings: the warning lines of the last run_pw
warnings() { printf '%s\n' "$ERR" | grep '^pinwheel: warning'; }

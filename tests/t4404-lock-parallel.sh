#!/bin/sh
# `pinwheel lock --jobs N`: a matrix of six roots (three Pythons x two
# platforms, archive bases over a loopback server) resolved by parallel
# workers gives the bytes of a serial lock; an archive every root needs is
# downloaded once for all; -v says what each worker resolves; a failing
# root is one error line naming it, exit 1, no lock written, and the
# workers of the roots after it are killed (one of them is held mid-download
# by the server and never released).
. "$SRCDIR/tests/lib.sh"
plan 32

mkdir -p "$T/www" "$T/p"
for py in 3.11 3.12 3.13; do
	for arch in x86_64 aarch64; do
		printf 'python %s for %s\n' "$py" "$arch" >"$T/www/py$py-$arch.tar.gz"
	done
done
mkdir "$T/extra" && printf 'x\n' >"$T/extra/x" && tar -C "$T/extra" -b 10 -cf "$T/www/extra.tar.gz" x
cp "$T/www/py3.12-aarch64.tar.gz" "$T/www/held.tar.gz"
mkfifo "$T/port"
bg sh -c 'exec "$@" >"$0"' "$T/port" python3 "$SRCDIR/tests/helpers/httpd.py" --dir "$T/www" \
	--log "$T/requests.log" --lifetime 600
read -r PORT <"$T/port"
BASE="http://127.0.0.1:$PORT"
gets() { grep -c "^GET $1 " "$T/requests.log"; }

# write_config DIR [PY-ARCH=URL]...: the matrix, with the base url of
# some targets replaced
write_config() {
	dir=$1
	shift
	{
		printf '{"version": 1, "manylinux": "native", "python": {\n'
		sep=""
		for py in 3.11 3.12 3.13; do
			printf '%s"%s": {"base": {"archives": [' "$sep" "$py"
			s2=""
			for arch in x86_64 aarch64; do
				url="$BASE/ok/py$py-$arch.tar.gz"
				for o in "$@"; do
					[ "${o%%=*}" = "$py-$arch" ] && url=${o#*=}
				done
				printf '%s{"name": "cpython", "url": "%s", "dest": "/opt/python", "platforms": ["manylinux_%s"]}' \
					"$s2" "$url" "$arch"
				s2=", "
			done
			printf ']}}\n'
			sep=", "
		done
		printf '}, "platforms": ["manylinux_x86_64", "manylinux_aarch64"],\n'
		printf ' "archives": [{"urls": ["%s/ok/extra.tar.gz"]}]}\n' "$BASE"
	} >"$dir/pinwheel.json"
}

write_config "$T/p"
run_pw 0 "lock --jobs 1 (one target after another)" --store "$T/s1" lock --jobs 1 "$T/p"
like "$ERR" "wrote '$T/p/pinwheel.lock' \\(6 targets, 7 artifacts\\)" "the serial lock has six roots"
mv "$T/p/pinwheel.lock" "$T/lock.serial"
: >"$T/requests.log"
run_pw 0 "lock --jobs 4 -v (four workers)" --store "$T/s4" -v lock --jobs 4 "$T/p"
like "$ERR" "^lock: resolving 6 targets, 4 at a time$" "-v says how many targets at a time"
for id in cp311-manylinux_x86_64 cp311-manylinux_aarch64 cp312-manylinux_x86_64 \
	cp312-manylinux_aarch64 cp313-manylinux_x86_64 cp313-manylinux_aarch64; do
	like "$ERR" "^lock: \\[[1-6]/6\\] $id: base\\.archives \\(archive\\)$" "-v: a progress line for $id"
done
run_cmd 0 "the parallel lock is byte-identical to the serial one" cmp "$T/lock.serial" "$T/p/pinwheel.lock"
is "$(gets /ok/extra.tar.gz)" 1 "an archive all six roots need is downloaded once for all workers"
is "$(gets /ok/py3.13-aarch64.tar.gz)" 1 "each root's own archive is downloaded once"
python3 - "$T/p/pinwheel.lock" >"$T/roots" <<'PY'
import json, sys
print(" ".join(json.load(open(sys.argv[1]))["roots"]))
PY
is "$(cat "$T/roots")" "cp311-manylinux_x86_64 cp311-manylinux_aarch64 cp312-manylinux_x86_64 cp312-manylinux_aarch64 cp313-manylinux_x86_64 cp313-manylinux_aarch64" \
	"roots in matrix order"
rm "$T/p/pinwheel.lock"
run_pw 0 "the default --jobs (one per CPU) writes the same lock" --store "$T/s4" lock "$T/p"
run_cmd 0 "same bytes again" cmp "$T/lock.serial" "$T/p/pinwheel.lock"
run_pw 0 "--events with --jobs 3" --store "$T/s4" --events lock --upgrade --jobs 3 "$T/p"
is "$(printf '%s\n' "$ERR" | grep -c '"event":"resolve".*"status":"done"')" 18 \
	"--events: a resolve event per block (base, manylinux, archives) of each target"
like "$ERR" '"event":"done".*"status":"unchanged"' "--events: one done event from the parent"
run_pw 2 "--jobs 0 is a usage error" lock --jobs 0 "$T/p"
like "$ERR" "--jobs" "the usage error names --jobs"

# While workers are quiet (a download held by the server), -v says every
# second ($PINWHEEL_LOCK_STILL_SECS; 30 s by default) what each running
# target resolves; the test releases the download once it has read that.
mkdir "$T/g"
cp "$T/www/held.tar.gz" "$T/www/held2.tar.gz"
write_config "$T/g" "3.12-aarch64=$BASE/gate/4/held2.tar.gz"
mkfifo "$T/gfifo"
PINWHEEL_LOCK_STILL_SECS=1 timeout 120 "$PINWHEEL" --store "$T/sg" -v lock --jobs 2 "$T/g" \
	>/dev/null 2>"$T/gfifo" &
LPID=$!
while IFS= read -r line; do
	printf '%s\n' "$line" >>"$T/gerr"
	case $line in
	"lock: still resolving "*"cp312-manylinux_aarch64 (base.archives, "*) : >"$T/www/held2.tar.gz.go" ;;
	esac
done <"$T/gfifo"
wait "$LPID"
is "$?" 0 "the lock with a held download ends once it is released"
like "$(cat "$T/gerr")" "^lock: still resolving (.*, )?cp312-manylinux_aarch64 \\(base\\.archives, [0-9]+ s\\)" \
	"-v: a 'still resolving' line names each running target, its block and how long it runs"

# Failures: the 2nd target's base is missing on the server; the 4th one's
# is held by the server until DIR/held.tar.gz.go exists, which nobody makes.
mkdir "$T/f"
write_config "$T/f" "3.11-aarch64=$BASE/ok/missing.tar.gz" "3.12-aarch64=$BASE/gate/4/held.tar.gz"
timeout 120 "$PINWHEEL" --store "$T/sf" lock --jobs 4 "$T/f" >"$T/out" 2>"$T/err"
is "$?" 1 "a failing root fails the parallel lock with exit status 1"
ERR=$(cat "$T/err")
is "$(grep -c '^pinwheel: ' "$T/err")" 1 "one error line"
like "$ERR" "^pinwheel: lock: .*cp311-manylinux_aarch64.*could not download '$BASE/ok/missing.tar.gz'" \
	"the line names the failing target and what failed"
run_cmd 1 "no lock file is written" test -e "$T/f/pinwheel.lock"
run_cmd 1 "the held download was never released" test -e "$T/www/held.tar.gz.go"
timeout 120 "$PINWHEEL" --store "$T/sf1" lock --jobs 1 "$T/f" >"$T/out" 2>"$T/err1"
is "$?" 1 "the serial lock fails the same way"
run_cmd 0 "with the same error line" cmp "$T/err" "$T/err1"
cp "$T/lock.serial" "$T/f/pinwheel.lock"
timeout 120 "$PINWHEEL" --store "$T/sf" lock --jobs 4 "$T/f" >"$T/out" 2>"$T/err"
is "$?" 1 "a failing relock fails"
run_cmd 0 "and leaves the old lock alone" cmp "$T/lock.serial" "$T/f/pinwheel.lock"

#!/bin/sh
# The hostile-archive corpus (tests/helpers/mkevil.py): every attack, as a
# tar.gz, a zip and a .deb where the format can express it, is rejected with
# its specific errno and message naming the entry; nothing appears or
# changes in the canary directory beside the destination; and what the
# failed extraction left is removed by pw_rm_rf (the helper's --cleanup),
# also as an unprivileged user.
. "$SRCDIR/tests/lib.sh"
U="$SRCDIR/$BUILD/tests/helpers/pw-unpack"
[ -x "$U" ] || skip_all "pw-unpack helper not built"
command -v python3 >/dev/null || skip_all "python3 missing"
W="$T/w" C="$T/w/canary"
mkdir -p "$W" "$C" && printf 'precious\n' >"$C/target"
python3 "$SRCDIR/tests/helpers/mkevil.py" "$T/evil" "$C" || { echo "1..0 # SKIP mkevil.py failed"; exit 1; }
n=$(wc -l <"$T/evil/expect.tsv")
plan $((n + 3))

tab=$(printf '\t')
while IFS="$tab" read -r file errno rx; do
	"$U" "$T/evil/$file" "$W/dest" --max-entries 1000 --max-bytes 4M --cleanup \
		>"$T/out" 2>"$T/err"
	st=$?
	err=$(cat "$T/err") bad=""
	[ "$st" -eq 1 ] || bad="$bad exit=$st"
	printf '%s' "$err" | grep -qE -- "^error $errno: $rx" || bad="$bad message"
	[ "$(ls -A "$C")" = target ] || bad="$bad canary-dir"
	[ "$(cat "$C/target")" = precious ] || bad="$bad canary-file"
	[ ! -e "$W/dest" ] && [ ! -L "$W/dest" ] || bad="$bad tree-left"
	[ "$(ls -A "$W")" = canary ] || bad="$bad beside"
	if [ -z "$bad" ]; then ok 0 "$file: $errno"; else
		ok 1 "$file: $errno"; diag "problems:$bad" "stderr: $err" "wanted: error $errno: $rx"
		chmod -R u+w "$W/dest" 2>/dev/null; rm -rf "$W/dest"
	fi
done <"$T/evil/expect.tsv"

is "$(ls -A "$C")" target "the canary directory holds only its file"
is "$(cat "$C/target")" precious "the canary file is unchanged"
is "$(find "$T" -newer "$C/target" -path "$C*" | wc -l | tr -d ' ')" 0 \
	"nothing under the canary is newer than its file"

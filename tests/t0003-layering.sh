#!/bin/sh
# The layering of docs/architecture.md, checked on the built objects:
# lib/ <- sandbox/ <- toolchains/ <- runner/.  A layer may use the symbols
# of the layers below it, never of one above (by the linker's view: nm's
# defined and undefined symbols of each object), and no header of a higher
# layer is included from a lower one.  Also: no cycle of files calling one
# another inside sandbox/ (its child-side helpers are a leaf, child.c).
# as-user: no
. "$SRCDIR/tests/lib.sh"
command -v nm >/dev/null || skip_all "nm (binutils) needed"
OBJ="$SRCDIR/$BUILD"
[ -d "$OBJ/lib" ] && [ -d "$OBJ/runner" ] || skip_all "objects not built"
plan 3

# every object, below its top directory (lib, sandbox, toolchains, runner)
find "$OBJ/lib" "$OBJ/sandbox" "$OBJ/toolchains" "$OBJ/runner" -name '*.o' >"$T/objs"
while read -r o; do
	rel=${o#"$OBJ"/}
	[ -f "$SRCDIR/${rel%.o}.c" ] || continue # left by a source since moved
	nm "$o" | awk -v f="$rel" 'NF == 3 && $2 ~ /[TDBR]/ {print "D " $3 " " f} NF == 2 && $1 == "U" {print "U " $2 " " f}'
done <"$T/objs" >"$T/syms"
# the edges "dir -> dir" of one object using a symbol another defines
awk '$1 == "D" {def[$2] = $3} $1 == "U" {use[NR] = $2 " " $3}
     END {for (i in use) {split(use[i], a, " "); if (a[1] in def) {
          split(a[2], s, "/"); split(def[a[1]], d, "/"); if (s[1] != d[1]) print s[1] " -> " d[1]}}}' \
	"$T/syms" | sort | uniq -c >"$T/edges"
diag "$(cat "$T/edges")"
rank() { case $1 in lib) echo 0 ;; sandbox) echo 1 ;; toolchains) echo 2 ;; runner) echo 3 ;; esac; }
up=""
while read -r n from arrow to; do
	[ "$(rank "$from")" -lt "$(rank "$to")" ] && up="$up $from->$to($n)"
done <"$T/edges"
is "$up" "" "no layer uses a symbol of a layer above it"

# headers: which module a header belongs to is the directory of the object
# that defines most of its functions; a lower directory including it is up
inc=""
for dir in lib sandbox toolchains; do
	for h in $(grep -ho '#include "pinwheel/[a-z_]*\.h"' "$SRCDIR/$dir"/*.c "$SRCDIR/$dir"/*/*.c 2>/dev/null |
		sed 's/.*pinwheel\/\(.*\)\.h"/\1/' | sort -u); do
		fns=$(grep -oE '^[a-z_ *]*\bpw_[a-z0-9_]+\(' "$SRCDIR/include/pinwheel/$h.h" 2>/dev/null |
			grep -oE 'pw_[a-z0-9_]+' | sort -u)
		[ -n "$fns" ] || continue
		owner=$(for f in $fns; do awk -v s="$f" '$1 == "D" && $2 == s {split($3, d, "/"); print d[1]}' "$T/syms"; done |
			sort | uniq -c | sort -rn | awk 'NR == 1 {print $2}')
		[ -n "$owner" ] && [ "$(rank "$owner")" -gt "$(rank "$dir")" ] && inc="$inc $dir:$h.h($owner)"
	done
done
is "$inc" "" "no lower directory includes the header of a higher one"

# no cycle among the files of sandbox/
awk '$1 == "D" && $3 ~ /^sandbox\// {def[$2] = $3} $1 == "U" && $3 ~ /^sandbox\// {u[NR] = $2 " " $3}
     END {for (i in u) {split(u[i], a, " "); if ((a[1] in def) && def[a[1]] != a[2]) print a[2], def[a[1]]}}' \
	"$T/syms" | sort -u >"$T/sb"
cyc=$(python3 - "$T/sb" <<'PY'
import sys, collections
e = collections.defaultdict(set)
for l in open(sys.argv[1]):
    a, b = l.split()
    e[a].add(b)
def reach(x):
    seen, st = set(), [x]
    while st:
        for y in e.get(st.pop(), ()):
            if y not in seen:
                seen.add(y)
                st.append(y)
    return seen
print(" ".join(sorted(k.split("/")[-1] for k in e if k in reach(k))))
PY
)
is "$cyc" "" "no file of sandbox/ reaches itself through the others"

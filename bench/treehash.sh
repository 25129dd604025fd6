#!/bin/sh
# bench/treehash.sh - the canonical tree hash (pw_tree_hash_at through
# tests/helpers/pw-archives) against git's tree identity (`git add -A` +
# `git write-tree` into a fresh index, which also hashes every file and
# sorts every directory) and a `find | sort | sha256sum` pipeline, on the
# same tree, in the same run.
#
#   sh bench/treehash.sh [RUNS] [TREE]   (default 5 runs; TREE /usr/include)
#
# The page cache is warmed first (untimed) so every tool reads from memory;
# runs alternate between the tools.  Prints each median and the ratios
# git/pw and pipeline/pw (> 1: pinwheel is faster).  Not part of make check.
set -eu
RUNS=${1:-5}
TREE=${2:-/usr/include}
SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
make -C "$SRCDIR" --no-print-directory build/tests/helpers/pw-archives >/dev/null
A="$SRCDIR/build/tests/helpers/pw-archives"
W=$(mktemp -d "${TMPDIR:-/tmp}/pwbench.XXXXXX")
trap 'rm -rf "$W"' EXIT

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

find "$TREE" -type f -print0 | xargs -0 cat >/dev/null 2>&1 || true
echo "tree: $TREE ($(find "$TREE" -type f | wc -l) files, $(du -sh "$TREE" | cut -f1))"
: >"$W/pw"; : >"$W/git"; : >"$W/pipe"
i=0
while [ "$i" -lt "$RUNS" ]; do
	i=$((i + 1))
	t0=$(now); "$A" treehash "$TREE" >/dev/null; t1=$(now)
	echo $(((t1 - t0) / 1000000)) >>"$W/pw"
	rm -rf "$W/git.d"
	t0=$(now)
	GIT_DIR="$W/git.d" git init -q
	GIT_DIR="$W/git.d" GIT_WORK_TREE="$TREE" git add -A
	GIT_DIR="$W/git.d" GIT_WORK_TREE="$TREE" git write-tree >/dev/null
	t1=$(now)
	echo $(((t1 - t0) / 1000000)) >>"$W/git"
	t0=$(now)
	(cd "$TREE" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum) >/dev/null
	t1=$(now)
	echo $(((t1 - t0) / 1000000)) >>"$W/pipe"
done
pw=$(median <"$W/pw"); git=$(median <"$W/git"); pipe=$(median <"$W/pipe")
echo "runs: pw $(tr '\n' ' ' <"$W/pw")ms; git $(tr '\n' ' ' <"$W/git")ms; pipeline $(tr '\n' ' ' <"$W/pipe")ms"
echo "median: pinwheel ${pw} ms, git add+write-tree ${git} ms, find|sha256sum ${pipe} ms"
awk -v p="$pw" -v g="$git" -v q="$pipe" 'BEGIN { if (p < 1) p = 1;
	printf "ratio git/pinwheel %.2f, pipeline/pinwheel %.2f\n", g / p, q / p }'

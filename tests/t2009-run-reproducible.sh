#!/bin/sh
# What a command in the sandbox cannot control but would see vary from run
# to run, fixed where it is cheap (docs/security.md, "Reproducibility"):
#  - --no-aslr turns address space randomisation off (personality
#    ADDR_NO_RANDOMIZE, 0x0040000): the stack and mmap addresses are the
#    same in two runs, and stay so whatever the caller's stack limit (the
#    mmap base depends on it: the soft limit is 8 MiB inside);
#  - without it the kernel's randomisation is left as it is;
#  - --linux32 (what i686 targets get on x86_64) sets PER_LINUX32, with
#    --no-aslr too, and uname then says i686;
#  - PYTHONHASHSEED=0 by default, a --env PYTHONHASHSEED=... wins;
#  - the NIS domain name is the kernel's default, not the caller's.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/sandbox-lib.sh"
command -v unshare >/dev/null || skip_all "unshare (util-linux) missing"
plan 17

# addresses: the stack and the first mapping of libc, as the command sees them
ADDR='grep -m1 -E "\[stack\]" /proc/self/maps; grep -m1 libc /proc/self/maps | cut -d" " -f1'

run_sb 0 "personality by default" -- cat /proc/self/personality
is "$OUT" "00000000" "ASLR as the kernel has it by default"
run_sb 0 "personality with --no-aslr" --no-aslr -- cat /proc/self/personality
is "$OUT" "00040000" "--no-aslr sets ADDR_NO_RANDOMIZE"

if [ "$(uname -m)" = x86_64 ]; then
	run_sb 0 "personality with --linux32 --no-aslr" --linux32 --no-aslr -- cat /proc/self/personality
	is "$OUT" "00040008" "--linux32 sets PER_LINUX32 beside ADDR_NO_RANDOMIZE"
	run_sb 0 "uname with --linux32" --linux32 -- uname -m
	is "$OUT" "i686" "--linux32: the 32-bit domain's machine"
else
	for i in 1 2 3 4; do skip "--linux32 is checked on x86_64"; done
fi

A1=$(sb --no-aslr -- sh -c "$ADDR") A2=$(sb --no-aslr -- sh -c "$ADDR")
like "$A1" "\[stack\]" "the stack is found"
is "$A2" "$A1" "--no-aslr: the same addresses in two runs"
# the caller's stack limit does not reach the layout
A3=$(sh -c "ulimit -S -s unlimited 2>/dev/null || ulimit -S -s 65536; $PINWHEEL run $ROOT_OPTS --no-aslr -- sh -c '$ADDR; ulimit -S -s'")
is "$A3" "$A1
8192" "--no-aslr under a caller's larger stack limit: the same addresses, an 8 MiB soft limit"

if [ "$(cat /proc/sys/kernel/randomize_va_space)" = 0 ]; then
	skip "this kernel has ASLR off (kernel.randomize_va_space=0)"
else
	B1=$(sb -- sh -c "$ADDR") B2=$(sb -- sh -c "$ADDR")
	ok "$([ -n "$B1" ] && [ "$B1" != "$B2" ]; echo $?)" "without --no-aslr the addresses differ between runs"
fi

run_sb 0 "PYTHONHASHSEED by default" -- sh -c 'echo "$PYTHONHASHSEED"'
is "$OUT" "0" "PYTHONHASHSEED=0 by default, as in build steps"
run_sb 0 "--env PYTHONHASHSEED" --env PYTHONHASHSEED=7 -- sh -c 'echo "$PYTHONHASHSEED"'
is "$OUT" "7" "the user's --env PYTHONHASHSEED wins"

D=$(unshare --user --uts --map-root-user sh -c \
	"domainname outer.invalid && $PINWHEEL run $ROOT_OPTS -- cat /proc/sys/kernel/domainname" 2>&1)
is "$D" "(none)" "the caller's NIS domain name does not reach the sandbox"

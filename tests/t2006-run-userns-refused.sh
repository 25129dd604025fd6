#!/bin/sh
# Where user namespaces are refused, pinwheel fails with one line naming the
# cause and the fix, exit 125, and never runs the command with weaker
# isolation.  Simulated with user.max_user_namespaces=0 in an outer user
# namespace (the AppArmor and unprivileged_userns_clone cases read other
# sysctls the same way), and by pinwheel inside pinwheel.
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/sandbox-lib.sh"
command -v unshare >/dev/null || skip_all "unshare (util-linux) is missing"
plan 6

run_cmd 125 "user.max_user_namespaces=0: exit 125" unshare -Ur sh -c \
	'echo 0 >/proc/sys/user/max_user_namespaces && exec "$0" run --seccomp none -- /bin/sh -c "echo ran"' \
	"$PINWHEEL"
is "$OUT" "" "the command did not run"
is "$ERR" "pinwheel: run: create namespaces: No space left on device: user namespaces are disabled (user.max_user_namespaces=0); enable them with 'sysctl -w user.max_user_namespaces=15000'" \
	"one line naming the cause and the fix"
run_sb 125 "pinwheel inside pinwheel is refused the same way" \
	--ro-bind "$PINWHEEL:/opt/pinwheel" -- /opt/pinwheel run --seccomp none -- /bin/true
like "$ERR" "user.max_user_namespaces=0" "the nested run names the cause"
like "$ERR" "^pinwheel: run: create namespaces: " "the nested run names the step"

# bench/tiny-root.sh - sourced by the sandbox start-up benchmarks:
# tiny_root W makes W/R, a root holding only a static /bin/true (and the
# mount points /proc, /dev, /tmp), and W/store; W is made traversable.
tiny_root() {
	chmod 755 "$1"
	mkdir -p "$1/R/bin" "$1/R/proc" "$1/R/dev" "$1/R/tmp" "$1/store"
	printf 'int main(void) { return 0; }\n' >"$1/true.c"
	cc -static -O2 -o "$1/R/bin/true" "$1/true.c"
}

# tests/helpers/emulate-fixture.sh - the real qemu-user-static and
# busybox-static:arm64 .debs, fetched once with apt-get download (private
# package lists, so the host's apt configuration is not changed) and cached
# under $BUILD/test-cache/emulate, with the two binaries taken out of them.
# Sourced after tests/lib.sh; sets CACHE, QEMU and ABUSYBOX, or skips.
CACHE="$SRCDIR/$BUILD/test-cache/emulate"
QEMU="$CACHE/qemu-aarch64-static"
ABUSYBOX="$CACHE/busybox-arm64"

# fetch: the .debs into the cache (once), then the two binaries out of them.
fetch() {
	mkdir -p "$CACHE" 2>/dev/null && chmod 1777 "$SRCDIR/$BUILD/test-cache" "$CACHE" 2>/dev/null
	w="$T/apt"
	mkdir -p "$w/lists/partial" "$w/cache/archives/partial" "$w/debs" "$w/q" "$w/b" || return 1
	if ! ls "$CACHE"/qemu-user-static_*.deb "$CACHE"/busybox-static_*_arm64.deb >/dev/null 2>&1; then
		o="-o Dir::State::Lists=$w/lists -o Dir::Cache=$w/cache -o Debug::NoLocking=1
		   -o APT::Architecture=amd64 -o APT::Architectures::=amd64 -o APT::Architectures::=arm64"
		[ "$(id -u)" -ne 0 ] && o="$o -o APT::Sandbox::User=$(id -un)"
		# shellcheck disable=SC2086
		apt-get -q $o update >"$w/update.log" 2>&1 &&
			(cd "$w/debs" && apt-get -q $o download qemu-user-static busybox-static:arm64) \
				>"$w/download.log" 2>&1 || { cat "$w"/*.log | tail -5 | sed 's/^/# /'; return 1; }
		for d in "$w"/debs/*.deb; do
			cp "$d" "$CACHE/.tmp.$$" && chmod 644 "$CACHE/.tmp.$$" &&
				mv "$CACHE/.tmp.$$" "$CACHE/$(basename "$d")" || return 1
		done
	fi
	dpkg-deb -x "$(ls "$CACHE"/qemu-user-static_*.deb | head -1)" "$w/q" &&
		dpkg-deb -x "$(ls "$CACHE"/busybox-static_*_arm64.deb | head -1)" "$w/b" || return 1
	cp "$w/q/usr/bin/qemu-aarch64-static" "$QEMU.tmp.$$" && mv "$QEMU.tmp.$$" "$QEMU" &&
		cp "$w/b/bin/busybox" "$ABUSYBOX.tmp.$$" && mv "$ABUSYBOX.tmp.$$" "$ABUSYBOX" &&
		chmod 755 "$QEMU" "$ABUSYBOX"
}
if [ ! -x "$QEMU" ] || [ ! -x "$ABUSYBOX" ]; then
	fetch || skip_all "could not fetch qemu-user-static and busybox-static:arm64"
fi

#!/bin/sh
# Known archive layouts, with archives built here and served on loopback:
# standalone Python (full and install_only) described for a mount at
# /install with the tree left byte-identical; a Rust dist merged from its
# components without install.sh; a plain archive; bad manifests; and
# `store verify` noticing a changed tree (content digest and tree hash).
. "$SRCDIR/tests/lib.sh"
. "$SRCDIR/tests/helpers/fetchlib.sh"
plan 32
export PINWHEEL_RETRY_BASE_MS=5 PINWHEEL_RETRIES=0
A="$SRCDIR/$BUILD/tests/helpers/pw-archives"
[ -x "$A" ] || { echo "Bail out! pw-archives helper not built"; exit 1; }
S=$PINWHEEL_STORE
start_httpd
field() { printf '%s\n' "$OUT" | sed -n "s/^$1 //p"; }

# ---- standalone Python, full layout ----
P="$T/pbs/python"
mkdir -p "$P/install/bin" "$P/install/lib/python3.12" "$P/install/lib/pkgconfig" "$P/build"
cat >"$P/PYTHON.json" <<'EOT'
{"version": "7", "target_triple": "x86_64-unknown-linux-gnu", "python_tag": "cp312",
 "python_version": "3.12.7", "python_major_minor_version": "3.12",
 "python_exe": "install/bin/python3.12", "python_stdlib": "install/lib/python3.12"}
EOT
printf '#!/bin/sh\necho fake python\n' >"$P/install/bin/python3.12"
chmod 755 "$P/install/bin/python3.12"
ln -s python3.12 "$P/install/bin/python3"
printf '#!/bin/sh\nprefix_real=/install\necho -I/install/include/python3.12\n' >"$P/install/bin/python3-config"
chmod 755 "$P/install/bin/python3-config"
printf "build_time_vars = {'CC': 'clang -pthread', 'prefix': '/install', 'LDSHARED': 'clang -pthread -shared'}\n" \
	>"$P/install/lib/python3.12/_sysconfigdata__linux_x86_64-linux-gnu.py"
printf 'prefix=/install\nlibdir=${prefix}/lib\n' >"$P/install/lib/pkgconfig/python-3.12.pc"
echo obj >"$P/build/x.o"
tar -C "$T/pbs" -czf "$WWW/cpython-full.tar.gz" python
run_cmd 0 "a standalone Python archive" "$A" archive "$S" "$BASE/ok/cpython-full.tar.gz" "$(sha_of cpython-full.tar.gz)"
is "$(field layout)" python-standalone "detected from python/PYTHON.json"
TREE=$(field tree)
is "$(field mount)/$(field subdir)/$(field python)" "/install/python/install/bin/python3.12" \
	"mount /install, tree subdir python/install, python from python_exe"
is "$(field version)" 3.12.7 "version from python_version"
is "$(field cc) $(field cxx)" "cc c++" "CC and CXX are set explicitly"
is "$("$A" treehash "$TREE")" "$("$A" treehash "$T/pbs")" "the tree is byte-identical to what was archived"
like "$(cat "$TREE/python/install/lib/pkgconfig/python-3.12.pc")" "^prefix=/install" "recorded /install paths are left as they are"

# install_only
Q="$T/pbs2/python"
mkdir -p "$Q/bin" "$Q/lib/python3.11" "$Q/include/python3.11"
printf '#!/bin/sh\n' >"$Q/bin/python3.11"
chmod 755 "$Q/bin/python3.11"
ln -s python3.11 "$Q/bin/python3"
echo '# os' >"$Q/lib/python3.11/os.py"
tar -C "$T/pbs2" -cJf "$WWW/cpython-io.tar.xz" python
run_cmd 0 "an install_only archive" "$A" archive "$S" "$BASE/ok/cpython-io.tar.xz" "$(sha_of cpython-io.tar.xz)"
is "$(field layout)" python-standalone-install-only "detected from python/bin/python3"
is "$(field subdir) $(field python) $(field version)" "python bin/python3.11 3.11" "subdir python, python and version from lib/python3.N"

# a PYTHON.json pointing outside
sed 's|"install/bin/python3.12"|"install/../../etc/passwd"|' "$P/PYTHON.json" >"$T/pj" && mv "$T/pj" "$P/PYTHON.json"
tar -C "$T/pbs" -czf "$WWW/cpython-bad.tar.gz" python
run_cmd 1 "a PYTHON.json whose python_exe leaves the tree" "$A" archive "$S" "$BASE/ok/cpython-bad.tar.gz" "$(sha_of cpython-bad.tar.gz)"
like "$ERR" "python/PYTHON.json: \"python_exe\" must be a relative path under 'install/'" "is refused naming the field"

# ---- Rust dist ----
TRIPLE=x86_64-unknown-linux-gnu
R="$T/rust/rust-1.80.0-$TRIPLE"
mkdir -p "$R/rustc/bin" "$R/rustc/lib" "$R/rustc/share/doc/rustc" "$R/cargo/bin" \
	"$R/rust-std-$TRIPLE/lib/rustlib/$TRIPLE/lib" "$R/rust-docs/share/doc/rust/html"
printf 'rustc\ncargo\nrust-std-%s\nrust-docs\n' "$TRIPLE" >"$R/components"
echo 3 >"$R/rust-installer-version"
printf '#!/bin/sh\necho never run\nexit 1\n' >"$R/install.sh"
chmod 755 "$R/install.sh"
printf '#!/bin/sh\necho rustc 1.80.0\n' >"$R/rustc/bin/rustc"
printf '#!/bin/sh\necho cargo 1.80.0\n' >"$R/cargo/bin/cargo"
chmod 755 "$R/rustc/bin/rustc" "$R/cargo/bin/cargo"
echo driver >"$R/rustc/lib/librustc_driver-1234.so"
ln -s librustc_driver-1234.so "$R/rustc/lib/librustc_driver.so"
echo readme >"$R/rustc/share/doc/rustc/README.md"
echo std >"$R/rust-std-$TRIPLE/lib/rustlib/$TRIPLE/lib/libstd-5678.rlib"
echo docs >"$R/rust-docs/share/doc/rust/html/index.html"
printf 'file:bin/rustc\nfile:lib/librustc_driver-1234.so\nfile:lib/librustc_driver.so\ndir:share/doc/rustc\n' >"$R/rustc/manifest.in"
printf 'file:bin/cargo\n' >"$R/cargo/manifest.in"
printf 'dir:lib/rustlib/%s/lib\n' "$TRIPLE" >"$R/rust-std-$TRIPLE/manifest.in"
printf 'dir:share/doc/rust\n' >"$R/rust-docs/manifest.in"
tar -C "$T/rust" -cJf "$WWW/rust.tar.xz" "rust-1.80.0-$TRIPLE"
run_cmd 0 "a Rust dist archive" "$A" archive "$S" "$BASE/ok/rust.tar.xz" "$(sha_of rust.tar.xz)"
is "$(field layout)" rust-dist "detected from its components file"
M=$(field merged)
like "$M" "^$S/trees/[0-9a-f]{64}$" "merged into a store tree"
is "$(cd "$M" && find . | LC_ALL=C sort | tr '\n' ' ')" \
	". ./bin ./bin/cargo ./bin/rustc ./lib ./lib/librustc_driver-1234.so ./lib/librustc_driver.so ./lib/rustlib ./lib/rustlib/$TRIPLE ./lib/rustlib/$TRIPLE/lib ./lib/rustlib/$TRIPLE/lib/libstd-5678.rlib ./share ./share/doc ./share/doc/rustc ./share/doc/rustc/README.md " \
	"rustc, cargo and rust-std merged into one prefix (no docs, no installer files)"
is "$("$M/bin/rustc")" "rustc 1.80.0" "bin/rustc is executable"
is "$(stat -c %a "$M/bin/cargo" "$M/lib/rustlib/$TRIPLE/lib/libstd-5678.rlib" | tr '\n' ' ')" "555 444 " "exec bits kept, read-only"
is "$(readlink "$M/lib/librustc_driver.so")" librustc_driver-1234.so "symlinks are kept"
run_cmd 0 "the same archive again" "$A" archive "$S" "$BASE/ok/rust.tar.xz" "$(sha_of rust.tar.xz)"
is "$(field merged)" "$M" "finds the same merged tree"

# a manifest naming a path outside its component
mkdir -p "$T/rust2" && cp -R "$R" "$T/rust2/"
printf 'file:../cargo/bin/cargo\n' >"$T/rust2/rust-1.80.0-$TRIPLE/rustc/manifest.in"
tar -C "$T/rust2" -cJf "$WWW/rust-bad.tar.xz" "rust-1.80.0-$TRIPLE"
run_cmd 1 "a manifest path leaving the component" "$A" archive "$S" "$BASE/ok/rust-bad.tar.xz" "$(sha_of rust-bad.tar.xz)"
like "$ERR" "'rustc/manifest.in' line 1: unsafe path '\\.\\./cargo/bin/cargo'" "is refused naming the manifest line"
# two components providing the same file
cp -R "$R" "$T/rust3.d" 2>/dev/null; mkdir -p "$T/rust3" && mv "$T/rust3.d" "$T/rust3/rust-1.80.0-$TRIPLE"
mkdir -p "$T/rust3/rust-1.80.0-$TRIPLE/cargo/bin" && cp "$R/rustc/bin/rustc" "$T/rust3/rust-1.80.0-$TRIPLE/cargo/bin/rustc"
printf 'file:bin/cargo\nfile:bin/rustc\n' >"$T/rust3/rust-1.80.0-$TRIPLE/cargo/manifest.in"
tar -C "$T/rust3" -cJf "$WWW/rust-dup.tar.xz" "rust-1.80.0-$TRIPLE"
run_cmd 1 "two components with one file" "$A" archive "$S" "$BASE/ok/rust-dup.tar.xz" "$(sha_of rust-dup.tar.xz)"
like "$ERR" "component 'cargo': 'bin/rustc' is already provided by another component" "is refused naming both"

# ---- a plain archive ----
mkdir -p "$T/plain/tool" && echo x >"$T/plain/tool/x"
tar -C "$T/plain" -czf "$WWW/plain.tar.gz" tool
run_cmd 0 "a plain archive" "$A" archive "$S" "$BASE/ok/plain.tar.gz" "$(sha_of plain.tar.gz)"
is "$(field layout)" plain "has no known layout"

# ---- store verify ----
run_pw 0 "store verify: all sound" store verify
chmod u+w "$M/lib" "$M/lib/librustc_driver-1234.so"
echo changed >"$M/lib/librustc_driver-1234.so"
chmod a-w "$M/lib" "$M/lib/librustc_driver-1234.so"
run_pw 1 "store verify detects a modified merged tree" store verify
like "$ERR" "tree ${M##*/}: content digest" "naming the tree"
# the tree hash is checked too: a record whose tree_hash disagrees
TREE_ID=${TREE##*/}
chmod u+w "$S/trees" "$S/trees/$TREE_ID.json" 2>/dev/null
sed 's/"tree_hash": "[0-9a-f]*"/"tree_hash": "0000000000000000000000000000000000000000000000000000000000000000"/' \
	"$S/trees/$TREE_ID.json" >"$T/rec" && cat "$T/rec" >"$S/trees/$TREE_ID.json"
run_pw 1 "store verify checks the recorded tree hash" store verify
like "$ERR" "tree $TREE_ID: tree hash [0-9a-f]{64}, recorded 0{64}" "and says which"

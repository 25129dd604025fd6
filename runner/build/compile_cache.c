/* compile_cache.c - the compilation cache of `pinwheel build`
 * (include/pinwheel/compile_cache.h, docs/compile-cache.md): the wrapper
 * a build step's compiler runs behind, what the step gets to use it, its
 * stats, and `store gc`'s part. */
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "build_int.h"
#include "pinwheel/compile_cache.h"
#include "pinwheel/derived.h"
#include "pinwheel/fsutil.h"
#include "pinwheel/log.h"
#include "pinwheel/untrusted.h"
#include "pinwheel/zig.h"

/* The wrapper, POSIX sh (dash in Debian roots): a compiler's -E, sha256sum,
 * cp and mv are all it needs of the root.  An entry is written beside its
 * final name and renamed (sha256 first, object second), so concurrent
 * builds never see half an entry; a reader that finds an object which does
 * not hash to its recorded sha256 compiles again and says so. */
static const char script[] =
    "#!/bin/sh\n"
    "# pinwheel's compile cache (docs/compile-cache.md): pw-cc COMPILER ARG...\n"
    "# A compile of one source into one object (-c -o OUT) is looked up by the\n"
    "# sha256 of the compiler's identity (PINWHEEL_CC_ID), its arguments but\n"
    "# the output, the working directory, the variables that change what a\n"
    "# compiler reads and the preprocessed input; every other call runs the\n"
    "# compiler as it is.  An entry is KEY.o with KEY.sha256 beside it, and\n"
    "# with -MD/-MMD (make and ninja's dependency file, whose path and target\n"
    "# then join the key) KEY.d with KEY.d.sha256.\n"
    "d=${PINWHEEL_CC_DIR-}\n"
    "st=${PINWHEEL_CC_STATS:-/dev/null}\n"
    "note() { printf '%s\\n' \"$1\" >>\"$st\" 2>/dev/null || :; }\n"
    "[ -n \"$d\" ] && [ -d \"$d\" ] && [ -n \"${PINWHEEL_CC_ID-}\" ] || exec \"$@\"\n"
    "out= nsrc=0 nc=0 why= prev= dep= depf=\n"
    "for a\n"
    "do\n"
    "\tif [ -n \"$prev\" ]; then\n"
    "\t\tcase $prev in -o) out=$a ;; -MF) depf=$a ;; esac\n"
    "\t\tprev=\n"
    "\t\tcontinue\n"
    "\tfi\n"
    "\tcase $a in\n"
    "\t-c) nc=$((nc + 1)) ;;\n"
    "\t-o) prev=-o ;;\n"
    "\t-o?*) out=${a#-o} ;;\n"
    "\t-MD|-MMD) dep=1 ;;\n"
    "\t-MF|-MT|-MQ) prev=$a ;;\n"
    "\t-MF?*) depf=${a#-MF} ;;\n"
    "\t-MT?*|-MQ?*|-MP) ;;\n"
    "\t-E|-S|-M*|-save-temps*|-gsplit-dwarf|--analyze|-fprofile-use*|-fprofile-instr-use*|\\\n"
    "-fprofile-sample-use*|-fsanitize-*list*|-ftime-trace*|-fcrash-diagnostics*|-|@*)\n"
    "\t\twhy=${why:-\"option $a\"} ;;\n"
    "\t-I|-D|-U|-include|-imacros|-isystem|-idirafter|-iquote|-iprefix|-iwithprefix|\\\n"
    "-iwithprefixbefore|-isysroot|--sysroot|-target|-x|-Xclang|-Xpreprocessor|-Xassembler|\\\n"
    "-Xlinker|-arch|--param|-mllvm|-MJ|-L|-l|-T|-z|-u)\n"
    "\t\tprev=$a ;;\n"
    "\t-*) ;;\n"
    "\t*.c|*.cc|*.cpp|*.cxx|*.c++|*.C|*.cp|*.CPP|*.m|*.mm|*.i|*.ii) nsrc=$((nsrc + 1)) ;;\n"
    "\tesac\n"
    "done\n"
    "[ \"$nc\" = 1 ] || why=${why:-\"not one -c\"}\n"
    "[ \"$nsrc\" = 1 ] || why=${why:-\"$nsrc sources\"}\n"
    "[ -n \"$out\" ] || why=${why:-\"no -o\"}\n"
    "# -MD without -MF: the dependency file is OUT with its suffix made .d\n"
    "if [ -n \"$dep\" ] && [ -z \"$depf\" ]; then\n"
    "\tcase ${out##*/} in\n"
    "\t*.*) depf=${out%.*}.d ;;\n"
    "\t*) depf=$out.d ;;\n"
    "\tesac\n"
    "fi\n"
    "[ -z \"${DEPENDENCIES_OUTPUT-}${SUNPRO_DEPENDENCIES-}\" ] || why=${why:-\"dependency "
    "output\"}\n"
    "if [ -n \"$why\" ]; then\n"
    "\tnote \"skip $why\"\n"
    "\texec \"$@\"\n"
    "fi\n"
    "# the command without -c and -o OUT: preprocessed with -E, compiled with\n"
    "# -c -o OUT (their place on the line changes nothing a compiler writes)\n"
    "first=1\n"
    "prev=\n"
    "for a\n"
    "do\n"
    "\tif [ \"$first\" = 1 ]; then set --; first=; fi\n"
    "\tif [ -n \"$prev\" ]; then\n"
    "\t\tprev=\n"
    "\t\tcontinue\n"
    "\tfi\n"
    "\tcase $a in\n"
    "\t-c|-o?*) continue ;;\n"
    "\t-o) prev=1; continue ;;\n"
    "\tesac\n"
    "\tset -- \"$@\" \"$a\"\n"
    "done\n"
    "tmp=${TMPDIR:-/tmp}/pw-cc.$$\n"
    "if ! \"$@\" -E >\"$tmp.i\" 2>/dev/null; then\n"
    "\trm -f \"$tmp.i\"\n"
    "\tnote \"skip preprocessing failed\"\n"
    "\texec \"$@\" -c -o \"$out\"\n"
    "fi\n"
    "if grep -q '\\.incbin' \"$tmp.i\"; then\n"
    "\trm -f \"$tmp.i\"\n"
    "\tnote \"skip .incbin\"\n"
    "\texec \"$@\" -c -o \"$out\"\n"
    "fi\n"
    "key=$({\n"
    "\tprintf 'pw-cc;v1\\0id %s\\0pwd %s\\0' \"$PINWHEEL_CC_ID\" \"$PWD\"\n"
    "\tprintf 'arg %s\\0' \"$@\"\n"
    "\t[ -z \"$dep\" ] || printf 'dep %s\\0out %s\\0' \"$depf\" \"$out\"\n"
    "\tenv | LC_ALL=C grep -E "
    "'^(SOURCE_DATE_EPOCH|CPATH|C_INCLUDE_PATH|CPLUS_INCLUDE_PATH|OBJC_INCLUDE_PATH|COMPILER_PATH|"
    "GCC_EXEC_PREFIX|GCC_COMPARE_DEBUG|CCC_OVERRIDE_OPTIONS|ZIG_LIB_DIR)=' | LC_ALL=C sort\n"
    "\tprintf '\\0input\\0'\n"
    "\tcat \"$tmp.i\"\n"
    "} | sha256sum)\n"
    "rm -f \"$tmp.i\"\n"
    "key=${key%% *}\n"
    "if [ ${#key} != 64 ]; then\n"
    "\tnote \"skip no key\"\n"
    "\texec \"$@\" -c -o \"$out\"\n"
    "fi\n"
    "sub=$d/${key%\"${key#??}\"}\n"
    "e=$sub/$key\n"
    "if [ \"${PINWHEEL_CC_MODE-}\" != write ] && [ -f \"$e.o\" ]; then\n"
    "\twant=$(cat \"$e.sha256\" 2>/dev/null)\n"
    "\tgot=$(sha256sum <\"$e.o\")\n"
    "\tgot=${got%% *}\n"
    "\tdok=1\n"
    "\tif [ -n \"$dep\" ]; then\n"
    "\t\tdwant=$(cat \"$e.d.sha256\" 2>/dev/null)\n"
    "\t\tdgot=$(sha256sum <\"$e.d\" 2>/dev/null)\n"
    "\t\t[ -n \"$dwant\" ] && [ \"${dgot%% *}\" = \"$dwant\" ] || dok=\n"
    "\tfi\n"
    "\tif [ -n \"$want\" ] && [ \"$got\" = \"$want\" ] && [ -n \"$dok\" ]; then\n"
    "\t\tif { [ -z \"$dep\" ] || { cp \"$e.d\" \"$depf.pw-cc.$$\" &&\n"
    "\t\t\tmv -f \"$depf.pw-cc.$$\" \"$depf\"; }; } &&\n"
    "\t\t\tcp \"$e.o\" \"$out.pw-cc.$$\" && mv -f \"$out.pw-cc.$$\" \"$out\"; then\n"
    "\t\t\ttouch -c \"$e.o\" 2>/dev/null\n"
    "\t\t\tnote \"hit $key\"\n"
    "\t\t\texit 0\n"
    "\t\tfi\n"
    "\t\trm -f \"$out.pw-cc.$$\" \"$depf.pw-cc.$$\"\n"
    "\telse\n"
    "\t\tnote \"corrupt $key\"\n"
    "\t\techo \"pinwheel: compile cache: entry $key does not match its sha256 (damaged): compiling "
    "again\" >&2\n"
    "\tfi\n"
    "fi\n"
    "\"$@\" -c -o \"$out\" || exit\n"
    "note \"miss $key\"\n"
    "t=$sub/.tmp.$key.$$\n"
    "mkdir -p \"$sub\" 2>/dev/null\n"
    "# the dependency file first: a reader goes by KEY.o, written last\n"
    "if { [ -z \"$dep\" ] || { cp \"$depf\" \"$t.d\" 2>/dev/null && dsum=$(sha256sum <\"$t.d\") &&\n"
    "\tprintf '%s\\n' \"${dsum%% *}\" >\"$t.dsum\" && mv -f \"$t.dsum\" \"$e.d.sha256\" &&\n"
    "\tmv -f \"$t.d\" \"$e.d\"; }; } &&\n"
    "\tcp \"$out\" \"$t.o\" 2>/dev/null && sum=$(sha256sum <\"$t.o\") &&\n"
    "\tprintf '%s\\n' \"${sum%% *}\" >\"$t.sha256\" && mv -f \"$t.sha256\" \"$e.sha256\" &&\n"
    "\tmv -f \"$t.o\" \"$e.o\"; then\n"
    "\t:\n"
    "else\n"
    "\trm -f \"$t.o\" \"$t.sha256\" \"$t.d\" \"$t.dsum\"\n"
    "fi\n"
    "exit 0\n";

/* The rustc wrapper (cargo's RUSTC_WRAPPER), POSIX sh too: rustc itself
 * (a dep-info pass with -Z binary-dep-depinfo under RUSTC_BOOTSTRAP, which
 * lists every file and crate a compile reads), sha256sum, find, sed, grep,
 * tee, mkfifo, cp and mv of the root.  An entry is a directory KEY.rust
 * made beside its final name and renamed whole; a reader checks every file
 * against the entry's "sums" before it copies anything out. */
static const char rust_script[] =
    "#!/bin/sh\n"
    "# pinwheel's compile cache for rustc (docs/compile-cache.md), cargo's\n"
    "# RUSTC_WRAPPER: pw-rustc RUSTC ARG...  A compile of one crate (lib, rlib,\n"
    "# proc-macro, bin, cdylib; --emit of dep-info, metadata, link; --out-dir)\n"
    "# is looked up by the sha256 of the compiler's content (rustc, the\n"
    "# libraries it runs on, its sysroot), the arguments, the working directory,\n"
    "# the variables rustc sees, and the content of every file the crate reads:\n"
    "# its sources and every crate it loads, as a dep-info pass with\n"
    "# -Z binary-dep-depinfo lists them.  Every other call runs rustc as it is.\n"
    "# An entry is the directory KEY.rust: the outputs, rustc's stdout and\n"
    "# stderr (@stdout, @stderr) and \"sums\", the sha256 of each.\n"
    "d=${PINWHEEL_CC_DIR-}\n"
    "st=${PINWHEEL_CC_STATS:-/dev/null}\n"
    "note() { printf '%s\\n' \"$1\" >>\"$st\" 2>/dev/null || :; }\n"
    "[ -n \"$d\" ] && [ -d \"$d\" ] && [ -n \"${PINWHEEL_CC_ID-}\" ] && [ $# -gt 1 ] || exec \"$@\"\n"
    "name= extra= types= emit= outdir= why= prev= probe= first=1 linker= largs= kind= linked=\n"
    "# a crate type given twice is one (old cargo's `cargo rustc --crate-type`)\n"
    "addtype() { case \"$types \" in *\" $1 \"*) ;; *) types=\"$types $1\" ;; esac; }\n"
    "for a\n"
    "do\n"
    "\tif [ -n \"$first\" ]; then first=; continue; fi\n"
    "\tif [ -n \"$prev\" ]; then\n"
    "\t\tcase $prev in\n"
    "\t\t--crate-name) name=$a ;;\n"
    "\t\t--crate-type) addtype \"$a\" ;;\n"
    "\t\t--emit) emit=$a ;;\n"
    "\t\t--out-dir) outdir=$a ;;\n"
    "\t\t-C|--codegen)\n"
    "\t\t\tcase $a in\n"
    "\t\t\textra-filename=*) extra=${a#extra-filename=} ;;\n"
    "\t\t\tincremental*) why=${why:-incremental} ;;\n"
    "\t\t\tlinker=*) linker=${a#linker=} ;;\n"
    "\t\t\tlink-arg=*|link-args=*) largs=\"$largs ${a#*=}\" ;;\n"
    "\t\t\tsave-temps*|profile-*|split-debuginfo=packed|split-debuginfo=unpacked)\n"
    "\t\t\t\twhy=${why:-\"-C $a\"} ;;\n"
    "\t\t\tesac ;;\n"
    "\t\t-Z) case $a in pre-link-arg*) largs=\"$largs ${a#*=}\" ;; esac ;;\n"
    "\t\t-l) why=${why:-\"native library\"} ;;\n"
    "\t\t-L) case $a in dependency=*) ;; *) why=${why:-\"-L $a\"} ;; esac ;;\n"
    "\t\t-o) why=${why:-\"-o\"} ;;\n"
    "\t\tesac\n"
    "\t\tprev=\n"
    "\t\tcontinue\n"
    "\tfi\n"
    "\tcase $a in\n"
    "\t--crate-name|--crate-type|--emit|--out-dir|-C|--codegen|-l|-L|-o|--extern|--cfg|\\\n"
    "--check-cfg|--cap-lints|--edition|--target|--error-format|--json|-A|-W|-D|-F|\\\n"
    "--remap-path-prefix|-Z|--diagnostic-width|--color|--env-set)\n"
    "\t\tprev=$a ;;\n"
    "\t--crate-name=*) name=${a#*=} ;;\n"
    "\t--crate-type=*) addtype \"${a#*=}\" ;;\n"
    "\t--emit=*) emit=${a#*=} ;;\n"
    "\t--out-dir=*) outdir=${a#*=} ;;\n"
    "\t-Cextra-filename=*) extra=${a#-Cextra-filename=} ;;\n"
    "\t-Cincremental*) why=${why:-incremental} ;;\n"
    "\t-Clinker=*) linker=${a#-Clinker=} ;;\n"
    "\t-Clink-arg=*|-Clink-args=*) largs=\"$largs ${a#*=}\" ;;\n"
    "\t-Zpre-link-arg*) largs=\"$largs ${a#*=}\" ;;\n"
    "\t-Csave-temps*|-Cprofile-*|-Csplit-debuginfo=packed|-Csplit-debuginfo=unpacked)\n"
    "\t\twhy=${why:-\"option $a\"} ;;\n"
    "\t-l*) why=${why:-\"native library\"} ;;\n"
    "\t-Ldependency=*) ;;\n"
    "\t-L*) why=${why:-\"option $a\"} ;;\n"
    "\t-o*) why=${why:-\"-o\"} ;;\n"
    "\t-|-vV|-V|--version|--print|--print=*|-) probe=1 ;;\n"
    "\t--test|--sysroot*|--explain*|-Zincremental*|@*) why=${why:-\"option $a\"} ;;\n"
    "\tesac\n"
    "done\n"
    "[ -z \"$probe\" ] || exec \"$@\"\n"
    "case $types in\n"
    "\" lib\"|\" rlib\") kind=lib ;;\n"
    "\" proc-macro\") kind=proc-macro ;;\n"
    "\" cdylib\") kind=cdylib ;;\n"
    "\" bin\") kind=bin ;;\n"
    "*) why=${why:-\"crate type$types\"} ;;\n"
    "esac\n"
    "[ -n \"$name\" ] || why=${why:-\"no crate name\"}\n"
    "[ -n \"$outdir\" ] || why=${why:-\"no --out-dir\"}\n"
    "outs=\n"
    "case ,$emit, in\n"
    ",,) why=${why:-\"no --emit\"} ;;\n"
    "esac\n"
    "for x in $(printf '%s' \"$emit\" | tr , ' ')\n"
    "do\n"
    "\tcase $kind,$x in\n"
    "\t*,dep-info) outs=\"$outs $name$extra.d\" ;;\n"
    "\tlib,metadata) outs=\"$outs lib$name$extra.rmeta\" ;;\n"
    "\tlib,link) outs=\"$outs lib$name$extra.rlib\" ;;\n"
    "\tproc-macro,link|cdylib,link) outs=\"$outs lib$name$extra.so\" ;;\n"
    "\tbin,link) outs=\"$outs $name$extra\" ;;\n"
    "\t*) why=${why:-\"--emit $x\"} ;;\n"
    "\tesac\n"
    "done\n"
    "# a linked crate (proc-macro, cdylib, bin): the linker reads what its\n"
    "# arguments name; a file there is no input the key knows of\n"
    "case $kind in\n"
    "lib) ;;\n"
    "*)\n"
    "\tlinked=1\n"
    "\tcase $largs in\n"
    "\t*/*|*@*) why=${why:-\"link argument naming a file\"} ;;\n"
    "\tesac ;;\n"
    "esac\n"
    "if [ -n \"$why\" ]; then\n"
    "\tnote \"rskip $why\"\n"
    "\texec \"$@\"\n"
    "fi\n"
    "tmp=${TMPDIR:-/tmp}\n"
    "rustc=$1\n"
    "# The compiler's content, once per step and rustc (the step's /tmp is its own).\n"
    "idf=$tmp/pw-rustc-id.$(printf '%s' \"$rustc\" | sha256sum | cut -c1-16)\n"
    "sr=$(\"$rustc\" --print sysroot 2>/dev/null) && [ -d \"$sr\" ] || {\n"
    "\tnote \"rskip no sysroot\"\n"
    "\texec \"$@\"\n"
    "}\n"
    "if [ ! -s \"$idf\" ]; then\n"
    "\tbin=$(command -v \"$rustc\")\n"
    "\tid=$({\n"
    "\t\tprintf 'pw-rustc-id;v1\\0'\n"
    "\t\t\"$rustc\" -vV\n"
    "\t\tprintf '\\0'\n"
    "\t\tfor f in \"$bin\" \"$sr\"/lib/librustc_driver-* \"$sr\"/lib/*/librustc_driver-* \\\n"
    "\t\t\t\"$sr\"/lib/libLLVM* \"$sr\"/lib/*/libLLVM* \"$sr\"/lib/*/libstdc++.so.6 \\\n"
    "\t\t\t\"$sr\"/lib/*/libgcc_s.so.1 \"$sr\"/lib/*/libc.so.6 \"$sr\"/lib/*/libm.so.6\n"
    "\t\tdo\n"
    "\t\t\t[ -f \"$f\" ] && sha256sum \"$f\"\n"
    "\t\tdone\n"
    "\t\tfind \"$sr/lib/rustlib\" -type f | LC_ALL=C sort | while IFS= read -r f\n"
    "\t\tdo\n"
    "\t\t\tsha256sum \"$f\"\n"
    "\t\tdone\n"
    "\t} | sha256sum) || id=\n"
    "\tid=${id%% *}\n"
    "\tif [ ${#id} = 64 ]; then\n"
    "\t\tprintf '%s\\n' \"$id\" >\"$idf.$$\" && mv -f \"$idf.$$\" \"$idf\"\n"
    "\tfi\n"
    "fi\n"
    "rid=$(cat \"$idf\" 2>/dev/null)\n"
    "if [ ${#rid} != 64 ]; then\n"
    "\tnote \"rskip no compiler identity\"\n"
    "\texec \"$@\"\n"
    "fi\n"
    "# The linker of a linked crate: -C linker, else cc, as PATH finds it, by\n"
    "# content (what it runs is the root's: PINWHEEL_CC_ID).\n"
    "if [ -n \"$linked\" ]; then\n"
    "\tlp=$(command -v \"${linker:-cc}\") && [ -f \"$lp\" ] && lsum=$(sha256sum <\"$lp\") || {\n"
    "\t\tnote \"rskip no linker\"\n"
    "\t\texec \"$@\"\n"
    "\t}\n"
    "fi\n"
    "w=$tmp/pw-rustc.$$\n"
    "rm -rf \"$w\" && mkdir \"$w\" \"$w/d\" || exec \"$@\"\n"
    "# Direct mode: a call seen before (the same rustc and link, arguments,\n"
    "# working directory and every variable) whose files (those its dep-info pass\n"
    "# listed, and the rlibs of a link) hold the same bytes has the key it had\n"
    "# then, without the dep-info pass.  Its manifest KEY.rdirect holds that key,\n"
    "# the files, their sums, and \"sum\", the sha256 of the three.\n"
    "dk=$({\n"
    "\tprintf 'pw-rustc-direct;v1\\0rustc %s\\0pwd %s\\0' \"$rid\" \"$PWD\"\n"
    "\t[ -n \"$linked\" ] && printf 'root %s\\0linker %s %s\\0' \"$PINWHEEL_CC_ID\" \"$lp\" \"${lsum%% *}\"\n"
    "\tshift\n"
    "\tprintf 'arg %s\\0' \"$@\"\n"
    "\tenv | LC_ALL=C grep -v -E '^(CARGO_MAKEFLAGS|PINWHEEL_)' | LC_ALL=C sort\n"
    "} | sha256sum)\n"
    "dk=${dk%% *}\n"
    "dm=$d/${dk%\"${dk#??}\"}/$dk.rdirect\n"
    "key= direct=\n"
    "# (copied first: a manifest another build replaces meanwhile gives a\n"
    "# copy whose sum does not fit, never a key with another's files)\n"
    "if [ ${#dk} = 64 ] && [ \"${PINWHEEL_CC_MODE-}\" != write ] && [ -d \"$dm\" ] &&\n"
    "\tmkdir \"$w/m\" && cp \"$dm/key\" \"$dm/files\" \"$dm/sums\" \"$dm/sum\" \"$w/m/\" 2>/dev/null &&\n"
    "\t[ \"$(cat \"$w/m/key\" \"$w/m/files\" \"$w/m/sums\" | sha256sum)\" = \"$(cat \"$w/m/sum\")\" ] &&\n"
    "\ttr '\\n' '\\0' <\"$w/m/files\" | xargs -0 -r sha256sum -- >\"$w/sums\" 2>/dev/null &&\n"
    "\tcmp -s \"$w/sums\" \"$w/m/sums\"; then\n"
    "\tkey=$(cat \"$w/m/key\")\n"
    "\tcase $key in\n"
    "\t*[!0-9a-f]*) key= ;;\n"
    "\t*) [ ${#key} = 64 ] && direct=1 && touch -c \"$dm\" 2>/dev/null || key= ;;\n"
    "\tesac\n"
    "fi\n"
    "if [ -z \"$direct\" ]; then\n"
    "\t# The dep-info pass: what the crate reads (sources, include_str!, env!,\n"
    "\t# and with -Z binary-dep-depinfo every crate it loads).\n"
    "\tdepinfo() {\n"
    "\t\tfirst=1 prev=\n"
    "\t\tfor a\n"
    "\t\tdo\n"
    "\t\t\tif [ -n \"$first\" ]; then set --; first=; fi\n"
    "\t\t\tif [ -n \"$prev\" ]; then prev=; continue; fi\n"
    "\t\t\tcase $a in\n"
    "\t\t\t--emit|--out-dir|--json) prev=1; continue ;;\n"
    "\t\t\t--emit=*|--out-dir=*|--json=*) continue ;;\n"
    "\t\t\tesac\n"
    "\t\t\tset -- \"$@\" \"$a\"\n"
    "\t\tdone\n"
    "\t\tRUSTC_BOOTSTRAP=1 \"$@\" --emit=dep-info --out-dir \"$w/d\" -Z binary-dep-depinfo\n"
    "\t}\n"
    "\tif ! depinfo \"$@\" >/dev/null 2>&1 || [ ! -f \"$w/d/$name$extra.d\" ]; then\n"
    "\t\trm -rf \"$w\"\n"
    "\t\tnote \"rskip dep-info failed\"\n"
    "\t\texec \"$@\"\n"
    "\tfi\n"
    "\t# the files: every \"PATH:\" line (a space in a path is \"\\ \")\n"
    "\tsed -n '/^[^#].*[^\\\\]:$/{/[^\\\\]: /d;s/:$//;s/\\\\ / /g;p;}' \"$w/d/$name$extra.d\" >\"$w/files\"\n"
    "\t# the files to hash: those, but the standard library (in the rustc's\n"
    "\t# identity), and for a link the .rlib beside each .rmeta: a link reads\n"
    "\t# the code of every crate, which the dep-info pass may know by its\n"
    "\t# metadata only (a crate of a crate, loaded as .rmeta)\n"
    "\twhile IFS= read -r f\n"
    "\tdo\n"
    "\t\tcase $f in\n"
    "\t\t\"$sr\"/lib/rustlib/*) continue ;;\n"
    "\t\tesac\n"
    "\t\tprintf '%s\\n' \"$f\"\n"
    "\t\tcase $linked,$f in\n"
    "\t\t1,*.rmeta) [ ! -f \"${f%.rmeta}.rlib\" ] || printf '%s\\n' \"${f%.rmeta}.rlib\" ;;\n"
    "\t\tesac\n"
    "\tdone <\"$w/files\" >\"$w/dfiles\"\n"
    "\t# the key's input, whole or not at all (an unreadable file: no key)\n"
    "\tif tr '\\n' '\\0' <\"$w/dfiles\" | xargs -0 -r sha256sum -- >\"$w/dsums\" 2>/dev/null && (\n"
    "\t\tprintf 'pw-rustc;v2\\0rustc %s\\0pwd %s\\0' \"$rid\" \"$PWD\"\n"
    "\t\t[ -n \"$linked\" ] && printf 'root %s\\0linker %s %s\\0' \"$PINWHEEL_CC_ID\" \"$lp\" \"${lsum%% *}\"\n"
    "\t\tshift\n"
    "\t\tprintf 'arg %s\\0' \"$@\"\n"
    "\t\tenv | LC_ALL=C grep -E '^(CARGO|RUSTC|RUST|OUT_DIR|SOURCE_DATE_EPOCH|PATH|LD_LIBRARY_PATH)' |\n"
    "\t\t\tLC_ALL=C grep -v -E '^(CARGO_MAKEFLAGS|PINWHEEL_)' | LC_ALL=C sort\n"
    "\t\t[ -z \"$linked\" ] || env | LC_ALL=C grep -E \\\n"
    "\t\t\t'^(LIBRARY_PATH|LD_RUN_PATH|COMPILER_PATH|GCC_EXEC_PREFIX|ZIG_[A-Z_]*)=' | LC_ALL=C sort\n"
    "\t\tprintf '\\0depinfo\\0'\n"
    "\t\tsed \"s|$w/d|@|g\" \"$w/d/$name$extra.d\"\n"
    "\t\tprintf '\\0files\\0'\n"
    "\t\tcat \"$w/dsums\"\n"
    "\t) >\"$w/key\"; then\n"
    "\t\tkey=$(sha256sum <\"$w/key\")\n"
    "\telse\n"
    "\t\tkey=\n"
    "\tfi\n"
    "\tkey=${key%% *}\n"
    "\tif [ ${#key} != 64 ]; then\n"
    "\t\trm -rf \"$w\"\n"
    "\t\tnote \"rskip unreadable input\"\n"
    "\t\texec \"$@\"\n"
    "\tfi\n"
    "\t# the manifest of this call, for the next (written whole, as an entry)\n"
    "\tmt=${dm%/*}/.tmp.$dk.$$\n"
    "\tif [ ${#dk} = 64 ] && [ ${#key} = 64 ] && mkdir -p \"${dm%/*}\" 2>/dev/null && rm -rf \"$mt\" &&\n"
    "\t\tmkdir \"$mt\" 2>/dev/null && printf '%s\\n' \"$key\" >\"$mt/key\" && cp \"$w/dfiles\" \"$mt/files\" &&\n"
    "\t\tcp \"$w/dsums\" \"$mt/sums\" &&\n"
    "\t\tcat \"$mt/key\" \"$mt/files\" \"$mt/sums\" | sha256sum >\"$mt/sum\"; then\n"
    "\t\tif [ -d \"$dm\" ]; then\n"
    "\t\t\tmv -T \"$dm\" \"${dm%/*}/.tmp.old.$dk.$$\" 2>/dev/null && rm -rf \"${dm%/*}/.tmp.old.$dk.$$\"\n"
    "\t\tfi\n"
    "\t\tmv -T \"$mt\" \"$dm\" 2>/dev/null || rm -rf \"$mt\"\n"
    "\telse\n"
    "\t\trm -rf \"$mt\"\n"
    "\tfi\n"
    "fi\n"
    "rm -rf \"$w\"\n"
    "sub=$d/${key%\"${key#??}\"}\n"
    "e=$sub/$key.rust\n"
    "replace=\n"
    "[ \"${PINWHEEL_CC_MODE-}\" != write ] || replace=1\n"
    "if [ -z \"$replace\" ] && [ -d \"$e\" ]; then\n"
    "\tgood=1\n"
    "\t# every output the call makes, and nothing else, each with its sum\n"
    "\tfor o in $outs @stdout @stderr\n"
    "\tdo\n"
    "\t\tgrep -q \"^[0-9a-f]\\{64\\} $o\\$\" \"$e/sums\" 2>/dev/null || good=\n"
    "\tdone\n"
    "\t[ \"$(wc -l <\"$e/sums\" 2>/dev/null)\" = $(($(echo $outs | wc -w) + 2)) ] || good=\n"
    "\tif [ -n \"$good\" ]; then\n"
    "\t\twhile read -r want o\n"
    "\t\tdo\n"
    "\t\t\tgot=$(sha256sum <\"$e/$o\") || got=\n"
    "\t\t\t[ \"${got%% *}\" = \"$want\" ] || good=\n"
    "\t\tdone <\"$e/sums\"\n"
    "\tfi\n"
    "\tif [ -n \"$good\" ]; then\n"
    "\t\tfor o in $outs\n"
    "\t\tdo\n"
    "\t\t\tcp \"$e/$o\" \"$outdir/$o.pw-rustc.$$\" && mv -f \"$outdir/$o.pw-rustc.$$\" \"$outdir/$o\" ||\n"
    "\t\t\t\tgood=\n"
    "\t\tdone\n"
    "\t\tif [ -n \"$good\" ]; then\n"
    "\t\t\ttouch -c \"$e\" 2>/dev/null\n"
    "\t\t\tnote \"rhit $key $name${direct:+ direct}\"\n"
    "\t\t\tcat \"$e/@stdout\"\n"
    "\t\t\tcat \"$e/@stderr\" >&2\n"
    "\t\t\texit 0\n"
    "\t\tfi\n"
    "\t\tfor o in $outs\n"
    "\t\tdo\n"
    "\t\t\trm -f \"$outdir/$o.pw-rustc.$$\"\n"
    "\t\tdone\n"
    "\telse\n"
    "\t\treplace=1\n"
    "\t\tnote \"rcorrupt $key $name\"\n"
    "\t\techo \"pinwheel: compile cache: entry $key (crate $name) does not match its sha256 (damaged): compiling again\" >&2\n"
    "\tfi\n"
    "fi\n"
    "# A miss: rustc as it is, its stderr passed on as it comes (cargo reads\n"
    "# the artifact notices from it) and kept.\n"
    "t=$sub/.tmp.$key.$$\n"
    "mkdir -p \"$sub\" 2>/dev/null\n"
    "rm -rf \"$t\"\n"
    "if ! mkdir \"$t\" 2>/dev/null || ! mkfifo \"$t/fifo\" 2>/dev/null; then\n"
    "\trm -rf \"$t\"\n"
    "\t\"$@\" || exit\n"
    "\tnote \"rmiss $key $name\"\n"
    "\texit 0\n"
    "fi\n"
    "tee \"$t/@stderr\" <\"$t/fifo\" >&2 &\n"
    "\"$@\" >\"$t/@stdout\" 2>\"$t/fifo\"\n"
    "rc=$?\n"
    "wait\n"
    "rm -f \"$t/fifo\"\n"
    "cat \"$t/@stdout\"\n"
    "if [ \"$rc\" != 0 ]; then\n"
    "\trm -rf \"$t\"\n"
    "\texit \"$rc\"\n"
    "fi\n"
    "note \"rmiss $key $name\"\n"
    "ok=1\n"
    "for o in $outs\n"
    "do\n"
    "\tcp \"$outdir/$o\" \"$t/$o\" 2>/dev/null || ok=\n"
    "done\n"
    "if [ -n \"$ok\" ]; then\n"
    "\t(cd \"$t\" && sha256sum -- $outs @stdout @stderr) >\"$t/sums.tmp\" 2>/dev/null &&\n"
    "\t\tsed 's/  / /' \"$t/sums.tmp\" >\"$t/sums\" && rm -f \"$t/sums.tmp\" || ok=\n"
    "fi\n"
    "if [ -n \"$ok\" ] && [ -n \"$replace\" ] && [ -d \"$e\" ]; then\n"
    "\t# a damaged entry, or --no-cache: the new one takes its place\n"
    "\tmv -T \"$e\" \"$sub/.tmp.old.$key.$$\" 2>/dev/null && rm -rf \"$sub/.tmp.old.$key.$$\"\n"
    "fi\n"
    "if [ -z \"$ok\" ] || ! mv -T \"$t\" \"$e\" 2>/dev/null; then\n"
    "\trm -rf \"$t\"\n"
    "fi\n"
    "exit 0\n";

const char *pw_cc_script(void)
{
	return script;
}

const char *pw_rc_script(void)
{
	return rust_script;
}

/* ---- stats ---- */

void pw_cc_stats_parse(const char *data, size_t n, struct pw_cc_stats *st)
{
	const char *p = data, *end = data + n;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (l >= 4 && !memcmp(p, "hit ", 4))
			st->hits++;
		else if (l >= 5 && !memcmp(p, "miss ", 5))
			st->misses++;
		else if (l >= 8 && !memcmp(p, "corrupt ", 8))
			st->corrupt++;
		else if (l >= 5 && !memcmp(p, "skip ", 5))
			st->skipped++;
		else if (l >= 5 && !memcmp(p, "rhit ", 5))
			st->rhits++;
		else if (l >= 6 && !memcmp(p, "rmiss ", 6))
			st->rmisses++;
		else if (l >= 9 && !memcmp(p, "rcorrupt ", 9))
			st->rcorrupt++;
		else if (l >= 6 && !memcmp(p, "rskip ", 6))
			st->rskipped++;
		p += l + 1;
	}
}

int pw_cc_stats_read(const char *path, struct pw_cc_stats *st, struct pw_err *e)
{
	_cleanup_free_ char *dir = pw_xstrdup(path);
	char *slash = strrchr(dir, '/');
	struct pw_buf b = PW_BUF_INIT(PW_CC_STATS_MAX);
	_cleanup_close_ int dfd = -1;
	int r;

	if (!slash)
		return pw_err_set(e, EINVAL, "'%s': expected a path with a directory", path);
	*slash = '\0';
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return pw_err_sys(e, errno, "'%s'", dir);
	if (faccessat(dfd, slash + 1, F_OK, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT)
		return 0;
	r = pw_untrusted_read(dfd, slash + 1, PW_CC_STATS_MOUNT "/" PW_CC_STATS_FILE, &b, e);
	if (r == 0)
		pw_cc_stats_parse(b.buf, b.len, st);
	pw_buf_release(&b);
	return r;
}

/* ---- in a build ---- */

int pw_build_cc_setup(struct build *b, struct pw_err *e)
{
	_cleanup_free_ char *bin = NULL, *wrapper = NULL, *rwrapper = NULL;
	int r;

	if (b->cc_mode == PW_CC_OFF)
		return 0;
	b->cc_dir = pw_path_join(pw_store_dir(b->store), PW_CC_STORE_DIR);
	r = pw_mkdir_p(b->cc_dir, 0755);
	if (r < 0)
		return pw_err_sys(e, -r, "compile cache '%s'", b->cc_dir);
	/* the wrapper is ours, bound read-only: a step can change entries,
	 * which the wrapper checks, never the wrapper other steps run */
	bin = pw_path_join(b->work, "compile-cache-bin");
	if (mkdir(bin, 0755) < 0)
		return pw_err_sys(e, errno, "'%s'", bin);
	wrapper = pw_path_join(bin, PW_CC_WRAPPER);
	r = pw_write_file_atomic(wrapper, script, sizeof(script) - 1, 0755);
	if (r < 0)
		return pw_err_sys(e, -r, "'%s'", wrapper);
	rwrapper = pw_path_join(bin, PW_RC_WRAPPER);
	r = pw_write_file_atomic(rwrapper, rust_script, sizeof(rust_script) - 1, 0755);
	if (r < 0)
		return pw_err_sys(e, -r, "'%s'", rwrapper);
	b->cc_bin = steal_pointer(&bin);
	return 0;
}

int pw_build_cc_spec(struct build *b, size_t ti, const char *tdir, struct pw_sandbox_spec *s,
		     struct pw_err *e)
{
	const struct before_all *ba = pw_build_before_all_of(b, ti);
	_cleanup_free_ char *stats = NULL, *id = NULL;
	char root[PW_SHA256_HEX];
	int r;

	if (b->cc_mode == PW_CC_OFF || !b->cc_bin)
		return 0;
	stats = pw_path_join(tdir, "compile-cache-stats");
	if (mkdir(stats, 0755) < 0)
		return pw_err_sys(e, errno, "'%s'", stats);
	/* the compiler's identity: the root the step sees, by its content
	 * (and the before_all layer on top of it) */
	pw_build_root_id(b, ti, root);
	id = pw_xasprintf("PINWHEEL_CC_ID=%s%s%s", root, ba && ba->tree[0] ? "+" : "",
			  ba && ba->tree[0] ? ba->tree : "");
	r = pw_build_bind(s, PW_BIND_RO, b->cc_bin, PW_CC_BIN, e);
	if (r == 0)
		r = pw_build_bind(s, PW_BIND_RW, b->cc_dir, PW_CC_MOUNT, e);
	if (r == 0)
		r = pw_build_bind(s, PW_BIND_RW, stats, PW_CC_STATS_MOUNT, e);
	if (r == 0)
		r = pw_sandbox_spec_add_env(s, "PINWHEEL_CC_WRAP=" PW_CC_BIN "/" PW_CC_WRAPPER,
					    false, e);
	/* cargo runs every rustc behind it (docs/compile-cache.md, "Rust") */
	if (r == 0)
		r = pw_sandbox_spec_add_env(s, "RUSTC_WRAPPER=" PW_CC_BIN "/" PW_RC_WRAPPER, false,
					    e);
	if (r == 0)
		r = pw_sandbox_spec_add_env(s, "PINWHEEL_CC_DIR=" PW_CC_MOUNT, false, e);
	if (r == 0)
		r = pw_sandbox_spec_add_env(
		    s, "PINWHEEL_CC_STATS=" PW_CC_STATS_MOUNT "/" PW_CC_STATS_FILE, false, e);
	if (r == 0)
		r = pw_sandbox_spec_add_env(s, id, false, e);
	if (r == 0 && b->cc_mode == PW_CC_WRITE)
		r = pw_sandbox_spec_add_env(s, "PINWHEEL_CC_MODE=write", false, e);
	return r < 0 ? r : 0;
}

void pw_build_cc_collect(struct build *b, const char *tdir, struct target_result *res, int logfd)
{
	_cleanup_free_ char *p = NULL;
	struct pw_err e = PW_ERR_INIT;

	if (b->cc_mode == PW_CC_OFF || !b->cc_bin)
		return;
	res->cc_on = true;
	p = pw_path_join(tdir, "compile-cache-stats/" PW_CC_STATS_FILE);
	if (pw_cc_stats_read(p, &res->cc, &e) < 0)
		dprintf(logfd, "pinwheel: compile cache: stats: %s\n", e.msg);
	dprintf(logfd,
		"==== pinwheel: compile cache: %u hits, %u misses, %u uncacheable, %u damaged "
		"entries compiled again\n"
		"==== pinwheel: compile cache, Rust crates: %u hits, %u misses, %u uncacheable, "
		"%u damaged entries compiled again\n",
		res->cc.hits, res->cc.misses, res->cc.skipped, res->cc.corrupt, res->cc.rhits,
		res->cc.rmisses, res->cc.rskipped, res->cc.rcorrupt);
}

/* ---- store gc ---- */

static bool is_hex64(const char *s, size_t n)
{
	if (n != 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* One subdirectory (@sub, two hex digits) of the cache. */
static int gc_sub(int dfd, const char *sub, time_t cutoff, bool all, unsigned *removed,
		  uint64_t *freed, struct pw_err *e)
{
	_cleanup_close_ int fd = openat(dfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	char **names = NULL;
	size_t n = 0;
	int r;

	if (fd < 0)
		return pw_err_sys(e, errno, "compile cache '%s'", sub);
	r = pw_list_dir_sorted(fd, &names, &n);
	if (r < 0)
		return pw_err_sys(e, -r, "compile cache '%s'", sub);
	for (size_t i = 0; i < n && r == 0; i++) {
		const char *nm = names[i];
		size_t l = strlen(nm);
		struct stat st;
		bool drop, entry = false;

		if (fstatat(fd, nm, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT)
				r = pw_err_sys(e, errno, "compile cache '%s/%s'", sub, nm);
			continue;
		}
		if (l > 2 && !strcmp(nm + l - 2, ".o") && is_hex64(nm, l - 2) &&
		    S_ISREG(st.st_mode)) {
			/* an entry: kept while builds use it (a hit touches it) */
			entry = true;
			drop = all || st.st_mtime < cutoff;
		} else if (l > 5 && !strcmp(nm + l - 5, ".rust") && is_hex64(nm, l - 5) &&
			   S_ISDIR(st.st_mode)) {
			/* a Rust crate's entry (a hit touches the directory) */
			entry = true;
			drop = all || st.st_mtime < cutoff;
		} else if (l > 8 && !strcmp(nm + l - 8, ".rdirect") && is_hex64(nm, l - 8) &&
			   S_ISDIR(st.st_mode)) {
			/* a call's manifest (its key without the dep-info pass):
			 * no entry, by age as the entries (a use touches it) */
			drop = all || st.st_mtime < cutoff;
		} else if (l > 7 && !strcmp(nm + l - 7, ".sha256") && is_hex64(nm, l - 7) &&
			   S_ISREG(st.st_mode)) {
			/* its sum goes with its object (sorted before it) */
			char obj[80];

			snprintf(obj, sizeof(obj), "%.64s.o", nm);
			drop = all || faccessat(fd, obj, F_OK, AT_SYMLINK_NOFOLLOW) < 0;
		} else
			/* temp files of builds (none runs: gc has the store to
			 * itself) and anything a step left that is not an entry */
			drop = true;
		if (!drop)
			continue;
		if (pw_rm_rf_at(fd, nm) < 0 && errno != ENOENT) {
			r = pw_err_sys(e, errno, "compile cache: remove '%s/%s'", sub, nm);
			continue;
		}
		if (S_ISREG(st.st_mode) || entry) {
			*freed += (uint64_t)st.st_size;
			*removed += entry;
		}
	}
	pw_free_names(names, n);
	if (r == 0 && unlinkat(dfd, sub, AT_REMOVEDIR) < 0 && errno != ENOTEMPTY && errno != EEXIST)
		r = pw_err_sys(e, errno, "compile cache: remove '%s'", sub);
	return r;
}

int pw_cc_gc(const char *storedir, unsigned days, unsigned *removed, uint64_t *freed,
	     struct pw_err *e)
{
	_cleanup_free_ char *dir = pw_path_join(storedir, PW_CC_STORE_DIR);
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	time_t cutoff = time(NULL) - (time_t)days * 86400;
	char **names = NULL;
	size_t n = 0;
	int r;

	*removed = 0;
	*freed = 0;
	if (dfd < 0)
		return errno == ENOENT ? 0 : pw_err_sys(e, errno, "compile cache '%s'", dir);
	r = pw_list_dir_sorted(dfd, &names, &n);
	if (r < 0)
		return pw_err_sys(e, -r, "compile cache '%s'", dir);
	for (size_t i = 0; i < n && r == 0; i++) {
		struct stat st;

		if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode) && strlen(names[i]) == 2 &&
		    strspn(names[i], "0123456789abcdef") == 2)
			r = gc_sub(dfd, names[i], cutoff, days == 0, removed, freed, e);
		else if (pw_rm_rf_at(dfd, names[i]) < 0 && errno != ENOENT)
			r = pw_err_sys(e, errno, "compile cache: remove '%s'", names[i]);
	}
	pw_free_names(names, n);
	return r;
}

/* ---- Zig's own cache, for the manylinux floor ---- */

/* What warms it: a link of an empty shared library in each mode a build
 * system links in (setuptools without -O, others with -O2), and one with
 * -lgcc_s as rustc's links have (Zig gives libunwind for it).  Zig then
 * holds the floor's glibc stubs, compiler_rt and libunwind, which every
 * link of a fresh Zig cache builds again (37 s of a tiny C extension's
 * 38 s here). */
static const char zig_warm_cmd[] =
    "set -e; cd /tmp; printf 'int pinwheel_warm(void) { return 0; }\\n' >w.c; " PW_ZIG_BIN
    "/cc -shared w.c -o w.so; " PW_ZIG_BIN "/cc -O2 -shared w.c -o w2.so; " PW_ZIG_BIN
    "/cc -shared w.c -lgcc_s -o w3.so";

bool pw_cc_zig_warm_id(const struct pw_root_plan *p, char id[PW_SHA256_HEX])
{
	struct pw_buf b = PW_BUF_INIT(1 << 16);
	size_t n = 0;

	pw_buf_addf(&b, "pinwheel-zig-cache;v1\n%s\n", zig_warm_cmd);
	for (size_t i = 0; i < p->n; i++)
		if (p->trees[i].how && !strcmp(p->trees[i].how, PW_ZIG_LAYER_HOW)) {
			pw_buf_addf(&b, "%s %s\n", p->trees[i].dest, p->trees[i].id);
			n++;
		}
	if (n)
		pw_sha256_mem(b.buf, b.len, id);
	pw_buf_release(&b);
	return n > 0;
}

/* Zig's cache copied: directories and regular files (0755 or 0644 by the
 * execute bit), nothing else, times as they fall. */
static const struct pw_build_copy zig_copy = {.prefix = "", .max_depth = 16};

struct warm_build {
	int from;
};

static int warm_tree_build(void *ud, int dirfd, json_t *record, struct pw_err *e)
{
	struct warm_build *w = ud;
	int r = pw_build_copy_tree(w->from, dirfd, "zig-cache", &zig_copy, 0, e);

	/* Zig's scratch space is not part of its cache */
	if (r == 0 && pw_rm_rf_at(dirfd, "tmp") < 0 && errno != ENOENT)
		r = pw_err_sys(e, errno, "zig-cache/tmp");
	if (r == 0 && json_object_set_new(record, "command", json_string(zig_warm_cmd)) < 0)
		r = pw_err_set(e, ENOMEM, "out of memory");
	return r;
}

/* Warm Zig's cache of @ti's root once: the command in a sandbox of the
 * root as locked (no before_all layer: nothing of the project runs), its
 * cache made the store tree @id. */
static int zig_warm(struct build *b, size_t ti, const char *id, struct pw_err *e)
{
	_cleanup_free_ char *dir = pw_xasprintf("%s/zig-warm-%.16s", b->work, id);
	_cleanup_close_ int logfd = -1;
	char *argv[] = {(char *)"/bin/sh", (char *)"-c", (char *)zig_warm_cmd, NULL};
	struct warm_build w = {-1};
	struct pw_sandbox_spec s;
	bool cached = false;
	double t0 = pw_build_now();
	int r;

	if (mkdir(dir, 0755) < 0)
		return pw_err_sys(e, errno, "'%s'", dir);
	logfd = pw_build_open_log(b, "zig-cache", e);
	if (logfd < 0)
		return logfd;
	pw_info("compile cache: warming Zig's cache in the root of %s (once per Zig and target; "
		"log: %s/zig-cache.log)",
		b->c.targets[ti].id, b->logs);
	dprintf(logfd, "pinwheel %s: Zig's cache in the root of %s\nroot %s\ntree %s\n", PW_VERSION,
		b->c.targets[ti].id, b->plans[ti].id, id);
	pw_build_plain_spec(b, ti, &s);
	r = pw_build_bind(&s, PW_BIND_RW, dir, "/tmp/zig-cache", e);
	if (r == 0)
		r = pw_build_step(&s, argv, logfd, "warm Zig's cache", e);
	pw_sandbox_spec_release(&s);
	if (r == 0) {
		w.from = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (w.from < 0)
			r = pw_err_sys(e, errno, "'%s'", dir);
	}
	if (r == 0)
		r = pw_derived_tree_make(b->store, id, "zig-cache", warm_tree_build, &w, NULL,
					 &cached, e);
	if (w.from >= 0)
		close(w.from);
	pw_rm_rf(dir);
	if (r == 0)
		pw_info("compile cache: Zig's cache %.16s ready (%.0f s)", id, pw_build_now() - t0);
	return r;
}

void pw_build_cc_zig_phase(struct build *b, const struct target_result *res)
{
	if (b->cc_mode != PW_CC_ON)
		return;
	for (size_t ti = 0; ti < b->c.ntargets; ti++) {
		_cleanup_free_ char *path = NULL;
		struct pw_err e = PW_ERR_INIT;
		char id[PW_SHA256_HEX];
		struct stat st;

		if (!b->sel[ti] || res[ti].cached || res[ti].done ||
		    !pw_cc_zig_warm_id(&b->plans[ti], id))
			continue;
		path = pw_store_tree_path(b->store, id);
		if (stat(path, &st) == 0)
			continue;
		if (zig_warm(b, ti, id, &e) < 0)
			pw_warn("compile cache: Zig's cache: %s (the targets build without it)",
				e.msg);
	}
}

int pw_build_cc_zig_spec(struct build *b, size_t ti, const char *tdir, struct pw_sandbox_spec *s,
			 struct target_result *res, int logfd, struct pw_err *e)
{
	_cleanup_free_ char *path = NULL, *dir = NULL;
	_cleanup_close_ int from = -1, to = -1;
	struct pw_store_entry en = {.kind = PW_STORE_TREE};
	struct pw_err ve = PW_ERR_INIT;
	char id[PW_SHA256_HEX];
	int r;

	if (b->cc_mode != PW_CC_ON || !pw_cc_zig_warm_id(&b->plans[ti], id))
		return 0;
	path = pw_store_tree_path(b->store, id);
	if (access(path, F_OK) < 0)
		return 0; /* not warmed (its warming failed): Zig builds it all */
	/* the tree as the store recorded it, or not at all: a damaged file
	 * never reaches a link */
	memcpy(en.id, id, PW_SHA256_HEX);
	en.path = path;
	if (pw_store_verify_entry(b->store, &en, &ve) < 0) {
		res->cc.zig_damaged = true;
		dprintf(logfd, "pinwheel: compile cache: Zig's cache is damaged, not used: %s\n",
			ve.msg);
		return 0;
	}
	dir = pw_path_join(tdir, "zig-cache");
	if (mkdir(dir, 0755) < 0)
		return pw_err_sys(e, errno, "'%s'", dir);
	from = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	to = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (from < 0 || to < 0)
		return pw_err_sys(e, errno, "'%s'", from < 0 ? path : dir);
	/* a copy of its own: what the step adds stays in this step */
	r = pw_build_copy_tree(from, to, "zig-cache", &zig_copy, 0, e);
	if (r == 0)
		r = pw_build_bind(s, PW_BIND_RW, dir, "/tmp/zig-cache", e);
	if (r == 0) {
		res->cc.zig_warm = true;
		dprintf(logfd, "pinwheel: compile cache: Zig's cache %s copied to /tmp/zig-cache\n",
			id);
	}
	return r < 0 ? r : 0;
}

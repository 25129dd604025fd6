/* zig.h - the "zig" provider (toolchains/zig/): the manylinux floor of
 * each target.  docs/wheels.md ("The manylinux floor") is the reference.
 *
 * The config key "manylinux" gives each platform a floor: a glibc whose
 * symbol versions every object of the build links against, whatever the
 * root's own glibc is ("2014" = "2_17", "2_28", ...), or "native" (the
 * root's glibc decides, as without the key).  For a target with a floor,
 * `lock` pins the `ziglang` wheel (resolved by the root's own pip, as the
 * build requirements are) into one layer of how PW_ZIG_LAYER_HOW named
 * "zig-TRIPLE" ("zig-x86_64-linux-gnu.2.17"), whose builder lays the
 * wheel's Zig at PW_ZIG_DIR and small wrapper scripts at PW_ZIG_BIN (cc,
 * c++: `zig cc -target TRIPLE` minus the few gcc-only flags clang
 * refuses).  A root with that layer gets CC, CXX, LDSHARED, LDCXXSHARED,
 * cargo's linker for the target and Zig's cache directories under /tmp
 * (root_env), so setuptools, meson, CMake and cargo all link against the
 * floor's glibc stubs; the wheel pipeline then requires the floor's
 * policy and tags the wheel with it.  A target of another architecture
 * than this machine's (aarch64 here, "cross" or "emulate") gets the
 * ziglang wheel of this machine's architecture (pw_pypi_resolve_arch()),
 * run natively as a cross compiler.  A "pure" project gets no layer.
 *
 * Ownership: the spec is the provider's (spec_free); strings returned are
 * the caller's.  Errors: 0 or -errno with one line in struct pw_err naming
 * the config field and the target.  Nothing here prints.
 */
#ifndef PINWHEEL_ZIG_H
#define PINWHEEL_ZIG_H

#include "pinwheel/common.h"

struct pw_block;
struct pw_provider;

extern const struct pw_provider pw_provider_zig;

/* The floor of a config without the key "manylinux" (docs/config.md says
 * why): manylinux2014, what PyPI's popular projects ship. */
#define PW_ZIG_DEFAULT_FLOOR "2014"

#define PW_ZIG_LAYER_HOW "zig"
#define PW_ZIG_DIR "/opt/pinwheel/zig"	  /* the wheel's ziglang/ */
#define PW_ZIG_BIN "/opt/pinwheel/zig-cc" /* the wrappers: cc, c++ */

/* The floors a config may name: glibc 2.17 (manylinux2014) and the newer
 * PEP 600 policies pinwheel has (profiles/manylinux/). */
bool pw_zig_floor_known(unsigned minor);

/* The floor of @platform ("manylinux_x86_64") in the spec of the block
 * @b (a "manylinux" block, or NULL: no such key): the glibc minor version
 * (17 for "2014"), or 0 for "native". */
unsigned pw_zig_floor(const struct pw_block *b, const char *platform);

/* The floor of @platform among the config's @n @blocks (0: native). */
unsigned pw_zig_blocks_floor(const struct pw_block *blocks, size_t n, const char *platform);

/* The wrapper script for @mode ("cc" or "c++") and the Zig target
 * @triple ("x86_64-linux-gnu.2.17").  Caller frees. */
char *pw_zig_wrapper(const char *mode, const char *triple);

#endif

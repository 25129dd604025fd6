/* emulator.h - what a target of a foreign architecture needs over its
 * Debian base (toolchains/debian/emulator.c; docs/foreign.md): qemu-user
 * from the store, and the cross fast path.  The "foreign" provider
 * (provider.h) builds their layers ("emulator", "debian-cross") and gives
 * a root with a cross layer its variables (root_env); the "debian"
 * provider pins the layers after its base (pw_provide_emulator(),
 * pw_provide_cross()).
 *
 * A target whose architecture this machine cannot run natively (aarch64 on
 * x86_64) gets one more layer after its Debian base: name "emulator-ARCH"
 * (ARCH a name of pw_emulate_arches[], e.g. "aarch64"), how "emulator",
 * its one artifact the HOST-architecture static qemu-user .deb of the same
 * suite and apt configuration as the base ("qemu-user-static" up to
 * bookworm; "qemu-user" from trixie on, where qemu-user-static is a
 * transitional package or gone).  Its dest is the path of the interpreter
 * INSIDE the unpacked .deb ("/usr/bin/qemu-aarch64-static"): the tree is
 * mounted nowhere in the root; roots.h hands the binary's store path to
 * the sandbox as emulate_qemu.  The host's installed qemu is never used.
 * Whether a target needs one is target.h's pw_emulator_needed().
 *
 * Ownership: returned strings are the caller's.  Errors: 0 or -errno with
 * one line in struct pw_err naming the config field and the target.
 * Nothing here prints.
 */
#ifndef PINWHEEL_EMULATOR_H
#define PINWHEEL_EMULATOR_H

#include "pinwheel/artifact.h"
#include "pinwheel/common.h"
#include "pinwheel/debian.h"
#include "pinwheel/target.h"

struct pw_provider;
struct pw_provider_ctx;

#define PW_EMULATOR_HOW "emulator"
#define PW_EMULATOR_LAYER_PREFIX "emulator-"

/* The provider: when @t needs emulation, pin the emulator layer for the
 * Debian base @spec of @t into @out (after its base layer).  Nothing for
 * a native target.  Offline (lock --check) or while the inputs are those
 * of the prior lock, the prior layer is reused. */
int pw_provide_emulator(struct pw_provider_ctx *pc, const struct pw_debian_spec *spec,
			const struct pw_target_info *t, struct pw_lockset *out, struct pw_err *e);

/* ---- the cross fast path ("foreign": "cross", docs/foreign.md) ----
 *
 * A foreign target with a Debian base also gets a layer
 * "debian-SUITE-cross-HOSTARCH" (how "debian-cross", dest "/"): the
 * host-architecture cross compilers gcc-TRIPLET and g++-TRIPLET and, when
 * the base has rustc or cargo, the host's rustc and cargo (the root keeps
 * the target's libstd-rust-dev, which must be of the same version), laid
 * over the base (multiarch: the host's libraries go to their own
 * directories; the cross tools replace the target's same-named ones, and
 * plain cc/gcc become the host's compiler, for build scripts).
 * pw_roots_to_spec() then sets the variables of pw_cross_env() (the
 * "foreign" provider's root_env). */
#define PW_CROSS_HOW "debian-cross"

/* The GNU triplet ("aarch64-linux-gnu") and Rust target
 * ("aarch64-unknown-linux-gnu") of platform architecture @arch, or NULL
 * when there is no cross path for it. */
const char *pw_cross_gnu_triplet(const char *arch);
const char *pw_cross_rust_target(const char *arch);
/* The environment of the cross steps for @arch and Python @pyver ("3.11"):
 * "NAME=value" strings, NULL ended, in *out (caller frees each and the
 * array).  Returns the count; 0 (and *out NULL) when @arch has none. */
size_t pw_cross_env(const char *arch, const char *pyver, char ***out);
/* The provider: the cross layer for a foreign target @t of the Debian
 * base @spec (nothing for a native target or an arch without a triplet). */
int pw_provide_cross(struct pw_provider_ctx *pc, const struct pw_debian_spec *spec,
		     const struct pw_target_info *t, struct pw_lockset *out, struct pw_err *e);

extern const struct pw_provider pw_provider_foreign;

#endif

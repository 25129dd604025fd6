/* emulator.h - qemu-user from the store for targets of a foreign
 * architecture (toolchains/emulator.c; docs/foreign.md).
 *
 * A target whose architecture this machine cannot run natively (aarch64 on
 * x86_64) gets one more layer after its Debian base: name "emulator-ARCH"
 * (ARCH a name of pw_emulate_arches[], e.g. "aarch64"), how "emulator",
 * its one artifact the HOST-architecture static qemu-user .deb of the same
 * suite and apt configuration as the base ("qemu-user-static" up to
 * bookworm; "qemu-user" from trixie on, where qemu-user-static is a
 * transitional package or gone).  Its dest is the path of the interpreter
 * INSIDE the unpacked .deb ("/usr/bin/qemu-aarch64-static"): the tree is
 * mounted nowhere in the root; runner/roots.c hands the binary's store
 * path to the sandbox as emulate_qemu.  The host's installed qemu is never
 * used.
 *
 * Ownership: returned strings are the caller's.  Errors: 0 or -errno with
 * one line in struct pw_err naming the config field and the target.
 * Nothing here prints.
 */
#ifndef PINWHEEL_EMULATOR_H
#define PINWHEEL_EMULATOR_H

#include "pinwheel/artifact.h"
#include "pinwheel/common.h"

#define PW_EMULATOR_HOW "emulator"
#define PW_EMULATOR_LAYER_PREFIX "emulator-"

/* This machine's architecture as the platforms name it ("x86_64",
 * "aarch64", ...; uname's machine), and as Debian does ("amd64",
 * "arm64", ...; NULL when unknown).  Borrowed, static. */
const char *pw_host_arch(void);
const char *pw_host_debian_arch(void);
/* Does a target of architecture @arch ("aarch64", "i686", ...) need an
 * emulator here?  False for the host's own and for i686 on x86_64. */
bool pw_emulator_needed(const char *arch);
/* The architecture name of --emulate for a platform architecture
 * ("aarch64" -> "aarch64", "i686" -> "i386"). */
const char *pw_emulator_arch(const char *arch);

/* The provider: when @t needs emulation, pin the emulator layer for the
 * Debian base @spec of @t into @out (after its base layer).  Nothing for
 * a native target.  Offline (lock --check) or while the inputs are those
 * of the prior lock, the prior layer is reused. */
int pw_provide_emulator(struct pw_provider_ctx *pc, const struct pw_debian_spec *spec,
			const struct pw_target_info *t, struct pw_lockset *out, struct pw_err *e);

#endif

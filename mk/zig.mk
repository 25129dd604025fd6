# toolchains/zig/: the manylinux floor of each target: the ziglang wheel
# pinned by the root's pip and the cc/c++ wrappers over it (docs/wheels.md).
PW_TOOLCHAIN_SRCS += toolchains/zig/provider_zig.c

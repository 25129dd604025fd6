# pinwheel - plain Makefile.  `make` builds ./pinwheel; `make check` runs every
# test and ends with "N passed, N failed"; `make asan` does the same under
# AddressSanitizer + UBSan; `make fuzz` runs the libFuzzer harnesses;
# `make deps` installs the Debian packages the build and tests need.
# V=1 shows commands.  BUILD=DIR puts objects elsewhere.

PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
CC ?= cc
CFLAGS ?= -O2 -g
SAN ?=
FUZZ_TIME ?= 5

PKGS = libcurl libarchive jansson libseccomp libelf libcrypto zlib libdeflate
WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
       -Wvla -Wwrite-strings -Wformat=2 -Wno-format-nonliteral
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# The binary does not link libcurl, libarchive and libcrypto: lib/libload.c
# opens them on first use (see include/pinwheel/libload.h for why).
# The rest are linked statically (their .a files come with the same -dev
# packages): loading six shared objects cost ~0.3 ms of every start, and
# `pinwheel run` starts once per build step (bench/sandbox-startup.sh).
BIN_PKGS = jansson libseccomp libelf zlib libdeflate
BIN_LIBS = -Wl,-Bstatic $(filter-out -pthread -lpthread,$(shell pkg-config --libs --static \
	   $(BIN_PKGS) 2>/dev/null)) -Wl,-Bdynamic
# LINK_LIBLOAD=1 (the build of pinwheel's own wheel, docs/dist.md): libcurl,
# libarchive and libcrypto are DT_NEEDED as well, so that `pinwheel repair`
# vendors them; lib/libload.c then finds the vendored copies already loaded.
ifeq ($(LINK_LIBLOAD),1)
BIN_LIBS += -Wl,--no-as-needed -lcurl -larchive -lcrypto -Wl,--as-needed
endif
# LINK_STATIC=1 (pinwheel under the manylinux2014 floor, docs/dist.md "The
# libraries"): libcurl, libarchive and libcrypto are linked statically as
# well, from the archives pkg-config finds (PKG_CONFIG_PATH: a prefix of
# them built by the floor's compiler, bench/floor-deps.sh), and
# lib/libload.c loads nothing.
ifeq ($(LINK_STATIC),1)
BIN_PKGS += libcurl libarchive libcrypto
endif
ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE -Iinclude $(PKG_CFLAGS) $(WARN) -MMD -MP \
	     -DPW_SRCDIR='"$(CURDIR)"' $(if $(filter 1,$(LINK_STATIC)),-DPW_LIBLOAD_STATIC) \
	     $(CFLAGS) $(SAN)
ALL_LDFLAGS = $(LDFLAGS) $(SAN)

ifeq ($(V),1)
Q =
else
Q = @
endif

PW_LIB_SRCS :=
PW_SANDBOX_SRCS :=
PW_TOOLCHAIN_SRCS :=
PW_RUNNER_SRCS :=
UNIT_TESTS :=
TEST_HELPERS :=
FUZZ_TARGETS :=
# Each area lists its sources, unit tests, helpers and fuzz targets in its own
# mk/AREA.mk, so areas grow without touching one another's lists.
include $(sort $(wildcard mk/*.mk))

LIB_SRCS = $(PW_LIB_SRCS) $(PW_SANDBOX_SRCS) $(PW_TOOLCHAIN_SRCS) $(PW_RUNNER_SRCS)
LIB_OBJS = $(LIB_SRCS:%.c=$(BUILD)/%.o)
MAIN_OBJ = $(BUILD)/runner/main.o
UNIT_BINS = $(UNIT_TESTS:%.c=$(BUILD)/%)
HELPER_BINS = $(TEST_HELPERS:%.c=$(BUILD)/%)
LIBPW = $(BUILD)/libpinwheel.a

.PHONY: dist dist-smoke dist-verify all check check-arches asan fuzz fuzz-smoke deps demo install clean check-style format unit-tests
all: $(BUILD)/pinwheel $(if $(filter build,$(BUILD)),pinwheel)

pinwheel: $(BUILD)/pinwheel
	$(Q)ln -sf $(BUILD)/pinwheel pinwheel

$(BUILD)/pinwheel: $(MAIN_OBJ) $(LIBPW)
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(MAIN_OBJ) $(LIBPW) $(BIN_LIBS)

$(LIBPW): $(LIB_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $(LIB_OBJS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIBPW)
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIBPW) $(PKG_LIBS) -lcmocka

$(BUILD)/tests/helpers/%: tests/helpers/%.c $(LIBPW)
	@mkdir -p $(dir $@)
	@echo "  CCLD    $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIBPW) $(PKG_LIBS)

unit-tests: $(UNIT_BINS) $(HELPER_BINS)

# The test run: unit binaries (cmocka, TAP output) and integration scripts
# (tests/t*.sh, TAP).  Ends with "N passed, N failed".
check: deps
	$(Q)$(MAKE) --no-print-directory all unit-tests
	$(Q)BUILD=$(BUILD) PINWHEEL=$(CURDIR)/$(BUILD)/pinwheel SRCDIR=$(CURDIR) \
		UNIT_BINS="$(UNIT_BINS)" FUZZ_SMOKE="$(FUZZ_SMOKE)" \
		sh tests/run.sh

# t5327 for every architecture besides x86_64 and aarch64 (i686, ppc64le,
# s390x, armv7l); make check builds two of them (docs/foreign.md).
check-arches:
	$(Q)PINWHEEL_TEST_ARCHES="i686 ppc64le s390x armv7l" $(MAKE) --no-print-directory \
		TESTS='t5327*' FUZZ_SMOKE=0 check

asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan CFLAGS="-O1 -g" \
		SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		FUZZ_SMOKE=0 check

# libFuzzer harnesses, built with clang into build-fuzz/.
FUZZ_CFLAGS = -std=gnu11 -D_GNU_SOURCE -Iinclude $(PKG_CFLAGS) -g -O1 \
	      -fsanitize=fuzzer-no-link,address,undefined -DPW_FUZZING
FUZZ_LIB_OBJS = $(LIB_SRCS:%.c=build-fuzz/%.o)
FUZZ_BINS = $(FUZZ_TARGETS:%.c=build-fuzz/%)

build-fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CLANG   $<"
	$(Q)clang $(FUZZ_CFLAGS) -c -o $@ $<

build-fuzz/tests/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB_OBJS)
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	$(Q)clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB_OBJS) $(PKG_LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: deps
	$(Q)$(MAKE) --no-print-directory fuzz-build
	$(Q)FUZZ_TIME=$(FUZZ_TIME) sh tests/fuzz/run.sh $(FUZZ_BINS)

deps:
	$(Q)sh tests/deps.sh

demo: deps all
	$(Q)sh examples/demo.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/pinwheel
	install -m 0755 $(BUILD)/pinwheel $(DESTDIR)$(PREFIX)/bin/pinwheel
	cp -R profiles $(DESTDIR)$(PREFIX)/share/pinwheel/

# pinwheel's own wheel and sdist, built by pinwheel from the project in
# packaging/ (docs/dist.md): into dist/, the same bytes for the same commit.
# The locks are not committed (they name the machine's mirrors): the first
# run writes them with `pinwheel lock`, later runs build with them.
# dist-smoke installs the wheel in fresh bullseye and sid roots; dist-verify
# rebuilds it under varied conditions and compares bytes.
dist: all
	$(Q)[ -f packaging/pinwheel.lock ] || $(BUILD)/pinwheel lock packaging
	$(Q)$(BUILD)/pinwheel build packaging --locked --out dist

dist-smoke: dist
	$(Q)[ -f packaging/smoke/pinwheel.lock ] || $(BUILD)/pinwheel lock packaging/smoke
	$(Q)sh packaging/smoke.sh $(BUILD)/pinwheel dist/pinwheel-*.whl

dist-verify: all
	$(Q)[ -f packaging/pinwheel.lock ] || $(BUILD)/pinwheel lock packaging
	$(Q)$(BUILD)/pinwheel verify packaging

check-style:
	$(Q)clang-format --dry-run --Werror $(LIB_SRCS) runner/main.c

format:
	$(Q)clang-format -i $(LIB_SRCS) runner/main.c

clean:
	rm -rf build build-asan build-fuzz pinwheel

-include $(LIB_OBJS:.o=.d) $(MAIN_OBJ:.o=.d)

# sanshe — one Makefile for the library, the command, the tests and the tools.
#
#   make            build/sanshe, build/libsanshe.a and build/tests/evil_peer
#                   (the hostile peer of the scenario tests of sync over TCP)
#   make test       unit tests, scenario tests, unit tests under ASan+UBSan
#   make demo       the main job in a scratch directory
#   make bench      throughput next to libsodium's raw rates; import and put
#                   next to git add+commit; merging two replicas next to git,
#                   Automerge and PouchDB; verify over 100,000 generated
#                   commits next to raw Ed25519 verify; over TCP loopback,
#                   the first replication of a 100,000-document node next to
#                   git clone, and a weekly sync of 5,000 edits a side next
#                   to git's packs of the same commits (docs/bench.md, 15 to
#                   20 minutes; VERIFY_COMMITS=N, SYNC_DOCS=N for smaller)
#   make fuzz       each libFuzzer target for FUZZ_SECONDS (not in make test)
#   make soak       the merge property tests with many more scenarios from a
#                   fresh seed, then a tenth under ASan+UBSan (SOAK_DOCS,
#                   SOAK_REPLICAS; about 20 minutes; not in make test)
#
# BUILD=dir puts every output under another directory; SAN=1 builds with
# AddressSanitizer and UndefinedBehaviorSanitizer; FUZZ=1 builds with clang
# for libFuzzer, with both sanitizers.

BUILD ?= build
CC ?= cc

# Install missing Debian packages once per top-level make, before pkg-config
# is asked anything.
ifndef SANSHE_DEPS_CHECKED
DEPS_STATUS := $(shell scripts/deps.sh >&2 && echo ok)
ifneq ($(DEPS_STATUS),ok)
$(error scripts/deps.sh could not install the packages sanshe needs)
endif
export SANSHE_DEPS_CHECKED := 1
endif

PKGS := libgit2 libcjson libsodium libpcre2-8 nettle zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS := $(shell pkg-config --libs $(PKGS))
CMOCKA_CFLAGS := $(shell pkg-config --cflags cmocka)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka)

WARN := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
OPT ?= -O2 -g
ifeq ($(SAN),1)
OPT := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
SAN_LDFLAGS := -fsanitize=address,undefined
endif
ifeq ($(FUZZ),1)
CC := clang
OPT := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZ_LDFLAGS := -fsanitize=fuzzer,address,undefined
endif
FUZZ_SECONDS ?= 60
CPPFLAGS += -D_GNU_SOURCE -Icore -Isync -Icli -I$(BUILD)/gen -MMD -MP
CFLAGS += $(WARN) $(OPT) $(PKG_CFLAGS)
LDFLAGS += $(SAN_LDFLAGS)

SCHEMAS := $(sort $(wildcard schemas/*.json))
LIB_SRC := $(sort $(wildcard core/*.c sync/*.c))
CLI_SRC := $(sort $(wildcard cli/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_HELPERS := $(filter-out tests/unit/test_%.c,$(wildcard tests/unit/*.c))
BENCH_SRC := $(sort $(wildcard scripts/bench/*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/schemas.o
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
HELPER_OBJ := $(UNIT_HELPERS:%.c=$(BUILD)/obj/%.o)
EVIL_PEER_OBJ := $(BUILD)/obj/cli/proto.o $(BUILD)/obj/cli/progress.o
BENCH_BIN := $(BENCH_SRC:scripts/bench/%.c=$(BUILD)/bench/%)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/%)

.PHONY: all test units demo bench fuzz fuzz-targets soak clean format
.DEFAULT_GOAL := all
.SECONDARY:

all: $(BUILD)/sanshe $(BUILD)/libsanshe.a $(BUILD)/tests/evil_peer

$(BUILD)/gen/schemas.c: $(SCHEMAS) scripts/embed-schemas.sh
	@mkdir -p $(@D)
	scripts/embed-schemas.sh $@ $(SCHEMAS)

$(BUILD)/obj/gen/schemas.o: $(BUILD)/gen/schemas.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/obj/tests/%.o: CFLAGS += $(CMOCKA_CFLAGS)

$(BUILD)/libsanshe.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/sanshe: $(CLI_OBJ) $(BUILD)/libsanshe.a
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libsanshe.a $(PKG_LIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(HELPER_OBJ) $(BUILD)/libsanshe.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(CLI_MODULE_OBJ) $(HELPER_OBJ) $(BUILD)/libsanshe.a $(PKG_LIBS) $(CMOCKA_LIBS)

# Unit tests of a command-line module link that module too.
$(BUILD)/tests/test_verify_html: CLI_MODULE_OBJ := $(BUILD)/obj/cli/verify_html.o
$(BUILD)/tests/test_verify_html: $(BUILD)/obj/cli/verify_html.o

# A test tool speaking the session of cli/proto.c, for the scenario tests.
$(BUILD)/tests/evil_peer: $(BUILD)/obj/tests/tools/evil_peer.o $(EVIL_PEER_OBJ) $(BUILD)/libsanshe.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(EVIL_PEER_OBJ) $(BUILD)/libsanshe.a $(PKG_LIBS)

$(BUILD)/bench/%: $(BUILD)/obj/scripts/bench/%.o $(BUILD)/libsanshe.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/libsanshe.a $(PKG_LIBS)

$(BUILD)/fuzz_%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(BUILD)/libsanshe.a
	$(CC) $(LDFLAGS) $(FUZZ_LDFLAGS) -o $@ $< $(BUILD)/libsanshe.a $(PKG_LIBS)

units: $(UNIT_BIN) $(BUILD)/sanshe $(BUILD)/tests/evil_peer

test:
	@$(MAKE) --no-print-directory units
	@$(MAKE) --no-print-directory BUILD=build/san SAN=1 units
	@scripts/run-tests.sh build build/san

demo: all
	@scripts/demo.sh $(BUILD)/sanshe

bench: all $(BENCH_BIN)
	@scripts/bench.sh $(BUILD)

soak:
	@$(MAKE) --no-print-directory units
	@$(MAKE) --no-print-directory BUILD=build/san SAN=1 units
	@scripts/soak.sh build build/san

fuzz-targets: $(FUZZ_BIN)

fuzz:
	@scripts/deps.sh fuzz
	@$(MAKE) --no-print-directory BUILD=build/fuzz FUZZ=1 fuzz-targets
	@scripts/fuzz.sh build/fuzz $(FUZZ_SECONDS)

format:
	clang-format -i $(LIB_SRC) $(CLI_SRC) $(UNIT_SRC) $(FUZZ_SRC) core/*.h cli/*.h tests/fuzz/*.h \
		tests/tools/*.c

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# moat: see HACKING.md for the layout and the targets.

CC	?= cc
CLANG	?= clang
CFLAGS	?= -O2 -g
FUZZ_TIME ?= 60

PKGS	 = libcrypto libmnl
STD	 = -std=c11 -D_GNU_SOURCE
WARN	 = -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wformat=2 \
	   -Wmissing-prototypes -Wstrict-prototypes
INC	 = -Isrc/lib -Isrc/fw -Isrc/esp -Isrc/ike -Isrc/daemon -Isrc/ctl
SAN	 = -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

# Quiet by default; make V=1 shows the commands.
ifeq ($(V),1)
Q	 =
say	 = @:
else
Q	 = @
say	 = @echo
endif

B	 = build
A	 = $(B)/asan
F	 = $(B)/fuzz

MOD_SRC	 = $(wildcard src/lib/*.c src/fw/*.c src/esp/*.c src/ike/*.c)
D_SRC	 = $(wildcard src/daemon/*.c)
C_SRC	 = $(wildcard src/ctl/*.c)
UNIT	 = $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/*.c))
FUZZERS	 = $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
SYSTESTS = $(wildcard tests/golden/*.t tests/netns/*.t tests/interop/*.t)

all: $(B)/moatd $(B)/moatctl

# The same sources build three ways: plain ($B), sanitized ($A) and
# instrumented for libFuzzer with clang ($F).
$(B)/%.o: %.c | $(B)/.pkgs
	@mkdir -p $(@D)
	$(say) "  CC      $<"
	$(Q)$(CC) $(STD) $(WARN) $(CFLAGS) $(INC) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

$(A)/%.o: %.c | $(B)/.pkgs
	@mkdir -p $(@D)
	$(say) "  CC asan $<"
	$(Q)$(CC) $(STD) $(WARN) -O1 -g $(SAN) $(INC) $(PKG_CFLAGS) -MMD -MP \
	    -c -o $@ $<

$(F)/%.o: %.c | $(B)/.pkgs
	@mkdir -p $(@D)
	$(say) "  CC fuzz $<"
	$(Q)$(CLANG) $(STD) $(WARN) -O1 -g $(SAN) -fsanitize=fuzzer-no-link \
	    $(INC) $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

define variant
$(1)/libmoat.a: $(MOD_SRC:%.c=$(1)/%.o)
	@rm -f $$@
	$$(Q)$(AR) rcs $$@ $$^
$(1)/moatd: $(D_SRC:%.c=$(1)/%.o) $(1)/libmoat.a
	$$(say) "  LD      $$@"
	$$(Q)$$(CC) $(2) -o $$@ $$^ $$(PKG_LIBS)
$(1)/moatctl: $(C_SRC:%.c=$(1)/%.o) $(1)/libmoat.a
	$$(say) "  LD      $$@"
	$$(Q)$$(CC) $(2) -o $$@ $$^ $$(PKG_LIBS)
endef
$(eval $(call variant,$(B),$(CFLAGS)))
$(eval $(call variant,$(A),$(SAN)))

$(A)/tests/unit/%.t: $(A)/tests/unit/%.o $(A)/libmoat.a
	$(say) "  LD      $@"
	$(Q)$(CC) $(SAN) -o $@ $^ $(PKG_LIBS)

$(F)/libmoat.a: $(MOD_SRC:%.c=$(F)/%.o)
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

$(F)/%: $(F)/tests/fuzz/%.o $(F)/libmoat.a
	$(say) "  LD      $@"
	$(Q)$(CLANG) $(SAN) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS)

$(B)/.pkgs:
	@mkdir -p $(B)
	@pkg-config --exists $(PKGS) || { echo "missing development \
	packages for: $(PKGS) (run scripts/install-deps as root)" >&2; exit 1; }
	@touch $@

asan: $(A)/moatd $(A)/moatctl

# Unit tests run sanitized; system tests use the sanitized binaries too.
check: asan $(UNIT:%=$(A)/tests/unit/%.t)
	MOAT_BIN=$(CURDIR)/$(A) MOAT_SRC=$(CURDIR) prove -e env -f \
	    $(UNIT:%=$(A)/tests/unit/%.t) $(SYSTESTS)

# Each fuzzer runs FUZZ_TIME seconds; new inputs go to $F/corpus. Seeds
# are tests/fuzz/seeds/NAME and the golden inputs of the same parser.
SEEDS_fuzz_restore = tests/golden/restore tests/golden/modules examples
SEEDS_fuzz_import  = tests/golden/import
SEEDS_fuzz_classify = tests/golden/restore tests/golden/modules \
		     tests/golden/check examples
SEEDS_fuzz_ipassmt = tests/golden/check
SEEDS_fuzz_setkey = tests/golden/setkey
define fuzz_one
	@mkdir -p $(F)/corpus/$(1) tests/fuzz/seeds/$(1)
	@echo "fuzz: $(1) for $(FUZZ_TIME)s"
	@$(F)/$(1) -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
	    -artifact_prefix=$(F)/$(1)- $(F)/corpus/$(1) \
	    tests/fuzz/seeds/$(1) $(SEEDS_$(1)) 2>$(F)/$(1).log || \
	    { tail -50 $(F)/$(1).log; exit 1; }
	@grep -E '^stat::number_of_executed_units' $(F)/$(1).log

endef

fuzz: $(FUZZERS:%=$(F)/%)
	@test -n "$(FUZZERS)" || { echo "make fuzz: no fuzz targets" >&2; \
	    exit 1; }
	$(foreach f,$(FUZZERS),$(call fuzz_one,$(f)))

# Benchmarks build plain (optimized) and run in turn. bench/*.c holds the
# programs, but BENCH_LIB are library files that every program links;
# the classifier's unit test links the rule generator too.
BENCH_LIB = bench/classbench.c
BENCHES	  = $(patsubst bench/%.c,%,$(filter-out $(BENCH_LIB),\
	    $(wildcard bench/*.c)))

$(BENCHES:%=$(B)/bench/%): $(B)/bench/%: $(B)/bench/%.o \
    $(BENCH_LIB:%.c=$(B)/%.o) $(B)/libmoat.a
	$(say) "  LD      $@"
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

$(A)/tests/unit/classify.o: INC += -Ibench
$(A)/tests/unit/classify.t: $(A)/tests/unit/classify.o \
    $(BENCH_LIB:%.c=$(A)/%.o) $(A)/libmoat.a
	$(say) "  LD      $@"
	$(Q)$(CC) $(SAN) -o $@ $^ $(PKG_LIBS)

# The pool's test links the pool, which is moatd's and not in libmoat.a.
$(A)/tests/unit/pool.t: $(A)/tests/unit/pool.o $(A)/src/daemon/pool.o \
    $(A)/libmoat.a
	$(say) "  LD      $@"
	$(Q)$(CC) $(SAN) -o $@ $^ $(PKG_LIBS)

# fuzz_conf links moatd's configuration parser the same way.
$(F)/fuzz_conf: $(F)/tests/fuzz/fuzz_conf.o $(F)/src/daemon/conf.o \
    $(F)/libmoat.a
	$(say) "  LD      $@"
	$(Q)$(CLANG) $(SAN) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS)

define bench_one
	@echo "bench: $(1)"
	@$(B)/bench/$(1)

endef

# Scripts under bench/ run after the programs, with the plain binaries of
# $(B) (bench/esp-tunnel, bench/ike: moatd against strongSwan in
# namespaces, as root).
BENCH_SCRIPTS = bench/esp-tunnel bench/ike
define bench_script
	@echo "bench: $(1)"
	@MOAT_BIN=$(B) $(1)

endef

bench: $(BENCHES:%=$(B)/bench/%) $(if $(BENCH_SCRIPTS),$(B)/moatd $(B)/moatctl)
	@test -n "$(BENCHES)" || { echo "make bench: no bench programs" >&2; \
	    exit 1; }
	$(foreach b,$(BENCHES),$(call bench_one,$(b)))
	$(foreach s,$(BENCH_SCRIPTS),$(call bench_script,$(s)))

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(B)

.PHONY: all asan check fuzz bench format clean
.SECONDARY:

-include $(shell find $(B) -name '*.d' 2>/dev/null)

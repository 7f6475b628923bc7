# memqos — plain Makefile. `make` builds build/memqos-hook and build/memqos-agent.
# Targets: all check check-unit check-integration check-vm lint install clean demo bench

CC      ?= cc
PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
# SANITIZE=1: everything built with ASan + UBSan into its own directory, so a
# normal build is never mixed with instrumented objects (tests/sanitize.mk).
ifeq ($(SANITIZE),1)
BUILD   := build-san
endif
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Wconversion -Wsign-conversion -Wformat=2 -Wformat-security \
           -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla -Werror
CPPFLAGS += -D_GNU_SOURCE -DMEMQOS_VERSION=\"$(VERSION)\" -Ipolicy
HARDEN  := -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
LDHARD  := -pie -Wl,-z,relro,-z,now

YAJL_LIBS    := $(shell pkg-config --libs yajl 2>/dev/null || echo -lyajl)
JSONC_CFLAGS := $(shell pkg-config --cflags json-c 2>/dev/null)
JSONC_LIBS   := $(shell pkg-config --libs json-c 2>/dev/null || echo -ljson-c)
SECCOMP_LIBS := $(shell pkg-config --libs libseccomp 2>/dev/null || echo -lseccomp)
CMOCKA_LIBS  := $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

ALL_CFLAGS = $(CFLAGS) $(WARN) $(HARDEN) $(JSONC_CFLAGS) -MMD -MP

POLICY_SRC := $(wildcard policy/*.c)
HOOK_SRC   := $(wildcard hook/*.c)
# agent/ is grouped by role (README, "Layout"); every folder's sources are
# found here, and agent headers are included as "folder/name.h" from -Iagent.
AGENT_DIRS := agent $(patsubst %/,%,$(sort $(dir $(wildcard agent/*/*.c))))
AGENT_SRC  := $(foreach d,$(AGENT_DIRS),$(wildcard $(d)/*.c))
POLICY_OBJ := $(POLICY_SRC:%.c=$(BUILD)/obj/%.o)
HOOK_OBJ   := $(HOOK_SRC:%.c=$(BUILD)/obj/%.o)
AGENT_OBJ  := $(AGENT_SRC:%.c=$(BUILD)/obj/%.o)
LIBPOLICY  := $(BUILD)/libmemqos-policy.a

UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
INTEG_SRC  := $(wildcard tests/integration/test_*.c)
INTEG_BIN  := $(INTEG_SRC:tests/integration/%.c=$(BUILD)/tests/%)
TESTLIB    := $(wildcard tests/lib/*.c)

BINS := $(BUILD)/memqos-hook
ifneq ($(AGENT_SRC),)
BINS += $(BUILD)/memqos-agent
endif

.PHONY: all deps check check-all check-unit check-integration lint format install uninstall clean

all: $(BINS)

# V=1 shows the full command lines.
Q := $(if $(V),,@)

$(AGENT_OBJ): CPPFLAGS += -Iagent

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(LIBPOLICY): $(POLICY_OBJ)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/memqos-hook: $(HOOK_OBJ) $(LIBPOLICY)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDHARD) $(LDFLAGS) -o $@ $^ $(YAJL_LIBS) $(JSONC_LIBS) $(SECCOMP_LIBS)

$(BUILD)/memqos-agent: $(AGENT_OBJ) $(LIBPOLICY)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDHARD) $(LDFLAGS) -o $@ $^ $(JSONC_LIBS) $(SECCOMP_LIBS)

# The same hook with no shared library at all (static PIE: ASLR kept), for
# hosts without yajl, json-c or libseccomp: the DaemonSet image and the VM
# suite install this one. Debian's -dev packages ship the static archives
# (yajl's is libyajl_s.a). Not in a SANITIZE=1 build: ASan needs libasan.so.
STATIC_LIBS := -l:libyajl_s.a -l:libjson-c.a -l:libseccomp.a
$(BUILD)/memqos-hook-static: $(HOOK_OBJ) $(LIBPOLICY)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) -static-pie -Wl,-z,relro,-z,now $(LDFLAGS) -o $@ $^ $(STATIC_LIBS)
ifneq ($(SANITIZE),1)
all: $(BUILD)/memqos-hook-static
endif

# Unit tests link the policy library; tests/lib holds shared test helpers.
$(BUILD)/tests/%: tests/unit/%.c $(LIBPOLICY) $(TESTLIB)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(CPPFLAGS) -Itests/lib $(ALL_CFLAGS) -Wno-conversion -Wno-sign-conversion \
		-o $@ $< $(TESTLIB) $(LIBPOLICY) $(YAJL_LIBS) $(JSONC_LIBS) $(CMOCKA_LIBS)

$(BUILD)/tests/%: tests/integration/%.c $(LIBPOLICY) $(TESTLIB) $(BINS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  TEST    $@")
	$(Q)$(CC) $(CPPFLAGS) -Itests/lib $(ALL_CFLAGS) -Wno-conversion -Wno-sign-conversion \
		-o $@ $< $(TESTLIB) $(LIBPOLICY) $(YAJL_LIBS) $(JSONC_LIBS) $(CMOCKA_LIBS)

# expfmt-check: validates a Prometheus text exposition on stdin (tests/lib/expfmt).
$(BUILD)/tests/expfmt-check: tests/tools/expfmt-check.c tests/lib/expfmt.c tests/lib/expfmt.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CPPFLAGS) -Itests/lib $(ALL_CFLAGS) -o $@ $(filter %.c,$^)

# Each runner prints cmocka's own summary lines; a failing binary fails the target
# only after every runner has run, so one failure does not hide the others.
check-unit: $(UNIT_BIN)
	@rc=0; for t in $(UNIT_BIN); do echo "== $$t"; $$t || rc=1; done; exit $$rc

check-integration: $(INTEG_BIN) $(BINS)
	@rc=0; for t in $(INTEG_BIN); do echo "== $$t"; \
		MEMQOS_BUILD=$(abspath $(BUILD)) $$t || rc=1; done; exit $$rc

deps:
	@tests/install-deps.sh

# `make check` is the README's test command: it installs what it needs, then
# runs every suite (unit, integration, VM) even when an earlier one fails, so
# each runner's summary is printed; it fails if any suite failed.
check: deps
	@$(MAKE) --no-print-directory check-all

CHECK_SUITES := check-unit check-integration $(if $(wildcard tests/vm/vm.mk),check-vm)
CHECK_SUITES += $(if $(wildcard tests/admission/admission.mk),check-admission)
check-all: all
	@rc=0; for s in $(CHECK_SUITES); do \
		$(MAKE) --no-print-directory $$s || { echo "== $$s FAILED"; rc=1; }; done; exit $$rc

-include tests/vm/vm.mk
-include tests/admission/admission.mk
-include bench/bench.mk
-include tests/sanitize.mk
-include tests/fuzz/fuzz.mk
-include tests/static/static.mk
-include tests/host/host.mk

LINT_SRC := $(POLICY_SRC) $(HOOK_SRC) $(AGENT_SRC)
LINT_HDR := $(wildcard policy/*.h hook/*.h $(addsuffix /*.h,$(AGENT_DIRS)))
lint: deps
	@echo "  LINT    cppcheck, clang-tidy, clang-format"
	$(Q)cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr --std=c11 -D_GNU_SOURCE -Ipolicy -Iagent $(LINT_SRC)
	$(Q)clang-tidy --quiet $(LINT_SRC) -- $(CPPFLAGS) -Iagent $(JSONC_CFLAGS) 2>/dev/null
	$(Q)clang-format --dry-run --Werror $(LINT_SRC) $(LINT_HDR)
	@echo "  LINT    clean"

format:
	clang-format -i $(LINT_SRC) $(LINT_HDR)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	install -d $(DESTDIR)$(PREFIX)/share/memqos
	cp -r deploy/. $(DESTDIR)$(PREFIX)/share/memqos/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/memqos-hook $(DESTDIR)$(PREFIX)/bin/memqos-agent
	rm -rf $(DESTDIR)$(PREFIX)/share/memqos

clean:
	rm -rf $(BUILD)

-include $(POLICY_OBJ:.o=.d) $(HOOK_OBJ:.o=.d) $(AGENT_OBJ:.o=.d)

# libFuzzer targets over every parser of runtime- and kernel-supplied text
# (README, "Fuzzing"). `make fuzz FUZZ_SECONDS=N` builds them with clang,
# ASan and UBSan into build-fuzz/ and runs each N seconds from its seeds in
# tests/fuzz/corpus/<target>/ (read only: new inputs go to a fresh scratch
# directory). Any crash, leak, timeout or broken property fails the target;
# the input is saved as build-fuzz/artifacts/<target>-crash-<sha1>.
#   make fuzz FUZZ_TARGETS="state quantity" FUZZ_SECONDS=600
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 10
FUZZ_BUILD   := build-fuzz
FUZZ_FLAGS   := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
                -fno-sanitize-recover=all
FUZZ_ALL     := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_HOOK    := hook/state.c hook/identity.c
# Everything of policy/ but the seccomp builder, which no parser uses.
FUZZ_OBJ     := $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(filter-out policy/seccomp-filter.c,$(POLICY_SRC)) $(FUZZ_HOOK))
FUZZ_BIN     := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

# The library and hook objects carry the sanitizers and coverage
# (fuzzer-no-link); libFuzzer's main() comes in at the final link only.
$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(CPPFLAGS) $(WARN) $(JSONC_CFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link \
		-MMD -MP -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_OBJ)
	@$(if $(Q),echo "  FUZZLD  $@")
	$(Q)$(FUZZ_CC) $(CPPFLAGS) -Ihook $(WARN) $(JSONC_CFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer \
		-o $@ $< $(FUZZ_OBJ) $(YAJL_LIBS) $(JSONC_LIBS)

.SECONDARY: $(FUZZ_OBJ)
.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BIN)

fuzz: fuzz-build
	@FUZZ_BUILD=$(abspath $(FUZZ_BUILD)) tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

-include $(FUZZ_OBJ:.o=.d)

.PHONY: clean-fuzz
clean-fuzz:
	rm -rf $(FUZZ_BUILD)
clean: clean-fuzz

# Sanitizer and valgrind runs (README, "Testing").
#
#   make check-unit check-integration SANITIZE=1
#       every object, binary and test built with AddressSanitizer and
#       UndefinedBehaviorSanitizer into build-san/ (the top Makefile switches
#       BUILD), any report fatal (-fno-sanitize-recover=all), so a finding
#       fails the test that triggered it. MEMQOS_SANITIZE tells the hook's
#       seccomp filter to also allow the calls the sanitizer runtime makes at
#       exit (hook/confine.c); a normal build never has it.
#   make check-valgrind
#       the normal build's hook and agent `once` under valgrind on a fake
#       tree (tests/valgrind/run.sh): any error or definite leak fails.
SANITIZE_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

ifeq ($(SANITIZE),1)
override CFLAGS   += $(SANITIZE_FLAGS)
override CPPFLAGS += -DMEMQOS_SANITIZE
# detect_leaks: a leak in a test or a binary the integration tests run fails it.
export ASAN_OPTIONS  ?= detect_leaks=1
export UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1
endif

.PHONY: check-valgrind
check-valgrind: all $(BUILD)/tests/valgrind-tree
	@MEMQOS_BUILD=$(abspath $(BUILD)) tests/valgrind/run.sh

$(BUILD)/tests/valgrind-tree: tests/valgrind/mktree.c $(TESTLIB) $(LIBPOLICY)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CPPFLAGS) -Itests/lib $(ALL_CFLAGS) -Wno-conversion -Wno-sign-conversion \
		-o $@ $< $(TESTLIB) $(LIBPOLICY) $(YAJL_LIBS) $(JSONC_LIBS) $(CMOCKA_LIBS)

.PHONY: clean-san
clean-san:
	rm -rf build-san
clean: clean-san

# `make check-static`: the static hook needs no shared library and behaves as
# the dynamic one (tests/static/check.sh). Part of `make check`.
.PHONY: check-static
check-static: all $(BUILD)/tests/valgrind-tree
	@MEMQOS_BUILD=$(abspath $(BUILD)) tests/static/check.sh

CHECK_SUITES += check-static

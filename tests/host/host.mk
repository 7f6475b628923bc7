# `make check-host-runc`: the hook under real runc on this machine's own
# cgroup hierarchy when it is hybrid (tests/host/runc-hybrid.sh).
.PHONY: check-host-runc
check-host-runc: all
	@tests/vm/deps.sh # runc and busybox-static, as the VM suite uses them
	@tests/host/runc-hybrid.sh $(BUILD)

CHECK_SUITES += check-host-runc

# Real-kernel suite (tests/vm/): included by the top Makefile.
#   make check-vm [VM_KERNELS="6.1 6.12"] [VM_SCENARIOS="hook-runc hook-crun"]
#   make demo
#   make check-vm BUILD=/tmp/b VM_CACHE=/tmp/vmc   (a run beside another one)
# Both install their own packages and fetch the kernels into tests/vm/cache/
# (or VM_CACHE).

VM_KERNELS   ?= 6.1 6.12
VM_SCENARIOS ?=

.PHONY: check-vm demo

check-vm: all
	@VM_BUILD=$(abspath $(BUILD)) VM_KERNELS="$(VM_KERNELS)" \
		$(if $(strip $(VM_CACHE)),VM_CACHE="$(abspath $(VM_CACHE))") \
		$(if $(strip $(VM_SCENARIOS)),VM_SCENARIOS="$(VM_SCENARIOS)") tests/vm/run.sh

# `make check` runs check-vm itself, after the unit and integration suites.

# The README's "run it" command: installs the build packages, builds, then the
# demo installs the VM's own packages.
demo: deps
	@$(MAKE) --no-print-directory all
	@VM_BUILD=$(abspath $(BUILD)) $(if $(strip $(VM_CACHE)),VM_CACHE="$(abspath $(VM_CACHE))") tests/vm/demo.sh

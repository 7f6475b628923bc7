# Benchmarks: `make bench`. Each prints ratios measured side by side in one run.
BENCH_BIN := $(BUILD)/bench/bench_hook_parse

$(BUILD)/bench/bench_hook_parse: bench/bench_hook_parse.c hook/state.c $(LIBPOLICY)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -Wno-conversion -o $@ $< hook/state.c $(LIBPOLICY) \
		$(YAJL_LIBS) $(JSONC_LIBS)

.PHONY: bench
bench: $(BENCH_BIN) bench-hook-startup
	$(BUILD)/bench/bench_hook_parse 200

# Start-up of the static hook, the dynamic hook and the `cat` floor, side by
# side, fake node on tmpfs (bench/run-hook-startup.sh; BENCH_STARTUP_RUNS
# rounds, ~30 s at 2000).
BENCH_STARTUP_RUNS ?= 2000
.PHONY: bench-hook-startup
bench-hook-startup: all $(BUILD)/tests/valgrind-tree
	@BUILD=$(BUILD) bench/run-hook-startup.sh $(BENCH_STARTUP_RUNS)

# The agent on the real kernel, in the test VM: wake-to-action latency and
# idle CPU/RSS with 1,000 pod cgroups (a few minutes; needs root and qemu).
.PHONY: bench-vm
bench-vm: all
	@VM_BUILD=$(abspath $(BUILD)) $(if $(strip $(VM_CACHE)),VM_CACHE="$(abspath $(VM_CACHE))") bench/run-vm-bench.sh

# The same idle measurement natively on this host, against a fake tree.
.PHONY: bench-host
bench-host: all
	@AGENT=$(abspath $(BUILD))/memqos-agent bench/run-host-idle.sh

# The same measurement alternating with an older agent, BASELINE=<its
# memqos-agent>, ROUNDS (3) rounds of 30 s windows side by side: a change
# that should not move the figures, shown not to.
ROUNDS ?= 3
.PHONY: bench-host-ab
bench-host-ab: all
	@test -n "$(BASELINE)" || { echo "bench-host-ab: BASELINE=<an older memqos-agent> is required"; exit 2; }
	@for i in $$(seq $(ROUNDS)); do \
		for a in "$(abspath $(BASELINE))" "$(abspath $(BUILD))/memqos-agent"; do \
			echo "=== round $$i: $$a"; AGENT=$$a bench/run-host-idle.sh 1000 30 || exit 1; \
		done; done

# The headroom scenario of tests/vm (a protected pod's page cache of a
# quarter of RAM, BestEffort pods asking 1.3x what is left) with no agent,
# earlyoom, earlyoom + protection and memqos-agent; PEERS_RUNS (3) rounds
# on each of VM_KERNELS, side by side (~15 min; needs root and qemu).
.PHONY: bench-peers
bench-peers: all
	@VM_BUILD=$(abspath $(BUILD)) VM_KERNELS="$(VM_KERNELS)" \
		$(if $(strip $(VM_CACHE)),VM_CACHE="$(abspath $(VM_CACHE))") bench/run-peers.sh

# Which kernel signal predicts the OOM kill first with protection in force
# (memory.min, then memory.low), no agent: lead times of MemAvailable, the
# headroom, PSI, pgscan/pgsteal, refaults and memory.events low, sampled
# every 100 ms in the VM (tests/vm/guest/scenarios/bench-signals*.sh; ~2 min).
.PHONY: bench-signals
bench-signals: all
	@VM_BUILD=$(abspath $(BUILD)) VM_KERNELS="$(VM_KERNELS)" \
		VM_SCENARIOS="bench-signals bench-signals-low" \
		$(if $(strip $(VM_CACHE)),VM_CACHE="$(abspath $(VM_CACHE))") tests/vm/run.sh

#!/bin/bash
# memqos-agent on the real kernel, in the test VM (qemu TCG, 1 vCPU, 1 GiB):
# wake-to-action latency over 25 pressure episodes, and idle CPU / RSS with
# 1,000 pod cgroups. The scenarios are tests/vm/guest/scenarios/agent-bench-*.sh;
# this prints their tables, one kernel at a time (a second VM beside the
# first would share the host's cores and skew the timings).
#
#   bench/run-vm-bench.sh                 kernel 6.1
#   VM_KERNELS="6.1 6.12" bench/run-vm-bench.sh
#
# Needs what `make check-vm` needs (root, Debian 12; tests/vm/deps.sh installs it).
# VM_BUILD, VM_CACHE (default tests/vm/cache), VM_TIMEOUT as for tests/vm/run.sh.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
rc=0
echo "memqos-agent VM bench: $(nproc) host cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1)"
echo "reproduce: VM_KERNELS=\"${VM_KERNELS:-6.1}\" bench/run-vm-bench.sh   (or: make bench-vm)"
for k in ${VM_KERNELS:-6.1}; do
  echo
  VM_TIMEOUT=${VM_TIMEOUT:-900} VM_BUILD=${VM_BUILD:-$top/build} VM_KERNELS=$k VM_SCENARIOS="agent-bench-wake agent-bench-idle" \
    "$top/tests/vm/run.sh" >"$out" 2>&1 || rc=$?
  sed -n 's/^| \{0,1\}//p' "$out"
  grep -E '^(not ok|skip) |^# [0-9.]+ agent-bench' "$out" || true
  if [ $rc -ne 0 ]; then
    echo "bench: the VM run failed; its output:"
    cat "$out"
    exit $rc
  fi
done

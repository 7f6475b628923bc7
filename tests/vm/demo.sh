#!/bin/bash
# `make demo`: boot the test VM on one kernel and tell the demo scenario's
# story (lines the guest marks with "| "). Exit status as the suite's.
# VM_KERNELS, VM_BUILD, VM_CACHE, ... as for run.sh.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "memqos demo: booting a Debian kernel in qemu (software emulation, about a minute)..."
rc=0
VM_KERNELS=${VM_KERNELS:-6.1} VM_SCENARIOS=demo "$here/run.sh" >"$out" 2>&1 || rc=$?
sed -n 's/^| \{0,1\}//p' "$out"
echo
grep -E '^(not ok|# boot|# time)|^vm: ' "$out" || true
[ $rc -eq 0 ] || { echo "demo: something did not go as told; full output:"; cat "$out"; }
exit $rc

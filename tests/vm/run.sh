#!/bin/bash
# The real-kernel suite: boot each kernel in qemu with the test initramfs,
# run the named scenarios inside, and report.
#
#   VM_KERNELS="6.1 6.12"  VM_SCENARIOS="kernel-basics hook-runc ..."
#   VM_BUILD=build  VM_TIMEOUT=<s per boot>  VM_MEM=<MiB>
#   VM_HOOK=<file to use as memqos-hook>  VM_HOOKS_DIR=<oci-hooks.d to test>
#   VM_CACHE=<dir>  (default tests/vm/cache: kernels, initramfs, disk image,
#                    logs; give each concurrent run its own)
#
# Prints one line per check (ok / not ok / skip <kernel> <scenario>: ...),
# the boot and scenario times, and last `vm: N passed, N failed, N skipped`.
# Exits non-zero if a check failed or a VM did not boot or finish in time.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${VM_CACHE:-$here/cache}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
# kernels.sh and build-initramfs.sh read it too.
export VM_CACHE=$cache
top=$(cd "$here/../.." && pwd)

ALL_SCENARIOS="hooks-json install-host kernel-basics hook-runc hook-crun hook-invalid hook-live hook-oom-group hook-protect podman agent-protect agent-headroom-min agent-headroom-low agent-headroom-burstable policy-tenant agent-livelock agent-drift agent-restart agent-oom-explain containerd-cri hook-hybrid"
kernels=${VM_KERNELS:-6.1 6.12}
scenarios=${VM_SCENARIOS:-$ALL_SCENARIOS}
build=${VM_BUILD:-$top/build}
timeout_s=${VM_TIMEOUT:-900}
mem=${VM_MEM:-1024}

"$here/deps.sh"
mkdir -p "$cache"

# Host-side checks that need no VM (the oci-hooks.d rules).
host_out=$(mktemp)
trap 'rm -f "$host_out"' EXIT
guest_scenarios="" hybrid=no
for s in $scenarios; do
  if [ "$s" = hook-hybrid ]; then
    hybrid=yes # a boot of its own: the hybrid cgroup layout (boot_hybrid)
  elif [ "$s" = hooks-json ]; then
    "$here/check-hooks-json.sh" >>"$host_out" || true
  elif [ "$s" = install-host ]; then
    "$here/check-install.sh" >>"$host_out" || true
  else
    guest_scenarios="$guest_scenarios $s"
  fi
done
guest_scenarios=${guest_scenarios# }

cc -O2 -Wall -Wextra -static -o "$cache/memhog" "$here/memhog.c"
"$here/build-initramfs.sh" base "$cache/base.cpio" "$build"

# containerd-cri: containerd and the images on a disk of their own, and a
# CRI client on the host (tests/cri/) reaching the guest's containerd
# through a port qemu forwards.
cri=no
case " $guest_scenarios " in *" containerd-cri "*) cri=yes ;; esac
[ "$cri" = yes ] && "$here/build-initramfs.sh" cri "$cache/cri.img"

# A small ext4 disk with one file, for scenarios that need real page cache
# (an initramfs has none that can be reclaimed).
# The name carries a version: change it when the contents change.
data=$cache/data-v3.img
if [ ! -f "$data" ]; then
  d=$(mktemp -d "$cache/data.XXXXXX")
  head -c $((16 * 1024 * 1024)) /dev/urandom >"$d/cache.bin"
  head -c $((32 * 1024 * 1024)) /dev/urandom >"$d/protect-a.bin"
  head -c $((32 * 1024 * 1024)) /dev/urandom >"$d/protect-b.bin"
  # A quarter of the VM's RAM, for the agent-headroom scenarios.
  head -c $((256 * 1024 * 1024)) /dev/urandom >"$d/protect-big.bin"
  mkfs.ext4 -q -F -d "$d" "$data.tmp" 376M >/dev/null
  mv "$data.tmp" "$data"
  rm -rf "$d"
fi

# KVM hangs at boot on these machines; use it only when asked.
accel=tcg
[ "${VM_KVM:-0}" = 1 ] && [ -w /dev/kvm ] && accel=kvm

# boot TAG: run one VM; its result lines go to $cache/results-TAG.txt, the
# console (kernel messages, scenario output) to $cache/console-TAG.log.
boot() {
  local tag=$1 kdir initrd start
  kdir=$(awk -v t="$tag" '$1 == t {print $2}' <<<"$kinfo")
  "$here/build-initramfs.sh" modules "$cache/mods-$tag.cpio" "$kdir"
  initrd=$cache/initrd-$tag.cpio
  cat "$cache/base.cpio" "$cache/mods-$tag.cpio" >"$initrd"
  start=$(date +%s%N)
  local extra=() client=""
  rm -f "$cache/cri-$tag.txt"
  if [ "$cri" = yes ]; then
    local port
    port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # restrict=on: the guest reaches nothing outside; the forward still works.
    extra=(-drive "file=$cache/cri.img,if=virtio,format=raw,readonly=on"
      -netdev "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$port-:10010"
      -device "virtio-net-pci,netdev=n0,romfile=")
    /usr/bin/python3 "$top/tests/cri/test_containerd.py" --target "127.0.0.1:$port" --kernel "$tag" \
      --wait "$timeout_s" >"$cache/cri-$tag.txt" 2>"$cache/cri-$tag.err" &
    client=$!
  fi
  # psi=1: both Debian configs enable PSI by default, but a kernel built
  # with CONFIG_PSI_DEFAULT_DISABLED needs it. The cgroup options keep
  # every controller on the v2 hierarchy. Results come on ttyS1 (stdio
  # here), the console goes to a log file.
  timeout --kill-after=10 "$timeout_s" qemu-system-x86_64 \
    -accel "$accel" -m "$mem" -smp 1 -nodefaults -no-reboot \
    -display none -monitor none \
    -kernel "$kdir/vmlinuz" -initrd "$initrd" \
    -append "console=ttyS0 panic=-1 psi=1 systemd.unified_cgroup_hierarchy=1 cgroup_no_v1=all memqos.kernel=$tag memqos.scenarios=${guest_scenarios// /,}" \
    -drive "file=$data,if=virtio,format=raw,readonly=on" "${extra[@]}" \
    -serial "file:$cache/console-$tag.log" -serial stdio \
    </dev/null 2>"$cache/qemu-$tag.err" | tr -d '\r' >"$cache/results-$tag.txt" || true
  if [ -n "$client" ]; then
    # The client ends with the guest's containerd; give it a moment, no more.
    local n=0
    while kill -0 "$client" 2>/dev/null && [ $n -lt 20 ]; do sleep 0.5; n=$((n + 1)); done
    kill "$client" 2>/dev/null || true
    wait "$client" 2>/dev/null || true
    cat "$cache/cri-$tag.txt" >>"$cache/results-$tag.txt"
    grep -q "containerd-cri: " "$cache/cri-$tag.txt" ||
      echo "not ok $tag containerd-cri: the host's CRI client reported nothing: $(tail -n 3 "$cache/cri-$tag.err" | tr '\n' ' ')" >>"$cache/results-$tag.txt"
  fi
  echo "# wall $tag $((($(date +%s%N) - start) / 1000000))ms" >>"$cache/results-$tag.txt"
}

# boot_hybrid TAG: a second VM for hook-hybrid, with the v1 controllers
# allowed (no cgroup_no_v1=all) and init laying out the hybrid hierarchy;
# results to $cache/results-TAG-hybrid.txt.
boot_hybrid() {
  local tag=$1 kdir start res=$cache/results-$1-hybrid.txt
  kdir=$(awk -v t="$tag" '$1 == t {print $2}' <<<"$kinfo")
  # Built here too: boot is skipped when hook-hybrid is all that was asked.
  "$here/build-initramfs.sh" modules "$cache/mods-$tag.cpio" "$kdir"
  cat "$cache/base.cpio" "$cache/mods-$tag.cpio" >"$cache/initrd-$tag.cpio"
  start=$(date +%s%N)
  timeout --kill-after=10 "$timeout_s" qemu-system-x86_64 \
    -accel "$accel" -m "$mem" -smp 1 -nodefaults -no-reboot \
    -display none -monitor none \
    -kernel "$kdir/vmlinuz" -initrd "$cache/initrd-$tag.cpio" \
    -append "console=ttyS0 panic=-1 psi=1 memqos.layout=hybrid memqos.kernel=$tag memqos.scenarios=hook-hybrid" \
    -drive "file=$data,if=virtio,format=raw,readonly=on" \
    -serial "file:$cache/console-$tag-hybrid.log" -serial stdio \
    </dev/null 2>"$cache/qemu-$tag-hybrid.err" | tr -d '\r' >"$res" || true
  echo "# wall $tag-hybrid $((($(date +%s%N) - start) / 1000000))ms" >>"$res"
}

# One VM per kernel, run side by side (each uses one core under TCG). A
# kernel that cannot be fetched is a failure of that kernel, not the run.
kinfo="" pids=()
for tag in $kernels; do
  rm -f "$cache/results-$tag.txt" "$cache/results-$tag-hybrid.txt"
  if line=$("$here/kernels.sh" "$tag"); then
    kinfo+="$line"$'\n'
    {
      if [ -n "$guest_scenarios" ]; then boot "$tag"; fi
      if [ $hybrid = yes ]; then boot_hybrid "$tag"; fi
    } &
    pids+=($!)
  else
    echo "not ok $tag vm: could not fetch the kernel package" >"$cache/results-$tag.txt"
  fi
done
for p in "${pids[@]}"; do wait "$p"; done

pass=0 fail=0 skipped=0
report() { # print a line and count it
  printf '%s\n' "$1"
  case $1 in
    "ok "*) pass=$((pass + 1)) ;;
    "not ok "*) fail=$((fail + 1)) ;;
    "skip "*) skipped=$((skipped + 1)) ;;
  esac
}
while IFS= read -r line; do report "$line"; done <"$host_out"
# report_boot TAG NAME: the result lines of one boot (NAME: TAG or TAG-hybrid).
report_boot() {
  local tag=$1 name=$2 res=$cache/results-$2.txt
  while IFS= read -r line; do
    case $line in "ok "* | "not ok "* | "skip "* | "# "* | "| "* | "|") report "$line" ;; esac
  done <"$res"
  if ! grep -q '^vm-finished$' "$res"; then
    if grep -q '^# boot ' "$res"; then
      report "not ok $tag vm: $name did not finish within ${timeout_s}s (console: $cache/console-$name.log)"
    else
      report "not ok $tag vm: $name did not boot (console: $cache/console-$name.log)"
    fi
    tail -n 20 "$cache/console-$name.log" | sed 's/^/#   /'
  fi
}
for tag in $kernels; do
  res=$cache/results-$tag.txt
  if grep -q '^not ok .* could not fetch' "$res" 2>/dev/null; then
    report "$(cat "$res")"
    continue
  fi
  if [ -n "$guest_scenarios" ]; then report_boot "$tag" "$tag"; fi
  if [ $hybrid = yes ]; then report_boot "$tag" "$tag-hybrid"; fi
done
echo "vm: $pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ]

#!/bin/bash
# Install the host packages the VM suite needs, only those missing.
# CI runs as root on a fresh Debian 12 machine that reaches Debian's
# registry only, so everything comes from apt. Safe to run repeatedly.
set -euo pipefail

PKGS=(
  qemu-system-x86   # the VM (TCG: software emulation, no KVM needed)
  busybox-static    # the guest's shell and tools, one static binary
  runc crun         # the two OCI runtimes the hook is tested under
  cpio gzip         # initramfs assembly
  kmod xz-utils     # modprobe --show-depends; 6.12 modules are .ko.xz
  e2fsprogs         # mkfs.ext4 for the page-cache disk image
  gcc libc6-dev     # the static test allocator
  podman conmon     # the oci-hooks.d scenario
  jq                # reading the oci-hooks.d file on the host; deploy/install.sh
  containerd        # the containerd-cri scenario: containerd 1.6, ctr, the runc shim
  python3-grpcio python3-grpc-tools   # its CRI client (tests/cri/)
)

missing=()
for p in "${PKGS[@]}"; do
  # dpkg -s succeeds for removed-but-configured packages too; check the status.
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "vm: missing packages ${missing[*]}; run as root or install them" >&2
  exit 1
fi
echo "vm: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null

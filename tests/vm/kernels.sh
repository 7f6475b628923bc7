#!/bin/bash
# Fetch the test kernels into $VM_CACHE (default tests/vm/cache/) without
# installing them: installing a linux-image package would run
# update-initramfs for the host.
# `apt-get download` + `dpkg -x` gives the vmlinuz and its modules only.
#
# usage: kernels.sh 6.1|6.12 ...   prints "<tag> <kernel-dir>" per kernel,
# where <kernel-dir> holds vmlinuz and lib/modules/<release>/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${VM_CACHE:-$here/cache}
mkdir -p "$cache"

apt_ready=0
ensure_lists() {
  # apt-cache answers from the local lists; a fresh machine has none.
  if [ $apt_ready -eq 0 ]; then
    if [ -z "$(apt-cache search --names-only '^linux-image-amd64$' 2>/dev/null)" ]; then
      apt-get update -q >/dev/null
    fi
    apt_ready=1
  fi
}

# The real package behind a name: linux-image-amd64 is a meta package whose
# single dependency names the versioned image.
resolve() {
  local tag=$1
  ensure_lists
  case $tag in
    6.1)
      apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/ {print $2; exit}'
      ;;
    6.12)
      # The cloud flavour: smallest, ext4 built in. Take the newest version.
      apt-cache search --names-only '^linux-image-6\.12\.[0-9.]+\+deb12-cloud-amd64-unsigned$' |
        awk '{print $1}' | sort -V | tail -n1
      ;;
    *) echo "vm: unknown kernel $tag (known: 6.1 6.12)" >&2; return 1 ;;
  esac
}

for tag in "$@"; do
  dir="$cache/kernel-$tag"
  if [ ! -f "$dir/vmlinuz" ]; then
    pkg=$(resolve "$tag")
    [ -n "$pkg" ] || { echo "vm: no package found for kernel $tag" >&2; exit 1; }
    echo "vm: fetching $pkg" >&2
    tmp=$(mktemp -d "$cache/dl.XXXXXX")
    # apt-get download writes to the current directory; _apt needs to write there.
    chmod 777 "$tmp"
    # A stale package list names a version the mirror no longer has.
    if ! (cd "$tmp" && apt-get download -q "$pkg" >/dev/null 2>&1); then
      apt-get update -q >/dev/null
      (cd "$tmp" && apt-get download -q "$pkg" >/dev/null)
    fi
    rm -rf "$dir.new"
    mkdir -p "$dir.new"
    dpkg -x "$tmp"/*.deb "$dir.new/x"
    rm -rf "$tmp"
    # Keep only what the harness uses: the kernel image and its modules.
    vmlinuz=$(find "$dir.new/x/boot" -name 'vmlinuz-*' | head -n1)
    mv "$vmlinuz" "$dir.new/vmlinuz"
    mkdir -p "$dir.new/lib"
    mv "$dir.new/x/lib/modules" "$dir.new/lib/modules" 2>/dev/null ||
      mv "$dir.new/x/usr/lib/modules" "$dir.new/lib/modules"
    rm -rf "$dir.new/x"
    echo "$pkg" >"$dir.new/package"
    # modules.dep is made at install time; modprobe --show-depends needs it.
    depmod -b "$dir.new" "$(ls "$dir.new/lib/modules")"
    rm -rf "$dir"
    mv "$dir.new" "$dir"
  fi
  echo "$tag $dir"
done

#!/bin/bash
# Assemble the VM's initramfs as uncompressed cpio (newc) archives: under
# TCG, unpacking gzip costs more boot time than reading a bigger image.
#
#   build-initramfs.sh base OUT BUILD_DIR    busybox, runc, crun, podman,
#                                            memqos binaries, memhog, guest
#                                            scripts, the container rootfs
#   build-initramfs.sh modules OUT KDIR      the disk modules of one kernel
#
# The harness concatenates base + modules: the kernel unpacks each archive
# in turn into the same root.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${VM_CACHE:-$here/cache}

# add_bin ROOT SRC [DEST]: copy an executable and every shared library ldd
# lists for it, at the same paths, so the guest's dynamic loader finds them.
add_bin() {
  local root=$1 src=$2 dest=${3:-$2}
  install -D -m 0755 "$src" "$root$dest"
  # ldd fails for static binaries and scripts: nothing to copy then.
  { ldd "$src" 2>/dev/null || true; } | { grep -o '/[^ ]*' || true; } | while read -r lib; do
    [ -e "$root$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
  done
}

pack() { # DIR OUT
  (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) >"$2.tmp"
  mv "$2.tmp" "$2"
}

build_base() {
  local out=$1 build=$2
  local root
  root=$(mktemp -d "$cache/root.XXXXXX")
  trap 'rm -rf "$root"' RETURN
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,etc,proc,sys,dev,run,tmp,mnt,vm,newroot,lib/modules,var/lib,var/tmp}
  ln -s /run "$root/var/run"
  install -m 0755 /bin/busybox "$root/bin/busybox"
  install -m 0755 "$here/guest/init" "$root/init"
  install -m 0644 "$here/guest/lib.sh" "$root/vm/lib.sh"
  cp -r "$here/guest/scenarios" "$root/vm/"
  # The test node's policy (README, "Who may ask for what"): namespace
  # "default", where the scenarios' pods run, may ask for swap-max,
  # priority up to high and protection up to 512 MiB per container (also
  # for a container whose limit is its pod's, as in hook-protect); every
  # other namespace has the built-in rules.
  install -D -m 0644 "$here/guest/etc/policy.json" "$root/etc/memqos/policy.json"

  # The containerd scenario: the guest's half, the deploy files it installs
  # from, and jq (deploy/install.sh edits JSON with it). containerd itself
  # comes on a disk of its own (`cri` below).
  cp -r "$here/guest/cri" "$root/vm/cri"
  mkdir -p "$root/usr/share/memqos"
  cp -r "$here/../../deploy" "$root/usr/share/memqos/deploy"
  add_bin "$root" "$(command -v jq)" /usr/bin/jq

  add_bin "$root" "$(command -v runc)" /usr/bin/runc
  add_bin "$root" "$(command -v crun)" /usr/bin/crun

  # The built memqos binaries. VM_HOOK=/bin/true puts a hook with no
  # effect in their place, to show that the hook scenarios then fail.
  local b
  for b in "$build"/memqos-*; do
    [ -x "$b" ] && add_bin "$root" "$b" "/usr/bin/$(basename "$b")"
  done
  # The guest's memqos-hook is the static one, as the DaemonSet image
  # installs it on nodes (deploy/Containerfile): it needs no library.
  if [ -x "$build/memqos-hook-static" ]; then
    rm -f "$root/usr/bin/memqos-hook" "$root/usr/bin/memqos-hook-static"
    add_bin "$root" "$build/memqos-hook-static" /usr/bin/memqos-hook
  fi
  if [ -n "${VM_HOOK:-}" ]; then
    rm -f "$root/usr/bin/memqos-hook"
    add_bin "$root" "$VM_HOOK" /usr/bin/memqos-hook
  fi

  # earlyoom for bench/run-peers.sh, which fetches it (unpacked, not
  # installed) into the cache.
  [ -x "$cache/earlyoom/usr/bin/earlyoom" ] && add_bin "$root" "$cache/earlyoom/usr/bin/earlyoom" /usr/bin/earlyoom

  # podman: its OCI hooks directory support is what CRI-O uses too.
  if command -v podman >/dev/null && command -v conmon >/dev/null; then
    add_bin "$root" "$(command -v podman)" /usr/bin/podman
    add_bin "$root" "$(command -v conmon)" /usr/bin/conmon
    cp -r "$here/guest/containers" "$root/etc/containers"
  fi
  # The shipped oci-hooks.d file names /usr/local/bin/memqos-hook.
  [ -e "$root/usr/bin/memqos-hook" ] && ln -s /usr/bin/memqos-hook "$root/usr/local/bin/memqos-hook"
  # VM_HOOKS_DIR tries another oci-hooks.d directory than the shipped one.
  local hooks=${VM_HOOKS_DIR:-$here/../../deploy/oci-hooks.d}
  if [ -d "$hooks" ]; then
    mkdir -p "$root/usr/share/memqos/oci-hooks.d"
    cp "$hooks"/*.json "$root/usr/share/memqos/oci-hooks.d/"
  fi

  # The container rootfs: busybox with its applet links, and memhog.
  local r=$root/rootfs
  mkdir -p "$r"/{bin,proc,dev,tmp,data,etc}
  install -m 0755 /bin/busybox "$r/bin/busybox"
  for a in $(/bin/busybox --list); do
    [ "$a" = busybox ] || ln -s busybox "$r/bin/$a"
  done
  install -m 0755 "$cache/memhog" "$r/bin/memhog"
  # Named hogs, so the kernel's and earlyoom's kill lines say which pod.
  for a in a b c; do ln -s memhog "$r/bin/memhog-$a"; done
  install -m 0755 "$cache/memhog" "$root/usr/bin/memhog"
  echo 'root:x:0:0:root:/:/bin/sh' >"$r/etc/passwd"
  echo 'root:x:0:' >"$r/etc/group"
  echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
  echo 'root:x:0:' >"$root/etc/group"

  pack "$root" "$out"
}

# Modules for a virtio disk with ext4, in `modprobe --show-depends` order,
# decompressed (busybox insmod may not read .ko.xz). Built-in ones (ext4 in
# the cloud kernel) are simply absent from the list.
build_modules() {
  local out=$1 kdir=$2
  local rel root m f
  rel=$(ls "$kdir/lib/modules")
  [ -f "$kdir/lib/modules/$rel/modules.dep" ] || depmod -b "$kdir" "$rel"
  root=$(mktemp -d "$cache/mods.XXXXXX")
  trap 'rm -rf "$root"' RETURN
  mkdir -p "$root/lib/modules"
  for m in virtio_pci virtio_blk ext4; do
    modprobe -d "$kdir" -S "$rel" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
  done | awk '!seen[$0]++' | while read -r f; do
    local name
    name=$(basename "$f")
    case $name in
      *.xz) xz -dc "$f" >"$root/lib/modules/${name%.xz}"; name=${name%.xz} ;;
      *.zst) zstd -qdc "$f" >"$root/lib/modules/${name%.zst}"; name=${name%.zst} ;;
      *) cp "$f" "$root/lib/modules/$name" ;;
    esac
    echo "$name" >>"$root/lib/modules/modules.load"
  done
  # The containerd scenario's network and overlayfs modules, loaded by it
  # alone (modules.cri): the other scenarios boot as before.
  for m in virtio_net overlay; do
    modprobe -d "$kdir" -S "$rel" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
  done | awk '!seen[$0]++' | while read -r f; do
    local name
    name=$(basename "$f")
    name=${name%.xz}
    name=${name%.zst}
    [ -e "$root/lib/modules/$name" ] || case $f in
      *.xz) xz -dc "$f" >"$root/lib/modules/$name" ;;
      *.zst) zstd -qdc "$f" >"$root/lib/modules/$name" ;;
      *) cp "$f" "$root/lib/modules/$name" ;;
    esac
    echo "$name" >>"$root/lib/modules/modules.cri"
  done
  pack "$root" "$out"
}

# The containerd scenario's disk (ext4, read-only in the guest at
# /mnt/cri): Debian's containerd, its runc shim and ctr, and the test images
# as an OCI layout tarball (tests/cri/mkimages.py: a pause image and a
# busybox image). On a disk, not in the initramfs: the initramfs lives in
# RAM for every scenario, the disk's pages only while they are used.
build_cri() {
  local out=$1
  local d b
  d=$(mktemp -d "$cache/cri.XXXXXX")
  trap 'rm -rf "$d"' RETURN
  mkdir -p "$d/bin"
  for b in containerd containerd-shim-runc-v2 ctr; do
    install -m 0755 "$(command -v $b)" "$d/bin/$b"
  done
  cc -O2 -Wall -Wextra -static -o "$d/pause" "$here/../cri/pause.c"
  /usr/bin/python3 "$here/../cri/mkimages.py" --busybox /bin/busybox --pause "$d/pause" --out "$d/images.tar"
  rm -f "$d/pause"
  mkfs.ext4 -q -F -d "$d" "$out.tmp" 160M >/dev/null
  mv "$out.tmp" "$out"
}

case ${1:-} in
  base) build_base "$2" "$3" ;;
  modules) build_modules "$2" "$3" ;;
  cri) build_cri "$2" ;;
  *) echo "usage: $0 base OUT BUILD_DIR | modules OUT KERNEL_DIR | cri OUT" >&2; exit 2 ;;
esac

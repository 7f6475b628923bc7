# shellcheck shell=sh
# What every other scenario takes for granted: cgroup v2 with the memory
# controller, PSI, the page-cache disk, and both runtimes able to run a
# container from the initramfs root.

if grep -q ' /sys/fs/cgroup cgroup2 ' /proc/mounts; then ok "cgroup2 mounted"; else notok "cgroup2 not mounted"; fi
ctl=$(cat /sys/fs/cgroup/cgroup.subtree_control)
case " $ctl " in
  *" memory "*) ok "memory controller enabled ($ctl)" ;;
  *) notok "memory controller not in subtree_control: '$ctl'" ;;
esac
if [ -r /proc/pressure/memory ]; then ok "PSI: $(head -n1 /proc/pressure/memory)"; else notok "no /proc/pressure/memory"; fi
if [ -f /mnt/data/cache.bin ]; then ok "ext4 data disk mounted"; else notok "no data disk at /mnt/data"; fi

for rt in runc crun; do
  b=/tmp/b-basic-$rt
  mkbundle "$b" '"/bin/echo","hi from '$rt'"' '' 0 "/basics/$rt"
  # No hook here: this checks the runtime alone.
  sed -i '/"hooks"/,/^  },/d' "$b/config.json"
  out=$($rt run --no-pivot -b "$b" "basic-$rt" 2>&1)
  if [ "$out" = "hi from $rt" ]; then ok "$rt runs a container"; else notok "$rt run: $out"; fi
  $rt delete -f "basic-$rt" >/dev/null 2>&1
done
:

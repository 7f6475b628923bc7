# shellcheck shell=sh
# A hybrid cgroup host: booted with memqos.layout=hybrid (tests/vm/run.sh
# boots it on its own), init mounts the v1 controllers under /sys/fs/cgroup
# and cgroup2 at /sys/fs/cgroup/unified. runc starts a container (64-hex id,
# kubelet cgroup path, a valid memqos annotation, the hook registered as a
# node registers it): it runs, the hook warned once, naming the host, and
# wrote nothing. crun too, where it can: crun 1.8 refuses a hybrid host
# itself while any controller is left on cgroup2 ("cgroups in hybrid mode
# not supported", before any hook runs), as 6.12 leaves cpuset and memory
# there when it has no v1 version of them.

fstype() { stat -f -c %t "$1"; }
if [ "$(fstype /sys/fs/cgroup)" != 1021994 ] || [ "$(fstype /sys/fs/cgroup/unified)" != 63677270 ]; then
  notok "not the hybrid layout: /sys/fs/cgroup $(fstype /sys/fs/cgroup), unified $(fstype /sys/fs/cgroup/unified) (boot with memqos.layout=hybrid)"
  exit 0
fi
limit=0
if [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ]; then
  ok "cgroup v1 memory controller mounted at /sys/fs/cgroup/memory"
  limit=268435456
else
  # 6.11+ builds it only with CONFIG_MEMCG_V1; the layout is still hybrid.
  skip "no cgroup v1 memory controller in this kernel: the container gets no memory limit"
fi
left=$(cat /sys/fs/cgroup/unified/cgroup.controllers)
runtimes=runc
if [ -z "$left" ]; then
  runtimes="runc crun"
else
  skip "crun: controllers left on cgroup2 ($left): crun refuses such a host itself"
fi
want_tail="warning: /sys/fs/cgroup is a hybrid cgroup host (cgroup v1 controllers, cgroup2 at unified/ without them); nothing applied"

for RT in $runtimes; do
  id=$(printf '%s' "$RT-hybrid-$$" | sha256sum | cut -c1-64)
  uid=$(pod_uid 7)
  b=/tmp/b-$id
  err=/tmp/$id.hook-stderr
  mkbundle "$b" '"/bin/sh","-c","echo started"' \
    "$(k8s_ann "$uid" '"memqos.io/memory-min": "64Mi"' '"memqos.io/memory-high": "90%"')" \
    "$limit" "$(kube_cgpath "$uid" "$id")"
  # The runtimes show a hook's stderr only when the hook fails: a wrapper
  # keeps it.
  printf '#!/bin/sh\nexec /usr/bin/memqos-hook "$@" 2>>%s\n' "$err" >"$b/hook.sh"
  chmod +x "$b/hook.sh"
  sed -i "s|\"path\": \"/usr/bin/memqos-hook\"|\"path\": \"$b/hook.sh\"|" "$b/config.json"
  before=$(find /run/memqos | sort)
  out=$($RT run --no-pivot -b "$b" "$id" 2>&1)
  rc=$?
  if [ $rc -eq 0 ]; then ok "$RT ran the container (exit 0)"; else notok "$RT exit $rc: $(echo "$out" | tail -n 2 | tr '\n' ' ')"; fi
  case $out in
    *started*) ok "$RT: the container's process ran" ;;
    *) notok "$RT: the container's process did not run" ;;
  esac
  check "$RT: the hook's stderr" "memqos-hook: $id: $want_tail" "$(cat "$err" 2>/dev/null)"
  check "$RT: nothing written under /run/memqos" "$before" "$(find /run/memqos | sort)"
  $RT delete -f "$id" >/dev/null 2>&1
done
:

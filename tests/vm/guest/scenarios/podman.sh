# shellcheck shell=sh
# The shipped oci-hooks.d file, as podman (and CRI-O, same format) reads it:
# `podman run --hooks-dir <deploy/oci-hooks.d> --annotation memqos.io/...`
# must run the hook and the values must land in the container's cgroup.

if ! command -v podman >/dev/null || ! command -v conmon >/dev/null; then
  skip "podman or conmon not in the initramfs"
  exit 0
fi
hooks=/usr/share/memqos/oci-hooks.d
if [ ! -f $hooks/memqos.json ]; then
  skip "no deploy/oci-hooks.d/memqos.json in the tree"
  exit 0
fi
pm() {
  podman --storage-driver vfs --root /tmp/containers/storage --runroot /run/containers/storage \
    --cgroup-manager cgroupfs --events-backend none --runtime "$PM_RT" "$@"
}

for PM_RT in crun runc; do
  uid=$(pod_uid 5)
  name=pm-$PM_RT-$$
  if ! pm run -d --name "$name" --rootfs --network none --hooks-dir "$hooks" \
    --cgroup-parent "/kubepods/burstable/pod$uid" --memory 128m \
    --annotation memqos.io/memory-high=64Mi --annotation memqos.io/memory-min=8Mi \
    --annotation memory-low.memqos.io/pm=16Mi --annotation io.kubernetes.container.name=pm \
    /rootfs /bin/sleep 30 >"/tmp/$name.log" 2>&1; then
    notok "podman --runtime $PM_RT run failed: $(tail -n 3 "/tmp/$name.log" | tr '\n' ' ')"
    continue
  fi
  pid=$(pm inspect -f '{{.State.Pid}}' "$name")
  cg=/sys/fs/cgroup$(cg_of "$pid")
  emit "# $KTAG $SCEN: $PM_RT: init pid $pid in cgroup ${cg#/sys/fs/cgroup}"
  check "$PM_RT: memory.max (set by podman)" 134217728 "$(cat "$cg/memory.max")"
  check "$PM_RT: memory.high" 67108864 "$(cat "$cg/memory.high")"
  check "$PM_RT: memory.min" 8388608 "$(cat "$cg/memory.min")"
  check "$PM_RT: memory.low (per-container key)" 16777216 "$(cat "$cg/memory.low")"
  pm rm -f -t 0 "$name" >/dev/null 2>&1
done

# Whether podman injects the hook at all is decided by the file's `when`
# rules; the real hook would do nothing visible without memqos annotations,
# so a copy of the file points at a probe that records each call instead.
# oci-hooks(5) 1.0.0: every key regex in when.annotations must match some
# annotation, so a pod-wide key alone and a per-container key alone must
# each be enough on their own.
PM_RT=crun
mkdir -p /tmp/probe-hooks
sed 's|"path": *"[^"]*"|"path": "/tmp/hook-probe"|' "$hooks/memqos.json" >/tmp/probe-hooks/memqos.json
printf '#!/bin/sh\ncat >/dev/null\necho called >>/tmp/hook-probe.log\n' >/tmp/hook-probe
chmod +x /tmp/hook-probe
probe() { # EXPECT(called|not-called) KEY=VALUE...
  want=$1
  shift
  rm -f /tmp/hook-probe.log
  name=pm-probe-$$
  args=""
  for a in "$@"; do args="$args --annotation $a"; done
  # Detached and removed at once: an attached `run --rm` waits ~20 s here.
  # shellcheck disable=SC2086 # the annotations hold no spaces
  if pm run -d --name "$name" --rootfs --network none --hooks-dir /tmp/probe-hooks $args \
    /rootfs /bin/sleep 30 >"/tmp/$name.log" 2>&1; then
    got=not-called
    [ -f /tmp/hook-probe.log ] && got=called
    check "hook $want for $*" "$want" "$got"
  else
    notok "podman run with $* failed: $(tail -n 3 "/tmp/$name.log" | tr '\n' ' ')"
  fi
  pm rm -f -t 0 "$name" >/dev/null 2>&1
}
probe called memqos.io/memory-high=64Mi
probe called memory-low.memqos.io/app=16Mi
probe not-called example.com/memqos.io=1 io.kubernetes.cri.container-name=app
:

#!/bin/bash
# `make check-host-runc`: the hook under real runc on this machine's own
# cgroup hierarchy, when it is the hybrid layout (cgroup v1 controllers under
# /sys/fs/cgroup, cgroup2 at unified/ without controllers; the CI machines
# are such hosts). A container with a valid memqos annotation must run:
# runc exits 0, the container's process ran, the hook warned once and wrote
# nothing. On any other host the check is reported as skipped, not passed.
#
#   tests/host/runc-hybrid.sh [BUILD_DIR]
set -uo pipefail

build=$(cd "${1:-build}" && pwd)
hook=$build/memqos-hook
pass=0 fail=0 skip=0
ok() { echo "ok host-runc: $1"; pass=$((pass + 1)); }
notok() { echo "not ok host-runc: $1"; fail=$((fail + 1)); }
summary() { echo "host-runc: $pass passed, $fail failed, $skip skipped"; [ "$fail" -eq 0 ]; exit $?; }

fstype() { stat -f -c %T "$1" 2>/dev/null; }
if [ "$(fstype /sys/fs/cgroup)" = cgroup2fs ] || [ "$(fstype /sys/fs/cgroup/unified)" != cgroup2fs ]; then
        echo "skip host-runc: /sys/fs/cgroup is not the hybrid layout (the VM scenario hook-hybrid covers it)"
        skip=1
        summary
fi
if ! command -v runc >/dev/null || ! command -v busybox >/dev/null || [ "$(id -u)" != 0 ]; then
        echo "skip host-runc: needs root, runc and a static busybox"
        skip=1
        summary
fi

dir=$(mktemp -d)
cid=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
uid=$(cat /proc/sys/kernel/random/uuid)
# shellcheck disable=SC2317 # called by the trap
cleanup() {
        runc delete -f "$cid" >/dev/null 2>&1
        # runc leaves the parents it created; only empty ones go (rmdir).
        for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/unified/; do
                rmdir "$h/kubepods/burstable/pod$uid" "$h/kubepods/burstable" "$h/kubepods" 2>/dev/null
        done
        rm -rf "$dir"
}
trap cleanup EXIT
mkdir -p "$dir/bundle/rootfs/bin"
cp "$(command -v busybox)" "$dir/bundle/rootfs/bin/busybox"
# The hook's stderr is what runc would fold into the kubelet's event; a
# wrapper keeps it (runc shows a hook's stderr only when the hook fails).
cat >"$dir/hook.sh" <<WRAP
#!/bin/sh
exec "$hook" --state-dir "$dir/state" 2>>"$dir/hook.err"
WRAP
chmod +x "$dir/hook.sh"
(cd "$dir/bundle" && runc spec) || { notok "runc spec"; summary; }
python3 - "$dir" "$cid" "$uid" <<'PY'
import json, sys
d, cid, uid = sys.argv[1:]
p = d + "/bundle/config.json"
c = json.load(open(p))
c["process"]["terminal"] = False
c["process"]["args"] = ["/bin/busybox", "sh", "-c", "echo ran >/ran"]
c["root"]["readonly"] = False
c["hooks"] = {"createRuntime": [{"path": d + "/hook.sh"}]}
c["annotations"] = {
    "io.kubernetes.cri.container-type": "container",
    "io.kubernetes.cri.container-name": "app",
    "io.kubernetes.cri.sandbox-name": "web-0",
    "io.kubernetes.cri.sandbox-namespace": "shop",
    "io.kubernetes.cri.sandbox-uid": uid,
    "memqos.io/memory-min": "64Mi",
    "memqos.io/memory-high": "90%",
}
c["linux"]["cgroupsPath"] = "/kubepods/burstable/pod%s/%s" % (uid, cid)
c["linux"]["resources"] = {"memory": {"limit": 268435456}}
json.dump(c, open(p, "w"), indent=1)
PY

(cd "$dir/bundle" && timeout 120 runc run "$cid" >"$dir/runc.out" 2>"$dir/runc.err")
rc=$?
if [ $rc -eq 0 ]; then ok "runc run exits 0 with the hook and a memqos annotation"
else notok "runc run exit $rc: $(cat "$dir/runc.err")"; fi
if [ "$(cat "$dir/bundle/rootfs/ran" 2>/dev/null)" = ran ]; then ok "the container's process ran"
else notok "the container's process did not run"; fi
want="memqos-hook: $cid: warning: /sys/fs/cgroup is a hybrid cgroup host (cgroup v1 controllers, cgroup2 at unified/ without them); nothing applied"
if [ "$(cat "$dir/hook.err" 2>/dev/null)" = "$want" ]; then ok "the hook warned once, naming the hybrid host"
else notok "hook stderr: '$(cat "$dir/hook.err" 2>/dev/null)'"; fi
if [ ! -e "$dir/state" ]; then ok "no record written"
else notok "the hook wrote under its state dir: $(find "$dir/state")"; fi
summary

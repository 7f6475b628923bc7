# shellcheck shell=sh
# vm-timeout: 400
# containerd's CRI end to end, registered the way the README tells an
# operator: deploy/install.sh --containerd on Debian's containerd 1.6 and
# its packaged config.toml, containerd restarted. The cgroupfs driver
# (SystemdCgroup = false, containerd's default): the VM has no systemd.
#
# The pods come from the host: tests/cri/test_containerd.py talks CRI to
# this containerd through a port qemu forwards (run.sh starts it), and reads
# the node through a privileged debug pod. This side installs, starts
# containerd and the agent, and at the client's request uninstalls; the
# phases meet in /run/memqos-cri/{phase,request}.
# shellcheck source=tests/vm/guest/scenarios/agent-common.inc
. /vm/scenarios/agent-common.inc

# containerd, its shim, ctr and the image tarball come on a disk of their
# own (/dev/vdb, run.sh), so that they take no RAM from the other scenarios.
mkdir -p /mnt/cri
if ! mount -t ext4 -o ro /dev/vdb /mnt/cri; then
  notok "no containerd disk (/dev/vdb)"
  return 0 2>/dev/null || exit 0
fi
PATH=/mnt/cri/bin:$PATH
export PATH

T0=$(uptime_cs)
S=/run/memqos-cri
CONF=/etc/containerd/config.toml
INSTALL=/usr/share/memqos/deploy/install.sh
HDR='[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]'
mkdir -p "$S" /etc/containerd /var/lib/containerd
rm -f "$S"/*

# The network (qemu user mode) and overlayfs: their modules, loaded here only.
if [ -f /lib/modules/modules.cri ]; then
  while read -r m; do insmod "/lib/modules/$m" 2>/dev/null; done </lib/modules/modules.cri
fi
ip link set lo up
if ! { ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0; }; then
  notok "no network interface for the CRI port"
  return 0 2>/dev/null || exit 0
fi
printf '127.0.0.1 localhost\n' >/etc/hosts
: >/etc/resolv.conf

cp /vm/cri/config.toml "$CONF"
containerd config dump >/tmp/cd-dump-0.toml

# --- install, as the README says -----------------------------------------
if sh "$INSTALL" --from /usr/bin --containerd >/tmp/cd-install.out 2>&1; then
  ok "deploy/install.sh --containerd: $(tail -n 2 /tmp/cd-install.out | head -n1 | cut -c1-160)"
else
  notok "deploy/install.sh --containerd failed: $(tr '\n' ' ' </tmp/cd-install.out)"
fi
containerd config dump >/tmp/cd-dump-1.toml
echo "--- $SCEN: config dump diff after install"
diff /tmp/cd-dump-0.toml /tmp/cd-dump-1.toml
changed=$(diff -U0 /tmp/cd-dump-0.toml /tmp/cd-dump-1.toml | grep -E '^[-+] ' | sed 's/^\([-+]\) *\([a-z_]*\) =.*/\1\2/' | sort | tr '\n' ' ')
check "config dump lines changed by install" "+base_runtime_spec +pod_annotations -base_runtime_spec -pod_annotations " "$changed"
if grep -Fq 'base_runtime_spec = "/etc/containerd/memqos-base-spec.json"' /tmp/cd-dump-1.toml &&
  grep -Fq 'pod_annotations = ["memqos.io/*", "*.memqos.io/*"]' /tmp/cd-dump-1.toml; then
  ok "config dump: base_runtime_spec and pod_annotations in the runc table"
else
  notok "config dump lacks memqos's keys: $(grep -E 'base_runtime_spec|pod_annotations' /tmp/cd-dump-1.toml | tr '\n' ' ')"
fi
check "config dump: runc options SystemdCgroup (cgroupfs driver, kept)" "SystemdCgroup = false" \
  "$(grep -o 'SystemdCgroup = [a-z]*' /tmp/cd-dump-1.toml)"
check "runc tables in $CONF" 1 "$(tr -d ' ' <"$CONF" | grep -cxF "$(echo "$HDR" | tr -d ' ')")"
spec=/etc/containerd/memqos-base-spec.json
check "base spec createRuntime hook" '[{"path":"/opt/memqos/bin/memqos-hook","args":["memqos-hook"]}]' \
  "$(jq -c '.hooks.createRuntime' "$spec" 2>&1)"
if [ "$(jq -S 'del(.hooks)' "$spec")" = "$(ctr oci spec | jq -S .)" ]; then
  ok "base spec = ctr oci spec + the hook"
else
  notok "base spec differs from ctr oci spec beyond the hook"
fi

# --- containerd, the images, the agent --------------------------------------
cd_start() {
  containerd >>/tmp/containerd.log 2>&1 &
  CD=$!
  wait_until 60 ctr version >/dev/null 2>&1
}
cd_stop() {
  kill "$CD" 2>/dev/null
  wait_exit "$CD" 20
  [ "$RC" = 124 ] && kill -9 "$CD" 2>/dev/null
}
t0=$(uptime_cs)
if cd_start; then
  emit "# $SCEN: containerd up in $(fmt_cs $(($(uptime_cs) - t0)))"
else
  notok "containerd did not start: $(tail -n 3 /tmp/containerd.log | tr '\n' ' ')"
fi
if out=$(ctr -n k8s.io images import /mnt/cri/images.tar 2>&1); then
  ok "ctr -n k8s.io images import: the pause and busybox images"
else
  notok "ctr images import: $out"
fi
ag_tree
ag_start || true
echo installed >"$S/phase"

# --- at the client's request: uninstall --------------------------------------
emit "# $SCEN: installed and running after $(fmt_cs $(($(uptime_cs) - T0)))"
# Polled once a second: the single emulated CPU is containerd's.
n=240
while [ $n -gt 0 ] && ! grep -qx -e uninstall -e done "$S/request" 2>/dev/null; do sleep 1; n=$((n - 1)); done
emit "# $SCEN: the client's request after $(fmt_cs $(($(uptime_cs) - T0)))"
if ! grep -qx uninstall "$S/request" 2>/dev/null; then
  notok "the host's CRI client never asked for the uninstall (see its lines)"
else
  if sh "$INSTALL" --uninstall --containerd >/tmp/cd-uninstall.out 2>&1; then
    ok "deploy/install.sh --uninstall --containerd"
  else
    notok "deploy/install.sh --uninstall failed: $(tr '\n' ' ' </tmp/cd-uninstall.out)"
  fi
  containerd config dump >/tmp/cd-dump-2.toml
  if cmp -s /tmp/cd-dump-0.toml /tmp/cd-dump-2.toml; then
    ok "config dump after --uninstall = before install"
  else
    notok "config dump after --uninstall differs: $(diff -U0 /tmp/cd-dump-0.toml /tmp/cd-dump-2.toml | grep -E '^[-+] ' | tr '\n' ' ')"
  fi
  if cmp -s /vm/cri/config.toml "$CONF"; then ok "$CONF restored byte for byte"; else notok "$CONF not restored"; fi
  for f in /opt/memqos/bin/memqos-hook "$spec"; do
    if [ -e "$f" ]; then notok "$f left after --uninstall"; else ok "$f removed"; fi
  done
  cd_stop
  cd_start || notok "containerd did not restart: $(tail -n 3 /tmp/containerd.log | tr '\n' ' ')"
  echo uninstalled >"$S/phase"
  n=240
  while [ $n -gt 0 ] && ! grep -qx done "$S/request"; do sleep 1; n=$((n - 1)); done
  grep -qx done "$S/request" || notok "the host's CRI client did not finish"
  emit "# $SCEN: the client done after $(fmt_cs $(($(uptime_cs) - T0)))"
  # Its last step removes the debug pod: no container of this scenario may
  # outlive it.
  wait_until 30 sh -c '[ -z "$(ctr -n k8s.io containers ls -q)" ]' ||
    notok "containers left: $(ctr -n k8s.io containers ls -q | tr '\n' ' ')"
fi

ag_stop
# The pods are the client's to remove; containerd goes with the VM.
cd_stop
umount /mnt/cri 2>/dev/null
echo "--- $SCEN: containerd log (errors)"
grep -i 'level=error' /tmp/containerd.log | tail -n 20
:

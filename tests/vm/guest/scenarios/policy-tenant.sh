# shellcheck shell=sh
# A tenant must not grant itself protection or priority (README, "Who may
# ask for what"). A BestEffort pod in namespace "tenant-a" (not named by the
# node policy) asks for memqos.io/memory-min: max and memqos.io/priority:
# critical.
#   refuse (the built-in rule for a violation): runc create fails with the
#     hook's line naming the rule; nothing is written, no record;
#   clamp (the node policy switched to "on_violation": "clamp"): the pod
#     runs with no protection and priority normal, its record says so;
#     beside it a process in system.slice (standing in for the kubelet) and
#     a Guaranteed pod with a legitimate memory.min; the BestEffort pod then
#     grows past what the node has, no swap: memqos-agent kills it, the
#     system process and the Guaranteed pod keep running, no kernel OOM
#     kill, and kubepods' memory.min stays a bounded number (never max).
. /vm/scenarios/agent-common.inc

POLICY=/etc/memqos/policy.json
tenant_ann='"memqos.io/memory-min": "max", "memqos.io/priority": "critical"'

# refuse
uid=$(pod_uid 41)
K8S_NS=tenant-a
export K8S_NS
CID=$(echo "refuse-$$-$(uptime_cs)" | sha256sum | cut -c1-64)
b=/tmp/b-$CID
mkbundle "$b" '"/bin/sleep","30"' "$(k8s_ann "$uid" "$tenant_ann")" 0 "/kubepods/besteffort/pod$uid/$CID"
if runc create --no-pivot -b "$b" "$CID" >"/tmp/$CID.log" 2>&1; then
  notok "refuse: runc create succeeded"
  runc delete -f "$CID" >/dev/null 2>&1
else
  if grep -q 'memqos.io/memory-min=max.*not allowed in namespace \\\?"tenant-a' "/tmp/$CID.log" ||
    grep -q 'memqos.io/priority=critical.*not allowed in namespace \\\?"tenant-a' "/tmp/$CID.log"; then
    ok "refuse: runc create failed with the hook's line naming the rule"
  else
    notok "refuse: runc create failed without the policy line: $(tail -n 2 "/tmp/$CID.log" | tr '\n' ' ')"
  fi
fi
if [ -e "/run/memqos/containers/$CID.json" ]; then notok "refuse: a record was written"; else ok "refuse: no record"; fi

# clamp
cp "$POLICY" /tmp/policy.saved
sed 's/"on_violation": "refuse"/"on_violation": "clamp"/' /tmp/policy.saved >"$POLICY"
ag_tree
mkdir -p "$CGR/system.slice/kubelet.service"
echo "+memory" >"$CGR/system.slice/cgroup.subtree_control"
memhog -q -m 96 -H 120 &
sysp=$!
echo "$sysp" >"$CGR/system.slice/kubelet.service/cgroup.procs"
ag_start || { cp /tmp/policy.saved "$POLICY"; kill $sysp; return 0; }
gu=$(pod_uid 42)
mkdir -p "$CGR/kubepods/pod$gu"
echo $((128 * 1048576)) >"$CGR/kubepods/pod$gu/memory.max"
K8S_NS=default ag_pod guar guaranteed "$gu" '"/bin/memhog","-q","-m","64","-H","120"' \
  '"memqos.io/memory-min": "96Mi"' $((128 * 1048576)) || { ag_stop; cp /tmp/policy.saved "$POLICY"; kill $sysp; return 0; }
cid_g=$CID
sleep 2
avail=$(meminfo_mib MemAvailable)
k0=$(vmstat oom_kill)
uid=$(pod_uid 43)
K8S_NS=tenant-a ag_pod tenant besteffort "$uid" '"/bin/memhog","-s","8","-d","100","-m","'$((avail + 128))'","-H","30"' \
  "$tenant_ann" || { ag_stop; cp /tmp/policy.saved "$POLICY"; kill $sysp; return 0; }
cid_t=$CID cg_t=$CGDIR
check "clamp: the tenant container's memory.min" 0 "$(cat "$cg_t/memory.min")"
rec=/run/memqos/containers/$cid_t.json
if grep -q '"clamped"' "$rec" && grep -q 'memqos.io/memory-min' "$rec" && grep -q 'memqos.io/priority' "$rec"; then
  ok "clamp: the record says what was asked and what was applied"
else
  notok "clamp: the record does not show the clamps: $(cut -c1-300 "$rec")"
fi
wait_until 60 sh -c "! runc state $cid_t 2>/dev/null | grep -q '\"status\": \"running\"'"
sleep 1
k1=$(vmstat oom_kill)
check "clamp: node oom_kill (/proc/vmstat)" 0 $((k1 - k0))
if grep '"action":"kill"' "$AG_OUT" | grep '"result":"ok"' | grep -q "pod$uid"; then
  ok "clamp: memqos-agent killed the tenant's BestEffort pod"
else
  notok "clamp: the agent did not kill the tenant's pod: $(grep -v '"action":"propagate' "$AG_OUT" | cut -c1-300 | tail -n 2)"
fi
if kill -0 "$sysp" 2>/dev/null; then ok "clamp: the system.slice process is running"; else notok "clamp: the system.slice process is gone"; fi
if ag_running "$cid_g"; then ok "clamp: the Guaranteed pod is running"; else notok "clamp: the Guaranteed pod stopped"; fi
kmin=$(cat "$CGR/kubepods/memory.min")
total=$(($(awk '$1 == "MemTotal:" {print $2}' /proc/meminfo) * 1024))
if [ "$kmin" != max ] && [ "$kmin" -le $((total / 2)) ]; then
  ok "clamp: kubepods memory.min $kmin stays within half of MemTotal"
else
  notok "clamp: kubepods memory.min is $kmin (MemTotal $total)"
fi
ag_stop
kill "$sysp" 2>/dev/null
ag_delete "$cid_t" "$cid_g"
cp /tmp/policy.saved "$POLICY"
:

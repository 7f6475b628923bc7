# shellcheck shell=sh
# The kernel OOM killer fires and memqos-agent (in dry run, so that it does
# not prevent it) explains each kill in one JSON line, counts it per pod in
# its metrics (scraped over TCP) and shows it in `explain`:
#   cgroup: a Burstable pod's container with memory.max 64 MiB allocates
#     128 MiB: the kill is in the pod, scope "cgroup", its container named
#     with its own limit;
#   node: a BestEffort pod allocates more than the node has: the global OOM
#     killer takes it, scope "node".
. /vm/scenarios/agent-common.inc

ip link set lo up 2>/dev/null
ag_tree
oom_line() { grep '"event":"kernel-oom-kill"' "$AG_OUT" | grep "\"pod_uid\":\"$1\"" | head -n 1; }
has_line() { [ -n "$(oom_line "$1")" ]; }
field() { printf '%s\n' "$1" | sed -n "s/.*\"$2\":\\([^,}]*\\).*/\\1/p" | head -n 1; }
scrape() { wget -q -O - http://127.0.0.1:9713/metrics; }
metric() { scrape | grep "^$1" | grep "$2" | awk '{print $2}' | head -n 1; }

if ag_start '{"dry_run": true, "metrics_listen": "127.0.0.1:9713"}'; then
  u1=$(pod_uid 31) u2=$(pod_uid 32)
  k0=$(vmstat oom_kill)
  # cgroup: the container's own limit.
  if ag_pod oom-cgroup burstable "$u1" '"/bin/memhog","-s","4","-m","128","-H","3"' \
    '"memqos.io/priority": "low"' $((64 * 1048576)); then
    cid1=$CID
    if wait_until 30 has_line "$u1"; then
      l=$(oom_line "$u1")
      emit "# $KTAG $SCEN: $(printf '%s' "$l" | cut -c1-900)"
      check "cgroup: scope" '"cgroup"' "$(field "$l" scope)"
      check "cgroup: namespace from the record" '"default"' "$(field "$l" namespace)"
      check "cgroup: pod name from the record" "\"pod-$u1\"" "$(field "$l" pod)"
      if printf '%s' "$l" | grep -q "\"id\":\"$cid1\",\"name\":\"app\",\"oom_kill\":[1-9][0-9]*,\"oom\":[1-9][0-9]*,\"limit\":67108864"; then
        ok "cgroup: the container is named, with its OOM kills and its 64 MiB limit"
      else
        notok "cgroup: container $cid1 not in: $(printf '%s' "$l" | sed -n 's/.*"containers":\(\[[^]]*\]\).*/\1/p')"
      fi
      # memory.peak (5.19+): the container reached its limit.
      peak=$(printf '%s' "$l" | sed -n 's/.*"limit":67108864,"peak":\([0-9]*\).*/\1/p')
      if [ -n "$peak" ] && [ "$peak" -ge $((60 * 1048576)) ] && [ "$peak" -le $((64 * 1048576)) ]; then
        ok "cgroup: the container's peak $((peak / 1048576)) MiB of its 64 MiB limit"
      else
        notok "cgroup: the container's peak: '$peak'"
      fi
      if printf '%s' "$l" | grep -q '"reason":"the kernel OOM killer killed [0-9]* task(s) in pod default/pod-'"$u1"': container app reached its memory.max (peak 6[0-4] MiB of 64 MiB)"'; then
        ok "cgroup: the reason names the container and its limit"
      else
        notok "cgroup: reason: $(printf '%s' "$l" | sed -n 's/.*"reason":\("[^"]*"\).*/\1/p')"
      fi
      check "cgroup: memqos had not acted on the pod" false "$(field "$l" acted)"
      mt=$(field "$l" mem_total)
      if [ "${mt:-0}" -gt 0 ]; then ok "cgroup: the node's figures at the kill (MemTotal $((mt / 1048576)) MiB)"; else notok "cgroup: mem_total '$mt'"; fi
    else
      notok "cgroup: no explanation line for pod $u1; kernel oom_kill +$(($(vmstat oom_kill) - k0)); $(tail -n 3 "$AG_ERR" | tr '\n' ' ')"
    fi
  fi
  # node: more than the node has, no limit; the dry-run agent only logs.
  avail=$(meminfo_mib MemAvailable)
  k1=$(vmstat oom_kill)
  if ag_pod oom-node besteffort "$u2" '"/bin/memhog","-s","8","-m","'$((avail + 128))'","-H","3"' \
    '"memqos.io/priority": "low"'; then
    if wait_until 60 has_line "$u2"; then
      l=$(oom_line "$u2")
      emit "# $KTAG $SCEN: $(printf '%s' "$l" | cut -c1-900)"
      check "node: scope" '"node"' "$(field "$l" scope)"
      kills=$(field "$l" kills)
      if [ "${kills:-0}" -ge 1 ]; then ok "node: $kills task(s) killed in the pod"; else notok "node: kills '$kills'"; fi
      if printf '%s' "$l" | grep -q '"reason":"the kernel OOM killer killed [0-9]* task(s) in pod default/pod-'"$u2"': the node ran out of memory (pod peak [0-9]* MiB'; then
        ok "node: the reason names the pod and the node"
      else
        notok "node: reason: $(field "$l" reason)"
      fi
    else
      notok "node: no explanation line for pod $u2; kernel oom_kill +$(($(vmstat oom_kill) - k1))"
    fi
  fi
  # The counters, over TCP, with the pods' labels.
  check "metrics: cgroup-scope kills counted" 1 "$(metric 'memqos_kernel_oom_kills_total' 'scope="cgroup"')"
  n=$(metric 'memqos_kernel_oom_kills_total' 'scope="node"')
  if [ "${n:-0}" -ge 1 ]; then ok "metrics: node-scope kills counted ($n)"; else notok "metrics: node-scope kills '$n'"; fi
  pk=$(metric 'memqos_pod_oom_kills_total{' "uid=\"$u1\"")
  if [ "${pk:-0}" -ge 1 ] && scrape | grep "^memqos_pod_oom_kills_total{" | grep "uid=\"$u1\"" | grep -q 'namespace="default",pod="pod-'"$u1"'"'; then
    ok "metrics: the pod's OOM kills ($pk) with its namespace and name"
  else
    notok "metrics: pod $u1 OOM kills '$pk': $(scrape | grep "^memqos_pod_oom_kills_total" | head -n 3)"
  fi
  k=$(vmstat oom_kill)
  check "metrics: node oom_kill as /proc/vmstat says" "$k" "$(metric 'memqos_node_oom_kills_total' '')"
  if memqos-agent explain "$u1" --json | grep -q '"kernel_oom_kill": *{'; then ok "explain shows the pod's kernel OOM kill"; else notok "explain: no kernel_oom_kill for $u1"; fi
  ag_stop
  ag_delete "$cid1" "$CID"
fi
:

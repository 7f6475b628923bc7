# shellcheck shell=sh
# memqos-agent keeps the node out of the kernel OOM killer and keeps a
# protected pod's page cache. No swap. A Guaranteed pod (memqos.io/priority:
# high, memqos.io/memory-min: 48Mi through the hook) reads a 32 MiB file from
# the ext4 disk over and over; two BestEffort pods each allocate 3/4 of
# MemAvailable (together 1.5x: more than the node has).
#   with the agent (default configuration): no kernel OOM kill at all (node
#     /proc/vmstat oom_kill, kubepods memory.events), a BestEffort pod killed
#     by the agent (cgroup.kill), the protected pod running, and its disk reads
#     during the run below a quarter of one pass of its file (it kept its cache);
#   without the agent, the same: the kernel's answer, reported as numbers; the
#     one deterministic part (the demand does force a kernel OOM kill) checked.
# A pod cgroup the kubelet has not removed yet sits beside them, empty but
# with memory.min 256 MiB: the agent carries up the protected pod's 48 MiB
# only (the kernel's cgroup.events says "populated 0" for the leftover).
. /vm/scenarios/agent-common.inc

FILE_MIB=32
gone() { ! ag_running "$1"; }
held() { grep -q ": $hog MiB\$" "/tmp/$1.log" || gone "$1"; }
cached() { [ "$(stat_mib "$1" file)" -ge $((FILE_MIB - 1)) ]; }
propagated() { [ "$(cat $CGR/kubepods/memory.min)" -ge 50331648 ]; }
over() { { gone "$cid_1" && held "$cid_2"; } || { gone "$cid_2" && held "$cid_1"; }; }
# The kill as a scrape over TCP shows it: counted node-wide and on the
# killed pod's own series, with its labels.
scrape_check() {
  m=$(wget -q -O - http://127.0.0.1:9713/metrics)
  if [ -z "$m" ]; then notok "agent: no metrics on 127.0.0.1:9713"; return; fi
  n=$(printf '%s\n' "$m" | awk '$1 == "memqos_kills_total" {print $2}')
  if [ "${n:-0}" -ge 1 ]; then ok "agent: scraped over TCP: memqos_kills_total $n"; else notok "agent: memqos_kills_total '$n'"; fi
  l=$(printf '%s\n' "$m" | grep '^memqos_pod_actions_total{' | grep 'action="kill"' | grep 'result="ok"' | grep -e "uid=\"$1\"" -e "uid=\"$2\"" | head -n 1)
  # Pods without a memqos annotation have no record: their namespace and
  # name are "" (README: join with kube_pod_info on uid).
  if printf '%s' "$l" | grep -q 'namespace="[a-z-]*",pod="[a-z0-9-]*",uid="[0-9a-f-]*",qos="besteffort",priority="normal",action="kill",reason="[a-z-]*",result="ok"} 1$'; then
    ok "agent: the kill on the pod's own series: $l"
  else
    notok "agent: no labelled kill series: '$l' $(printf '%s\n' "$m" | grep '^memqos_pod_actions_total' | head -n 3)"
  fi
}

run_case() { # agent|none
  mode=$1
  ag_tree
  leftover=$CGR/kubepods/pod$(pod_uid 29)
  mkdir -p "$leftover" && echo $((256 * 1048576)) >"$leftover/memory.min"
  echo 3 >/proc/sys/vm/drop_caches
  # The agent's default configuration, with the metrics listener on (the
  # run is scraped over TCP as Prometheus would).
  ip link set lo up 2>/dev/null
  [ "$mode" = agent ] && { ag_start '{"metrics_listen": "127.0.0.1:9713"}' || return; }
  gu=$(pod_uid 21) b1=$(pod_uid 22) b2=$(pod_uid 23)
  # The protected pod: limit = request (Guaranteed), 128 MiB.
  mkdir -p "$CGR/kubepods/pod$gu"
  echo $((128 * 1048576)) >"$CGR/kubepods/pod$gu/memory.max"
  ag_pod prot-$mode guaranteed "$gu" \
    '"/bin/sh","-c","while :; do cat /data/protect-a.bin >/dev/null; echo pass; sleep 0.2; done"' \
    '"memqos.io/priority": "high", "memqos.io/memory-min": "48Mi"' $((128 * 1048576)) || return
  cid_p=$CID cg_p=$CGDIR
  if ! wait_until 30 cached "$cg_p"; then
    notok "$mode: the protected pod did not read its file: $(tail -n 2 "/tmp/$cid_p.log" | tr '\n' ' ')"
    return
  fi
  if [ "$mode" = agent ]; then
    wait_until 5 propagated
    km=$(cat "$CGR/kubepods/memory.min") lo=$(sed -n 's/^populated //p' "$leftover/cgroup.events")
    if [ "$km" -eq 50331648 ] && [ "$lo" = 0 ]; then
      ok "agent: kubepods memory.min $km: the protected pod's 48 MiB, not the empty leftover pod's 256 MiB"
    else
      notok "agent: kubepods memory.min $km (expected 50331648: the leftover, populated '$lo', counted?)"
    fi
  fi
  avail=$(meminfo_mib MemAvailable) total=$(meminfo_mib MemTotal)
  hog=$((avail * 3 / 4))
  s0=$(disk_sectors) k0=$(vmstat oom_kill) e0=$(ev "$CGR/kubepods" oom_kill)
  f0=$(stat_mib "$cg_p" file)
  emit "# $KTAG $SCEN: $mode: MemTotal $total MiB, MemAvailable $avail MiB; two BestEffort pods of $hog MiB each; protected pod's cache $f0 MiB, memory.min $(cat "$cg_p/memory.min"), kubepods memory.min $(cat "$CGR/kubepods/memory.min")"
  t0=$(now_ms)
  ag_pod be1-$mode besteffort "$b1" '"/bin/memhog","-s","4","-d","10","-m","'$hog'","-H","15"' '' || return
  cid_1=$CID cg_1=$CGDIR
  ag_pod be2-$mode besteffort "$b2" '"/bin/memhog","-s","4","-d","10","-m","'$hog'","-H","15"' '' || return
  cid_2=$CID cg_2=$CGDIR
  # Over when a BestEffort pod is gone and the other holds all it asked
  # for, or both are gone.
  wait_until 60 over
  t1=$(now_ms)
  sleep 1
  s1=$(disk_sectors) k1=$(vmstat oom_kill) e1=$(ev "$CGR/kubepods" oom_kill)
  f1=$(stat_mib "$cg_p" file)
  reread=$(((s1 - s0) / 2048))
  alive=0
  for c in $cid_1 $cid_2; do ag_running "$c" && alive=$((alive + 1)); done
  emit "# $KTAG $SCEN: $mode: after $(((t1 - t0) / 1000)).$(((t1 - t0) % 1000 / 100)) s: kernel OOM kills $((k1 - k0)) (kubepods memory.events oom_kill +$((e1 - e0))), BestEffort pods still running $alive of 2, protected pod re-read $reread MiB from disk (one pass is $FILE_MIB MiB), its cache $f0 -> $f1 MiB, $(grep -c pass "/tmp/$cid_p.log") passes"
  if [ "$mode" = agent ]; then
    check "agent: node oom_kill (/proc/vmstat) during the run" 0 $((k1 - k0))
    check "agent: kubepods memory.events oom_kill during the run" 0 $((e1 - e0))
    kills=$(grep '"action":"kill"' "$AG_OUT" | grep -c "/kubepods/besteffort/pod\($b1\|$b2\)/cgroup.kill.*\"result\":\"ok\"")
    if [ "$kills" -ge 1 ] && [ "$alive" -le 1 ]; then ok "agent: killed $kills BestEffort pod(s) with cgroup.kill, $alive of 2 left running"; else notok "agent: kills $kills, BestEffort pods running $alive: $(grep -v propagate "$AG_OUT" | cut -c1-300 | tail -n 3)"; fi
    if ag_running "$cid_p"; then ok "agent: the protected pod is running"; else notok "agent: the protected pod stopped: $(tail -n 2 "/tmp/$cid_p.log")"; fi
    if [ "$reread" -le $((FILE_MIB / 4)) ]; then ok "agent: the protected pod kept its page cache: re-read $reread MiB (< 1/4 of one $FILE_MIB MiB pass)"; else notok "agent: the protected pod re-read $reread MiB from disk (one pass: $FILE_MIB MiB)"; fi
    if grep -q '"action":"kill"' "$AG_OUT" && grep '"action":"kill"' "$AG_OUT" | grep -q "pod$gu"; then notok "agent: acted on the protected pod"; else ok "agent: never acted on the protected pod"; fi
    scrape_check "$b1" "$b2"
    grep -v '"action":"propagate"' "$AG_OUT" | sed -n 's/.*"time":"\([^"]*\)".*"trigger":"\([^"]*\)".*"action":"\([^"]*\)","target":"\([^"]*\)".*"result":"\([^"]*\)".*/# agent: \1 \2 \3 \4 \5/p' | head -n 8 | while IFS= read -r l; do emit "$l"; done
    ag_stop
  else
    if [ $((k1 - k0)) -ge 1 ]; then ok "none: the demand forces the kernel OOM killer: $((k1 - k0)) kill(s)"; else notok "none: no kernel OOM kill: the demand did not exceed the node"; fi
    dmesg | grep -i 'killed process' | tail -n 2 | while IFS= read -r l; do emit "# kernel: $l"; done
    if ag_running "$cid_p"; then emit "# $KTAG $SCEN: none: the protected pod is running"; else emit "# $KTAG $SCEN: none: the protected pod stopped"; fi
  fi
  ag_delete "$cid_1" "$cid_2" "$cid_p"
  rmdir "$leftover"
}

# The demo sources this file for run_case alone and tells the story itself.
if [ -z "${AGENT_PROTECT_DEFINE_ONLY:-}" ]; then
  run_case agent
  run_case none
fi
:

# shellcheck shell=sh
# The agent killed with SIGKILL in the middle of a pressure episode, and
# started again. A BestEffort pod (memqos.io/priority: batch) takes all of
# MemAvailable but 20 % of MemTotal and holds it: well below the reclaim
# watermark, set to 40 % here so that what earlier scenarios leave behind
# cannot tip the result either way (kill watermark off); kills are off
# (ladder.kill: false), so the ladder's answer is one throttle: memory.high
# lowered toward its usage.
# Right after that write the agent gets SIGKILL, and is started again.
#   - agent-state.json held the throttle; the new agent restores it (and the
#     open episode), loads the same records (memqos_records), and its control
#     socket replaces the dead one's;
#   - while the episode goes on, it does not throttle that pod again (a fresh
#     agent would: it would take the lowered memory.high for the pod's own);
#   - once the pod's memory is gone (the test stops its container), it
#     relaxes memory.high back to "max",
#     the value from before the throttle, which only the saved state knew.
. /vm/scenarios/agent-common.inc

ag_tree
ag_start '{"watermarks": {"reclaim_pct": 40, "kill_pct": 0}, "ladder": {"kill": false, "relief_ms": 2000, "relax_pct": 50, "step_interval_ms": 1000}}' || return 0
# A second pod with a record, so "no record lost" counts more than one.
ag_pod quiet burstable "$(pod_uid 52)" '"/bin/sleep","60"' '"memqos.io/memory-high": "64Mi"' || return 0
cid_q=$CID
avail=$(meminfo_mib MemAvailable) total=$(meminfo_mib MemTotal)
hog=$((avail - total * 20 / 100))
uid=$(pod_uid 51)
pod=/kubepods/besteffort/pod$uid
ag_pod hog besteffort "$uid" '"/bin/memhog","-s","8","-m","'$hog'","-H","60"' '"memqos.io/priority": "batch"' || return 0
cid_h=$CID
emit "# $KTAG $SCEN: MemTotal $total MiB, MemAvailable $avail MiB, the BestEffort pod takes $hog MiB"
throttled() { grep '"action":"set-high"' "$AG_OUT" | grep -q "$pod/memory.high"; }
if ! wait_until 30 throttled; then
  notok "no throttle on the pod: memhog: $(tail -n 1 "/tmp/$cid_h.log"), MemAvailable $(meminfo_mib MemAvailable) MiB, last: $(grep -v propagate "$AG_OUT" | tail -n 1 | cut -c1-300)"
  memqos-agent status
  ag_delete "$cid_h" "$cid_q"
  ag_stop
  return 0
fi
kill -9 "$AP"
wait "$AP" 2>/dev/null
AP=""
before=$(grep -c . "$AG_OUT")
high=$(cat "$CGR$pod/memory.high")
r0=$(grep -c '"id"' /run/memqos/containers/*.json | awk -F: '{n += $2} END {print n}')
ok "SIGKILL right after the throttle (memory.high $high)"
if grep -q "\"$uid\"" /run/memqos/agent-state.json && grep -q '"in_episode": *true' /run/memqos/agent-state.json; then
  ok "agent-state.json holds the pod and the open episode"
else
  notok "agent-state.json: $(cut -c1-300 /run/memqos/agent-state.json)"
fi

started() { [ "$(grep -c 'running:' "$AG_ERR")" -ge 2 ]; }
ag_restart
if wait_until 20 started; then ok "restarted (a stale control socket is replaced)"; else notok "no restart: $(tail -n 3 "$AG_ERR" | tr '\n' ' ')"; fi
if grep -q 'restored the decision state of .* pods .*(in a pressure episode)' "$AG_ERR"; then ok "restored: $(grep 'restored' "$AG_ERR" | sed 's/^memqos-agent: //')"; else notok "nothing restored: $(tail -n 2 "$AG_ERR" | tr '\n' ' ')"; fi
nrec=$(ls /run/memqos/containers/*.json | grep -c .)
check "records loaded after the restart (memqos_records)" "$nrec" "$(ag_metric memqos_records)"
check "the record files are all still there" "$r0" "$(grep -c '"id"' /run/memqos/containers/*.json | awk -F: '{n += $2} END {print n}')"
check "in a pressure episode after the restart (memqos_in_episode)" 1 "$(ag_metric memqos_in_episode)"

# The episode goes on for a few ladder steps (step_interval_ms 1000); then
# the pod's memory goes (its container is stopped from outside), and relief.
sleep 4
check "still in the episode 4 s later (memqos_in_episode)" 1 "$(ag_metric memqos_in_episode)"
runc kill "$cid_h" KILL
relaxed() { [ "$(cat "$CGR$pod/memory.high")" = max ]; }
wait_until 30 relaxed
after=$(tail -n +$((before + 1)) "$AG_OUT")
again=$(printf '%s\n' "$after" | grep '"action":"\(reclaim\|set-high\|kill\)"' | grep -c "$pod/")
check "ladder actions on the pod after the restart (none: it was already throttled)" 0 "$again"
nrelax=$(printf '%s\n' "$after" | grep '"action":"relax-high"' | grep -c "$pod/memory.high")
if relaxed && [ "$nrelax" -ge 1 ]; then ok "memory.high relaxed back to max in $nrelax step(s) after the episode"; else notok "memory.high is $(cat "$CGR$pod/memory.high") after $nrelax relax step(s)"; fi
printf '%s\n' "$after" | grep -v '"action":"propagate"' | sed -n 's/.*"trigger":"\([^"]*\)".*"action":"\([^"]*\)","target":"\([^"]*\)".*"result":"\([^"]*\)".*/# agent after restart: \1 \2 \3 \4/p' | head -n 5 | while IFS= read -r l; do emit "$l"; done
ag_delete "$cid_h" "$cid_q"
ag_stop
:

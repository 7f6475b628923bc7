# shellcheck shell=sh
# The livelock guard on the real kernel. A Burstable pod's container has
# memqos.io/memory-high: 64Mi (through the hook) and allocates 80 MiB of
# anonymous memory, no swap: it sits at memory.high in D state, its "high"
# events rising and its own PSI full high, with nobody to act (the concern
# that kept the kubelet's MemoryQoS in alpha). The agent runs with
# livelock.stuck_ms = 3000:
#   raise (default): memory.high is raised within stuck_ms (+ the guard's 1 s
#     sampling and one decision) of the pod being stuck as the guard defines
#     it (own PSI full avg10 >= livelock.full_pct, high events rising), the
#     logged action is "unstick", and the container then finishes;
#   kill (livelock.kill: true, loaded by SIGHUP): the stuck pod is killed.
. /vm/scenarios/agent-common.inc

STUCK_MS=3000
FULL_PCT=40
HIGH=67108864

full10() { sed -n 's/^full avg10=\([0-9]*\)\..*/\1/p' "$1/memory.pressure"; }
pid_state() { awk '{print $3}' "/proc/$1/stat" 2>/dev/null; }

# watch_stuck CG PID SECONDS: poll every 0.2 s until memory.high of CG
# changes or the container ends. Sets T_STUCK (first sample with full avg10
# >= FULL_PCT and high events rising; 0 if none), T_END, SEEN_D (the task was
# seen in D state), MAX_FULL.
watch_stuck() {
  T_STUCK=0 SEEN_D=0 MAX_FULL=0
  n=$(($3 * 5)) last=$(ev "$1" high)
  while [ $n -gt 0 ]; do
    [ "$(cat "$1/memory.high" 2>/dev/null)" = $HIGH ] || break
    [ -n "$(pid_state "$2")" ] || break
    f=$(full10 "$1") h=$(ev "$1" high)
    [ "$f" -gt "$MAX_FULL" ] && MAX_FULL=$f
    [ "$(pid_state "$2")" = D ] && SEEN_D=1
    [ "$T_STUCK" = 0 ] && [ "$f" -ge $FULL_PCT ] && [ "$h" -gt "$last" ] && T_STUCK=$(now_ms)
    last=$h
    sleep 0.2
    n=$((n - 1))
  done
  T_END=$(now_ms)
}

ag_tree
ag_start '{"livelock": {"stuck_ms": '$STUCK_MS', "full_pct": '$FULL_PCT'}}' || return 0

# --- raise ---------------------------------------------------------------
uid=$(pod_uid 31)
t0=$(now_ms)
ag_pod raise burstable "$uid" '"/bin/memhog","-s","4","-m","80","-H","2"' \
  '"memqos.io/memory-high": "64Mi"' $((256 * 1048576)) || return 0
cid=$CID cg=$CGDIR
check "raise: memory.high from the hook" $HIGH "$(cat "$cg/memory.high")"
mpid=$(rt_pid runc "$cid")
watch_stuck "$cg" "$mpid" 40
high1=$(cat "$cg/memory.high")
emit "# $KTAG $SCEN: raise: stuck (full avg10 >= $FULL_PCT%, high events rising) $(((T_STUCK - t0) / 100))/10 s after start, memory.high $HIGH -> $high1 at $(((T_END - t0) / 100))/10 s; D state seen: $SEEN_D, max full avg10 $MAX_FULL%, high events $(ev "$cg" high)"
if [ "$SEEN_D" = 1 ] && [ "$T_STUCK" != 0 ]; then ok "raise: the container was stuck at memory.high: D state, high events rising, own full avg10 up to $MAX_FULL%"; else notok "raise: not stuck as expected: D seen $SEEN_D, full avg10 up to $MAX_FULL%"; fi
if [ "$high1" != $HIGH ] && [ "$high1" -gt $HIGH ] 2>/dev/null; then ok "raise: memory.high raised to $high1"; else notok "raise: memory.high is $high1"; fi
lat=$((T_END - T_STUCK))
if [ "$T_STUCK" != 0 ] && [ $lat -le $((STUCK_MS + 2000)) ]; then ok "raise: relieved ${lat} ms after it was stuck (stuck_ms $STUCK_MS, + up to 2 s of sampling)"; else notok "raise: relieved ${lat} ms after it was stuck (stuck_ms $STUCK_MS)"; fi
if grep '"action":"unstick"' "$AG_OUT" | grep -q "$cid/memory.high.*\"result\":\"ok\""; then ok "raise: logged as unstick, with evidence"; else notok "raise: no unstick line: $(grep -v propagate "$AG_OUT" | tail -n 2 | cut -c1-300)"; fi
grep '"action":"unstick"' "$AG_OUT" | head -n 1 | sed -n 's/.*"reason":"\([^"]*\)".*/# agent: \1/p' | while IFS= read -r l; do emit "$l"; done
if wait_until 20 grep -q ': 80 MiB$' "/tmp/$cid.log"; then ok "raise: the container then allocated all 80 MiB"; else notok "raise: the container did not finish: $(tail -n 1 "/tmp/$cid.log")"; fi
ag_delete "$cid"

# --- kill (configuration reloaded with SIGHUP) ---------------------------
printf '%s\n' '{"livelock": {"stuck_ms": '$STUCK_MS', "full_pct": '$FULL_PCT', "kill": true}}' >"$AG_CONF"
kill -HUP "$AP"
if wait_until 5 grep -q 'configuration reloaded' "$AG_ERR"; then ok "kill: configuration reloaded on SIGHUP"; else notok "kill: no reload: $(tail -n 2 "$AG_ERR")"; fi
uid=$(pod_uid 32)
t0=$(now_ms)
ag_pod kill burstable "$uid" '"/bin/memhog","-s","4","-m","80","-H","2"' \
  '"memqos.io/memory-high": "64Mi"' $((256 * 1048576)) || return 0
cid=$CID cg=$CGDIR
mpid=$(rt_pid runc "$cid")
watch_stuck "$cg" "$mpid" 40
emit "# $KTAG $SCEN: kill: stuck $(((T_STUCK - t0) / 100))/10 s after start, ended at $(((T_END - t0) / 100))/10 s"
if wait_until 5 sh -c "! runc state $cid | grep -q running"; then ok "kill: the stuck pod was killed"; else notok "kill: the pod is still running"; fi
lat=$((T_END - T_STUCK))
if [ "$T_STUCK" != 0 ] && [ $lat -le $((STUCK_MS + 2000)) ]; then ok "kill: ${lat} ms after it was stuck"; else notok "kill: ${lat} ms after it was stuck (stuck_ms $STUCK_MS)"; fi
if grep '"action":"kill"' "$AG_OUT" | grep "pod$uid/cgroup.kill" | grep -q 'livelock.kill is set.*"result":"ok"'; then ok "kill: logged as a livelock kill"; else notok "kill: no livelock kill line: $(grep -v propagate "$AG_OUT" | tail -n 2 | cut -c1-300)"; fi
check "kill: memqos_kills_total" 1 "$(ag_metric memqos_kills_total)"
ag_delete "$cid"
ag_stop
:

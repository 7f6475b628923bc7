# shellcheck shell=sh
# Reconcile on the real kernel. The hook applies memory.high (100Mi) and
# memory.swap.max (0) to a Burstable pod's container and records them; then
# something outside rewrites both (as a runtime's UpdateContainerResources
# would). The agent (reconcile_ms = 1000) writes the record's values back
# within a few seconds, logs a "reconcile" line per file, and counts them in
# memqos_reconciles_total. A value the agent re-applied is left alone after.
. /vm/scenarios/agent-common.inc

HIGH=104857600
ag_tree
ag_start '{"reconcile_ms": 1000}' || return 0
uid=$(pod_uid 41)
ag_pod drift burstable "$uid" '"/bin/sleep","60"' \
  '"memqos.io/memory-high": "100Mi", "memqos.io/swap-max": "0"' $((256 * 1048576)) || return 0
cid=$CID cg=$CGDIR
rec=/run/memqos/containers/$cid.json
if [ -f "$rec" ] && grep -q '"memory.high"' "$rec"; then ok "the hook recorded what it applied"; else notok "no record at $rec"; fi
check "memory.high from the hook" $HIGH "$(cat "$cg/memory.high")"
check "memory.swap.max from the hook" 0 "$(cat "$cg/memory.swap.max")"
wait_until 5 sh -c "[ \"\$(memqos-agent metrics | awk '\$1 == \"memqos_records\" {print \$2}')\" -ge 1 ]"
r0=$(ag_metric memqos_reconciles_total)

# The outside write.
t0=$(now_ms)
echo 209715200 >"$cg/memory.high"
echo max >"$cg/memory.swap.max"
check "outside write took" 209715200 "$(cat "$cg/memory.high")"
back() { [ "$(cat "$cg/memory.high")" = $HIGH ] && [ "$(cat "$cg/memory.swap.max")" = 0 ]; }
if wait_until 10 back; then
  ok "memory.high and memory.swap.max re-applied from the record after $(($(now_ms) - t0)) ms (reconcile_ms 1000)"
else
  notok "not re-applied: memory.high=$(cat "$cg/memory.high") memory.swap.max=$(cat "$cg/memory.swap.max")"
fi
r1=$(ag_metric memqos_reconciles_total)
check "memqos_reconciles_total rose by" 2 $((r1 - r0))
n=$(grep '"action":"reconcile"' "$AG_OUT" | grep -c "$cid/memory\.\(high\|swap\.max\).*\"result\":\"ok\"")
check "reconcile lines in the log (memory.high, memory.swap.max)" 2 "$n"
grep '"action":"reconcile"' "$AG_OUT" | head -n 1 | sed -n 's/.*"reason":"\([^"]*\)".*/# agent: \1/p' | while IFS= read -r l; do emit "$l"; done
# Settled: nothing more to re-apply on the next rounds.
sleep 2.5
check "no further reconcile once the values match" "$r1" "$(ag_metric memqos_reconciles_total)"
ag_delete "$cid"
ag_stop
:

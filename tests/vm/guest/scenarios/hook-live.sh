# shellcheck shell=sh
# The values are live. A container whose memory.high (from the annotation)
# is below what it allocates is throttled, not killed: memory.events `high`
# rises, `oom_kill` stays 0, and once memory.high is raised from outside it
# finishes normally. A container allocating past memory.max is OOM-killed.
# Without swap a task over memory.high only creeps (~0.5 MiB/s), so it is
# watched for a couple of seconds, not until it gets anywhere.

RT=runc
id=live-high-$$
uid=$(pod_uid 3)
b=/tmp/b-$id
mkbundle "$b" '"/bin/memhog","-m","60","-s","4"' \
  "$(k8s_ann "$uid" '"memqos.io/memory-high": "32Mi"')" 209715200 "$(kube_cgpath "$uid" "$id")"
if start_bg $RT "$id" "$b" /tmp/$id.log; then
  wait_until 10 sh -c "[ \"\$(awk '\$1 == \"high\" {print \$2}' $CG/memory.events)\" -gt 0 ]"
  sleep 2
  high=$(ev "$CG" high)
  cur=$(cat "$CG/memory.current")
  if [ "${high:-0}" -gt 0 ]; then ok "throttled at memory.high=32Mi: high events=$high, memory.current=$((cur / 1048576)) MiB"; else notok "no high events (memory.high=$(cat "$CG/memory.high"), memory.current=$cur)"; fi
  if kill -0 "$BG_PID" 2>/dev/null; then ok "still running while throttled"; else notok "container ended while it should be throttled: $(tail -n 2 /tmp/$id.log | tr '\n' ' ')"; fi
  check "oom_kill while throttled" 0 "$(ev "$CG" oom_kill)"
  echo max >"$CG/memory.high"
  wait_exit "$BG_PID" 20
  check "exit status once memory.high was raised" 0 "$RC"
else
  notok "$RT could not start $id: $(tail -n 3 /tmp/$id.log | tr '\n' ' ')"
fi
$RT delete -f "$id" >/dev/null 2>&1

# Past memory.max (64Mi) the kernel OOM-kills; memory.min shows that the
# hook ran but does not stop the kill. create + start rather than run: the
# kill can come before `runc state` answers, and a created container keeps
# its cgroup (and so its counters) until it is deleted.
id=live-max-$$
b=/tmp/b-$id
mkbundle "$b" '"/bin/memhog","-m","100","-s","4","-q"' \
  "$(k8s_ann "$uid" '"memqos.io/memory-min": "8Mi"')" 67108864 "$(kube_cgpath "$uid" "$id")"
if $RT create --no-pivot -b "$b" "$id" >"/tmp/$id.log" 2>&1; then
  cg=/sys/fs/cgroup$(cg_of "$(rt_pid $RT "$id")")
  check "memory.min (hook ran)" 8388608 "$(cat "$cg/memory.min")"
  $RT start "$id"
  wait_until 20 sh -c "$RT state $id | grep -q '\"status\": \"stopped\"'"
  k=$(ev "$cg" oom_kill)
  if [ "${k:-0}" -ge 1 ]; then ok "OOM-killed at memory.max=64Mi: oom_kill=$k"; else notok "oom_kill=$k"; fi
  if grep -q 'done' "/tmp/$id.log"; then notok "memhog finished past memory.max"; else ok "memhog did not finish past memory.max"; fi
else
  notok "$RT create $id: $(tail -n 3 "/tmp/$id.log" | tr '\n' ' ')"
fi
$RT delete -f "$id" >/dev/null 2>&1
:

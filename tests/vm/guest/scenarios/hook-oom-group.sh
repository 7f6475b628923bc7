# shellcheck shell=sh
# memqos.io/oom-group. The container's shell starts memhog, whose two
# children hold 8 MiB each while the parent grows past memory.max (64Mi).
# true: the OOM killer takes every process of the container at once, so the
# container ends. false: it takes only the largest (the growing parent); the
# shell and the two children live on.

RT=runc
# create + start: the kill can come before `runc state` would answer after a
# `run`, and a created container keeps its cgroup until it is deleted.
stopped() { $RT state "$1" 2>/dev/null | grep -q '"status": "stopped"'; }
run_group_case() { # true|false
  id=oomg-$1-$$
  uid=$(pod_uid 4)
  b=/tmp/b-$id
  mkbundle "$b" '"/bin/sh","-c","memhog -q -k 2 -c 8 -m 200; echo memhog-exit=$?; exec sleep 60"' \
    "$(k8s_ann "$uid" "\"memqos.io/oom-group\": \"$1\"")" 67108864 "$(kube_cgpath "$uid" "$id")"
  if ! $RT create --no-pivot -b "$b" "$id" >"/tmp/$id.log" 2>&1; then
    notok "oom-group=$1: $RT create failed: $(tail -n 3 "/tmp/$id.log" | tr '\n' ' ')"
    return
  fi
  cg=/sys/fs/cgroup$(cg_of "$(rt_pid $RT "$id")")
  $RT start "$id"
  # Either the whole container ends (group) or the shell reports memhog's end.
  wait_until 20 sh -c "$RT state $id | grep -q '\"status\": \"stopped\"' || grep -q memhog-exit /tmp/$id.log"
  sleep 0.5
  kills=$(ev "$cg" oom_kill)
  if [ "$1" = true ]; then
    if stopped "$id"; then ok "oom-group=true: the whole container was killed"; else notok "oom-group=true: container still running: $(tail -n 2 "/tmp/$id.log" | tr '\n' ' ')"; fi
    # The shell is the container's init: once the group kill takes it, the
    # kernel ends the rest of its pid namespace too, so oom_kill counts the
    # kills that got there first (at least memhog and the shell).
    if [ "${kills:-0}" -ge 2 ]; then ok "oom-group=true: oom_kill=$kills"; else notok "oom-group=true: oom_kill=$kills, expected at least 2"; fi
    if dmesg | grep -q "${cg#/sys/fs/cgroup}.* are going to be killed due to memory.oom.group"; then ok "oom-group=true: kernel: tasks killed due to memory.oom.group"; else notok "oom-group=true: no group kill in the kernel log"; fi
  else
    left=0
    for p in $(cat "$cg/cgroup.procs"); do
      [ "$(cat "/proc/$p/comm" 2>/dev/null)" = memhog ] && left=$((left + 1))
    done
    check "oom-group=false: oom_kill" 1 "$kills"
    check "oom-group=false: memhog children still alive" 2 "$left"
    if grep -q 'memhog-exit=137' "/tmp/$id.log"; then ok "oom-group=false: the container's shell saw memhog killed and lives on"; else notok "oom-group=false: log: $(tail -n 2 "/tmp/$id.log" | tr '\n' ' ')"; fi
  fi
  $RT delete -f "$id" >/dev/null 2>&1
}
run_group_case true
run_group_case false
:

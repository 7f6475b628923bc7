# shellcheck shell=sh
# `make demo`: the same leaking job in two pods, one with memqos annotations
# and one without, told with the kernel's own numbers. Checks are printed as
# well, so the demo fails loudly if the kernel did something else.

mib() { echo $(($1 / 1048576)); }
running() { runc state "$1" 2>/dev/null | grep -q '"status": "running"'; }
LIMIT=209715200 # 200Mi, the pods' memory limit (memory.max)
job='"/bin/memhog","-q","-m","300","-s","4","-d","100"'

say "Two pods run the same job: it leaks memory, 4 MiB every 0.1 s, toward 300 MiB."
say "Both have a Kubernetes memory limit of 200 MiB (the kernel's memory.max)."
say "Pod 'guarded' also carries the annotation memqos.io/memory-high: 100Mi;"
say "pod 'plain' carries none. The containers run under runc with memqos-hook."
say ""

uid_p=$(pod_uid 11)
uid_g=$(pod_uid 12)
mkbundle /tmp/b-plain "$job" "$(k8s_ann "$uid_p")" $LIMIT "$(kube_cgpath "$uid_p" plain)"
mkbundle /tmp/b-guarded "$job" "$(k8s_ann "$uid_g" '"memqos.io/memory-high": "100Mi"')" $LIMIT "$(kube_cgpath "$uid_g" guarded)"
# create runs the hook; both then start at the same moment.
for c in plain guarded; do
  runc create --no-pivot -b "/tmp/b-$c" "$c" >"/tmp/$c.log" 2>&1 || notok "runc create $c: $(tail -n 2 "/tmp/$c.log")"
done
pid_p=$(rt_pid runc plain)
pid_g=$(rt_pid runc guarded)
cg_p=/sys/fs/cgroup$(cg_of "$pid_p")
cg_g=/sys/fs/cgroup$(cg_of "$pid_g")
say "memory.high written by the hook: plain=$(cat "$cg_p/memory.high") guarded=$(cat "$cg_g/memory.high")"
runc start plain
runc start guarded
say ""
say "  time   plain          guarded"

t=0 last_p=0 died_at=""
# Eight seconds at least, longer if a slow machine has not reached the limit yet.
while [ $t -lt 8 ] || { [ -z "$died_at" ] && [ $t -lt 30 ]; }; do
  sleep 1
  t=$((t + 1))
  if running plain && [ "$(ev "$cg_p" oom_kill 2>/dev/null || echo 0)" = 0 ]; then
    last_p=$(cat "$cg_p/memory.current" 2>/dev/null || echo "$last_p")
    sp="$(mib "$last_p") MiB"
  else
    [ -n "$died_at" ] || died_at=$t
    sp="killed"
  fi
  sg="$(mib "$(cat "$cg_g/memory.current")") MiB"
  say "$(printf '  %2ds    %-14s %s' $t "$sp" "$sg")"
done
say ""

kills_p=$(ev "/sys/fs/cgroup/kubepods/burstable/pod$uid_p" oom_kill)
if ! running plain && [ "${kills_p:-0}" -ge 1 ]; then
  say "plain:   the kernel OOM killer ended it at its 200 MiB limit within ${died_at:-?} s"
  say "         (memory.events oom_kill=$kills_p). The kubelet would restart it and it"
  say "         would leak again; nothing warned anyone before the kill."
  ok "plain was OOM-killed (oom_kill=$kills_p)"
else
  notok "plain: expected an OOM kill, oom_kill=$kills_p"
fi
if running guarded; then
  full=$(sed -n 's/^full .*total=\([0-9]*\)/\1/p' "$cg_g/memory.pressure")
  say "guarded: still running, held at $(mib "$(cat "$cg_g/memory.current")") MiB by memory.high: the kernel throttled"
  say "         it $(ev "$cg_g" high) times (memory.events high) and it has been stalled for"
  say "         $((full / 1000)) ms (its own PSI, memory.pressure full). No OOM kill (oom_kill=$(ev "$cg_g" oom_kill))."
  say "         The leak stopped growing and shows in its own pressure numbers;"
  say "         memqos-agent will watch exactly these signals and decide (raise or kill)."
  ok "guarded was throttled and survived (high events=$(ev "$cg_g" high))"
else
  notok "guarded ended: $(tail -n 2 /tmp/b-guarded.log | tr '\n' ' ')"
fi
runc delete -f guarded >/dev/null 2>&1
runc delete -f plain >/dev/null 2>&1
say ""

# Act two: memory.min keeps a container's page cache (hook-protect.sh),
# then the same pod once more with no annotation on 'a'.
say "Next, one pod limited to 128 MiB with three containers. 'a' (memqos.io/memory-min: 40Mi)"
say "and 'b' (no annotation) each read a 32 MiB file from disk, so the kernel caches it."
# shellcheck source=/dev/null
. /vm/scenarios/hook-protect.sh
# shellcheck disable=SC2154 # want, a0, a1, b0, b1 are set by hook-protect.sh
{
say "Then 'c' takes $want MiB of anonymous memory, and the pod is at its limit."
say "The kernel reclaimed page cache inside the pod: 'b' kept $b1 of its $b0 MiB,"
say "'a' kept $a1 of $a0 MiB: the memory.min the hook wrote put its cache out of reach."
# shellcheck disable=SC2034 # read by hook-protect.sh
a_ann='' checks=0
# shellcheck source=/dev/null
. /vm/scenarios/hook-protect.sh
say "The same pod again without the annotation on 'a': 'a' kept $a1 of $a0 MiB, 'b' $b1 of $b0 MiB;"
say "the kernel took from both."
}
say ""

# A typo in an annotation is refused where the user sees it.
uid_t=$(pod_uid 13)
mkbundle /tmp/b-typo '"/bin/true"' "$(k8s_ann "$uid_t" '"memqos.io/memory-high": "900Mb"')" $LIMIT "$(kube_cgpath "$uid_t" typo)"
out=$(runc run --no-pivot -b /tmp/b-typo typo 2>&1)
msg=$(echo "$out" | grep -o 'memqos-hook: typo: .*' | sed 's/\\"/"/g; s/"$//; s/\\n$//')
say "Then a pod asks for memqos.io/memory-high: 900Mb (a typo: Mb is not a Kubernetes unit)."
if [ -n "$msg" ]; then
  say "It does not start; runc reports the hook's line, which kubectl describe would show:"
  say "  $msg"
  ok "typo refused with the hook's message"
else
  notok "typo: $(echo "$out" | tail -n 1)"
fi
runc delete -f typo >/dev/null 2>&1
say ""

# Act four: the node itself runs out of memory (agent-protect.sh's run_case).
# shellcheck disable=SC2034 # read by agent-protect.sh
AGENT_PROTECT_DEFINE_ONLY=1
# shellcheck source=/dev/null
. /vm/scenarios/agent-protect.sh
say "Last act: the whole node runs short. A protected pod (memqos.io/priority: high,"
say "memqos.io/memory-min: 48Mi) keeps re-reading a 32 MiB file from disk; two BestEffort pods"
say "each grab 3/4 of the node's available memory. No swap, as on most Kubernetes nodes."
# shellcheck disable=SC2154 # k0 k1 reread alive t0 t1 f0 f1 are set by run_case
{
run_case none
say "Without memqos-agent: after $(((t1 - t0) / 1000)) s the kernel OOM killer had fired $((k1 - k0)) time(s);"
say "  $alive of 2 BestEffort pods still running; the protected pod re-read $reread MiB from disk"
say "  (its cache went from $f0 to $f1 MiB)."
run_case agent
say "With memqos-agent: kernel OOM kills: $((k1 - k0)). The agent saw the pressure and killed"
say "  the lowest-ranked pod itself (cgroup.kill): $alive of 2 BestEffort pods left running."
say "  The protected pod re-read $reread MiB from disk (cache $f0 -> $f1 MiB) and kept running."
say "  What the agent logged:"
grep -v '"action":"propagate"' "$AG_OUT" | sed -n 's/.*"trigger":"\([^"]*\)".*"action":"\([^"]*\)","target":"\([^"]*\)".*"reason":"\([^"]*\)".*"result":"\([^"]*\)".*/    \2 \3 (woken by \1): \5/p' | head -n 4 | cut -c1-220 | while IFS= read -r l; do say "$l"; done
}
:

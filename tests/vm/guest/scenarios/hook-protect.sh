# shellcheck shell=sh
# memory.min from the annotation really protects. One pod, limited to
# 128 MiB as the kubelet limits a pod's cgroup, three containers: `a`
# (memqos.io/memory-min: 40Mi) and `b` (no annotation) each read a 32 MiB
# file from the ext4 disk into page cache; then `c` allocates anonymous
# memory until the pod is about to reach its limit without b's cache. The
# kernel reclaims page cache inside the pod: b's goes, a's stays (a's usage
# is below its memory.min). Without the protection the kernel would take
# from both. The pod's cgroup is where the reclaim starts, so a container's
# own memory.min counts without any ancestor carrying protection.

# The demo runs this twice, the second time with a_ann empty and checks=0.
a_ann=${a_ann-'"memqos.io/memory-min":"40Mi"'}
checks=${checks:-1}
RT=runc
# Cached pages of an earlier run stay charged where they were first read;
# start from an empty cache so the files are charged to this pod.
sync
echo 3 >/proc/sys/vm/drop_caches
uid=$(pod_uid 6)
pod=/sys/fs/cgroup/kubepods/burstable/pod$uid
for d in kubepods kubepods/burstable; do
  mkdir -p "/sys/fs/cgroup/$d"
  echo "+memory +pids" >"/sys/fs/cgroup/$d/cgroup.subtree_control"
done
mkdir -p "$pod"
echo $((128 * 1048576)) >"$pod/memory.max"

file_mib() { echo $(($(awk '$1 == "file" {print $2}' "$1/memory.stat") / 1048576)); }
start() { # NAME ARGS ANNOTATIONS: create + start; sets CGDIR
  b=/tmp/b-prot-$1
  mkbundle "$b" "$2" "$(k8s_ann "$uid" "$3")" 0 "$(kube_cgpath "$uid" "prot-$1-$$")"
  if ! $RT create --no-pivot -b "$b" "prot-$1-$$" >"/tmp/prot-$1.log" 2>&1; then
    notok "create $1: $(tail -n 2 "/tmp/prot-$1.log")"
    exit 0 # the scenario's own shell: nothing after this can mean anything
  fi
  CGDIR=/sys/fs/cgroup$(cg_of "$(rt_pid $RT "prot-$1-$$")")
  $RT start "prot-$1-$$"
}
start a '"/bin/memhog","-r","/data/protect-a.bin","-H","60"' "$a_ann"
cg_a=$CGDIR
start b '"/bin/memhog","-r","/data/protect-b.bin","-H","60"' ''
cg_b=$CGDIR
wait_until 20 sh -c "grep -q 'read 32 MiB' /tmp/prot-a.log && grep -q 'read 32 MiB' /tmp/prot-b.log"
[ "$checks" = 1 ] && check "a: memory.min" 41943040 "$(cat "$cg_a/memory.min")"
a0=$(file_mib "$cg_a") b0=$(file_mib "$cg_b")
emit "# $KTAG $SCEN: page cache before: a=${a0} MiB b=${b0} MiB"
# What c may take: the room left in the pod plus b's cache, less 8 MiB.
cur=$(($(cat "$pod/memory.current") / 1048576))
want=$((128 - cur + b0 - 8))
start c '"/bin/memhog","-s","2","-m","'$want'","-H","60"' ''
cg_c=$CGDIR
wait_until 20 grep -q ": $want MiB\$" /tmp/prot-c.log
a1=$(file_mib "$cg_a") b1=$(file_mib "$cg_b")
emit "# $KTAG $SCEN: page cache after c took $want MiB (pod was at $cur MiB): a=${a1} MiB b=${b1} MiB, c anon=$(($(awk '$1 == "anon" {print $2}' "$cg_c/memory.stat") / 1048576)) MiB"
if [ "$checks" = 1 ]; then
  if [ "$a0" -ge 30 ] && [ "$a1" -ge $((a0 - 1)) ]; then ok "a kept its page cache under memory.min: ${a0} -> ${a1} MiB"; else notok "a lost its page cache: ${a0} -> ${a1} MiB"; fi
  if [ "$b0" -ge 30 ] && [ "$b1" -le $((b0 / 2)) ]; then ok "b's page cache was reclaimed: ${b0} -> ${b1} MiB"; else notok "b's page cache: ${b0} -> ${b1} MiB"; fi
  check "pod oom_kill" 0 "$(ev "$pod" oom_kill)"
fi
for n in a b c; do $RT delete -f "prot-$n-$$" >/dev/null 2>&1; done
:

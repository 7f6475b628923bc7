# shellcheck shell=sh
# Benchmark of memqos-agent on the real kernel: wake-to-action (run by
# bench/run-vm-bench.sh; not part of `make check-vm`). Prints "| " lines.
#
# EPISODES pressure episodes. A Guaranteed pod (protected) holds ballast so
# that each episode needs only ~1/3 of RAM; then a BestEffort pod allocates
# anonymous memory until the agent (defaults, but relief_ms 1000 so that
# episodes can follow each other) writes its first corrective file.
# since_wakeup_us of that action (epoll_wait returning to the write done) is
# the sample. The test then kills the pod and waits for the episode to end.
# Comparable: a 1 s polling loop (systemd-oomd's interval, earlyoom's upper
# bound) notices a condition at its next tick. With ticks on whole seconds
# of the same clock, each episode's delay is the time from the agent's
# wakeup (its "time" less since_wakeup_us) to the next whole second.
. /vm/scenarios/agent-common.inc

EPISODES=25
NPODS=1000

ag_tree
# The hog shares its QoS class with NPODS idle pods: every wakeup ranks all
# of them, and reads the usage of the whole class (agent/sense/refresh.c).
t0=$(now_ms)
idle_pods $NPODS
emit "# $KTAG $SCEN: created $NPODS idle BestEffort pod cgroups in $((($(now_ms) - t0) / 1000)) s"
ag_start '{"ladder": {"relief_ms": 1000, "kill_cooldown_ms": 1000}}' || return 0
total=$(meminfo_mib MemTotal)
bal_uid=$(pod_uid 61)
mkdir -p "$CGR/kubepods/pod$bal_uid"
ballast=$(($(meminfo_mib MemAvailable) - total * 35 / 100))
sh -c "echo \$\$ >$CGR/kubepods/pod$bal_uid/cgroup.procs; exec memhog -q -s 16 -m $ballast -H -1" &
bal=$!
echo "$bal $AP" >/tmp/bench-wake.pids
sleep 1
wait_until 60 sh -c "[ \$(awk '\$1 == \"anon\" {print int(\$2 / 1048576)}' $CGR/kubepods/pod$bal_uid/memory.stat) -ge $((ballast - 2)) ]"
emit "# $KTAG $SCEN: MemTotal $total MiB, ballast $ballast MiB (Guaranteed pod), MemAvailable now $(meminfo_mib MemAvailable) MiB"
: >/tmp/bench-samples
ep=1
while [ $ep -le $EPISODES ]; do
  uid=$(printf '%08x-0000-4000-8000-0000000be0c4' $ep)
  p=$CGR/kubepods/besteffort/pod$uid
  mkdir -p "$p"
  lines=$(grep -c . "$AG_OUT")
  # All of MemAvailable: across the reclaim watermark (10 %) for sure,
  # whatever an earlier episode left behind; the agent acts on the way.
  hog=$(meminfo_mib MemAvailable)
  sh -c "echo \$\$ >$p/cgroup.procs; exec memhog -q -s 4 -m $hog -H 30" &
  hp=$!
  echo "$hp" >>/tmp/bench-wake.pids
  acted() { tail -n +$((lines + 1)) "$AG_OUT" | grep -v '"action":"\(propagate\|note\)"' | grep -q "pod$uid/"; }
  if wait_until 15 acted; then
    tail -n +$((lines + 1)) "$AG_OUT" | grep -v '"action":"\(propagate\|note\)"' | grep "pod$uid/" | head -n 1 |
      sed -n 's/.*"time":"[^"]*T\([0-9]*\):\([0-9]*\):\([0-9.]*\)Z".*"trigger":"\([^"]*\)".*"action":"\([^"]*\)".*"since_wakeup_us":\([0-9]*\),"scan_us":\([0-9]*\),"decide_us":\([0-9]*\),"issued_after_us":\([0-9]*\).*/\1 \2 \3 \4 \5 \6 \9 \7 \8/p' >>/tmp/bench-samples
  else
    emit "# $KTAG $SCEN: episode $ep: no action within 15 s: MemAvailable $(meminfo_mib MemAvailable) MiB, oom_kill $(vmstat oom_kill), agent: $(ag_metric memqos_pods) pods, $(ag_metric memqos_full_scans_total) full scans"
    tail -n +$((lines + 1)) "$AG_OUT" | tail -n 3 | cut -c1-400 | while read -r l; do emit "#   $l"; done
    tail -n 3 "$AG_ERR" | while read -r l; do emit "#   $l"; done
  fi
  echo 1 >"$p/cgroup.kill"
  wait "$hp" 2>/dev/null
  # Episode over: MemAvailable back and relief_ms passed.
  wait_until 20 sh -c "[ \"\$(memqos-agent metrics | awk '\$1 == \"memqos_in_episode\" {print \$2}')\" = 0 ]"
  rmdir "$p" 2>/dev/null
  ep=$((ep + 1))
done
kill "$bal" 2>/dev/null
wait "$bal" 2>/dev/null
ag_stop
n=$(grep -c . /tmp/bench-samples)
# Percentile (nearest rank) of a sorted column.
pct() { sort -n | awk -v p="$1" '{v[NR] = $1} END {if (NR == 0) {print "-"; exit}; i = int((p * NR + 99) / 100); if (i < 1) i = 1; print v[i]}'; }
w50=$(awk '{print $6}' /tmp/bench-samples | pct 50)
w99=$(awk '{print $6}' /tmp/bench-samples | pct 99)
wmax=$(awk '{print $6}' /tmp/bench-samples | pct 100)
wmean=$(awk '{s += $6} END {if (NR) printf "%d", s / NR}' /tmp/bench-samples)
# Wakeup to the write issued: the agent's own part (a memory.high write
# below usage makes the kernel reclaim inside the write).
i50=$(awk '{print $7}' /tmp/bench-samples | pct 50)
i99=$(awk '{print $7}' /tmp/bench-samples | pct 99)
imax=$(awk '{print $7}' /tmp/bench-samples | pct 100)
imean=$(awk '{s += $7} END {if (NR) printf "%d", s / NR}' /tmp/bench-samples)
sort -k6 -n /tmp/bench-samples | tail -n 3 | while read -r _ _ _ tr ac us is sc de; do
  emit "# $KTAG $SCEN: slow sample: $tr $ac: $us us (snapshot $sc, decision $de, issued $is)"
done
# Its parts: the snapshot (refresh), the decision.
s50=$(awk '{print $8}' /tmp/bench-samples | pct 50)
s99=$(awk '{print $8}' /tmp/bench-samples | pct 99)
d50=$(awk '{print $9}' /tmp/bench-samples | pct 50)
d99=$(awk '{print $9}' /tmp/bench-samples | pct 99)
# The 1 s poller: from the wakeup (action time less since_wakeup_us) to the
# next whole second, in microseconds.
awk '{t = $3 * 1000000 - $6; r = t % 1000000; if (r < 0) r += 1000000; print 1000000 - r}' /tmp/bench-samples >/tmp/bench-poll
p50=$(pct 50 </tmp/bench-poll)
p99=$(pct 99 </tmp/bench-poll)
pmean=$(awk '{s += $1} END {if (NR) printf "%d", s / NR}' /tmp/bench-poll)
trig=$(awk '{print $4}' /tmp/bench-samples | sort | uniq -c | awk '{printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1}')
acts=$(awk '{print $5}' /tmp/bench-samples | sort | uniq -c | awk '{printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1}')
if [ "$n" -ge $((EPISODES * 9 / 10)) ]; then ok "wake-to-action: $n of $EPISODES episodes measured"; else notok "wake-to-action: only $n of $EPISODES episodes measured"; fi
say "kernel $KTAG, qemu TCG, 1 vCPU, MemTotal $total MiB, $NPODS idle BestEffort pods beside the hog"
say ""
say "wake-to-action, $n episodes (woken by: $trig; first write: $acts)"
say "| measure                                   | p50        | p99        | mean       | max        |"
say "|-------------------------------------------|------------|------------|------------|------------|"
say "$(printf '| %-41s | %7s us | %7s us | %7s us | %7s us |' "memqos-agent: wakeup -> first write done" "$w50" "$w99" "$wmean" "$wmax")"
say "$(printf '| %-41s | %7s us | %7s us | %7s us | %7s us |' "memqos-agent: wakeup -> write issued" "$i50" "$i99" "$imean" "$imax")"
say "$(printf '| %-41s | %7s us | %7s us | %10s | %10s |' "  of which: snapshot (refresh)" "$s50" "$s99" "" "")"
say "$(printf '| %-41s | %7s us | %7s us | %10s | %10s |' "  of which: decision" "$d50" "$d99" "" "")"
say "$(printf '| %-41s | %7s us | %7s us | %7s us | %10s |' "1 s poller: same wakeups -> next tick" "$p50" "$p99" "$pmean" "")"
say "(the poller row starts at the agent's wakeup; a watermark wakeup itself comes up to 100 ms after"
say " the crossing when MemAvailable is near the watermark: policy/watermark.h)"
if [ "$wmean" -gt 0 ] 2>/dev/null; then say "ratio (1 s poller mean / agent mean): $((pmean / wmean))x; target p99 <= 10000 us (write done): $([ "$w99" -le 10000 ] && echo met || echo NOT met)"; fi

:

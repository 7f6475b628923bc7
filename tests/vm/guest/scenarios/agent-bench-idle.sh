# shellcheck shell=sh
# Benchmark of memqos-agent on the real kernel: idle cost with NPODS pod
# cgroups, each with one container cgroup (run by bench/run-vm-bench.sh;
# not part of `make check-vm`). Prints "| " lines.
# CPU time of the agent over IDLE_S seconds after start-up
# (/proc/<pid>/schedstat in ns, and utime+stime ticks), VmRSS / VmHWM; and
# the same binary's one full scan + decision (`memqos-agent once`), which a
# 1 s polling design would pay every second.
. /vm/scenarios/agent-common.inc

IDLE_S=65 # covers two reconcile passes (every 30 s by default)
NPODS=1000
# What agent-bench-wake started, if it ran out of time.
for p in $(cat /tmp/bench-wake.pids 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
ag_tree
t0=$(now_ms)
idle_pods $NPODS
emit "# $KTAG $SCEN: created $NPODS pod cgroups (+1 container cgroup each) in $((($(now_ms) - t0) / 1000)) s; MemAvailable $(meminfo_mib MemAvailable) MiB"
t0=$(now_ms)
: >"$AG_OUT"
: >"$AG_ERR"
ag_start || return 0
wait_until 120 grep -q 'running:' "$AG_ERR"
started=$(($(now_ms) - t0))
pods=$(ag_metric memqos_pods)
sleep 3
ticks() { awk '{print $14 + $15}' "/proc/$AP/stat"; }
rt_ns() { awk '{print $1}' "/proc/$AP/schedstat"; }
s0=$(ag_metric memqos_full_scans_total) w0=$(ag_metric 'memqos_wakeups_total{source="watermark"}')
tm0=$(ag_metric 'memqos_wakeups_total{source="timer"}')
k0=$(ticks) n0=$(rt_ns) c0=$(now_ms)
sleep $IDLE_S
k1=$(ticks) n1=$(rt_ns) c1=$(now_ms)
s1=$(ag_metric memqos_full_scans_total) w1=$(ag_metric 'memqos_wakeups_total{source="watermark"}')
tm1=$(ag_metric 'memqos_wakeups_total{source="timer"}')
rss=$(awk '$1 == "VmRSS:" {print $2}' "/proc/$AP/status")
hwm=$(awk '$1 == "VmHWM:" {print $2}' "/proc/$AP/status")
el=$((c1 - c0))
cpu_ppm=$(((n1 - n0) / el))  # ns per ms = parts per million of a core
ag_stop
# One full scan + decision by the same binary, as a 1 s poller would pay it.
# (this shell's children's CPU: fields 16 and 17 of its stat, in ticks)
o0=$(awk '{print $16 + $17}' /proc/$$/stat)
for _ in 1 2 3 4 5; do memqos-agent once >/dev/null 2>&1; done
o1=$(awk '{print $16 + $17}' /proc/$$/stat)
once_ms=$(((o1 - o0) * 10 / 5))
if [ "$pods" -ge $NPODS ]; then ok "idle: the agent saw $pods pods"; else notok "idle: the agent saw $pods pods, expected $NPODS"; fi
say ""
say "idle, $pods pods ($NPODS pod + $NPODS container cgroups), ${el} ms window after start-up (start-up: first scan done in $started ms)"
say "| measure                                   | value                      | target      |"
say "|-------------------------------------------|----------------------------|-------------|"
say "$(printf '| %-41s | %-26s | %-11s |' "CPU, /proc/<pid>/schedstat" "$(awk -v p=$cpu_ppm 'BEGIN {printf "%.3f %% of a core", p / 10000}')" "<= 0.1 %")"
say "$(printf '| %-41s | %-26s | %-11s |' "CPU, utime+stime (10 ms ticks)" "$((k1 - k0)) ticks in $((el / 1000)) s" "")"
say "$(printf '| %-41s | %-26s | %-11s |' "VmRSS / VmHWM" "$rss KiB / $hwm KiB" "<= 8192 KiB")"
say "$(printf '| %-41s | %-26s | %-11s |' "wakeups in the window" "$((w1 - w0)) watermark, $((tm1 - tm0)) timer" "")"
say "$(printf '| %-41s | %-26s | %-11s |' "full scans in the window" "$((s1 - s0))" "")"
say "$(printf '| %-41s | %-26s | %-11s |' "same binary, one scan+decision (once)" "$once_ms ms CPU" "")"
say "$(printf '| %-41s | %-26s | %-11s |' "=> 1 s poller doing that scan" "$(awk -v m=$once_ms 'BEGIN {printf "%.1f %% of a core", m / 10}')" "")"
# Leave no 2,000 cgroups behind for whatever runs next.
i=1
while [ $i -le $NPODS ]; do
  p=$CGR/kubepods/besteffort/$(printf 'pod%08x-0000-4000-8000-%012x' $i $i)
  rmdir "$p/$(printf '%064x' $i)" "$p"
  i=$((i + 1))
done
:

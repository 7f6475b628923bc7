#!/bin/bash
# memqos-agent idle cost natively on this host, beside the VM figures
# (bench/run-vm-bench.sh runs under qemu TCG, many times slower than the
# hardware): the same binary against a fake cgroup tree of N pods (regular
# files laid out like cgroup v2: kubepods/besteffort/pod<uid>/<container id>),
# with the host's real /proc (meminfo, PSI trigger on /proc/pressure/memory).
# Reading regular files is cheaper than the kernel generating memory.stat,
# so the full-scan figure is a lower bound; the idle loop is the same code.
# Then the cost of acting with that many pods: every pod is given 100 MiB of
# anonymous usage and the reclaim watermark is set above the host's
# MemAvailable, so the ladder throttles one pod per 100 ms step; each step is
# a timer wakeup below the watermark followed by a refresh of the last full
# scan (agent/sense/refresh.c: the candidates' files, and every pod's memory.events
# once a second for the livelock guard), the decision and the write, and
# since_wakeup_us of each write is a sample (the same path as a PSI wakeup).
#
#   bench/run-host-idle.sh [N=1000] [SECONDS=65]     (make bench-host)
#
# 65 s covers two reconcile passes (every 30 s by default), part of the
# idle cost. Then a pod held at its memory.high: its memory.events changes
# ~50 times a second (one inotify wakeup each, at most every 100 ms handled)
# while the other pods stay idle; the agent's CPU over that time.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
agent=${AGENT:-$top/build/memqos-agent}
# The fake tree is regular files, not a cgroup2 mount: the agent refuses
# any other host unless told this one counts (README, "Tests").
export MEMQOS_ASSUME_CGROUP2=1
n=${1:-1000}
secs=${2:-65}
d=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$d"; }
trap cleanup EXIT

cg=$d/cg
mkdir -p "$cg/kubepods/besteffort" "$cg/kubepods/burstable" "$d/state"
echo "cpu memory pids" >"$cg/cgroup.controllers" # the root of a cgroup2 mount with memory
files() { # DIR: the files the agent reads, with idle values
  echo 0 >"$1/memory.current"
  printf 'anon 0\nfile 0\nshmem 0\ninactive_file 0\nactive_file 0\n' >"$1/memory.stat"
  printf 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n' >"$1/memory.events"
  printf 'some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n' >"$1/memory.pressure"
  for f in memory.min memory.low; do echo 0 >"$1/$f"; done
  for f in memory.high memory.max; do echo max >"$1/$f"; done
  : >"$1/cgroup.procs"
}
files "$cg/kubepods"
files "$cg/kubepods/besteffort"
files "$cg/kubepods/burstable"
for i in $(seq 1 "$n"); do
  p=$cg/kubepods/besteffort/$(printf 'pod%08x-0000-4000-8000-%012x' "$i" "$i")
  c=$p/$(printf '%064x' "$i")
  mkdir -p "$c"
  files "$p"
  files "$c"
done

"$agent" run --cgroup-root "$cg" --state-dir "$d/state" >"$d/out" 2>"$d/err" &
pid=$!
for _ in $(seq 100); do grep -q 'running:' "$d/err" 2>/dev/null && break; sleep 0.1; done
if ! grep -q 'running:' "$d/err"; then
  echo "bench: memqos-agent did not start:" >&2
  cat "$d/err" >&2
  exit 1
fi
sleep 2
metric() { "$agent" metrics --state-dir "$d/state" | awk -v k="$1" '$1 == k {print $2}'; }
ns() { awk '{print $1}' "/proc/$pid/schedstat"; }
w0=$(metric 'memqos_wakeups_total{source="watermark"}') s0=$(metric memqos_full_scans_total)
r0=$(metric 'memqos_wakeups_total{source="timer"}')
n0=$(ns) t0=$(date +%s%N)
sleep "$secs"
n1=$(ns) t1=$(date +%s%N)
w1=$(metric 'memqos_wakeups_total{source="watermark"}') s1=$(metric memqos_full_scans_total)
r1=$(metric 'memqos_wakeups_total{source="timer"}')
# --- one pod held at its memory.high: memory.events changes ~50/s ---
for held in "$cg"/kubepods/besteffort/pod*; do break; done
# (the counters are read outside the window: a scrape of 1,000 pods' series
# is itself a few ms of the agent's CPU)
es0=$(metric memqos_full_scans_total) ew0=$(metric 'memqos_wakeups_total{source="events"}')
e0=$(ns) et0=$(date +%s%N)
for i in $(seq 1 500); do
  printf 'low 0\nhigh %d\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n' "$i" >"$held/memory.events"
  sleep 0.02
done
e1=$(ns) et1=$(date +%s%N) es1=$(metric memqos_full_scans_total) ew1=$(metric 'memqos_wakeups_total{source="events"}')
eu=$(metric memqos_events_unchanged_total)
# --- a Prometheus scrape: the text's size and the agent's CPU for it ---
m0=$(ns)
for _ in 1 2 3 4 5 6 7 8 9 10; do "$agent" metrics --state-dir "$d/state" >"$d/metrics"; done
m1=$(ns)
msize=$(wc -c <"$d/metrics") mseries=$(grep -vc '^#' "$d/metrics")
rss=$(awk '$1 == "VmRSS:" {print $2}' "/proc/$pid/status")
pods=$(metric memqos_pods)
kill "$pid"
wait "$pid" 2>/dev/null || true
pid=""
o0=$(date +%s%N)
c0=$(awk '{print $16 + $17}' /proc/$$/stat)
for _ in 1 2 3 4 5; do "$agent" once --cgroup-root "$cg" --state-dir "$d/state" >/dev/null 2>&1 || true; done
c1=$(awk '{print $16 + $17}' /proc/$$/stat)
tk=$(getconf CLK_TCK)

echo "memqos-agent idle, natively on this host ($(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1), kernel $(uname -r))"
echo "reproduce: bench/run-host-idle.sh $n $secs   (or: make bench-host)"
echo "fake tree: $pods pods (+1 container each), real /proc; window $(((t1 - t0) / 1000000)) ms"
printf '| %-41s | %-30s | %-11s |\n' measure value target
printf '|%s|%s|%s|\n' -------------------------------------------- -------------------------------- -------------
printf '| %-41s | %-30s | %-11s |\n' "CPU, /proc/<pid>/schedstat" "$(awk -v c=$((n1 - n0)) -v w=$((t1 - t0)) 'BEGIN {printf "%.4f %% of a core", 100 * c / w}')" "<= 0.1 %"
printf '| %-41s | %-30s | %-11s |\n' "VmRSS" "$rss KiB" "<= 8192 KiB"
printf '| %-41s | %-30s | %-11s |\n' "wakeups in the window" "$((w1 - w0)) watermark, $((r1 - r0)) timer" ""
printf '| %-41s | %-30s | %-11s |\n' "full scans in the window" "$((s1 - s0))" ""
printf '| %-41s | %-30s | %-11s |\n' "CPU per wakeup, all sources" "$(awk -v c=$((n1 - n0)) -v k=$((w1 - w0 + r1 - r0 > 0 ? w1 - w0 + r1 - r0 : 1)) 'BEGIN {printf "%.1f us", c / k / 1000}')" ""
printf '| %-41s | %-30s | %-11s |\n' "one pod's memory.events at ~50/s: CPU" "$(awk -v c=$((e1 - e0)) -v w=$((et1 - et0)) 'BEGIN {printf "%.3f %% of a core", 100 * c / w}')" ""
printf '| %-41s | %-30s | %-11s |\n' "  wakeups / full scans / files left unread" "$((ew1 - ew0)) / $((es1 - es0)) / $eu" ""
printf '| %-41s | %-30s | %-11s |\n' "one metrics scrape: agent CPU, size" "$(awk -v c=$((m1 - m0)) -v b="$msize" -v n="$mseries" 'BEGIN {printf "%.1f ms, %d KiB, %d series", c / 10 / 1e6, b / 1024, n}')" ""
printf '| %-41s | %-30s | %-11s |\n' "same binary, one scan+decision (once)" "$(awk -v t=$((c1 - c0)) -v k="$tk" 'BEGIN {printf "%.1f ms CPU", t * 1000 / k / 5}')" ""

# --- acting with N pods ---
for p in "$cg"/kubepods/besteffort/pod*; do
  echo 104857600 >"$p/memory.current"
  printf 'anon 104857600\nfile 0\nshmem 0\ninactive_file 0\nactive_file 0\n' >"$p/memory.stat"
done
# Parents hold their children's sum, as the kernel's counters do (the agent
# bounds the pods it does not read by it).
echo $((n * 104857600)) >"$cg/kubepods/besteffort/memory.current"
echo $((n * 104857600)) >"$cg/kubepods/memory.current"
echo '{"watermarks": {"reclaim_pct": 99.9, "kill_pct": 0}, "ladder": {"step_interval_ms": 100, "kill": false}}' >"$d/busy.json"
: >"$d/out"
"$agent" run --config "$d/busy.json" --cgroup-root "$cg" --state-dir "$d/state" >"$d/out" 2>"$d/err" &
pid=$!
sleep 6
afs=$(metric memqos_full_scans_total) aps=$(metric memqos_partial_scans_total) aup=$(metric memqos_usage_passes_total)
kill "$pid"
wait "$pid" 2>/dev/null || true
pid=""
grep '"action":"set-high"' "$d/out" | sed -n 's/.*"since_wakeup_us":\([0-9]*\).*/\1/p' | sort -n >"$d/lat"
grep '"action":"set-high"' "$d/out" | sed -n 's/.*"issued_after_us":\([0-9]*\).*/\1/p' | sort -n >"$d/iss"
k=$(grep -c . "$d/lat" || true)
q() { awk -v p="$1" '{v[NR] = $1} END {if (!NR) {print "-"; exit}; i = int((p * NR + 99) / 100); if (i < 1) i = 1; print v[i]}' "${2:-$d/lat}"; }
echo
echo "wake-to-action natively, $pods pods: $k ladder steps (timer wakeup -> refreshed snapshot -> decision -> memory.high written)"
printf '| %-41s | %-10s | %-10s | %-10s |\n' measure p50 p99 max
printf '|%s|%s|%s|%s|\n' -------------------------------------------- ------------ ------------ ------------
printf '| %-41s | %7s us | %7s us | %7s us |\n' "memqos-agent: wakeup -> write issued" "$(q 50 "$d/iss")" "$(q 99 "$d/iss")" "$(q 100 "$d/iss")"
printf '| %-41s | %7s us | %7s us | %7s us |\n' "memqos-agent: wakeup -> write done" "$(q 50)" "$(q 99)" "$(q 100)"
echo "(in those 6 s: $aps refreshed decisions, $aup usage passes after the writes, $afs full scans)"

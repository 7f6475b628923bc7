# shellcheck shell=sh
# Which kernel signal says first that the node is running out, with
# protection in force and no agent (`make bench-signals`; not in the suite).
# A Guaranteed pod protects its 256 MiB page cache (memory.min or, with
# SIG_KNOB=memory-low, memory.low; the ancestors carry it as the agent's
# propagation would) and re-reads it; one BestEffort pod then allocates
# anonymous memory at ~80 MiB/s until the kernel OOM-kills it. Every 100 ms
# a sampler records MemAvailable, the protected pod's cache, /proc/vmstat
# (pgscan, pgsteal, workingset_refault_file, oom_kill), node PSI some total
# and the pod's memory.events low. Afterwards each signal's first crossing
# of a threshold is reported as a lead time before the first OOM kill (or,
# where the kernel breached memory.low instead, before the first
# workingset refault of the protected cache):
#   MemAvailable < 10 % of MemTotal      (earlyoom's and the old agent's line)
#   headroom < 10 %                      (MemAvailable - protected cache)
#   PSI some >= 100 ms within 1 s        (the agent's node trigger)
#   pgscan >= 10 MiB/s                   (reclaim scanning)
#   pgsteal >= 10 MiB/s                  (reclaim succeeding)
#   workingset_refault_file >= 1 MiB/s   (cache re-read after eviction)
#   memory.events low rising             (memory.low breached)
. /vm/scenarios/agent-common.inc

SIG_KNOB=${SIG_KNOB:-memory-min}
K=${SIG_KNOB#memory-}
OUT=/tmp/signals-$SCEN.txt
PAGE_MIB=256 # pages per MiB (4 KiB pages)

ag_tree
echo 3 >/proc/sys/vm/drop_caches
gu=$(pod_uid 51) be=$(pod_uid 52)
mkdir -p "$CGR/kubepods/pod$gu"
echo $((320 * 1048576)) >"$CGR/kubepods/pod$gu/memory.max"
ag_pod sig-prot guaranteed "$gu" \
  '"/bin/sh","-c","while :; do cat /data/protect-big.bin >/dev/null; sleep 0.2; done"' \
  '"memqos.io/priority": "high", "memqos.io/'$SIG_KNOB'": "300Mi"' $((320 * 1048576)) || return 0
cid_p=$CID cg_p=$CGDIR
wait_until 60 sh -c "[ \$((\$(awk '\$1 == \"file\" {print \$2}' $cg_p/memory.stat) / 1048576)) -ge 254 ]" ||
  { notok "the protected pod did not cache its file"; ag_delete "$cid_p"; return 0; }
echo $((300 * 1048576)) >"$CGR/kubepods/pod$gu/memory.$K"
echo $((300 * 1048576)) >"$CGR/kubepods/memory.$K"
total=$(awk '$1 == "MemTotal:" {print $2}' /proc/meminfo)

sample() {
  while :; do
    t=$(now_ms)
    a=$(awk '$1 == "MemAvailable:" {print $2}' /proc/meminfo)
    f=$(awk '$1 == "file" {print $2}' "$cg_p/memory.stat")
    v=$(awk '$1 ~ /^pgscan_(kswapd|direct)$/ {s += $2} $1 ~ /^pgsteal_(kswapd|direct)$/ {g += $2}
             $1 == "workingset_refault_file" {r = $2} $1 == "oom_kill" {o = $2}
             END {print s + 0, g + 0, r + 0, o + 0}' /proc/vmstat)
    p=$(awk '/^some/ {sub("total=", "", $5); print $5}' /proc/pressure/memory)
    l=$(awk '$1 == "low" {print $2}' "$cg_p/memory.events")
    echo "$t $a $f $v $p $l"
    sleep 0.1
  done >"$OUT"
}
sample &
sp=$!
sleep 1
avail=$(meminfo_mib MemAvailable)
ag_pod sig-hog besteffort "$be" '"/bin/memhog","-s","8","-d","100","-m","'$((avail + 64))'","-H","10"' '' || { kill $sp; return 0; }
cid_h=$CID
wait_until 60 sh -c "! runc state $cid_h 2>/dev/null | grep -q '\"status\": \"running\"'"
sleep 1
kill $sp
# Columns: t_ms avail_kB cache_B pgscan pgsteal refault oom_kill psi_us low
awk -v total="$total" -v pm=$PAGE_MIB -v ktag="$KTAG" -v scen="$SCEN" -v knob="$SIG_KNOB" '
  function first(name, t) { if (!(name in at)) at[name] = t }
  NR == 1 { o0 = $7; r0 = $6; l0 = $9 }
  {
    t = $1; n++; T[n] = t; P[n] = $8; S[n] = $4; G[n] = $5; R[n] = $6
    if ($2 * 100 < total * 10) first("MemAvailable < 10%", t)
    if (($2 - $3 / 1024) * 100 < total * 10) first("headroom < 10%", t)
    # rates over the sample about 1 s back
    for (j = n; j > 1 && t - T[j - 1] <= 1000; j--);
    if (j < n) {
      dt = (t - T[j]) / 1000
      if (P[n] - P[j] >= 100000 * dt) first("PSI some >= 100 ms/s", t)
      if ((S[n] - S[j]) / pm / dt >= 10) first("pgscan >= 10 MiB/s", t)
      if ((G[n] - G[j]) / pm / dt >= 10) first("pgsteal >= 10 MiB/s", t)
      if ((R[n] - R[j]) / pm / dt >= 1) first("refault >= 1 MiB/s", t)
    }
    if ($9 > l0) first("memory.events low rising", t)
    if ($7 > o0) first("kernel OOM kill", t)
    if ($6 - r0 >= pm * 8) first("8 MiB of cache refaulted", t)
  }
  END {
    end = ("kernel OOM kill" in at) ? at["kernel OOM kill"] : at["8 MiB of cache refaulted"]
    what = ("kernel OOM kill" in at) ? "the kernel OOM kill" : "8 MiB of refaulted cache"
    printf "# %s %s: %s, no agent: lead time before %s (ms; - never)\n", ktag, scen, knob, what
    split("MemAvailable < 10%|headroom < 10%|PSI some >= 100 ms/s|pgscan >= 10 MiB/s|pgsteal >= 10 MiB/s|refault >= 1 MiB/s|memory.events low rising", k, "|")
    for (i = 1; i <= 7; i++)
      printf "# %s %s:   %-26s %s\n", ktag, scen, k[i], (k[i] in at && end != "") ? end - at[k[i]] : "-"
  }' "$OUT" | while IFS= read -r l; do emit "$l"; done
if [ "$(wc -l <"$OUT")" -ge 20 ]; then ok "sampled $(wc -l <"$OUT") times"; else notok "only $(wc -l <"$OUT") samples"; fi
ag_delete "$cid_h" "$cid_p"
:

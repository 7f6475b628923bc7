#!/bin/bash
# `make bench-peers`: the headroom scenario of tests/vm (agent-headroom.inc:
# a protected pod re-reading a 256 MiB file beside three BestEffort pods
# that grow at 80 MiB/s, staggered, and together ask 1.3x what the node can
# give) on the real kernel in the test VM, with
#   none           protection (memory.min), no agent: the kernel alone
#   earlyoom       earlyoom -r 0 (Debian's package, defaults otherwise), no protection
#   earlyoom+min   earlyoom -r 0 with the same protection
#   memqos+min     memqos-agent (default configuration) with the protection
# PEERS_RUNS rounds (default 3), each round the four cases in turn, in one
# boot per kernel; the kernels side by side as tests/vm/run.sh runs them.
# Prints one markdown table (bench/README.md has one from a real run).
#
#   make bench-peers                       kernels 6.1 and 6.12
#   VM_KERNELS=6.1 PEERS_RUNS=1 bench/run-peers.sh
#
# Needs what `make check-vm` needs (root, Debian 12). earlyoom is fetched
# with `apt-get download` and unpacked into the VM cache, not installed:
# installing it would start its service on this host.
# VM_BUILD, VM_CACHE (default tests/vm/cache), VM_TIMEOUT as for tests/vm/run.sh.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
export VM_CACHE=${VM_CACHE:-$top/tests/vm/cache}
mkdir -p "$VM_CACHE"
VM_CACHE=$(cd "$VM_CACHE" && pwd)
kernels=${VM_KERNELS:-6.1 6.12}
runs=${PEERS_RUNS:-3}
cases="none earlyoom earlyoom-prot memqos"

table() { # FILE
  awk -v runs="$runs" -v kernels="$kernels" "$table_awk" "$1"
}
# shellcheck disable=SC2016 # an awk program
table_awk='
  function kv(line, k,   r) {
    if (!match(line, " " k "=[^ ]*")) return ""
    return substr(line, RSTART + length(k) + 2, RLENGTH - length(k) - 2)
  }
  function add(c, v) { if (cnt[c]++) cell[c] = cell[c] " / " v; else cell[c] = v }
  /^# peers / {
    k = kv($0, "kernel"); c = kv($0, "case"); key = k SUBSEP c
    n[key]++
    add(key SUBSEP "oom", kv($0, "oom"))
    by = ""
    if (kv($0, "agent") != "-") by = by " agent:" kv($0, "agent")
    if (kv($0, "earlyoom") != "-") by = by " earlyoom:" kv($0, "earlyoom")
    if (kv($0, "kernelkills") != "-") by = by " kernel:" kv($0, "kernelkills")
    sub("^ ", "", by)
    gone = kv($0, "gone")
    add(key SUBSEP "killed", gone == "-" ? "none" : gone " (" by ")")
    add(key SUBSEP "read", kv($0, "read"))
    add(key SUBSEP "passes", kv($0, "passes"))
    add(key SUBSEP "psi", kv($0, "psi_some") "/" kv($0, "psi_full"))
    on = kv($0, "onset"); f = kv($0, "first")
    if (on == "0") lead = (f == "-") ? "no pressure, no action" : "acted before any pressure (" kv($0, "who") ")"
    else lead = (f == "-") ? "no action" : (f - on) " " kv($0, "who")
    add(key SUBSEP "lead", lead)
    add(key SUBSEP "alive", kv($0, "alive") == "1" ? "yes" : "NO")
    add(key SUBSEP "avail", kv($0, "minavail"))
    add(key SUBSEP "rate", kv($0, "rate_a"))
    if (kv($0, "rate_a") + 0 < 50) slow++
    # verdict inputs: memqos against the same round of "none" (numbers)
    r = n[key]
    rd[key SUBSEP r] = kv($0, "read") + 0; oom[key SUBSEP r] = kv($0, "oom") + kv($0, "dmesg")
  }
  END {
    name["none+min"] = "protection (memory.min), no agent"
    name["earlyoom"] = "earlyoom, no protection"
    name["earlyoom+min"] = "earlyoom + protection"
    name["memqos+min"] = "memqos-agent + protection"
    split("none+min earlyoom earlyoom+min memqos+min", order, " ")
    nk = split(kernels, ks, " ")
    print "| case | kernel | kernel OOM kills | pods killed (by whom) | protected pod alive | protected pod re-read (MiB) | file passes | node PSI some/full (ms) | lowest MemAvailable (MiB) | first pressure → first action (ms, who) | A grew at (MiB/s) |"
    print "|---|---|---|---|---|---|---|---|---|---|---|"
    for (i = 1; i <= 4; i++) for (j = 1; j <= nk; j++) {
      key = ks[j] SUBSEP order[i]
      if (!(key in n)) { printf "| %s | %s | (no run finished) |||||||||\n", name[order[i]], ks[j]; continue }
      printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", name[order[i]], ks[j],
        cell[key SUBSEP "oom"], cell[key SUBSEP "killed"], cell[key SUBSEP "alive"],
        cell[key SUBSEP "read"], cell[key SUBSEP "passes"], cell[key SUBSEP "psi"],
        cell[key SUBSEP "avail"], cell[key SUBSEP "lead"], cell[key SUBSEP "rate"]
    }
    print ""
    if (slow) printf "%d run(s) grew slower than 50 MiB/s (A, the first pod, before any pressure): the host was busy\n", slow
    for (j = 1; j <= nk; j++) {
      m = ks[j] SUBSEP "memqos+min"; z = ks[j] SUBSEP "none+min"
      if (n[m] < runs || n[z] < runs) { printf "memqos-agent, %s: %d of %d runs finished (and %d of the reference)\n", ks[j], n[m], runs, n[z]; bad = 1; continue }
      zero = 1; within = 1
      for (r = 1; r <= runs; r++) {
        if (oom[m SUBSEP r] != 0) zero = 0
        lim = rd[z SUBSEP r] * 1.5; if (lim < rd[z SUBSEP r] + 4) lim = rd[z SUBSEP r] + 4
        if (rd[m SUBSEP r] > lim) within = 0
      }
      printf "memqos-agent, %s: 0 kernel OOM kills in every run: %s; re-reads within 1.5x (+4 MiB) of protection-no-agent in the same round: %s\n", ks[j], zero ? "yes" : "NO", within ? "yes" : "NO"
    }
    exit bad
  }'
if [ "${1:-}" = --table ]; then
  table "$2"
  exit
fi

"$top/tests/vm/deps.sh"
eo=$VM_CACHE/earlyoom
if [ ! -x "$eo/usr/bin/earlyoom" ]; then
  tmp=$(mktemp -d "$VM_CACHE/dl.XXXXXX")
  chmod 777 "$tmp" # apt-get download writes as _apt
  if ! (cd "$tmp" && apt-get download -q earlyoom >/dev/null 2>&1); then
    apt-get update -q >/dev/null
    (cd "$tmp" && apt-get download -q earlyoom >/dev/null)
  fi
  rm -rf "$eo"
  dpkg -x "$tmp"/earlyoom_*.deb "$eo"
  dpkg-deb -f "$tmp"/earlyoom_*.deb Version >"$eo/version"
  rm -rf "$tmp"
fi


scen=""
for _ in $(seq "$runs"); do
  for c in $cases; do scen="$scen bench-peers-$c"; done
done
# The whole output stays in the cache: `bench/run-peers.sh --table FILE`
# prints the table again from it.
out=$VM_CACHE/peers-output.txt
echo "memqos bench-peers: kernels $kernels, $runs round(s) of: $cases; $(nproc) host cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1)"
echo "earlyoom $(cat "$eo/version") (Debian package, unpacked into $eo); reproduce: make bench-peers"
rc=0
VM_TIMEOUT=${VM_TIMEOUT:-$((runs * 4 * 75 + 120))} VM_BUILD=${VM_BUILD:-$top/build} \
  VM_KERNELS="$kernels" VM_SCENARIOS="${scen# }" "$top/tests/vm/run.sh" >"$out" 2>&1 || rc=$?

# The notes of each run, then the table.
grep -E '^# [0-9.]+ bench-peers-|^# (agent|kernel|earlyoom): |^(not ok|skip) ' "$out" || true
echo
table "$out" || rc=1
if [ $rc -ne 0 ]; then
  echo "bench-peers: the VM run failed or a run did not finish; its output: $out"
  grep -E '^(not ok|vm:)' "$out" || true
fi
exit $rc

#!/bin/bash
# Start-up of the hook as the runtime pays it: fork, exec, load, read the
# state, act, exit. build/memqos-hook-static against build/memqos-hook
# (dynamic: ld.so maps libyajl, libjson-c, libseccomp) and against `cat` of
# the same state (the floor: a process that reads stdin and exits), side by
# side in one run: the three alternate, RUNS rounds, so a change in machine
# load hits each alike. Two cases:
#   skip   a container without memqos annotations (most containers): the
#          hook reads the state and exits 0
#   apply  a container with memory-high, memory-min and oom-group: the hook
#          also reads /proc/<pid>/cgroup and memory.max, writes three files
#          and the record
# The fake node and the state dir live on tmpfs (/dev/shm), as /run does on
# a node, so no disk write is timed.
#   bench/run-hook-startup.sh [RUNS]    (BUILD=build by default)
# BASELINE=<a memqos-hook built from another commit> adds it as a fourth,
# alternating with the others (a change's cost, side by side), e.g.
#   git worktree add /tmp/base <commit> && make -C /tmp/base build/memqos-hook-static
#   BASELINE=/tmp/base/build/memqos-hook-static bench/run-hook-startup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-2000}
build=${BUILD:-build}
static=$build/memqos-hook-static dynamic=$build/memqos-hook
for b in "$static" "$dynamic" "$build/tests/valgrind-tree"; do
        [ -x "$b" ] || { echo "run-hook-startup: no $b: run make first" >&2; exit 1; }
done

export TMPDIR=/dev/shm
root=$("$build/tests/valgrind-tree") # tests/valgrind/mktree.c: one pod, one container
trap 'rm -rf "$root"' EXIT
# The skip case: the same state without the memqos annotations.
sed 's|,"memqos.io/memory-high".*}}|}}|' "$root/state.json" >"$root/skip.json"
grep -q memqos "$root/skip.json" && { echo "run-hook-startup: skip state has memqos keys" >&2; exit 1; }
export MEMQOS_ASSUME_CGROUP2=1 MEMQOS_CGROUP_ROOT=$root/cg MEMQOS_PROC_ROOT=$root/proc \
        MEMQOS_STATE_DIR=$root/state MEMQOS_POLICY=$root/policy.json
# The hook must succeed, or the bench times an error path.
baseline=${BASELINE:-}
contenders="cat static dynamic${baseline:+ baseline}"
for h in "$static" "$dynamic" ${baseline:+"$baseline"}; do
        "$h" <"$root/state.json" && "$h" <"$root/skip.json" ||
                { echo "run-hook-startup: $h failed on the fake node" >&2; exit 1; }
done

# One sample: microseconds around one fork+exec+wait, from bash's clock.
us() { # program, input
        local t0=$EPOCHREALTIME
        "$1" <"$2" >/dev/null
        local t1=$EPOCHREALTIME
        echo $(((${t1/./} - ${t0/./})))
}
samples=$root/samples
: >"$samples"
cat=$(command -v cat)
for ((i = 0; i < runs; i++)); do
        for c in skip apply; do
                in=$root/state.json
                [ $c = skip ] && in=$root/skip.json
                echo "$c cat $(us "$cat" "$in")" >>"$samples"
                echo "$c static $(us "$static" "$in")" >>"$samples"
                echo "$c dynamic $(us "$dynamic" "$in")" >>"$samples"
                [ -z "$baseline" ] || echo "$c baseline $(us "$baseline" "$in")" >>"$samples"
        done
done

echo "hook start-up, $runs rounds alternating, fake node and state dir on tmpfs"
echo "(fork + exec + run + wait, microseconds; $(nproc) CPUs, $(uname -r))"
printf '%-6s %-8s %8s %8s %8s %10s\n' case binary median p90 "/ cat" "/ static"
for c in skip apply; do
        for b in $contenders; do
                awk -v c=$c -v b=$b '$1 == c && $2 == b { print $3 }' "$samples" | sort -n |
                        awk -v b=$b '{ v[NR] = $1 } END { print b, v[int((NR + 1) / 2)], v[int(NR * 0.9 + 0.5)] }'
        done | awk -v c=$c '{ m[$1] = $2; p[$1] = $3 }
                END {
                        printf "%-6s %-8s %8d %8d %8.2f %10s\n", c, "cat", m["cat"], p["cat"], 1, "-"
                        printf "%-6s %-8s %8d %8d %8.2f %10.2f\n", c, "static", m["static"], p["static"],
                               m["static"] / m["cat"], 1
                        printf "%-6s %-8s %8d %8d %8.2f %10.2f\n", c, "dynamic", m["dynamic"], p["dynamic"],
                               m["dynamic"] / m["cat"], m["dynamic"] / m["static"]
                        if ("baseline" in m)
                                printf "%-6s %-8s %8d %8d %8.2f %10.2f\n", c, "baseline", m["baseline"],
                                       p["baseline"], m["baseline"] / m["cat"], m["baseline"] / m["static"]
                }'
done

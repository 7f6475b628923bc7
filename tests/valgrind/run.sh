#!/bin/bash
# `make check-valgrind`: the hook applying a pod's annotations and the agent's
# `once` on a fake node (mktree.c), each under valgrind's memcheck. Any
# memory error or definite leak fails (--error-exitcode), as does a program
# that does not do its job (exit status, the file it must write). Prints one
# summary line per run and a total.
set -uo pipefail
build=${MEMQOS_BUILD:?}
root=$("$build/tests/valgrind-tree") || { echo "valgrind: cannot build the fake node"; exit 1; }
trap 'rm -rf "$root"' EXIT

# valgrind has no seccomp(2) (it warns "unhandled syscall 317"): the hook
# then runs unconfined, as it does on a kernel without seccomp, which is
# what memcheck needs anyway. --error-exitcode alone decides.
# On a fake tree the binaries are told the root is cgroup2 (no statfs magic on a
# temp dir; policy/cgroot.h).
export MEMQOS_ASSUME_CGROUP2=1
vg=(valgrind --quiet --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite --error-exitcode=99 --vgdb=no)
rc=0 failed=()

result() { # name status expected-status detail...
        local name=$1 st=$2 want=$3
        shift 3
        if [ "$st" -eq "$want" ] && [ "$*" = ok ]; then
                echo "valgrind $name: ok (no errors, no definite leaks)"
        else
                if [ "$st" -eq 99 ]; then why="memcheck errors"; else why="exit $st ($*)"; fi
                echo "valgrind $name: FAILED: $why; log $root/$name.log:"
                cat "$root/$name.log"
                rc=1 failed+=("$name")
        fi
}

"${vg[@]}" --log-file="$root/hook.vg" "$build/memqos-hook" --cgroup-root "$root/cg" \
        --proc-root "$root/proc" --state-dir "$root/state" --policy "$root/policy.json" \
        <"$root/state.json" >"$root/hook.log" 2>&1
st=$?
cat "$root/hook.vg" >>"$root/hook.log"
high=$(cat "$root"/cg/kubepods.slice/*/*/cri-containerd-4f3c*.scope/memory.high 2>/dev/null)
detail=ok
[ "$high" = 966365184 ] || detail="memory.high is \"$high\", expected 966365184"
[ -f "$root"/state/containers/4f3c*.json ] || detail="no record written"
result hook $st 0 "$detail"

"${vg[@]}" --log-file="$root/agent-once.vg" "$build/memqos-agent" once --cgroup-root "$root/cg" \
        --proc-root "$root/proc" --state-dir "$root/state" --policy "$root/policy.json" \
        >"$root/agent-once.out" 2>"$root/agent-once.log"
st=$?
cat "$root/agent-once.vg" >>"$root/agent-once.log"
detail=ok
grep -q '"pods"' "$root/agent-once.out" || detail="no \"pods\" in its JSON output"
result agent-once $st 0 "$detail"

if [ $rc -eq 0 ]; then
        echo "valgrind: 2 runs clean"
else
        echo "valgrind: ${#failed[@]} of 2 runs FAILED: ${failed[*]}"
fi
exit $rc

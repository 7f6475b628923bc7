#!/bin/bash
# `make check-static`: build/memqos-hook-static needs no shared library (no
# program interpreter, no DT_NEEDED entry; ldd agrees), and does the dynamic
# hook's job on a fake node: the same files written with the same values,
# and a record. Prints one line per check and a summary.
set -uo pipefail
build=${MEMQOS_BUILD:?}
static=$build/memqos-hook-static dynamic=$build/memqos-hook
rc=0 n=0 failed=0
check() { # description, then a command that must succeed
        local what=$1
        shift
        n=$((n + 1))
        if "$@"; then
                echo "static: ok: $what"
        else
                echo "static: FAILED: $what"
                rc=1 failed=$((failed + 1))
        fi
}

no_interp() { ! readelf -lW "$static" | grep -q 'Requesting program interpreter'; }
no_needed() { ! readelf -dW "$static" | grep -q '(NEEDED)'; }
ldd_static() {
        local out
        out=$(ldd "$static" 2>&1)
        case $out in
        *"not a dynamic executable"* | *"statically linked"*) return 0 ;;
        *) echo "  ldd: $out"; return 1 ;;
        esac
}
check "no program interpreter (PT_INTERP)" no_interp
check "no shared library needed (DT_NEEDED)" no_needed
check "ldd: $(ldd "$static" 2>&1 | head -1 | sed 's/^[[:space:]]*//')" ldd_static
check "same --version as the dynamic hook" \
        test "$("$static" --version)" = "$("$dynamic" --version)"

# One fake node per hook; afterwards both trees must hold the same files.
export MEMQOS_ASSUME_CGROUP2=1 # a temp dir is no cgroup2 mount
run_on_tree() { # hook, root
        "$1" --cgroup-root "$2/cg" --proc-root "$2/proc" --state-dir "$2/state" \
                --policy "$2/policy.json" <"$2/state.json" >"$2/hook.log" 2>&1
}
a=$("$build/tests/valgrind-tree") && b=$("$build/tests/valgrind-tree") || exit 1
trap 'rm -rf "$a" "$b"' EXIT
check "the static hook applies a pod's annotations (exit 0)" run_on_tree "$static" "$a"
run_on_tree "$dynamic" "$b" || echo "static: the dynamic hook failed: $(cat "$b/hook.log")"
high=$(cat "$a"/cg/kubepods.slice/*/*/cri-containerd-4f3c*.scope/memory.high)
check "memory.high written: $high (expected 966365184: 90% of 1 GiB, page-aligned)" \
        test "$high" = 966365184
same_cgroups() { diff -r "$a/cg" "$b/cg" >/dev/null; }
check "the same cgroup files as the dynamic hook's" same_cgroups
# The records differ only in their time stamps and the policy file's path.
records() { sed "s/\"time[^,]*,//g; s|$1/||g" "$1"/state/containers/4f3c*.json; }
same_record() { [ -n "$(records "$a")" ] && [ "$(records "$a")" = "$(records "$b")" ]; }
check "the same record as the dynamic hook's" same_record

if [ $rc -eq 0 ]; then
        echo "static: $n checks passed"
else
        echo "static: $failed of $n checks FAILED"
fi
exit $rc

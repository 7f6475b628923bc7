#!/bin/bash
# Run each libFuzzer target for the given seconds (tests/fuzz/fuzz.mk):
#   run.sh SECONDS TARGET...
# Every target runs even when an earlier one fails, each prints one summary
# line, and the exit status is libFuzzer's: non-zero on any crash, leak,
# timeout or broken property (the input is saved under artifacts/).
set -uo pipefail
cd "$(dirname "$0")/../.."

seconds=$1
shift
build=${FUZZ_BUILD:?}
mkdir -p "$build/artifacts"

rc=0 failed=()
for t in "$@"; do
        seeds=tests/fuzz/corpus/$t
        scratch=$build/corpus/$t
        log=$build/fuzz_$t.log
        # A fresh scratch corpus each run: libFuzzer writes new inputs into
        # the first directory only, so the committed seeds stay as they are.
        rm -rf "$scratch"
        mkdir -p "$scratch"
        if [ ! -d "$seeds" ] || [ -z "$(ls -A "$seeds")" ]; then
                echo "fuzz $t: FAILED: no seeds in $seeds"
                rc=1 failed+=("$t")
                continue
        fi
        # -timeout: one input taking over 10 s is a finding (a hang);
        # -rss_limit_mb: so is growing past 2 GiB.
        "$build/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
                -artifact_prefix="$build/artifacts/$t-" -print_final_stats=1 \
                "$scratch" "$seeds" >"$log" 2>&1
        r=$?
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
        cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
        if [ $r -eq 0 ]; then
                echo "fuzz $t: ok, ${runs:-?} inputs in ${seconds}s, ${cov:-cov: ?}," \
                     "$(ls "$scratch" | wc -l) new corpus entries"
        else
                echo "fuzz $t: FAILED (libFuzzer exit $r); log $log:"
                grep -E -A25 '^==[0-9]+==ERROR|runtime error|fuzz property failed|Test unit written' \
                        "$log" | head -60
                rc=1 failed+=("$t")
        fi
done
if [ $rc -eq 0 ]; then
        echo "fuzz: $# targets passed, ${seconds}s each"
else
        echo "fuzz: ${#failed[@]} of $# targets FAILED: ${failed[*]}"
fi
exit $rc

# shellcheck shell=sh
# bench-signals with memory.low instead of memory.min.
SIG_KNOB=memory-low
. /vm/scenarios/bench-signals.sh

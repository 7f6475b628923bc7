# shellcheck shell=sh
# shellcheck disable=SC2034 # read by agent-headroom.inc
# bench/run-peers.sh (make bench-peers) only: one run of agent-headroom.inc,
# protection (memory.min), no agent: the kernel alone. Prints a "# peers ..." line for the bench's table.
HR_KNOB=memory-min HR_B_QOS=besteffort HR_B_PRIO=normal HR_BENCH=1
. /vm/scenarios/agent-headroom.inc
hr_run none 1
:

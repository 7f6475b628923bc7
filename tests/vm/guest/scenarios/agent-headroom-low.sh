# shellcheck shell=sh
# shellcheck disable=SC2034 # read by agent-headroom.inc
# agent-headroom.inc with memory.low: the kernel keeps the protected pod's
# cache only until nothing else is left, then takes it (re-reads from disk).
HR_KNOB=memory-low HR_B_QOS=besteffort HR_B_PRIO=normal
. /vm/scenarios/agent-headroom.inc
hr_suite
:

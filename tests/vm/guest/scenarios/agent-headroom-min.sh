# shellcheck shell=sh
# shellcheck disable=SC2034 # read by agent-headroom.inc
# agent-headroom.inc with memory.min: the protected pod's 256 MiB cache is
# out of the kernel's reach, and MemAvailable still counts it.
HR_KNOB=memory-min HR_B_QOS=besteffort HR_B_PRIO=normal
. /vm/scenarios/agent-headroom.inc
hr_suite
:

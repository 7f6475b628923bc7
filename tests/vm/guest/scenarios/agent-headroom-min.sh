# shellcheck shell=sh
# agent-headroom.inc with memory.min: the protected pod's cache is out of
# the kernel's reach, and MemAvailable still counts it.
HR_KNOB=memory-min HR_B_QOS=besteffort HR_B_PRIO=normal
. /vm/scenarios/agent-headroom.inc

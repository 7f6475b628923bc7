# shellcheck shell=sh
# agent-headroom.inc with memory.low: without the agent the kernel breaches
# the protection (reclaims the pod's cache) once nothing else is left.
HR_KNOB=memory-low HR_B_QOS=besteffort HR_B_PRIO=normal
. /vm/scenarios/agent-headroom.inc

# shellcheck shell=sh
# shellcheck disable=SC2034 # read by agent-headroom.inc
# agent-headroom.inc with B a Burstable pod (its own limit) of priority low
# beside the BestEffort A and C of priority normal: the agent ranks priority
# before QoS class, so B goes first (a ranking by QoS class first would take
# A or C, and one of those alone is not enough).
HR_KNOB=memory-min HR_B_QOS=burstable HR_B_PRIO=low
. /vm/scenarios/agent-headroom.inc
hr_suite
:

# shellcheck shell=sh
# agent-headroom.inc with B a Burstable pod (its own limit) of priority low
# among the BestEffort ones: priority ranks before QoS class, so B goes.
HR_KNOB=memory-min HR_B_QOS=burstable HR_B_PRIO=low
. /vm/scenarios/agent-headroom.inc

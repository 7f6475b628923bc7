# shellcheck shell=sh
# The hook under runc; see hook-values.inc.
RT=runc
. /vm/scenarios/hook-values.inc

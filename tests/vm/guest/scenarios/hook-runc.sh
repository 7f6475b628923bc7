# shellcheck shell=sh
# The hook under runc; see hook-values.inc.
# shellcheck disable=SC2034 # read by hook-values.inc
RT=runc
. /vm/scenarios/hook-values.inc

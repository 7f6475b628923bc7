# shellcheck shell=sh
# The hook under crun; see hook-values.inc.
# shellcheck disable=SC2034 # read by hook-values.inc
RT=crun
. /vm/scenarios/hook-values.inc

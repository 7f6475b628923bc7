# shellcheck shell=sh
# The hook under crun; see hook-values.inc.
RT=crun
. /vm/scenarios/hook-values.inc

# shellcheck shell=sh
# Helpers shared by the guest init and the scenarios (busybox sh).
# Protocol on the results port, one line each:
#   ok <kernel> <scenario>: <what>       a check passed
#   not ok <kernel> <scenario>: <what>   a check failed
#   skip <kernel> <scenario>: <why>      the check cannot run on this kernel/VM
#   # <anything>                         timing and notes for people

cmdline_arg() {
  for w in $(cat /proc/cmdline); do
    case $w in "$1"=*) echo "${w#*=}" ;; esac
  done
}

KTAG=$(cmdline_arg memqos.kernel)
export KTAG

vm_results_open() {
  # ttyS1 is the harness's result channel; raw so lines arrive unmangled.
  stty -F /dev/ttyS1 raw -echo 2>/dev/null
  exec 3>/dev/ttyS1
}
vm_results_close() {
  sleep 1 # let the UART drain before the VM powers off
  exec 3>&-
}

emit() { printf '%s\n' "$*" >&3; printf 'result: %s\n' "$*"; }
ok() { emit "ok $KTAG $SCEN: $*"; }
notok() { emit "not ok $KTAG $SCEN: $*"; }
skip() { emit "skip $KTAG $SCEN: $*"; }
# check <what> <expected> <got>
check() {
  if [ "$2" = "$3" ]; then ok "$1=$3"; else notok "$1: expected $2 got $3"; fi
}

uptime_cs() { read -r up _ </proc/uptime; echo "${up%.*}${up#*.}"; }
fmt_cs() { printf '%d.%02ds' $(($1 / 100)) $(($1 % 100)); }

# Each scenario runs in its own shell with a time limit, so a hung one
# cannot take the whole boot down; its checks print as they go.
run_scenario() {
  f=/vm/scenarios/$1.sh
  SCEN=$1
  export SCEN
  if [ ! -f "$f" ]; then
    notok "no such scenario"
    return
  fi
  echo "=== scenario $1"
  t0=$(uptime_cs)
  # A scenario may ask for more with a line "# vm-timeout: SECONDS".
  lim=$(sed -n 's/^# vm-timeout: \([0-9]*\)$/\1/p' "$f")
  timeout "${lim:-${SCENARIO_TIMEOUT:-120}}" sh -c ". /vm/lib.sh; exec 3>/dev/ttyS1; . $f" 2>&1
  rc=$?
  [ $rc -eq 0 ] || notok "scenario exited with status $rc (143: timed out)"
  emit "# time $KTAG $1 $(fmt_cs $(($(uptime_cs) - t0)))"
}

# --- containers ---------------------------------------------------------

# cgroup directory of a pid, from the 0:: line of /proc/<pid>/cgroup.
cg_of() { sed -n 's/^0:://p' "/proc/$1/cgroup"; }

# mkbundle DIR ARGS ANNOTATIONS [MEMLIMIT] [CGPATH]
#   ARGS: JSON array body, e.g. '"/bin/sh","-c","echo hi"'
#   ANNOTATIONS: JSON object body, e.g. '"memqos.io/memory-high":"100Mi"'
# The rootfs is shared and read-only; the hook is registered for
# createRuntime the way a node's runtime configuration would.
mkbundle() {
  dir=$1 args=$2 ann=$3 limit=${4:-0} cgpath=${5:-}
  mkdir -p "$dir"
  res=""
  [ "$limit" != 0 ] && res="\"resources\": {\"memory\": {\"limit\": $limit}},"
  cgp=""
  [ -n "$cgpath" ] && cgp="\"cgroupsPath\": \"$cgpath\","
  cat >"$dir/config.json" <<JSON
{
  "ociVersion": "1.0.2",
  "process": {
    "terminal": false,
    "user": {"uid": 0, "gid": 0},
    "args": [$args],
    "env": ["PATH=/bin:/usr/bin"],
    "cwd": "/",
    "noNewPrivileges": true
  },
  "root": {"path": "/rootfs", "readonly": true},
  "hostname": "c",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev"]},
    {"destination": "/data", "type": "bind", "source": "/mnt/data", "options": ["rbind", "ro"]}
  ],
  "hooks": {
    "createRuntime": [{"path": "/usr/bin/memqos-hook", "args": ["memqos-hook"]}]
  },
  "annotations": {$ann},
  "linux": {
    $res
    $cgp
    "namespaces": [{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}]
  }
}
JSON
}

# Annotations the way containerd passes them for a pod's app container,
# followed by the memqos ones given as arguments (JSON pairs); the pod's
# namespace is $K8S_NS (default "default").
k8s_ann() {
  uid=$1
  shift
  printf '"io.kubernetes.cri.container-type": "container", "io.kubernetes.cri.container-name": "app", "io.kubernetes.cri.sandbox-id": "sb-%s", "io.kubernetes.cri.sandbox-uid": "%s", "io.kubernetes.cri.sandbox-name": "pod-%s", "io.kubernetes.cri.sandbox-namespace": "%s"' "$uid" "$uid" "$uid" "${K8S_NS:-default}"
  for a in "$@"; do [ -z "$a" ] || printf ', %s' "$a"; done
}

# Kubelet cgroupfs layout: /kubepods/<qos>/pod<uid>/<container id>.
kube_cgpath() { echo "/kubepods/burstable/pod$1/$2"; }

# rt_pid RUNTIME ID: the container's init pid from `<runtime> state`.
rt_pid() { "$1" state "$2" 2>/dev/null | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p' | head -n1; }

# wait_for FILE-or-command seconds: poll until the command succeeds.
wait_until() {
  n=$(($1 * 10))
  shift
  while [ $n -gt 0 ]; do
    if "$@"; then return 0; fi
    sleep 0.1
    n=$((n - 1))
  done
  return 1
}

# ev CGDIR KEY: one counter from memory.events.
ev() { awk -v k="$2" '$1 == k {print $2}' "$1/memory.events"; }

# start_bg RUNTIME ID BUNDLE LOG: `run` the container in the background;
# sets BG_PID (the runtime's pid: its exit status is the container's) and
# CG (the container's cgroup directory, found through its init pid).
# shellcheck disable=SC2034 # CG is for the caller
start_bg() {
  "$1" run --no-pivot -b "$3" "$2" >"$4" 2>&1 &
  BG_PID=$!
  CG=""
  n=100
  while [ $n -gt 0 ]; do
    cpid=$(rt_pid "$1" "$2")
    if [ -n "$cpid" ] && [ "$cpid" != 0 ] && [ -r "/proc/$cpid/cgroup" ]; then
      CG=/sys/fs/cgroup$(cg_of "$cpid")
      return 0
    fi
    kill -0 "$BG_PID" 2>/dev/null || return 1
    sleep 0.1
    n=$((n - 1))
  done
  return 1
}

# wait_exit PID SECONDS: wait for a background job; sets RC (124: still running).
# shellcheck disable=SC2034 # RC is for the caller
wait_exit() {
  n=$(($2 * 10))
  while kill -0 "$1" 2>/dev/null && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
  if kill -0 "$1" 2>/dev/null; then RC=124; else wait "$1"; RC=$?; fi
}

# A pod uid in the kubelet's form (the pod cgroup is pod<uid>).
pod_uid() { printf '%08x-0000-4000-8000-%012x' "$(($(uptime_cs) + $$))" "$1"; }

# say TEXT: a line of a demo's story, for people (`| ` on the results port).
say() { emit "| $*"; }

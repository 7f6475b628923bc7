#!/bin/bash
# Host-side check of the shipped oci-hooks.d file (podman and CRI-O read
# this format): it must register memqos-hook for createRuntime and inject it
# for every memqos annotation key, pod-wide and per container, and for no
# other key. Rules as oci-hooks(5) 1.0.0 applies them (containers/common
# When.Match): EVERY key regex of when.annotations must be matched by some
# annotation whose value matches the paired value regex; so two entries mean
# "both kinds of key present", not "either". `always`, `commands` and
# `hasBindMounts` would change when it is injected.
# Prints protocol lines (`ok host hooks-json: ...`).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-${VM_HOOKS_DIR:-$here/../../deploy/oci-hooks.d}}
S="host hooks-json"

shopt -s nullglob
files=("$dir"/*.json)
if [ ${#files[@]} -eq 0 ]; then
  echo "not ok $S: no *.json in $dir"
  exit 1
fi

fail=0
say() { echo "$1 $S: $2"; [ "$1" = ok ] || fail=1; }
# expect OK-TEXT BAD-TEXT COMMAND...: ok if the command succeeds.
expect() {
  local good=$1 bad=$2
  shift 2
  if "$@"; then say ok "$good"; else say "not ok" "$bad"; fi
}

rules="" # tab-separated key and value regex pairs of the file being checked
# shellcheck disable=SC2317 # both are called through expect
matches() { # KEY VALUE: would a container with only this annotation get the hook?
  local kre vre n=0
  while IFS=$'\t' read -r kre vre; do
    [ -n "$kre" ] || continue
    n=$((n + 1))
    grep -Eq -- "$kre" <<<"$1" && grep -Eq -- "$vre" <<<"$2" || return 1
  done <<<"$rules"
  [ "$n" -gt 0 ]
}
# shellcheck disable=SC2317
not_matches() { ! matches "$@"; }

for f in "${files[@]}"; do
  n=$(basename "$f")
  if ! jq -e . "$f" >/dev/null 2>&1; then say "not ok" "$n is not valid JSON"; continue; fi
  v=$(jq -r '.version' "$f")
  expect "$n: version 1.0.0" "$n: version '$v', expected 1.0.0" [ "$v" = 1.0.0 ]
  p=$(jq -r '.hook.path' "$f")
  case $p in /*/memqos-hook) say ok "$n: hook.path $p" ;; *) say "not ok" "$n: hook.path '$p'" ;; esac
  st=$(jq -r '.stages | join(",")' "$f")
  expect "$n: stages [createRuntime]" "$n: stages '$st', expected createRuntime only" [ "$st" = createRuntime ]
  w=$(jq -r '.when | [(.always // false | tostring), (has("commands") | tostring), (has("hasBindMounts") | tostring)] | join(" ")' "$f")
  expect "$n: injected by annotations alone" "$n: when has always/commands/hasBindMounts ($w)" [ "$w" = "false false false" ]

  rules=$(jq -r '.when.annotations // {} | to_entries[] | "\(.key)\t\(.value)"' "$f")
  for k in memqos.io/memory-high memqos.io/memory-low memqos.io/memory-min memqos.io/swap-max \
    memqos.io/oom-group memqos.io/priority memory-high.memqos.io/app swap-max.memqos.io/web-1 \
    oom-group.memqos.io/sidecar memqos.io/typo-knob; do
    # A typo'd knob must reach the hook too, so that it can refuse it.
    expect "$n: injects for $k" "$n: does not inject for $k" matches "$k" 100Mi
  done
  for k in io.kubernetes.cri.container-name io.kubernetes.cri.container-type \
    kubectl.kubernetes.io/last-applied-configuration example.com/memqos.io notmemqos.io/memory-high \
    memqos.io.example.com/x memqos.iox/memory-high memqos.io memqos-io/memory-high \
    a/memory-high.memqos.io/app; do
    expect "$n: ignores $k" "$n: injects for unrelated key $k" not_matches "$k" 100Mi
  done
done
exit $fail

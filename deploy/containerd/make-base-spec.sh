#!/bin/sh
# Write containerd's default OCI spec with the memqos createRuntime hook added,
# for the runtime's base_runtime_spec. Usage: make-base-spec.sh [HOOK] [OUT]
set -eu
hook=${1:-/usr/local/bin/memqos-hook}
out=${2:-/etc/containerd/memqos-base-spec.json}

command -v ctr >/dev/null 2>&1 || { echo "make-base-spec.sh: ctr (containerd) not found" >&2; exit 1; }
[ -x "$hook" ] || { echo "make-base-spec.sh: $hook is not an executable" >&2; exit 1; }
spec=$(ctr oci spec)
case "$spec" in
*'"hooks"'*) echo "make-base-spec.sh: the default spec already has hooks; merge by hand" >&2; exit 1 ;;
esac
tmp="$out.tmp.$$"
# ctr prints the spec as an indented object: insert "hooks" after the first "{".
printf '%s\n' "$spec" | sed "1a\\
  \"hooks\": { \"createRuntime\": [ { \"path\": \"$hook\", \"args\": [\"memqos-hook\"] } ] }," >"$tmp"
mv "$tmp" "$out"
echo "wrote $out"

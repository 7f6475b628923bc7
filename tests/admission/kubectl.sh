#!/bin/bash
# Prints the path of a kubectl whose `kubectl kustomize` renders the
# kustomizations under deploy/kubernetes: Debian 12's kubernetes-client
# (kubectl 1.20, kustomize v2.0.3, the oldest the manifests are written
# for), fetched with `apt-get download` and unpacked into
# tests/admission/.cache (not installed: another package may own
# /usr/bin/kubectl on the machine). Needs the apt lists (apt-get update).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$here/.cache/kubernetes-client
if [ ! -x "$dir/usr/bin/kubectl" ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # (apt warns that root downloads unsandboxed: shown only on failure)
  (cd "$tmp" && apt-get download -q kubernetes-client >/dev/null 2>"$tmp/err") ||
    { cat "$tmp/err" >&2; echo "kubectl.sh: apt-get download kubernetes-client failed (apt-get update first?)" >&2; exit 1; }
  rm -rf "$dir.tmp"
  mkdir -p "$dir.tmp"
  dpkg -x "$tmp"/kubernetes-client_*.deb "$dir.tmp"
  rm -rf "$dir"
  mv "$dir.tmp" "$dir"
fi
echo "$dir/usr/bin/kubectl"

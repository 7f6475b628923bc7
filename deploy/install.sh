#!/bin/sh
# Install memqos on a host from a built tree: binaries, the CRI-O/podman hook
# entry, and (with --systemd) the agent as a service.
# Usage: deploy/install.sh [--prefix /usr/local] [--systemd]
set -eu
prefix=/usr/local
systemd=no
while [ $# -gt 0 ]; do
        case "$1" in
        --prefix) prefix=$2; shift 2 ;;
        --systemd) systemd=yes; shift ;;
        -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown argument \"$1\"; try --help" >&2; exit 1 ;;
        esac
done
top=$(cd "$(dirname "$0")/.." && pwd)
for b in memqos-hook memqos-agent; do
        [ -x "$top/build/$b" ] || { echo "install.sh: build/$b missing: run make first" >&2; exit 1; }
done
install -D -m 0755 "$top/build/memqos-hook" "$prefix/bin/memqos-hook"
install -D -m 0755 "$top/build/memqos-agent" "$prefix/bin/memqos-agent"
sed "s|/usr/local/bin/memqos-hook|$prefix/bin/memqos-hook|" "$top/deploy/oci-hooks.d/memqos.json" \
        >/tmp/memqos.json.$$
install -D -m 0644 /tmp/memqos.json.$$ /etc/containers/oci/hooks.d/memqos.json
rm -f /tmp/memqos.json.$$
install -d -m 0755 /run/memqos
if [ "$systemd" = yes ]; then
        sed "s|/usr/local/bin|$prefix/bin|" "$top/deploy/systemd/memqos-agent.service" \
                >/etc/systemd/system/memqos-agent.service
        systemctl daemon-reload
        systemctl enable --now memqos-agent.service
fi
echo "installed memqos to $prefix (hook entry: /etc/containers/oci/hooks.d/memqos.json)"
echo "containerd: see deploy/containerd/ and the README"

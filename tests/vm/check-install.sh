#!/bin/bash
# Host-side check of deploy/install.sh's containerd and oci-hooks.d edits on
# configurations the VM scenario does not use: containerd's full default
# config with SystemdCgroup = true and pod_annotations of its own (the
# table edited in place), a base_runtime_spec naming another file, a second
# install, a layout it must refuse, and --uninstall. Uses the host's
# containerd binary (`containerd config dump`), no daemon; nothing outside a
# temp directory is touched.
# Prints protocol lines (`ok host install: ...`).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
install=$here/../../deploy/install.sh
S="host install"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail=0
say() { echo "$1 $S: $2"; [ "$1" = ok ] || fail=1; }
expect() { # OK-TEXT COMMAND...
  local what=$1
  shift
  if "$@"; then say ok "$what"; else say "not ok" "$what"; fi
}

mkdir -p "$t/build" "$t/etc"
printf '#!/bin/sh\nexit 0\n' >"$t/build/memqos-hook"
cp "$t/build/memqos-hook" "$t/build/memqos-agent"
chmod +x "$t/build/"*
conf=$t/etc/config.toml
spec=$t/etc/memqos-base-spec.json
inst() { sh "$install" --from "$t/build" --prefix "$t/opt" --containerd-config "$conf" "$@" >"$t/out" 2>&1; }
dump() { containerd --config "$conf" config dump; }
runc_table() { dump | awk '/^ *\[/ { p = index($0, ".runtimes.runc]") || index($0, ".runtimes.runc.options]") } p'; }

# 1. containerd's default config, as on a systemd node, with globs of its own.
containerd config default |
  sed 's/SystemdCgroup = false/SystemdCgroup = true/; s/^\( *pod_annotations = \)\[\]/\1["io.example\/trace"]/' >"$conf"
cp "$conf" "$t/orig.toml"
before=$(runc_table)
expect "install --containerd on the default config (SystemdCgroup = true)" inst --containerd
after=$(runc_table)
expect "the runc table differs only in base_runtime_spec and pod_annotations" \
  test "$(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | sed 's/^\(.\) *\([a-z_]*\) =.*/\1\2/' | sort | tr '\n' ' ')" = \
  "<base_runtime_spec <pod_annotations >base_runtime_spec >pod_annotations "
expect "SystemdCgroup = true kept" grep -q 'SystemdCgroup = true' <<<"$after"
expect "pod_annotations merged: the node's glob and memqos's" \
  grep -Fq 'pod_annotations = ["io.example/trace", "memqos.io/*", "*.memqos.io/*"]' <<<"$after"
expect "one runc table in the file (edited in place, not appended)" \
  test "$(grep -c 'runtimes.runc\]' "$conf")" = 1
expect "the base spec's createRuntime hook is the installed one" \
  test "$(jq -c '.hooks.createRuntime' "$spec")" = "[{\"path\":\"$t/opt/bin/memqos-hook\",\"args\":[\"memqos-hook\"]}]"
cp "$conf" "$t/once.toml"
expect "a second install changes nothing" sh -c "inst() { sh '$install' --from '$t/build' --prefix '$t/opt' --containerd-config '$conf' --containerd >/dev/null 2>&1; }; inst && cmp -s '$t/once.toml' '$conf'"
expect "--uninstall --containerd" inst --uninstall --containerd
expect "config.toml restored byte for byte" cmp -s "$t/orig.toml" "$conf"
expect "the base spec removed" test ! -e "$spec"
expect "the binaries removed" test ! -e "$t/opt/bin/memqos-hook"

# 2. A base_runtime_spec of the node's own: memqos's spec is built from it.
containerd config default >"$conf"
jq '.process.rlimits = [{"type": "RLIMIT_NOFILE", "hard": 4242, "soft": 4242}]' <(ctr oci spec) >"$t/etc/node-spec.json"
sed -i "s|^\( *base_runtime_spec = \)\"\"|\1\"$t/etc/node-spec.json\"|" "$conf"
cp "$conf" "$t/orig.toml"
expect "install on a node with its own base_runtime_spec" inst --containerd
expect "the node's spec kept under the hook (RLIMIT_NOFILE 4242)" \
  test "$(jq -c '[.process.rlimits[0].hard, (.hooks.createRuntime | length)]' "$spec")" = "[4242,1]"
expect "--uninstall without --containerd still removes it (the file carries it)" inst --uninstall
expect "config.toml restored, naming the node's spec again" cmp -s "$t/orig.toml" "$conf"

# 3. A layout it must not guess at: pod_annotations over several lines.
containerd config default | sed 's/^\( *pod_annotations = \)\[\]/\1[\n    "io.example\/a",\n  ]/' >"$conf"
cp "$conf" "$t/orig.toml"
if inst --containerd; then say "not ok" "a multi-line pod_annotations was edited"; else say ok "a multi-line pod_annotations is refused: $(tail -n 1 "$t/out")"; fi
expect "... and the file is left as it was, no base spec written" sh -c "cmp -s '$t/orig.toml' '$conf' && test ! -e '$spec'"

# 4. Registering without the hook in place would fail every container.
rm -rf "$t/opt"
containerd config default >"$conf"
cp "$conf" "$t/orig.toml"
if inst --no-binaries --containerd; then say "not ok" "registered a hook that is not there"; else say ok "--no-binaries --containerd without the hook is refused: $(tail -n 1 "$t/out")"; fi
expect "... and the file is left as it was" cmp -s "$t/orig.toml" "$conf"

# 5. oci-hooks.d: the entry names the installed hook; --uninstall removes it.
expect "install --hooks-dir" inst --hooks-dir "$t/hooks"
expect "the hooks entry names $t/opt/bin/memqos-hook, createRuntime" \
  test "$(jq -c '[.hook.path, .stages]' "$t/hooks/memqos.json")" = "[\"$t/opt/bin/memqos-hook\",[\"createRuntime\"]]"
expect "--uninstall --hooks-dir" inst --uninstall --hooks-dir "$t/hooks"
expect "the hooks entry removed" test ! -e "$t/hooks/memqos.json"

exit $fail

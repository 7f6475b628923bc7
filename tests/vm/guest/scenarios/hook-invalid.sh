# shellcheck shell=sh
# An invalid annotation: the hook exits 1 and the runtime refuses to start
# the container, showing the hook's one-line message in its error output
# (which is what the kubelet reports in `kubectl describe`).

for RT in runc crun; do
  id=$RT-invalid-$$
  uid=$(pod_uid 2)
  b=/tmp/b-$id
  mkbundle "$b" '"/bin/echo","started"' \
    "$(k8s_ann "$uid" '"memqos.io/memory-high": "900Mb"' "\"run.oci.hooks.stderr\": \"/tmp/$id.hook-stderr\"")" 209715200 "$(kube_cgpath "$uid" "$id")"
  out=$($RT run --no-pivot -b "$b" "$id" 2>&1)
  rc=$?
  if [ $rc -ne 0 ]; then ok "$RT refused the container (exit $rc)"; else notok "$RT started the container: $out"; fi
  case $out in
    *started*) notok "$RT: the container process ran" ;;
  esac
  # runc quotes the hook's stderr Go-style: \" and a trailing \n.
  msg=$(echo "$out" | grep -o "memqos-hook: $id: .*" | head -n1 | sed 's/\\"/"/g; s/"$//; s/\\n$//')
  if [ -n "$msg" ]; then
    ok "$RT error shows '$msg'"
  elif [ $RT = crun ] && msg=$(grep -o "memqos-hook: $id: .*" "/tmp/$id.hook-stderr" 2>/dev/null | head -n1) && [ -n "$msg" ]; then
    # crun does not pass a hook's stderr into its own error; its
    # run.oci.hooks.stderr annotation (ignored by runc) keeps it in a file.
    ok "crun: hook said '$msg' (crun itself shows only: $(echo "$out" | tail -n 1))"
  else
    notok "$RT error lacks 'memqos-hook: $id:': $(echo "$out" | tail -n 2 | tr '\n' ' ')"
  fi
  $RT delete -f "$id" >/dev/null 2>&1
done
:

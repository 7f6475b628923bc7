#!/usr/bin/python3
"""The host side of the VM scenario containerd-cri: a CRI client (gRPC,
tests/cri/cri.proto) that drives containerd in the VM the way the kubelet
does, and checks what memqos made of it.

The guest (tests/vm/guest/scenarios/containerd-cri.sh) registers memqos with
deploy/install.sh --containerd, starts containerd with CRI on TCP (qemu
forwards a host port to it), imports the test images and writes "installed"
to /run/memqos-cri/phase. This client then:

  - runs a privileged host-network "node debug" pod whose container mounts
    the node's / at /host (as `kubectl debug node/...` does); every read of
    the node (cgroup files, records, config.json, the agent) is an ExecSync
    in it;
  - pod A (Burstable, kubelet cgroup parent /kubepods/burstable/pod<uid>):
    memqos annotations plus one outside pod_annotations; the values are read
    back from the container's real cgroup, the record names the pod, the
    annotation outside the globs never reached the container's spec, the
    sandbox got no hook, and memqos-agent explains the pod with its QoS and
    priority;
  - pod B: an invalid annotation fails StartContainer with the hook's line
    in the CRI error;
  - asks the guest to uninstall (deploy/install.sh --uninstall --containerd,
    containerd restarted), then pod C with memqos annotations runs without
    the hook: memory.high stays max, no record.

Prints `ok|not ok <kernel> containerd-cri: ...` lines and `# ...` notes.

usage: test_containerd.py --target HOST:PORT --kernel TAG [--wait SECONDS]
"""
import argparse
import json
import os
import re
import sys
import tempfile
import time
import uuid

import grpc

SCEN = "containerd-cri"
BUSYBOX = "localhost/memqos-test/busybox:1"
PAUSE = "localhost/memqos-test/pause:1"
HOOK = "/opt/memqos/bin/memqos-hook"
TASKS = "/host/run/containerd/io.containerd.runtime.v2.task/k8s.io"
CG = "/host/sys/fs/cgroup"
MiB = 1024 * 1024


def load_stubs():
    """Compile cri.proto into a temp dir with grpc_tools (python3-grpc-tools)."""
    from grpc_tools import protoc

    here = os.path.dirname(os.path.abspath(__file__))
    out = tempfile.mkdtemp(prefix="memqos-cri-")
    rc = protoc.main(["protoc", f"-I{here}", f"--python_out={out}", f"--grpc_python_out={out}",
                      os.path.join(here, "cri.proto")])
    if rc != 0:
        raise RuntimeError("protoc failed on cri.proto")
    sys.path.insert(0, out)
    import cri_pb2  # noqa: E402
    import cri_pb2_grpc  # noqa: E402
    return cri_pb2, cri_pb2_grpc


class Report:
    def __init__(self, tag):
        self.tag = tag
        self.failed = 0

    def line(self, s):
        print(s, flush=True)

    def ok(self, what):
        self.line(f"ok {self.tag} {SCEN}: {what}")

    def notok(self, what):
        self.failed += 1
        self.line(f"not ok {self.tag} {SCEN}: {what}")

    def expect(self, cond, what, why=""):
        if cond:
            self.ok(what)
        else:
            self.notok(what + (f": {why}" if why else ""))
        return cond

    def check(self, what, expected, got):
        return self.expect(expected == got, f"{what}={got}", f"expected {expected!r} got {got!r}")

    def note(self, s):
        self.line(f"# {s}")


class Node:
    """CRI calls, and the node's files through the debug container."""

    def __init__(self, pb, pbg, target):
        self.pb = pb
        self.ch = grpc.insecure_channel(target)
        self.rt = pbg.RuntimeServiceStub(self.ch)
        self.im = pbg.ImageServiceStub(self.ch)
        self.debug = None

    def version(self):
        return self.rt.Version(self.pb.VersionRequest(version="v1"), timeout=10)

    def images(self):
        r = self.im.ListImages(self.pb.ListImagesRequest(), timeout=20)
        return {t for i in r.images for t in i.repo_tags}

    def sandbox_config(self, name, uid, ns, parent, annotations, privileged=False):
        pb = self.pb
        host = pb.NamespaceOption(network=pb.NODE, pid=pb.NODE if privileged else pb.POD,
                                  ipc=pb.NODE if privileged else pb.POD)
        return pb.PodSandboxConfig(
            metadata=pb.PodSandboxMetadata(name=name, uid=uid, namespace=ns, attempt=0),
            hostname="",  # host network (no CNI in the VM): no UTS namespace of its own
            annotations=annotations,
            labels={"io.kubernetes.pod.name": name, "io.kubernetes.pod.namespace": ns,
                    "io.kubernetes.pod.uid": uid},
            linux=pb.LinuxPodSandboxConfig(
                cgroup_parent=parent,
                security_context=pb.LinuxSandboxSecurityContext(namespace_options=host,
                                                                privileged=privileged)))

    def run_pod(self, cfg):
        return self.rt.RunPodSandbox(self.pb.RunPodSandboxRequest(config=cfg), timeout=120).pod_sandbox_id

    def create(self, sid, sbcfg, name, cmd, limit=0, privileged=False, mounts=()):
        pb = self.pb
        sec = pb.LinuxContainerSecurityContext(privileged=privileged)
        if privileged:
            sec.namespace_options.CopyFrom(pb.NamespaceOption(network=pb.NODE, pid=pb.NODE, ipc=pb.NODE))
        cfg = pb.ContainerConfig(
            metadata=pb.ContainerMetadata(name=name, attempt=0),
            image=pb.ImageSpec(image=BUSYBOX),
            command=cmd,
            mounts=[pb.Mount(container_path=c, host_path=h, readonly=False) for c, h in mounts],
            labels={"io.kubernetes.container.name": name},
            linux=pb.LinuxContainerConfig(
                resources=pb.LinuxContainerResources(memory_limit_in_bytes=limit),
                security_context=sec))
        req = pb.CreateContainerRequest(pod_sandbox_id=sid, config=cfg, sandbox_config=sbcfg)
        return self.rt.CreateContainer(req, timeout=120).container_id

    def start(self, cid):
        self.rt.StartContainer(self.pb.StartContainerRequest(container_id=cid), timeout=120)

    def remove_pod(self, sid):
        for call, req in ((self.rt.StopPodSandbox, self.pb.StopPodSandboxRequest),
                          (self.rt.RemovePodSandbox, self.pb.RemovePodSandboxRequest)):
            try:
                call(req(pod_sandbox_id=sid), timeout=60)
            except grpc.RpcError:
                pass

    def sh(self, cmd, timeout=30):
        """Run a shell command in the debug container: (exit code, stdout)."""
        r = self.rt.ExecSync(self.pb.ExecSyncRequest(container_id=self.debug, cmd=["/bin/sh", "-c", cmd],
                                                     timeout=timeout), timeout=timeout + 30)
        return r.exit_code, r.stdout.decode(errors="replace").strip()

    def read(self, path):
        rc, out = self.sh(f"cat '{path}'")
        return out if rc == 0 else None

    def files(self, *paths):
        """Many node files in one ExecSync (each exec costs the emulated
        guest about a second): {path: text, or None if it does not exist}."""
        sep = "@@memqos-file@@"
        cmd = "; ".join(f"if [ -e '{p}' ]; then echo '{sep} {p}'; cat '{p}'; fi" for p in paths)
        _, out = self.sh(cmd)
        got = {p: None for p in paths}
        for part in out.split(sep + " ")[1:]:
            path, _, text = part.partition("\n")
            got[path] = text.strip()
        return got

    def exists(self, path):
        return self.sh(f"test -e '{path}'")[0] == 0


def wait(what, fn, deadline, every=1.0):
    """Poll fn() until it returns a true value or the deadline passes."""
    last = None
    while time.monotonic() < deadline:
        try:
            v = fn()
            if v:
                return v
        except grpc.RpcError as e:
            last = e.details() if hasattr(e, "details") else str(e)
        time.sleep(every)
    raise TimeoutError(f"timed out waiting for {what}" + (f" (last error: {last})" if last else ""))


def pod_cgroup(qos, uid):
    return "/kubepods/pod" + uid if qos == "guaranteed" else f"/kubepods/{qos}/pod{uid}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", required=True)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--wait", type=float, default=900)
    a = ap.parse_args()
    rep = Report(a.kernel)
    pb, pbg = load_stubs()
    node = Node(pb, pbg, a.target)
    start = time.monotonic()
    deadline = start + a.wait
    pods = []
    try:
        run(rep, node, pb, deadline, pods)
    except Exception as e:  # a step that could not go on is one failure, with its reason
        detail = e.details() if isinstance(e, grpc.RpcError) else str(e)
        rep.notok(f"stopped: {type(e).__name__}: {detail}")
    finally:
        # The test pods, then tell the guest, then the debug pod itself.
        for sid in pods[1:]:
            node.remove_pod(sid)
        if node.debug:
            try:
                node.sh("echo done >/host/run/memqos-cri/request")
            except grpc.RpcError:
                pass
        if pods:
            node.remove_pod(pods[0])
    rep.note(f"time {a.kernel} {SCEN} host client {time.monotonic() - start:.1f}s")
    return 1 if rep.failed else 0


def run(rep, node, pb, deadline, pods):
    v = wait("containerd's CRI on the forwarded port", node.version, deadline)
    t0 = time.monotonic()
    rep.note(f"{SCEN}: {v.runtime_name} {v.runtime_version}, CRI {v.runtime_api_version}")
    wait("the test images", lambda: {BUSYBOX, PAUSE} <= node.images(), deadline)

    # The node debug pod: privileged, host namespaces, the node's / at /host.
    duid = str(uuid.uuid4())
    dcfg = node.sandbox_config("memqos-node-debug", duid, "kube-system", pod_cgroup("besteffort", duid),
                               {}, privileged=True)
    dsid = node.run_pod(dcfg)
    pods.append(dsid)
    node.debug = node.create(dsid, dcfg, "debug", ["/bin/sleep", "100000"], privileged=True,
                             mounts=[("/host", "/")])
    node.start(node.debug)
    wait("the guest's 'installed'", lambda: node.read("/host/run/memqos-cri/phase") == "installed", deadline, 2)
    rep.note(f"{SCEN}: containerd up to node debug pod ready {time.monotonic() - t0:.1f}s")

    # --- pod A: memqos annotations through pod_annotations -------------------
    uid = str(uuid.uuid4())
    ann = {
        "memqos.io/memory-high": "90%",
        "memory-min.memqos.io/app": "32Mi",
        "memqos.io/oom-group": "false",
        "memqos.io/priority": "low",
        "example.com/team": "storage",  # outside pod_annotations: must not reach the container
    }
    parent = pod_cgroup("burstable", uid)
    cfg = node.sandbox_config("cache", uid, "default", parent, ann)
    t1 = time.monotonic()
    sid = node.run_pod(cfg)
    pods.append(sid)
    limit = 200 * MiB
    cid = node.create(sid, cfg, "app", ["/bin/sleep", "100000"], limit=limit)
    node.start(cid)
    rep.note(f"{SCEN}: pod A RunPodSandbox+CreateContainer+StartContainer {time.monotonic() - t1:.1f}s")
    rep.expect(re.fullmatch(r"[0-9a-f]{64}", cid) is not None, f"container id is 64 hex digits ({cid[:12]}…)")
    cg = f"{CG}{parent}/{cid}"
    f = node.files(f"{cg}/cgroup.procs", f"{cg}/memory.max", f"{cg}/memory.high", f"{cg}/memory.min",
                   f"{cg}/memory.oom.group", f"{TASKS}/{cid}/config.json", f"/host/run/memqos/containers/{cid}.json",
                   f"{TASKS}/{sid}/config.json", f"{CG}{parent}/{sid}/memory.high",
                   f"/host/run/memqos/containers/{sid}.json")
    rep.expect(f[f"{cg}/cgroup.procs"], f"the container's cgroup is the kubelet's {parent}/<id>, with its process",
               node.sh(f"ls {CG}{parent}")[1])
    high = (limit * 9 // 10) // 4096 * 4096
    rep.check("memory.max (the CRI limit)", str(limit), f[f"{cg}/memory.max"])
    rep.check("memory.high from memqos.io/memory-high: 90%", str(high), f[f"{cg}/memory.high"])
    rep.check("memory.min from memory-min.memqos.io/app: 32Mi", str(32 * MiB), f[f"{cg}/memory.min"])
    rep.check("memory.oom.group from memqos.io/oom-group: false", "0", f[f"{cg}/memory.oom.group"])

    spec_text = f[f"{TASKS}/{cid}/config.json"] or "{}"
    spec = json.loads(spec_text)
    sann = spec.get("annotations", {})
    rep.expect(all(sann.get(k) == v for k, v in ann.items() if "memqos.io/" in k),
               "the container's config.json carries the four memqos annotations", json.dumps(sann))
    rep.expect("example.com/team" not in sann, "an annotation outside pod_annotations is not passed",
               json.dumps(sann))
    rep.check("container-type in the container's spec", "container",
              sann.get("io.kubernetes.cri.container-type"))
    hooks = [h.get("path") for h in spec.get("hooks", {}).get("createRuntime", [])]
    rep.check("createRuntime hooks of the container (from base_runtime_spec)", [HOOK], hooks)

    rec_text = f[f"/host/run/memqos/containers/{cid}.json"]
    rec = json.loads(rec_text) if rec_text else {}
    rep.expect(rec.get("id") == cid and rec.get("container") == "app"
               and rec.get("pod", {}).get("uid") == uid and rec.get("pod", {}).get("name") == "cache"
               and rec.get("pod", {}).get("namespace") == "default",
               "the record names the container (app) and the pod (uid, cache, default)", rec_text or "no record")
    rep.check("record qos", "burstable", rec.get("qos"))
    rep.check("record priority", "low", rec.get("priority"))
    rep.expect("example.com/team" not in rec.get("annotations", {}),
               "the record holds only memqos annotations", json.dumps(rec.get("annotations")))

    # The sandbox: pod_annotations reach its spec, but containerd builds it
    # without the base spec, so no hook runs for it.
    sb_text = f[f"{TASKS}/{sid}/config.json"] or "{}"
    sb = json.loads(sb_text)
    sbann = sb.get("annotations", {})
    rep.check("container-type in the sandbox's spec", "sandbox", sbann.get("io.kubernetes.cri.container-type"))
    rep.check("memqos.io/memory-high in the sandbox's spec (pod_annotations reach it)", "90%",
              sbann.get("memqos.io/memory-high"))
    rep.expect("createRuntime" not in json.dumps(sb.get("hooks", {})),
               "the sandbox's spec has no createRuntime hook", json.dumps(sb.get("hooks")))
    rep.check("sandbox memory.high (skipped despite memqos.io/memory-high)", "max",
              f[f"{CG}{parent}/{sid}/memory.high"])
    rep.expect(f[f"/host/run/memqos/containers/{sid}.json"] is None, "no record for the sandbox")

    # The agent learns the pod from the record.
    def explain():
        rc, out = node.sh(f"chroot /host /usr/bin/memqos-agent explain {uid} --json")
        if rc != 0:
            return None
        try:
            pod = json.loads(out).get("pod", {})
        except ValueError:
            return None
        return out if (pod.get("uid"), pod.get("qos"), pod.get("priority")) == (uid, "burstable", "low") else None
    try:
        out = wait("memqos-agent explain", explain, min(deadline, time.monotonic() + 30))
        rep.ok("memqos-agent explain shows the pod, QoS burstable, priority low")
        rep.note(f"{SCEN}: explain: {' '.join(out.split())[:400]}")
    except TimeoutError:
        rep.notok(f"memqos-agent explain {uid}: {node.sh(f'chroot /host /usr/bin/memqos-agent explain {uid} --json')[1][:400]}")

    rep.note(f"{SCEN}: pod A checked {time.monotonic() - t1:.1f}s")
    # --- pod B: an invalid annotation --------------------------------------
    uid_b = str(uuid.uuid4())
    parent_b = pod_cgroup("burstable", uid_b)
    cfg_b = node.sandbox_config("typo", uid_b, "default", parent_b, {"memqos.io/memory-high": "900Mb"})
    sid_b = node.run_pod(cfg_b)
    pods.append(sid_b)
    cid_b, err = None, None
    try:
        cid_b = node.create(sid_b, cfg_b, "app", ["/bin/sleep", "100000"], limit=limit)
        node.start(cid_b)
    except grpc.RpcError as e:
        err = e.details()
    rep.expect(err is not None, "an invalid annotation fails CreateContainer/StartContainer",
               "the container started")
    if err is not None:
        rep.note(f"{SCEN}: CRI error: {err[:600]}")
        want = f"memqos-hook: {cid_b}: annotation memqos.io/memory-high: invalid quantity"
        rep.expect(cid_b is not None and want in err.replace('\\"', '"'),
                   f"the CRI error carries the hook's line '{want} …'", err[:300])
    if cid_b:
        rep.expect(not node.exists(f"/host/run/memqos/containers/{cid_b}.json"), "no record for the refused container")

    # --- uninstall, then pod C runs without the hook -------------------------
    node.sh("echo uninstall >/host/run/memqos-cri/request")

    def uninstalled():
        try:
            return node.read("/host/run/memqos-cri/phase") == "uninstalled"
        except grpc.RpcError:
            return False  # containerd restarting
    t2 = time.monotonic()
    wait("the guest's 'uninstalled'", uninstalled, deadline, 2)
    rep.note(f"{SCEN}: uninstall + containerd restart seen after {time.monotonic() - t2:.1f}s")
    rep.expect(not node.exists(f"/host{HOOK}"), "after --uninstall the hook binary is gone")
    t3 = time.monotonic()
    uid_c = str(uuid.uuid4())
    parent_c = pod_cgroup("burstable", uid_c)
    cfg_c = node.sandbox_config("after", uid_c, "default", parent_c, {"memqos.io/memory-high": "64Mi"})
    sid_c = node.run_pod(cfg_c)
    pods.append(sid_c)
    cid_c = node.create(sid_c, cfg_c, "app", ["/bin/sleep", "100000"], limit=limit)
    try:
        node.start(cid_c)
        rep.ok("after --uninstall a container with memqos annotations starts")
    except grpc.RpcError as e:
        rep.notok(f"after --uninstall the container did not start: {e.details()[:300]}")
    cg_c = f"{CG}{parent_c}/{cid_c}"
    f = node.files(f"{cg_c}/memory.high", f"{cg_c}/memory.max", f"{TASKS}/{cid_c}/config.json",
                   f"/host/run/memqos/containers/{cid_c}.json")
    rep.check("after --uninstall memory.high (no hook)", "max", f[f"{cg_c}/memory.high"])
    rep.check("after --uninstall memory.max", str(limit), f[f"{cg_c}/memory.max"])
    spec_c = json.loads(f[f"{TASKS}/{cid_c}/config.json"] or "{}")
    rep.expect(spec_c.get("annotations", {}).get("io.kubernetes.cri.container-type") == "container"
               and "memqos.io/memory-high" not in spec_c.get("annotations", {}),
               "after --uninstall memqos.io/memory-high no longer reaches the container's spec (pod_annotations reset)",
               json.dumps(spec_c.get("annotations")))
    rep.expect("createRuntime" not in json.dumps(spec_c.get("hooks", {})),
               "after --uninstall the container's spec has no createRuntime hook", json.dumps(spec_c.get("hooks")))
    rep.expect(f[f"/host/run/memqos/containers/{cid_c}.json"] is None, "after --uninstall no record is written")
    rep.note(f"{SCEN}: pod C checked {time.monotonic() - t3:.1f}s; CRI part {time.monotonic() - t0:.1f}s")


if __name__ == "__main__":
    sys.exit(main())

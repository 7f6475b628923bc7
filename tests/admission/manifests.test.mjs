// The kustomizations under deploy/kubernetes rendered by a real kustomize
// (`kubectl kustomize` of Debian 12's kubectl, from kubectl.sh; MEMQOS_KUBECTL
// names it) and every rendered object checked against the Kubernetes
// schemas (schema.mjs); what an operator installs from them; and the hook
// installer script of the DaemonSet's init container, run against
// temporary directories standing in for the host's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { deployDir, loadDocuments } from "./policy.mjs";
import { validateManifest } from "./schema.mjs";

const kubectl = process.env.MEMQOS_KUBECTL;
const IMAGE = "registry.example.com/memqos/memqos";

function render(dir) {
  assert.ok(kubectl, "MEMQOS_KUBECTL is not set: run through `make check-admission` (tests/admission/kubectl.sh)");
  const out = execFileSync(kubectl, ["kustomize", join(deployDir, dir)], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return parseAllDocuments(out).map((d) => d.toJS()).filter((d) => d !== null);
}

const find = (docs, kind, name) => docs.find((d) => d.kind === kind && (!name || d.metadata?.name === name));
const agentOf = (ds) => ds.spec.template.spec.containers.find((c) => c.name === "agent");

for (const dir of ["base", "overlays/metrics", "overlays/uninstall"]) {
  test(`kustomize renders deploy/kubernetes/${dir} into objects that match the Kubernetes schemas`, () => {
    const docs = render(dir);
    assert.ok(docs.length >= 5, `only ${docs.length} objects`);
    for (const d of docs) assert.deepEqual(validateManifest(d), [], `${d.kind}/${d.metadata?.name}`);
  });
}

test("the image is named once, in the base kustomization, and set on every container from there", () => {
  const k = loadDocuments(join(deployDir, "base", "kustomization.yaml"))[0];
  assert.equal(k.images.length, 1);
  assert.equal(k.images[0].name, IMAGE);
  // Change it there and both containers follow.
  const tmp = mkdtempSync(join(tmpdir(), "memqos-kust-"));
  try {
    for (const f of ["daemonset.yaml", "kustomization.yaml"])
      writeFileSync(join(tmp, f), readFileSync(join(deployDir, "base", f), "utf8"));
    const kust = readFileSync(join(tmp, "kustomization.yaml"), "utf8")
      .replace(`newName: ${IMAGE}`, "newName: registry.internal/ops/memqos")
      .replace('newTag: "0.1.0"', 'newTag: "9.9.9"');
    writeFileSync(join(tmp, "kustomization.yaml"), kust);
    const out = execFileSync(kubectl, ["kustomize", tmp], { encoding: "utf8" });
    const ds = parseAllDocuments(out).map((d) => d.toJS()).find((d) => d?.kind === "DaemonSet");
    const spec = ds.spec.template.spec;
    const images = [...spec.initContainers, ...spec.containers].map((c) => c.image);
    assert.deepEqual(images, ["registry.internal/ops/memqos:9.9.9", "registry.internal/ops/memqos:9.9.9"]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  // Fully qualified: a short name would be looked up on docker.io.
  const ds = find(render("base"), "DaemonSet");
  for (const c of [...ds.spec.template.spec.initContainers, ...ds.spec.template.spec.containers])
    assert.match(c.image, /^[a-z0-9.-]+\.[a-z]+\/[^:]+:[0-9.]+$/, c.image);
});

test("the base: PSA privileged namespace, Linux nodes, own ServiceAccount without a token, probes, minReadySeconds", () => {
  const docs = render("base");
  const ns = find(docs, "Namespace", "memqos-system");
  for (const mode of ["enforce", "audit", "warn"])
    assert.equal(ns.metadata.labels[`pod-security.kubernetes.io/${mode}`], "privileged");
  const sa = find(docs, "ServiceAccount", "memqos-agent");
  assert.equal(sa.automountServiceAccountToken, false);
  const ds = find(docs, "DaemonSet", "memqos");
  const pod = ds.spec.template.spec;
  assert.equal(pod.serviceAccountName, "memqos-agent");
  assert.equal(pod.automountServiceAccountToken, false);
  assert.deepEqual(pod.nodeSelector, { "kubernetes.io/os": "linux" });
  assert.ok(ds.spec.minReadySeconds >= 5, `minReadySeconds ${ds.spec.minReadySeconds}`);
  const agent = agentOf(ds);
  for (const p of ["readinessProbe", "livenessProbe"])
    assert.deepEqual(agent[p].exec.command, ["/usr/local/bin/memqos-agent", "status"], p);
  assert.equal(agent.ports, undefined, "no metrics port in the base");
  assert.ok(!agent.args.includes("--metrics-listen"));
  assert.deepEqual(agent.args, ["run", "--config", "/etc/memqos/agent.json"]);
});

test("the agent's --config file comes from a required ConfigMap the base ships; the policy's is optional", () => {
  const docs = render("base");
  const ds = find(docs, "DaemonSet");
  const sources = ds.spec.template.spec.volumes.find((v) => v.name === "config").projected.sources;
  const agentCm = sources.find((s) => s.configMap.name === "memqos-agent").configMap;
  assert.notEqual(agentCm.optional, true, "memqos-agent must not be optional: a missing --config file stops the agent");
  assert.deepEqual(agentCm.items, [{ key: "agent.json", path: "agent.json" }]);
  assert.ok(find(docs, "ConfigMap", "memqos-agent").data["agent.json"]);
  assert.equal(sources.find((s) => s.configMap.name === "memqos-policy").configMap.optional, true);
});

test("the init container is not privileged and writes only its hostPath directories; the hook goes to /opt/memqos/bin", () => {
  const ds = find(render("base"), "DaemonSet");
  const pod = ds.spec.template.spec;
  const init = pod.initContainers.find((c) => c.name === "install-hook");
  const sc = init.securityContext;
  assert.equal(sc.privileged, false);
  assert.equal(sc.allowPrivilegeEscalation, false);
  assert.equal(sc.readOnlyRootFilesystem, true);
  assert.deepEqual(sc.capabilities, { drop: ["ALL"] });
  const vol = (n) => pod.volumes.find((v) => v.name === n);
  const writable = init.volumeMounts.filter((m) => !m.readOnly).map((m) => vol(m.name).hostPath?.path);
  assert.deepEqual(writable.sort(), ["/etc/memqos", "/opt/memqos/bin", "/usr/share/containers/oci/hooks.d"]);
  const env = Object.fromEntries(init.env.map((e) => [e.name, e.value]));
  assert.equal(env.MEMQOS_HOOK_DIR, vol("host-bin").hostPath.path, "MEMQOS_HOOK_DIR names the host-bin volume's path");
});

test("the metrics overlay turns on --metrics-listen 0.0.0.0:9713 with a port named metrics, and a Service for it", () => {
  const docs = render("overlays/metrics");
  const ds = find(docs, "DaemonSet");
  const agent = agentOf(ds);
  assert.deepEqual(agent.args, ["run", "--config", "/etc/memqos/agent.json", "--metrics-listen", "0.0.0.0:9713"]);
  assert.deepEqual(agent.ports, [{ name: "metrics", containerPort: 9713, protocol: "TCP" }]);
  // Everything else as in the base.
  const base = find(render("base"), "DaemonSet");
  const strip = (d) => {
    const c = structuredClone(d);
    const a = agentOf(c);
    delete a.args;
    delete a.ports;
    return c;
  };
  assert.deepEqual(strip(ds), strip(base));
  const svc = find(docs, "Service", "memqos-metrics");
  assert.deepEqual(svc.spec.selector, ds.spec.selector.matchLabels);
  assert.deepEqual(svc.spec.ports, [{ name: "metrics", port: 9713, targetPort: "metrics", protocol: "TCP" }]);
});

// The init container's script with the host's directories and the image's
// files replaced by temporary ones; the real hook checks the policy.
const hookBin = join(deployDir, "..", "..", "build", "memqos-hook");

function runInit(root, env = {}, ds = loadDocuments(join(deployDir, "base", "daemonset.yaml")).find((d) => d.kind === "DaemonSet")) {
  const init = ds.spec.template.spec.initContainers[0];
  let script = init.args[0];
  const map = {
    "/usr/local/share/memqos/": join(deployDir, "..") + "/",
    "/usr/local/bin/memqos-hook": hookBin,
    "/host-bin/": `${root}/host-bin/`,
    "/host-hooks/": `${root}/host-hooks/`,
    "/host-memqos/": `${root}/host-memqos/`,
    "/host-etc/": `${root}/host-etc/`,
    "/host-state/": `${root}/host-state/`,
    "/etc/memqos/": `${root}/config/`,
  };
  for (const [k, v] of Object.entries(map)) script = script.split(k).join(v);
  const initEnv = Object.fromEntries(init.env.map((e) => [e.name, e.value]));
  return spawnSync("/bin/sh", [...init.command.slice(1), script], {
    encoding: "utf8",
    env: { PATH: process.env.PATH, ...initEnv, ...env },
  });
}

test("the init container's script installs the hook, the hooks entry and the policy by rename, and refuses a bad policy", {
  skip: existsSync(hookBin) ? false : "build/memqos-hook not built",
}, () => {
  const root = mkdtempSync(join(tmpdir(), "memqos-init-"));
  try {
    for (const d of ["host-bin", "host-hooks", "host-memqos", "config"]) mkdirSync(join(root, d));
    const policy = find(loadDocuments(join(deployDir, "base", "daemonset.yaml")), "ConfigMap", "memqos-policy").data["policy.json"];
    writeFileSync(join(root, "config", "policy.json"), policy);
    let r = runInit(root);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readFileSync(join(root, "host-bin", "memqos-hook")), readFileSync(hookBin));
    assert.equal(statSync(join(root, "host-bin", "memqos-hook")).mode & 0o777, 0o755);
    const entry = JSON.parse(readFileSync(join(root, "host-hooks", "memqos.json"), "utf8"));
    assert.equal(entry.hook.path, "/opt/memqos/bin/memqos-hook");
    assert.deepEqual(entry.stages, ["createRuntime"]);
    assert.equal(readFileSync(join(root, "host-memqos", "policy.json"), "utf8"), policy);
    for (const d of ["host-bin", "host-hooks", "host-memqos"])
      assert.deepEqual(readdirSync(join(root, d)).filter((f) => f.startsWith(".")), [], `no temp file left in ${d}`);

    // Another hook directory: the entry names it.
    r = runInit(root, { MEMQOS_HOOK_DIR: "/var/lib/memqos/bin" });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(readFileSync(join(root, "host-hooks", "memqos.json"), "utf8")).hook.path, "/var/lib/memqos/bin/memqos-hook");

    // A bad policy fails the container and leaves the host's file as it was.
    writeFileSync(join(root, "config", "policy.json"), '{"on_violation": "sometimes"}');
    r = runInit(root);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /on_violation/);
    assert.equal(readFileSync(join(root, "host-memqos", "policy.json"), "utf8"), policy);

    // No policy in the ConfigMap: the host's file goes (the built-in policy applies).
    rmSync(join(root, "config", "policy.json"));
    r = runInit(root);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(existsSync(join(root, "host-memqos", "policy.json")), false);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("the uninstall overlay: the same DaemonSet (image from the base), its init container removing what install-hook put on the host", () => {
  const docs = render("overlays/uninstall");
  const ds = find(docs, "DaemonSet", "memqos");
  const base = find(render("base"), "DaemonSet", "memqos");
  const images = (d) => [...d.spec.template.spec.initContainers, ...d.spec.template.spec.containers].map((c) => c.image);
  assert.deepEqual(images(ds), images(base));
  const agent = agentOf(ds);
  assert.deepEqual([agent.command, agent.args, agent.securityContext.privileged], [["/bin/sleep"], ["infinity"], false]);
  const init = ds.spec.template.spec.initContainers[0];
  assert.equal(init.securityContext.privileged, false);
  const vol = (n) => ds.spec.template.spec.volumes.find((v) => v.name === n);
  const etc = init.volumeMounts.find((m) => m.mountPath === "/host-etc");
  assert.equal(etc.readOnly, true);
  assert.equal(vol(etc.name).hostPath.path, "/etc");
});

test("the uninstall overlay's script removes the hooks entry, the hook, the policy and the records, and refuses while containerd names the hook", {
  skip: existsSync(hookBin) ? false : "build/memqos-hook not built",
}, () => {
  const root = mkdtempSync(join(tmpdir(), "memqos-uninst-"));
  try {
    for (const d of ["host-bin", "host-hooks", "host-memqos", "config", "host-etc/containerd", "host-state"]) mkdirSync(join(root, d), { recursive: true });
    writeFileSync(join(root, "config", "policy.json"), "{}");
    let r = runInit(root);
    assert.equal(r.status, 0, r.stderr);
    mkdirSync(join(root, "host-state", "containers"));
    writeFileSync(join(root, "host-state", "containers", "x.json"), "{}");
    writeFileSync(join(root, "host-etc", "containerd", "memqos-base-spec.json"), "{}");
    const ds = render("overlays/uninstall").find((d) => d.kind === "DaemonSet");
    const installed = ["host-hooks/memqos.json", "host-bin/memqos-hook", "host-memqos/policy.json", "host-state/containers"];
    for (const f of installed) assert.ok(existsSync(join(root, f)), f);

    // containerd still registered: nothing is removed, the reason is printed.
    r = runInit(root, {}, ds);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /install\.sh --uninstall --containerd/);
    for (const f of installed) assert.ok(existsSync(join(root, f)), `${f} kept while containerd names the hook`);

    rmSync(join(root, "host-etc", "containerd", "memqos-base-spec.json"));
    r = runInit(root, {}, ds);
    assert.equal(r.status, 0, r.stderr);
    for (const f of installed) assert.equal(existsSync(join(root, f)), false, `${f} removed`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

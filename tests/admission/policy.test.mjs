// The admission policy's CEL, evaluated offline (policy.mjs) over a table
// of pods and namespaces: allowed or denied, and the exact message.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { admit, compilePolicy, deployDir, loadPolicy } from "./policy.mjs";

const { policy, binding } = loadPolicy();
const compiled = compilePolicy(policy);

// --- building blocks -------------------------------------------------------
const ns = (name, labels) => ({
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name, ...(labels ? { labels } : {}) },
});
const limited = (name, memory = "1Gi") => ({
  name,
  image: "app:1",
  resources: { requests: { memory }, limits: { memory, cpu: "1" } },
});
const unlimited = (name) => ({ name, image: "app:1" });
const pod = (annotations, containers = [unlimited("app")], initContainers) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", ...(annotations === undefined ? {} : { annotations }) },
  spec: { containers, ...(initContainers ? { initContainers } : {}) },
});

// The expected messages, one builder per rule.
const KNOBS = "memory-high, memory-low, memory-min, swap-max, oom-group, priority";
const msg = {
  unknown: (k) =>
    `memqos: unknown annotation "${k}": expected memqos.io/<knob> or <knob>.memqos.io/<container-name> (a DNS-1123 label) with a knob of ${KNOBS}`,
  notTier: (k, v) =>
    `memqos: annotation ${k}="${v}": expected a priority tier, lowest first: batch, low, normal, high, critical`,
  tooHigh: (k, v, n, max) =>
    `memqos: annotation ${k}="${v}": namespace ${n} allows priority up to "${max}"; a cluster administrator raises that with the namespace label memqos.io/max-priority=${v}`,
  swap: (k, n) =>
    `memqos: annotation ${k}: swap-max is not allowed in namespace ${n}; a cluster administrator allows it with the namespace label memqos.io/allow-swap-max=true`,
  max: (k) =>
    `memqos: annotation ${k}="max": memory-min and memory-low are never max; ask for a quantity up to the memory limit of the container`,
  noLimit: (k, c) =>
    `memqos: annotation ${k}: container "${c}" has no resources.limits.memory, so it cannot claim protection (memory-min and memory-low are bounded by the memory limit); set a memory limit, or a cluster administrator allows it with the namespace label memqos.io/allow-protection-without-limit=true`,
};

const team = ns("team-a");
// Each case: a request, whether the policy applies at all (matched), and
// the messages of the denials in validation order ([] = allowed).
const cases = [
  // no memqos annotations at all
  { name: "a pod without an annotations field", object: pod(undefined), namespace: team, matched: false, deny: [] },
  { name: "a pod with empty annotations", object: pod({}), namespace: team, matched: false, deny: [] },
  {
    name: "only other annotations, including look-alike prefixes",
    object: pod({
      "example.com/priority": "critical",
      "notmemqos.io/priority": "critical",
      "memqos.io.example.com/swap-max": "max",
      "memqos.io": "x",
    }),
    namespace: team,
    matched: false,
    deny: [],
  },
  {
    name: "no memqos annotations in a namespace with every label",
    object: pod({ "app.kubernetes.io/name": "x" }),
    namespace: ns("team-b", { "memqos.io/max-priority": "critical", "memqos.io/allow-swap-max": "true" }),
    matched: false,
    deny: [],
  },

  // knobs every namespace may use
  {
    name: "memory-high and oom-group anywhere",
    object: pod({ "memqos.io/memory-high": "90%", "oom-group.memqos.io/app": "true" }),
    namespace: team,
    deny: [],
  },

  // priority tiers
  ...["batch", "low", "normal"].map((t) => ({
    name: `priority ${t} without a label`,
    object: pod({ "memqos.io/priority": t }),
    namespace: team,
    deny: [],
  })),
  ...["high", "critical"].map((t) => ({
    name: `priority ${t} without a label`,
    object: pod({ "memqos.io/priority": t }),
    namespace: team,
    deny: [msg.tooHigh("memqos.io/priority", t, "team-a", "normal")],
  })),
  {
    name: "priority high with max-priority=high",
    object: pod({ "memqos.io/priority": "high" }),
    namespace: ns("team-a", { "memqos.io/max-priority": "high" }),
    deny: [],
  },
  {
    name: "priority critical with max-priority=high",
    object: pod({ "memqos.io/priority": "critical" }),
    namespace: ns("team-a", { "memqos.io/max-priority": "high" }),
    deny: [msg.tooHigh("memqos.io/priority", "critical", "team-a", "high")],
  },
  {
    name: "priority critical with max-priority=critical",
    object: pod({ "memqos.io/priority": "critical" }),
    namespace: ns("team-a", { "memqos.io/max-priority": "critical" }),
    deny: [],
  },
  {
    name: "max-priority=low lowers the default",
    object: pod({ "memqos.io/priority": "normal" }),
    namespace: ns("team-a", { "memqos.io/max-priority": "low" }),
    deny: [msg.tooHigh("memqos.io/priority", "normal", "team-a", "low")],
  },
  {
    name: "a max-priority that is not a tier counts as no label",
    object: pod({ "memqos.io/priority": "high" }),
    namespace: ns("team-a", { "memqos.io/max-priority": "High" }),
    deny: [msg.tooHigh("memqos.io/priority", "high", "team-a", "normal")],
  },
  {
    name: "kube-system may ask for critical without a label",
    object: pod({ "memqos.io/priority": "critical" }),
    namespace: ns("kube-system"),
    deny: [],
  },
  {
    name: "a kube-system label takes precedence over its default",
    object: pod({ "memqos.io/priority": "high" }),
    namespace: ns("kube-system", { "memqos.io/max-priority": "normal" }),
    deny: [msg.tooHigh("memqos.io/priority", "high", "kube-system", "normal")],
  },
  {
    name: "a namespace named like kube-system is not kube-system",
    object: pod({ "memqos.io/priority": "critical" }),
    namespace: ns("kube-system-2"),
    deny: [msg.tooHigh("memqos.io/priority", "critical", "kube-system-2", "normal")],
  },
  {
    name: "per-container priority above the namespace's",
    object: pod({ "memqos.io/priority": "low", "priority.memqos.io/app": "high" }, [limited("app"), limited("side")]),
    namespace: team,
    deny: [msg.tooHigh("priority.memqos.io/app", "high", "team-a", "normal")],
  },
  {
    name: "a priority that is not a tier",
    object: pod({ "memqos.io/priority": "Critical" }),
    namespace: ns("kube-system"),
    deny: [msg.notTier("memqos.io/priority", "Critical")],
  },

  // swap-max
  {
    name: "swap-max without the label",
    object: pod({ "memqos.io/swap-max": "1Gi" }),
    namespace: team,
    deny: [msg.swap("memqos.io/swap-max", "team-a")],
  },
  {
    name: "per-container swap-max without the label",
    object: pod({ "swap-max.memqos.io/app": "0" }),
    namespace: team,
    deny: [msg.swap("swap-max.memqos.io/app", "team-a")],
  },
  {
    name: "swap-max with allow-swap-max=true",
    object: pod({ "memqos.io/swap-max": "max", "swap-max.memqos.io/app": "1Gi" }),
    namespace: ns("team-a", { "memqos.io/allow-swap-max": "true" }),
    deny: [],
  },
  {
    name: "allow-swap-max other than true allows nothing",
    object: pod({ "memqos.io/swap-max": "1Gi" }),
    namespace: ns("team-a", { "memqos.io/allow-swap-max": "yes" }),
    deny: [msg.swap("memqos.io/swap-max", "team-a")],
  },
  {
    name: "kube-system gets no swap-max by default",
    object: pod({ "memqos.io/swap-max": "1Gi" }),
    namespace: ns("kube-system"),
    deny: [msg.swap("memqos.io/swap-max", "kube-system")],
  },

  // protection and memory limits
  {
    name: "pod-wide memory-min, every container limited",
    object: pod({ "memqos.io/memory-min": "512Mi" }, [limited("app"), limited("side")], [limited("init")]),
    namespace: team,
    deny: [],
  },
  {
    name: "pod-wide memory-min, one container without a limit",
    object: pod({ "memqos.io/memory-min": "512Mi" }, [limited("app"), unlimited("side")]),
    namespace: team,
    deny: [msg.noLimit("memqos.io/memory-min", "side")],
  },
  {
    name: "pod-wide memory-low, an init container without a limit",
    object: pod({ "memqos.io/memory-low": "50%" }, [limited("app")], [unlimited("setup")]),
    namespace: team,
    deny: [msg.noLimit("memqos.io/memory-low", "setup")],
  },
  {
    name: "per-container memory-min on the limited container only",
    object: pod({ "memory-min.memqos.io/app": "256Mi" }, [limited("app"), unlimited("side")]),
    namespace: team,
    deny: [],
  },
  {
    name: "per-container memory-low on a container without a limit",
    object: pod({ "memory-low.memqos.io/side": "256Mi" }, [limited("app"), unlimited("side")]),
    namespace: team,
    deny: [msg.noLimit("memory-low.memqos.io/side", "side")],
  },
  {
    name: "the per-container key is named before the pod-wide one",
    object: pod({ "memqos.io/memory-low": "1Mi", "memory-min.memqos.io/side": "1Mi" }, [limited("app"), unlimited("side")]),
    namespace: team,
    deny: [msg.noLimit("memory-min.memqos.io/side", "side")],
  },
  {
    name: "a per-container key for a container the pod does not have",
    object: pod({ "memory-min.memqos.io/other": "256Mi" }, [unlimited("app")]),
    namespace: team,
    deny: [],
  },
  {
    name: "a memory request is not a limit",
    object: pod({ "memqos.io/memory-min": "64Mi" }, [
      { name: "app", image: "app:1", resources: { requests: { memory: "1Gi" } } },
    ]),
    namespace: team,
    deny: [msg.noLimit("memqos.io/memory-min", "app")],
  },
  {
    name: "a CPU limit is not a memory limit",
    object: pod({ "memqos.io/memory-min": "64Mi" }, [
      { name: "app", image: "app:1", resources: { limits: { cpu: "1" } } },
    ]),
    namespace: team,
    deny: [msg.noLimit("memqos.io/memory-min", "app")],
  },
  {
    name: "allow-protection-without-limit=true lets a BestEffort pod ask",
    object: pod({ "memqos.io/memory-min": "64Mi", "memory-low.memqos.io/app": "128Mi" }),
    namespace: ns("team-a", { "memqos.io/allow-protection-without-limit": "true" }),
    deny: [],
  },
  {
    name: "memory-min max, even with a limit",
    object: pod({ "memqos.io/memory-min": "max" }, [limited("app")]),
    namespace: team,
    deny: [msg.max("memqos.io/memory-min")],
  },
  {
    name: "per-container memory-low max, even where protection without limit is allowed",
    object: pod({ "memory-low.memqos.io/app": "max" }),
    namespace: ns("team-a", { "memqos.io/allow-protection-without-limit": "true" }),
    deny: [msg.max("memory-low.memqos.io/app")],
  },
  {
    name: "memory-high max is no protection",
    object: pod({ "memqos.io/memory-high": "max" }),
    namespace: team,
    deny: [],
  },
  {
    name: "the BestEffort pod of issue 12: memory-min max and priority critical",
    object: pod({ "memqos.io/memory-min": "max", "memqos.io/priority": "critical" }),
    namespace: ns("default"),
    deny: [
      msg.tooHigh("memqos.io/priority", "critical", "default", "normal"),
      msg.max("memqos.io/memory-min"),
      msg.noLimit("memqos.io/memory-min", "app"),
    ],
  },

  // the typo guard
  ...[
    "memqos.io/memory-hihg",
    "memqos.io/",
    "memqos.io/Priority",
    "memory-hihg.memqos.io/app",
    "foo.bar.memqos.io/app",
    "memory-high.memqos.io/App_1",
    "memory-high.memqos.io/-app",
    "memory-high.memqos.io/" + "a".repeat(64),
  ].map((k) => ({
    name: `unknown key ${k.length > 40 ? k.slice(0, 40) + "..." : k}`,
    object: pod({ [k]: "1Gi" }),
    namespace: ns("kube-system", { "memqos.io/allow-swap-max": "true" }),
    deny: [msg.unknown(k)],
  })),
  {
    name: "a 63-character container name is a valid key",
    object: pod({ ["memory-high.memqos.io/" + "a".repeat(63)]: "1Gi" }),
    namespace: team,
    deny: [],
  },

  // UPDATE: checked only when a memqos annotation is added or changed
  {
    name: "UPDATE that leaves memqos annotations alone",
    operation: "UPDATE",
    oldObject: pod({ "memqos.io/priority": "critical" }),
    object: pod({ "memqos.io/priority": "critical", "example.com/owner": "x" }),
    namespace: team,
    matched: false,
    deny: [],
  },
  {
    name: "UPDATE that removes one memqos annotation",
    operation: "UPDATE",
    oldObject: pod({ "memqos.io/priority": "critical", "memqos.io/swap-max": "1Gi" }),
    object: pod({ "memqos.io/priority": "critical" }),
    namespace: team,
    matched: false,
    deny: [],
  },
  {
    name: "UPDATE that adds a priority",
    operation: "UPDATE",
    oldObject: pod(undefined),
    object: pod({ "memqos.io/priority": "critical" }),
    namespace: team,
    deny: [msg.tooHigh("memqos.io/priority", "critical", "team-a", "normal")],
  },
  {
    name: "UPDATE that raises a priority",
    operation: "UPDATE",
    oldObject: pod({ "memqos.io/priority": "normal" }),
    object: pod({ "memqos.io/priority": "high" }),
    namespace: team,
    deny: [msg.tooHigh("memqos.io/priority", "high", "team-a", "normal")],
  },
  {
    name: "UPDATE that lowers a priority",
    operation: "UPDATE",
    oldObject: pod({ "memqos.io/priority": "normal" }),
    object: pod({ "memqos.io/priority": "low" }),
    namespace: team,
    deny: [],
  },
];

const failed = new Set();
const passed = new Set();
for (const c of cases) {
  test(`admission: ${c.name}`, () => {
    const r = admit(compiled, c);
    assert.deepEqual(r.errors, [], "no expression may fail to evaluate");
    assert.equal(r.matched, c.matched ?? true, "matchConditions");
    assert.deepEqual(
      r.denials.map((d) => d.message),
      c.deny,
    );
    assert.equal(r.allowed, c.deny.length === 0);
    for (const d of r.denials) {
      assert.ok(!/[\r\n]/.test(d.message), "a message is one line");
      assert.ok(d.message.startsWith(`memqos: `) && d.message.length < 1024);
      failed.add(d.index);
    }
    if (r.matched)
      for (const v of compiled.validations) if (!r.denials.some((d) => d.index === v.index)) passed.add(v.index);
  });
}

test("every validation is both met and failed by some case", () => {
  const all = compiled.validations.map((v) => v.index);
  assert.deepEqual([...failed].sort(), all);
  assert.deepEqual([...passed].sort(), all);
});

test("an expression that fails to evaluate is an error, not a pass", () => {
  // A copy with one validation broken: the harness reports it.
  const broken = structuredClone(policy);
  broken.spec.validations[0].expression = "variables.annotations['missing'] == 'x'";
  const r = admit(compilePolicy(broken), { object: pod({ "memqos.io/priority": "low" }), namespace: team });
  assert.equal(r.errors.length, 1, JSON.stringify(r.errors));
  assert.equal(r.allowed, compiled.failurePolicy === "Ignore");
});

// --- the manifest itself ---------------------------------------------------
test("the policy matches pods on CREATE and UPDATE", () => {
  const rules = policy.spec.matchConstraints.resourceRules;
  assert.deepEqual(rules, [
    { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["pods"] },
  ]);
});

test("failurePolicy is Ignore: the node policy refuses what cannot be evaluated here", () => {
  assert.equal(policy.spec.failurePolicy, "Ignore");
});

test("the binding denies, for this policy, in every namespace", () => {
  assert.equal(binding.spec.policyName, policy.metadata.name);
  assert.deepEqual(binding.spec.validationActions, ["Deny"]);
  assert.equal(binding.spec.matchResources, undefined);
  assert.equal(binding.spec.paramRef, undefined);
});

test("every validation has a one-line message, a messageExpression and a reason", () => {
  for (const v of policy.spec.validations) {
    assert.equal(typeof v.message, "string");
    assert.ok(v.message.startsWith("memqos: ") && !/[\r\n]/.test(v.message), v.message);
    assert.equal(typeof v.messageExpression, "string");
    assert.ok(["Invalid", "Forbidden"].includes(v.reason), v.reason);
  }
});

test("the namespace labels the expressions read are the ones documented", () => {
  const src = JSON.stringify(policy.spec);
  const used = new Set([...src.matchAll(/variables\.labels\[\\?'(memqos\.io\/[a-z-]+)\\?'\]/g)].map((m) => m[1]));
  assert.deepEqual([...used].sort(), [
    "memqos.io/allow-protection-without-limit",
    "memqos.io/allow-swap-max",
    "memqos.io/max-priority",
  ]);
  const readme = readFileSync(join(deployDir, "README.md"), "utf8");
  const header = readFileSync(join(deployDir, "admission-policy.yaml"), "utf8").split("\napiVersion:")[0];
  for (const l of used) {
    assert.ok(readme.includes("`" + l), `deploy/kubernetes/README.md documents ${l}`);
    assert.ok(header.includes(l), `the comment atop admission-policy.yaml documents ${l}`);
  }
});

test("the shipped DaemonSet's own pod is admitted in its own namespace", async () => {
  const { loadDocuments } = await import("./policy.mjs");
  const docs = loadDocuments(join(deployDir, "base", "daemonset.yaml"));
  const namespace = docs.find((d) => d.kind === "Namespace");
  const ds = docs.find((d) => d.kind === "DaemonSet");
  assert.ok(namespace && ds, "daemonset.yaml has a Namespace and a DaemonSet");
  const object = { apiVersion: "v1", kind: "Pod", metadata: ds.spec.template.metadata, spec: ds.spec.template.spec };
  assert.ok(Object.keys(object.metadata.annotations ?? {}).some((k) => k.startsWith("memqos.io/")));
  const r = admit(compiled, { object, namespace });
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.denials.map((d) => d.message), []);
  // Without the namespace's label the same pod is refused: the label is what admits it.
  const bare = { ...namespace, metadata: { ...namespace.metadata, labels: {} } };
  assert.ok(admit(compiled, { object, namespace: bare }).denials.length > 0);
});

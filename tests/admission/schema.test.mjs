// The manifests under deploy/kubernetes/ against the Kubernetes OpenAPI
// schemas (schema.mjs), and proof that the check catches a wrong field, a
// wrong type, a bad enum value and a missing required field.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { deployDir, loadDocuments, policyPath } from "./policy.mjs";
import { validateManifest } from "./schema.mjs";

// Every manifest under deploy/kubernetes, in its subdirectories too; not
// the kustomizations and their patches (partial objects by design: their
// rendered output is checked in manifests.test.mjs).
const manifests = readdirSync(deployDir, { recursive: true })
  .filter((f) => /\.ya?ml$/.test(f) && !/(^|\/)kustomization\.ya?ml$/.test(f) && !/\.patch\.ya?ml$/.test(f))
  .sort();

test("deploy/kubernetes holds the DaemonSet, the admission policy and the metrics Service", () => {
  assert.ok(manifests.includes("base/daemonset.yaml"), manifests.join(", "));
  assert.ok(manifests.includes("admission-policy.yaml"), manifests.join(", "));
  assert.ok(manifests.includes("overlays/metrics/metrics-service.yaml"), manifests.join(", "));
});

for (const file of manifests) {
  test(`deploy/kubernetes/${file} matches the Kubernetes schemas`, () => {
    const docs = loadDocuments(join(deployDir, file));
    assert.ok(docs.length > 0, "no documents");
    for (const doc of docs) assert.deepEqual(validateManifest(doc), []);
  });
}

const policyDocs = () => loadDocuments(policyPath);
const daemonSet = () => loadDocuments(join(deployDir, "base", "daemonset.yaml")).find((d) => d.kind === "DaemonSet");
const byKind = (docs, kind) => docs.find((d) => d.kind === kind);

// Each mutation of a copy of a shipped manifest must be caught, at its path.
const mutations = [
  {
    what: "a misspelt field in a validation",
    doc: () => byKind(policyDocs(), "ValidatingAdmissionPolicy"),
    mutate: (d) => {
      d.spec.validations[0].messageExpresion = d.spec.validations[0].messageExpression;
      delete d.spec.validations[0].messageExpression;
    },
    expect: /ValidatingAdmissionPolicy\/memqos-annotations\/spec\/validations\/0\/messageExpresion: unknown field/,
  },
  {
    what: "a validation without its required expression",
    doc: () => byKind(policyDocs(), "ValidatingAdmissionPolicy"),
    mutate: (d) => {
      delete d.spec.validations[0].expression;
    },
    expect: /\/spec\/validations\/0: must have required property expression/,
  },
  {
    what: "a binding field in the policy",
    doc: () => byKind(policyDocs(), "ValidatingAdmissionPolicy"),
    mutate: (d) => {
      d.spec.validationActions = ["Deny"];
    },
    expect: /\/spec\/validationActions: unknown field/,
  },
  {
    what: "failurePolicy not one of Fail, Ignore",
    doc: () => byKind(policyDocs(), "ValidatingAdmissionPolicy"),
    mutate: (d) => {
      d.spec.failurePolicy = "Sometimes";
    },
    expect: /\/spec\/failurePolicy: must be equal to one of the allowed values/,
  },
  {
    what: "validationActions a string, not a list",
    doc: () => byKind(policyDocs(), "ValidatingAdmissionPolicyBinding"),
    mutate: (d) => {
      d.spec.validationActions = "Deny";
    },
    expect: /ValidatingAdmissionPolicyBinding\/memqos-annotations\/spec\/validationActions: must be array/,
  },
  {
    what: "a memory limit that is an object",
    doc: daemonSet,
    mutate: (d) => {
      d.spec.template.spec.containers[0].resources.limits.memory = { value: "64Mi" };
    },
    expect: /DaemonSet\/memqos\/spec\/template\/spec\/containers\/0\/resources\/limits\/memory: /,
  },
  {
    what: "a container without its required name",
    doc: daemonSet,
    mutate: (d) => {
      delete d.spec.template.spec.containers[0].name;
    },
    expect: /\/spec\/template\/spec\/containers\/0: must have required property name/,
  },
  {
    what: "a misspelt volume field",
    doc: daemonSet,
    mutate: (d) => {
      d.spec.template.spec.volumes[0].hostpath = d.spec.template.spec.volumes[0].hostPath;
      delete d.spec.template.spec.volumes[0].hostPath;
    },
    expect: /\/spec\/template\/spec\/volumes\/0\/hostpath: unknown field/,
  },
  {
    what: "a kind the API does not have",
    doc: daemonSet,
    mutate: (d) => {
      d.kind = "DaemonSets";
    },
    expect: /no schema for apps\/v1 DaemonSets/,
  },
];

for (const m of mutations) {
  test(`schema check rejects ${m.what}`, () => {
    const doc = m.doc();
    assert.ok(doc, "the document to mutate is not in the manifest");
    assert.deepEqual(validateManifest(doc), [], "the unmutated document must pass");
    m.mutate(doc);
    const problems = validateManifest(doc);
    assert.ok(
      problems.some((p) => m.expect.test(p)),
      `expected a problem matching ${m.expect}, got: ${JSON.stringify(problems)}`,
    );
  });
}

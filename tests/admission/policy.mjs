// Evaluates deploy/kubernetes/admission-policy.yaml offline, as the API
// server does for a pod: matchConditions, then the variables in order, then
// every validation and, for a failed one, its messageExpression.
//
// Every expression is read from the manifest; none is copied here. The CEL
// evaluator is @bufbuild/cel with its standard library only: no Kubernetes
// CEL library (quantity(), the strings extension, authorizer, ...) is
// implemented here, so an expression that used one fails these tests.
//
// What differs from the API server, and why it does not matter here:
// - the API server evaluates variables lazily, this harness in order up
//   front; a variable that fails is reported as an error either way, and the
//   tests assert that no case has one;
// - objects are untyped maps here, typed by the OpenAPI schema there: the
//   expressions guard every optional field with has(), which behaves alike.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { parseAllDocuments } from "yaml";
import { celEnv, parse, plan, isCelError } from "@bufbuild/cel";

const here = dirname(fileURLToPath(import.meta.url));
export const deployDir = join(here, "..", "..", "deploy", "kubernetes");
export const policyPath = join(deployDir, "admission-policy.yaml");

export function loadDocuments(path) {
  const docs = parseAllDocuments(readFileSync(path, "utf8"));
  for (const d of docs) if (d.errors.length) throw new Error(`${path}: ${d.errors[0].message}`);
  return docs.map((d) => d.toJS()).filter((d) => d !== null);
}

export function loadPolicy(path = policyPath) {
  const docs = loadDocuments(path);
  const policy = docs.filter((d) => d.kind === "ValidatingAdmissionPolicy");
  const binding = docs.filter((d) => d.kind === "ValidatingAdmissionPolicyBinding");
  if (policy.length !== 1 || binding.length !== 1)
    throw new Error(`${path}: expected one ValidatingAdmissionPolicy and one binding`);
  return { policy: policy[0], binding: binding[0], docs };
}

// JSON as CEL input: objects as maps, whole numbers as int (as the API
// server's int64 fields are).
export function toCel(v) {
  if (Array.isArray(v)) return v.map(toCel);
  if (v !== null && typeof v === "object")
    return new Map(Object.entries(v).map(([k, x]) => [k, toCel(x)]));
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  return v;
}

function compile(env, what, src) {
  if (typeof src !== "string" || src.trim() === "") throw new Error(`${what}: no expression`);
  try {
    return plan(env, parse(src));
  } catch (e) {
    throw new Error(`${what}: does not parse: ${e.message}`);
  }
}

export function compilePolicy(policy) {
  const env = celEnv();
  const spec = policy.spec;
  return {
    failurePolicy: spec.failurePolicy ?? "Fail",
    matchConditions: (spec.matchConditions ?? []).map((m) => ({
      name: m.name,
      run: compile(env, `matchConditions ${m.name}`, m.expression),
    })),
    variables: (spec.variables ?? []).map((v) => ({
      name: v.name,
      run: compile(env, `variable ${v.name}`, v.expression),
    })),
    validations: spec.validations.map((v, i) => ({
      index: i,
      expression: v.expression,
      reason: v.reason,
      message: v.message,
      run: compile(env, `validations[${i}]`, v.expression),
      messageRun: v.messageExpression
        ? compile(env, `validations[${i}].messageExpression`, v.messageExpression)
        : null,
    })),
  };
}

// Admit one request. Returns { matched, allowed, denials: [{index, reason,
// message}], errors: [text] }. allowed follows failurePolicy on errors.
export function admit(compiled, { object, oldObject = null, namespace, operation = "CREATE" }) {
  const bind = {
    object: toCel(object),
    oldObject: toCel(oldObject),
    namespaceObject: toCel(namespace),
    request: toCel({
      operation,
      namespace: namespace.metadata.name,
      kind: { group: "", version: "v1", kind: "Pod" },
      resource: { group: "", version: "v1", resource: "pods" },
    }),
    params: null,
  };
  const errors = [];
  const result = (matched, denials) => ({
    matched,
    denials,
    errors,
    allowed:
      denials.length === 0 && (errors.length === 0 || compiled.failurePolicy === "Ignore"),
  });

  for (const m of compiled.matchConditions) {
    const r = m.run(bind);
    if (isCelError(r) || typeof r !== "boolean") {
      errors.push(`matchConditions ${m.name}: ${isCelError(r) ? r.message : "not a bool"}`);
      return result(true, []);
    }
    if (!r) return result(false, []);
  }

  const variables = new Map();
  bind.variables = variables;
  for (const v of compiled.variables) {
    const r = v.run(bind);
    if (isCelError(r)) errors.push(`variable ${v.name}: ${r.message}`);
    else variables.set(v.name, r);
  }
  if (errors.length) return result(true, []);

  const denials = [];
  for (const v of compiled.validations) {
    const r = v.run(bind);
    if (isCelError(r) || typeof r !== "boolean") {
      errors.push(`validations[${v.index}]: ${isCelError(r) ? r.message : "not a bool"}`);
      continue;
    }
    if (r) continue;
    let message = v.message;
    if (v.messageRun) {
      const m = v.messageRun(bind);
      if (isCelError(m) || typeof m !== "string")
        errors.push(`validations[${v.index}].messageExpression: ${isCelError(m) ? m.message : "not a string"}`);
      else message = m;
    }
    denials.push({ index: v.index, reason: v.reason, message });
  }
  return result(true, denials);
}

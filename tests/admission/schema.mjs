// Validates Kubernetes manifests against the Kubernetes OpenAPI schemas, as
// generated into the npm package kubernetes-models (one JSON-schema
// validator per API type: types, required fields, enums).
//
// Those validators accept fields the schema does not name (the OpenAPI
// schemas do not forbid them), while `kubectl apply` (strict field
// validation, the default) rejects them. So each field is also probed: a
// copy of the object gets a value no schema type accepts at that field; a
// field the schema knows then fails validation at exactly its path, an
// unknown one does not. No list of field names is kept here.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

// "apps/v1" -> kubernetes-models/apps/v1, "v1" -> kubernetes-models/v1
export function modelFor(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string")
    throw new Error("apiVersion and kind must be strings");
  let mod;
  try {
    mod = require(`kubernetes-models/${apiVersion}`);
  } catch {
    throw new Error(`no schema for apiVersion ${apiVersion}`);
  }
  const Model = mod[kind];
  if (typeof Model !== "function") throw new Error(`no schema for ${apiVersion} ${kind}`);
  return Model;
}

function schemaErrors(Model, data) {
  try {
    new Model(data).validate();
    return [];
  } catch (e) {
    if (!Array.isArray(e.errors)) throw e;
    return e.errors;
  }
}

const pointer = (parts) => parts.map((p) => "/" + String(p).replace(/~/g, "~0").replace(/\//g, "~1")).join("");

function clone(v) {
  if (Array.isArray(v)) return v.map(clone);
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)]));
  return v;
}

function setAt(obj, path, value) {
  let o = obj;
  for (const p of path.slice(0, -1)) o = o[p];
  o[path[path.length - 1]] = value;
}

// Fields of obj the schema does not know, as JSON pointers.
function unknownFields(Model, obj) {
  const unknown = [];
  const probe = Symbol("not a JSON value");
  const walk = (v, path) => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, [...path, i]));
      return;
    }
    if (v === null || typeof v !== "object") return;
    for (const k of Object.keys(v)) {
      const p = [...path, k];
      const copy = clone(obj);
      setAt(copy, p, probe);
      const at = pointer(p);
      const known = schemaErrors(Model, copy).some(
        (e) => e.instancePath === at || e.instancePath.startsWith(at + "/"),
      );
      if (!known) unknown.push(at);
      else walk(v[k], p);
    }
  };
  walk(obj, []);
  return unknown;
}

// Problems of one manifest document, as "<kind>/<name><path>: <message>".
export function validateManifest(doc) {
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) return ["not an object"];
  const name = `${doc.kind}/${doc.metadata?.name ?? "?"}`;
  let Model;
  try {
    Model = modelFor(doc.apiVersion, doc.kind);
  } catch (e) {
    return [`${name}: ${e.message}`];
  }
  const errors = schemaErrors(Model, doc).map((e) => `${name}${e.instancePath}: ${e.message}`);
  if (errors.length) return errors;
  return unknownFields(Model, doc).map((p) => `${name}${p}: unknown field`);
}

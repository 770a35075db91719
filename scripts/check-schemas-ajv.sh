#!/bin/sh
# Cross-check schemas/ with an independent validator, Ajv (draft 2020-12).
#
#   scripts/check-schemas-ajv.sh
#
# A developer tool, not part of `make test`.  It
#   1. lints every schema: only the keywords sanshe's validator implements
#      (core/schema.h), only local "#/$defs/..." references, and the
#      conventions every type schema follows (docs/schemas.md);
#   2. compiles every schema with Ajv 8 in 2020-12 mode, strict about
#      unknown keywords (the x- extensions are declared as annotations) and
#      with only the formats sanshe asserts (date, date-time, uuid);
#   3. validates schemas/examples/<type>.json against its type's schema and
#      envelope.json: each must pass;
#   4. validates schemas/examples/envelope/*.json (signed and merged
#      versions with placeholder signatures): each must pass;
#   5. validates schemas/examples/invalid/<type>-<what>.json (and
#      envelope-<what>.json, checked against the type its "type" names):
#      each must fail, and the JSON pointers of the violations must be
#      exactly those listed in the sidecar <same-name>.pointers.
#
# Ajv and ajv-formats are installed once with npm into build/ajv (Debian's
# node-ajv is Ajv 6, which has no draft 2020-12).  Needs node and npm.
# Ends with the line "N passed, N failed"; exits 1 on any failure.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
ajv_dir=${AJV_DIR:-$top/build/ajv}

if ! command -v node >/dev/null 2>&1; then
	echo "check-schemas-ajv: node is needed (apt-get install nodejs npm)" >&2
	exit 1
fi
if [ ! -f "$ajv_dir/node_modules/ajv/dist/2020.js" ] ||
	[ ! -f "$ajv_dir/node_modules/ajv-formats/dist/index.js" ]; then
	echo "check-schemas-ajv: installing ajv into $ajv_dir" >&2
	mkdir -p "$ajv_dir"
	[ -f "$ajv_dir/package.json" ] ||
		printf '{ "name": "sanshe-ajv-check", "private": true }\n' >"$ajv_dir/package.json"
	npm install --prefix "$ajv_dir" --no-audit --no-fund --silent \
		ajv@8.20.0 ajv-formats@3.0.1 >&2
fi

export AJV_DIR="$ajv_dir" SCHEMA_DIR="$top/schemas"
exec node - <<'JS'
"use strict";
const fs = require("fs");
const path = require("path");
const Ajv2020 = require(path.join(process.env.AJV_DIR, "node_modules/ajv/dist/2020")).default;
const addFormats = require(path.join(process.env.AJV_DIR, "node_modules/ajv-formats")).default;

const dir = process.env.SCHEMA_DIR;
let passed = 0, failed = 0;
function ok(msg) { passed++; console.log("ok - " + msg); }
function fail(msg, detail) {
  failed++;
  console.log("not ok - " + msg);
  if (detail) for (const l of String(detail).split("\n")) console.log("#   " + l);
}

// The keywords core/schema.h compiles; anything else is refused there.
const KEYWORDS = new Set([
  "type", "properties", "required", "additionalProperties", "patternProperties",
  "propertyNames", "minProperties", "maxProperties", "dependentRequired",
  "dependentSchemas", "enum", "const", "pattern", "minLength", "maxLength",
  "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
  "items", "prefixItems", "contains", "minContains", "maxContains", "minItems",
  "maxItems", "uniqueItems", "$ref", "$defs", "allOf", "anyOf", "oneOf", "not",
  "if", "then", "else", "format", "title", "description", "$comment", "default",
  "examples", "$schema",
]);
const FORMATS = new Set(["date", "date-time", "uuid"]);
// Keywords whose value is a schema, a map of schemas, or a list of schemas.
const SUB_ONE = ["additionalProperties", "propertyNames", "items", "contains", "not", "if", "then", "else"];
const SUB_MAP = ["properties", "patternProperties", "dependentSchemas", "$defs"];
const SUB_LIST = ["prefixItems", "allOf", "anyOf", "oneOf"];
const ID_DEF = {
  description: "A document or entry id: a UUIDv7 made by sanshe, or a name given by the user.",
  type: "string",
  "x-sanshe-hint": "1 to 128 letters, digits, '.', '_' or '-', starting with a letter or digit",
  pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$",
};
const TYPES = {
  org: ["fields", "trust"], member: ["fields", "trust"],
  case: ["fields", "org"], "case-note": ["append-only", "org"],
  roster: ["fields", "common"], project: ["fields", "common"],
  "ledger-entry": ["append-only", "common"],
};

function lint(schema, where, root, problems, xkeys) {
  if (typeof schema === "boolean") return;
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) {
    problems.push(where + ": not a schema");
    return;
  }
  for (const [k, v] of Object.entries(schema)) {
    const at = where + "/" + k;
    if (k.startsWith("x-")) { xkeys.add(k); continue; }
    if (!KEYWORDS.has(k)) { problems.push(at + ": keyword not supported by sanshe's validator"); continue; }
    if (k === "$schema" && where !== "#") problems.push(at + ": $schema only at the root");
    if (k === "format" && !FORMATS.has(v)) problems.push(at + ": format '" + v + "' is not asserted by sanshe");
    if (k === "$ref") {
      const m = /^#\/\$defs\/([^/]+)$/.exec(v);
      if (!m || !root.$defs || !(m[1] in root.$defs)) problems.push(at + ": $ref must be #/$defs/<name> of this file");
    }
    if (k === "pattern") {
      try { new RegExp(v, "u"); } catch (e) { problems.push(at + ": " + e.message); }
      if (/\\[dDwWsSbB]|\\p|\(\?/.test(v)) problems.push(at + ": keep to simple regexes (no \\d, \\w, \\s, \\b, \\p, lookaround)");
    }
    if (SUB_ONE.includes(k)) lint(v, at, root, problems, xkeys);
    if (SUB_MAP.includes(k)) for (const [n, s] of Object.entries(v)) lint(s, at + "/" + n, root, problems, xkeys);
    if (SUB_LIST.includes(k)) v.forEach((s, i) => lint(s, at + "/" + i, root, problems, xkeys));
  }
}

function conventions(name, s, problems) {
  const want = (cond, msg) => { if (!cond) problems.push(msg); };
  want(s.$schema === "https://json-schema.org/draft/2020-12/schema", "$schema must be draft 2020-12");
  want(typeof s.title === "string" && typeof s.description === "string", "title and description needed");
  want(s.type === "object", "top level must be an object");
  if (name === "envelope") {
    want(!("x-sanshe-merge" in s), "envelope has no x-sanshe-merge");
    return;
  }
  const [merge, space] = TYPES[name] || [];
  want(merge !== undefined, "unknown document type " + name);
  want(s["x-sanshe-merge"] === merge, "x-sanshe-merge must be " + merge);
  want(s["x-sanshe-space"] === space, "x-sanshe-space must be " + space);
  want(Array.isArray(s.required) && s.required.includes("type") && s.required.includes("id"), "required must include type and id");
  want(s.properties && JSON.stringify(s.properties.type) === JSON.stringify({ const: name }), "properties.type must be {const: " + name + "}");
  want(s.properties && s.properties.id && s.properties.id.$ref === "#/$defs/id", "properties.id must $ref #/$defs/id");
  want(s.$defs && JSON.stringify(s.$defs.id) === JSON.stringify(ID_DEF), "$defs/id must be the shared id definition");
  want(s.additionalProperties === undefined, "no additionalProperties at the top level (forward compatibility)");
  want(!Object.keys(s.properties || {}).some((k) => k.startsWith("_")), "reserved _ members belong to envelope.json");
}

const readJSON = (f) => JSON.parse(fs.readFileSync(f, "utf8"));
const names = fs.readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)).sort();
const raw = {};
const xkeys = new Set();
for (const n of names) {
  let s;
  try { s = readJSON(path.join(dir, n + ".json")); } catch (e) { fail(n + ".json parses", e.message); continue; }
  const problems = [];
  lint(s, "#", s, problems, xkeys);
  conventions(n, s, problems);
  if (problems.length) fail(n + ".json follows sanshe's schema rules", problems.join("\n"));
  else ok(n + ".json follows sanshe's schema rules");
  raw[n] = s;
}
for (const t of Object.keys(TYPES)) if (!(t in raw)) fail("schema for type " + t + " exists");

const ajv = new Ajv2020({ strict: true, strictTypes: false, strictTuples: false, strictRequired: false, allErrors: true, validateFormats: true });
addFormats(ajv, ["date", "date-time", "uuid"]);
for (const k of xkeys) ajv.addKeyword({ keyword: k, schemaType: ["string", "object", "array", "boolean", "number"] });
const validators = {};
for (const [n, s] of Object.entries(raw)) {
  try { validators[n] = ajv.compile(s); ok(n + ".json compiles with Ajv (2020-12, strict)"); }
  catch (e) { fail(n + ".json compiles with Ajv (2020-12, strict)", e.message); }
}

const esc = (s) => String(s).replace(/~/g, "~0").replace(/\//g, "~1");
// The pointer of each violation: for a missing or unexpected member, the
// member itself; for a bad member name, that member; for a repeated item,
// the repeat; else the instance.
function pointers(errors) {
  const set = new Set();
  for (const e of errors || []) {
    if (e.keyword === "if") continue; // reported through its then/else
    let p = e.instancePath;
    if (e.propertyName !== undefined) p += "/" + esc(e.propertyName);
    else if (e.keyword === "propertyNames") p += "/" + esc(e.params.propertyName);
    else if (e.keyword === "required" || e.keyword === "dependentRequired") p += "/" + esc(e.params.missingProperty);
    else if (e.keyword === "additionalProperties") p += "/" + esc(e.params.additionalProperty);
    else if (e.keyword === "uniqueItems") p += "/" + Math.max(e.params.i, e.params.j); // the repeat
    set.add(p);
  }
  return set;
}
function check(doc, typeName) {
  const errors = [];
  for (const n of [typeName, "envelope"]) {
    const v = validators[n];
    if (!v) { errors.push({ keyword: "missing", instancePath: "", message: "no schema " + n, params: {} }); continue; }
    if (!v(doc)) errors.push(...v.errors.map((e) => Object.assign({ schemaName: n }, e)));
  }
  return errors;
}
const show = (errors) => errors.map((e) => (e.schemaName || "") + " " + (e.instancePath || "(root)") + " " + e.keyword + ": " + e.message).join("\n");

const exdir = path.join(dir, "examples");
for (const t of Object.keys(TYPES)) {
  const f = path.join(exdir, t + ".json");
  if (!fs.existsSync(f)) { fail("example " + t + ".json exists"); continue; }
  const doc = readJSON(f);
  const errors = check(doc, t);
  if (doc.type !== t) errors.push({ instancePath: "/type", keyword: "file", message: "type must be " + t, params: {} });
  if (Object.keys(doc).some((k) => k.startsWith("_"))) errors.push({ instancePath: "", keyword: "file", message: "examples are unsigned: no _ members", params: {} });
  if (errors.length) fail("example " + t + ".json is valid", show(errors));
  else ok("example " + t + ".json is valid");
}

// Signed and merged versions: the reserved members must pass envelope.json
// (their signatures are placeholders; only their form is checked here).
const envdir = path.join(exdir, "envelope");
for (const f of (fs.existsSync(envdir) ? fs.readdirSync(envdir) : []).filter((x) => x.endsWith(".json")).sort()) {
  const doc = readJSON(path.join(envdir, f));
  const errors = check(doc, doc.type);
  if (errors.length) fail("envelope/" + f + " is valid", show(errors));
  else ok("envelope/" + f + " is valid");
}

const invdir = path.join(exdir, "invalid");
const prefixes = Object.keys(TYPES).concat(["envelope"]).sort((a, b) => b.length - a.length);
const perType = {};
for (const f of fs.readdirSync(invdir).filter((x) => x.endsWith(".json")).sort()) {
  const base = f.slice(0, -5);
  const label = "invalid/" + f;
  const prefix = prefixes.find((p) => base.startsWith(p + "-"));
  if (!prefix) { fail(label + " is named <type>-<what>.json"); continue; }
  perType[prefix] = (perType[prefix] || 0) + 1;
  let doc;
  try { doc = readJSON(path.join(invdir, f)); } catch (e) { fail(label + " parses", e.message); continue; }
  const typeName = prefix === "envelope" ? doc.type : prefix;
  const errors = check(doc, typeName);
  if (!errors.length) { fail(label + " is refused"); continue; }
  const pf = path.join(invdir, base + ".pointers");
  if (!fs.existsSync(pf)) { fail(label + " has a .pointers sidecar"); continue; }
  const text = fs.readFileSync(pf, "utf8");
  if (!text.endsWith("\n")) { fail(label + ": .pointers ends with a newline (an empty line is the root)"); continue; }
  const lines = text.slice(0, -1).split("\n");
  const sorted = [...lines].sort();
  const got = [...pointers(errors)].sort();
  if (JSON.stringify(lines) !== JSON.stringify(sorted)) fail(label + ": .pointers is sorted", lines.join("\n"));
  else if (JSON.stringify(got) !== JSON.stringify(sorted))
    fail(label + " is refused at exactly its .pointers",
      "expected: " + JSON.stringify(sorted) + "\ngot:      " + JSON.stringify(got) + "\n" + show(errors));
  else ok(label + " is refused at " + got.map((p) => p === "" ? "(root)" : p).join(", "));
}
for (const t of Object.keys(TYPES)) {
  const n = perType[t] || 0;
  if (n < 2 || n > 4) fail("2 to 4 invalid examples for " + t + " (found " + n + ")");
}
for (const p of fs.readdirSync(invdir).filter((x) => x.endsWith(".pointers")))
  if (!fs.existsSync(path.join(invdir, p.replace(/\.pointers$/, ".json")))) fail("invalid/" + p + " has its example");

console.log(passed + " passed, " + failed + " failed");
process.exit(failed ? 1 : 0);
JS

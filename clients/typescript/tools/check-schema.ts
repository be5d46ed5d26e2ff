/**
 * The rules an OpenAPI schema must follow for a typed client to be useful, checked before generation.
 *
 * A schema can be valid OpenAPI and still give a frontend `unknown` where it needs a type. Each rule
 * below names one such drift; `checkSchema` returns every breach, with where it is and how to fix it.
 *
 * - typed-success: every operation has a 2xx answer; a 204 has no body, any other 2xx a JSON body
 *   whose schema says what it holds (a component, a typed array or object, a primitive).
 * - declared-errors: the errors an operation can give are declared: 401 when it needs a login,
 *   403 when a role guards it or a session write can fail the CSRF check, 404 when its path names
 *   a record, 400 when it takes a body or filters, 412 and 428 when it changes a versioned record.
 * - typed-errors: every declared 4xx has a JSON body schema (the API has one error shape:
 *   400 `{field: [messages]}`, the rest `{detail}`), so errors are typed values, not `never`.
 * - named-enums: every enum in a body is a named component (`CompanyKindEnum`), never inline; no
 *   two named enums hold the same values (a filter on them would be ambiguous) and none carries
 *   drf-spectacular's hash suffix of a name collision (`Kind7a3Enum`).
 *
 * Usage: node build/tools/check-schema.js <schema.json | URL>
 */
import { pathToFileURL } from "node:url";

import { loadSchema } from "./load.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export interface Problem {
  rule: "typed-success" | "declared-errors" | "typed-errors" | "named-enums" | "structure";
  where: string;
  message: string;
}

const METHODS = ["get", "put", "post", "patch", "delete"] as const;
const UNSAFE = new Set(["put", "post", "patch", "delete"]);
/** Query parameters that never give a 400 (a bad page is a 404, the rest are lenient). */
const LENIENT_QUERY = new Set(["page", "page_size", "search", "ordering"]);
/** Paths of the signed-in user's own account: any signed-in user may use them, so no role 403. */
const OWN_ACCOUNT_PREFIX = "/api/v1/auth/";
/** Schemas drf-spectacular adds beside a choice field that allows "" or null. */
const HELPER_ENUMS = new Set(["BlankEnum", "NullEnum"]);
/** drf-spectacular's fallback name when two enums collide: a 3-character hash before "Enum". */
const COLLISION_NAME = /(?:\d[0-9a-f]{2}|[0-9a-f]\d[0-9a-f]|[0-9a-f]{2}\d)Enum$/;

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function obj(value: Json | undefined): JsonObject {
  return isObject(value) ? value : {};
}

/** Whether a schema tells a type: a reference, a composition, a typed array or object, a primitive. */
function isTyped(schema: Json | undefined): boolean {
  if (!isObject(schema)) return false;
  if (typeof schema.$ref === "string") return true;
  for (const key of ["allOf", "oneOf", "anyOf"]) {
    const parts = schema[key];
    if (Array.isArray(parts) && parts.length > 0) return parts.every((part) => isTyped(part));
  }
  if (Array.isArray(schema.enum)) return true;
  switch (schema.type) {
    case "array":
      return isTyped(schema.items);
    case "object":
      return Object.keys(obj(schema.properties)).length > 0 || isTyped(schema.additionalProperties);
    case "string":
    case "integer":
    case "number":
    case "boolean":
      return true;
    default:
      return false;
  }
}

function jsonBody(response: JsonObject): Json | undefined {
  return obj(obj(response.content)["application/json"]).schema;
}

function needsLogin(operation: JsonObject, doc: JsonObject): boolean {
  const security = operation.security ?? doc.security;
  if (!Array.isArray(security) || security.length === 0) return false;
  return security.every((requirement) => Object.keys(obj(requirement)).length > 0);
}

function acceptsSession(operation: JsonObject): boolean {
  const security = operation.security;
  return Array.isArray(security) && security.some((requirement) => "cookieAuth" in obj(requirement));
}

function valueSet(values: Json[]): string {
  return JSON.stringify(
    values
      .filter((value) => value !== null && value !== "")
      .map(String)
      .sort(),
  );
}

/** Every `enum` below `node`, with its JSON pointer. */
function* enumsIn(node: Json | undefined, pointer: string): Generator<[string, Json[]]> {
  if (Array.isArray(node)) {
    for (const [index, item] of node.entries()) yield* enumsIn(item, `${pointer}/${index}`);
  } else if (isObject(node)) {
    if (Array.isArray(node.enum)) yield [pointer, node.enum];
    for (const [key, value] of Object.entries(node)) {
      if (key !== "enum" && key !== "example" && key !== "default") yield* enumsIn(value, `${pointer}/${key}`);
    }
  }
}

export function checkSchema(doc: JsonObject): Problem[] {
  const problems: Problem[] = [];
  const add = (rule: Problem["rule"], where: string, message: string) => problems.push({ rule, where, message });

  if (typeof doc.openapi !== "string" || !doc.openapi.startsWith("3.")) {
    add("structure", "openapi", `expected an OpenAPI 3 document, found ${JSON.stringify(doc.openapi)}`);
    return problems;
  }
  const schemas = obj(obj(doc.components).schemas);

  // named-enums: the named ones, then every enum anywhere else.
  const named = new Map<string, string[]>(); // value set -> names
  for (const [name, schema] of Object.entries(schemas)) {
    if (!isObject(schema) || !Array.isArray(schema.enum) || HELPER_ENUMS.has(name)) continue;
    if (COLLISION_NAME.test(name)) {
      const where = `#/components/schemas/${name}`;
      add("named-enums", where, "an enum name with a collision hash: name it in ENUM_NAME_OVERRIDES");
    }
    const key = valueSet(schema.enum);
    named.set(key, [...(named.get(key) ?? []), name]);
  }
  for (const [key, names] of named) {
    if (names.length > 1) {
      const where = names.map((n) => `#/components/schemas/${n}`).join(", ");
      add("named-enums", where, `the same values ${key} under several names`);
    }
  }
  for (const [name, schema] of Object.entries(schemas)) {
    if (isObject(schema) && Array.isArray(schema.enum)) continue;
    for (const [pointer] of enumsIn(schema, `#/components/schemas/${name}`)) {
      add("named-enums", pointer, "an inline enum: make it a named component (a TextChoices, or ENUM_NAME_OVERRIDES)");
    }
  }

  for (const [path, item] of Object.entries(obj(doc.paths))) {
    for (const method of METHODS) {
      const operation = obj(item)[method];
      if (!isObject(operation)) continue;
      const where = `${method.toUpperCase()} ${path}`;
      const responses = obj(operation.responses);
      const statuses = Object.keys(responses);
      const shared = obj(item).parameters;
      const parameters = [
        ...(Array.isArray(shared) ? shared : []),
        ...(Array.isArray(operation.parameters) ? operation.parameters : []),
      ].map(obj);

      // typed-success
      const successes = statuses.filter((status) => /^2\d\d$/.test(status));
      if (successes.length === 0) add("typed-success", where, "no 2xx response is declared");
      for (const status of successes) {
        const response = obj(responses[status]);
        if (status === "204") {
          if (response.content !== undefined) add("typed-success", `${where} 204`, "a 204 must not declare a body");
        } else if (!isTyped(jsonBody(response))) {
          const fix = "declare a serializer in extend_schema(responses=...)";
          add("typed-success", `${where} ${status}`, `no typed application/json body: ${fix}`);
        }
      }
      for (const [pointer] of enumsIn(operation.requestBody, `${where} requestBody`)) {
        add("named-enums", pointer, "an inline enum in a request body: make it a named component");
      }
      for (const status of statuses) {
        for (const [pointer] of enumsIn(obj(responses[status]).content, `${where} ${status}`)) {
          add("named-enums", pointer, "an inline enum in a response: make it a named component");
        }
      }

      // named-enums of parameters: a filter on a named enum's values must not be ambiguous
      for (const parameter of parameters) {
        for (const [pointer, values] of enumsIn(parameter.schema, `${where} ?${String(parameter.name)}`)) {
          const names = named.get(valueSet(values)) ?? [];
          if (names.length > 1) {
            add("named-enums", pointer, `a parameter enum that matches several: ${names.join(", ")}`);
          }
        }
      }

      // declared-errors
      const expected = new Set<string>();
      const login = needsLogin(operation, doc);
      if (login) expected.add("401");
      if (login && !path.startsWith(OWN_ACCOUNT_PREFIX)) expected.add("403");
      if (UNSAFE.has(method) && acceptsSession(operation)) expected.add("403");
      if (path.includes("{")) expected.add("404");
      const filters = parameters.some((p) => p.in === "query" && !LENIENT_QUERY.has(String(p.name)));
      if (operation.requestBody !== undefined || filters) expected.add("400");
      if (["put", "patch", "delete"].includes(method) && /\{[^}]+\}\/$/.test(path)) {
        expected.add("412");
        expected.add("428");
      }
      const missing = [...expected].filter((status) => !(status in responses)).sort();
      if (missing.length > 0) add("declared-errors", where, `undeclared error responses: ${missing.join(", ")}`);

      // typed-errors
      for (const status of statuses.filter((s) => /^4\d\d$/.test(s))) {
        if (!isTyped(jsonBody(obj(responses[status])))) {
          const fix = "ValidationError for 400, ErrorDetail for the rest: error_response() in crm/api/browser.py";
          add("typed-errors", `${where} ${status}`, `an error response without a JSON body schema (${fix})`);
        }
      }
    }
  }
  return problems;
}

/** The problems as lines, grouped by rule; at most `limit` lines per rule. */
export function formatProblems(problems: Problem[], limit = 25): string {
  const lines: string[] = [];
  const rules = [...new Set(problems.map((p) => p.rule))];
  for (const rule of rules) {
    const ofRule = problems.filter((p) => p.rule === rule);
    lines.push(`[${rule}] ${ofRule.length} problem(s)`);
    for (const p of ofRule.slice(0, limit)) lines.push(`  ${p.where}: ${p.message}`);
    if (ofRule.length > limit) lines.push(`  ... and ${ofRule.length - limit} more`);
  }
  return lines.join("\n");
}

async function main(argv: string[]): Promise<number> {
  const source = argv[0] ?? process.env.SCHEMA;
  if (!source) {
    console.error("usage: check-schema <schema.json | URL> (or set SCHEMA)");
    return 2;
  }
  const problems = checkSchema((await loadSchema(source)) as JsonObject);
  if (problems.length > 0) {
    console.error(`The schema ${source} is not fit for a typed client:\n${formatProblems(problems)}`);
    return 1;
  }
  console.error(`The schema ${source} passes the typed-client rules.`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.exitCode = await main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    return 2;
  });
}

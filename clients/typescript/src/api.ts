/**
 * A typed client of the CRM API: openapi-fetch over the types `npm run generate` writes from the schema.
 *
 * Every path, parameter, body and answer is checked by the compiler against the server's OpenAPI
 * schema. Errors are typed too: `errorOf` gives the body the schema declares for one status of one
 * operation (`ValidationError` for a 400, `ErrorDetail` for the rest) and refuses to compile when
 * the schema does not declare that status.
 */
import createClient from "openapi-fetch";

import type { components, paths } from "./schema.js";

export type { components, paths };
export type Schemas = components["schemas"];
/** A 400: `{field: ["message", ...]}`, non-field messages under `non_field_errors`. */
export type ValidationError = Schemas["ValidationError"];
/** Any other error: `{detail: "..."}`. */
export type ErrorDetail = Schemas["ErrorDetail"];

type Responses<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { responses: infer R }
  ? R
  : never;

/** The JSON body the schema declares for status `S` of the operation `M` on path `P`. */
export type JsonBody<P extends keyof paths, M extends keyof paths[P], S extends keyof Responses<P, M>> =
  Responses<P, M>[S] extends { content: { "application/json": infer B } } ? B : never;

/** What openapi-fetch resolves to: data on a 2xx, error on anything else, and the raw response. */
export interface Result<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** An answer other than the one the caller expected. */
export class UnexpectedResponse extends Error {
  constructor(
    readonly expected: number,
    readonly status: number,
    readonly body: unknown,
    readonly url: string,
  ) {
    super(`${url}: expected HTTP ${expected}, got ${status}: ${JSON.stringify(body)}`);
    this.name = "UnexpectedResponse";
  }
}

/** The data of a successful answer with exactly `status`, or an UnexpectedResponse. */
export function ok<T>(result: Result<T>, status = 200): T {
  const { response } = result;
  if (response.status !== status || result.data === undefined) {
    throw new UnexpectedResponse(status, response.status, result.error ?? result.data, response.url);
  }
  return result.data;
}

/**
 * The error body of an answer that must have `status`, typed by the schema of that operation.
 *
 * `errorOf("/api/v1/companies/{id}/", "patch", 412, await api.PATCH(...))` is an `ErrorDetail`;
 * a status the operation does not declare is a compile error.
 */
export function errorOf<P extends keyof paths, M extends keyof paths[P], S extends keyof Responses<P, M> & number>(
  _path: P,
  _method: M,
  status: S,
  result: Result<unknown>,
): JsonBody<P, M, S> {
  if (result.response.status !== status) {
    throw new UnexpectedResponse(status, result.response.status, result.error ?? result.data, result.response.url);
  }
  return result.error as JsonBody<P, M, S>;
}

/** The version an `ETag` header carries (`"3"` or `W/"3"`), for a later `If-Match`. */
export function etagOf(response: Response): string {
  const etag = response.headers.get("ETag");
  if (!etag || !/^(W\/)?"\d+"$/.test(etag)) {
    throw new Error(`${response.url}: expected an ETag header with the record's version, got ${String(etag)}`);
  }
  return etag;
}

/** The page number a `next` or `previous` link points to (a missing `page` is the first page). */
export function pageOf(link: string): number {
  return Number(new URL(link).searchParams.get("page") ?? "1");
}

/** The query a list's `next` or `previous` link asks for: its page and the position it names
 * (`after` or `before`), so that the page is read from there instead of counted from the start. */
export interface LinkQuery {
  page: number;
  after?: string;
  before?: string;
}

export function linkQuery(link: string): LinkQuery {
  const params = new URL(link).searchParams;
  const query: LinkQuery = { page: pageOf(link) };
  const after = params.get("after");
  const before = params.get("before");
  if (after !== null) query.after = after;
  if (before !== null) query.before = before;
  return query;
}

/** Exchange a username and password for a token. */
export async function obtainToken(baseUrl: string, username: string, password: string): Promise<string> {
  const anonymous = createClient<paths>({ baseUrl });
  const { token } = ok(await anonymous.POST("/api/v1/auth/token/", { body: { username, password } }));
  return token;
}

/** A client that sends the token (and, if given, the language of the `*_display` labels) with every request. */
export function tokenClient(baseUrl: string, token: string, language?: "zh-hans" | "en") {
  const headers: Record<string, string> = { Authorization: `Token ${token}` };
  if (language) headers["Accept-Language"] = language;
  return createClient<paths>({ baseUrl, headers });
}

export type ApiClient = ReturnType<typeof tokenClient>;

/**
 * What a frontend does on its first day, against a live server, with the generated client.
 *
 * Environment: CRM_BASE_URL (http://127.0.0.1:8000), CRM_USERNAME and CRM_PASSWORD of a user in the
 * editor role, CRM_PAGE_SIZE (3). Prints a JSON summary on stdout; exits 1 on anything unexpected.
 */
import { errorOf, etagOf, linkQuery, obtainToken, ok, tokenClient, UnexpectedResponse, type LinkQuery, type Schemas } from "./api.js";

function env(name: string, fallback?: string): string {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === "") throw new Error(`set ${name}`);
  return value;
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`unexpected: ${message}`);
}

async function main(): Promise<void> {
  const baseUrl = env("CRM_BASE_URL", "http://127.0.0.1:8000").replace(/\/$/, "");
  const username = env("CRM_USERNAME");
  const password = env("CRM_PASSWORD");
  const pageSize = Number(env("CRM_PAGE_SIZE", "3"));

  // Log in: a token for the username and password, then every request carries it.
  const token = await obtainToken(baseUrl, username, password);
  const api = tokenClient(baseUrl, token);
  const me = ok(await api.GET("/api/v1/auth/me/"));
  check(me.username === username, `auth/me/ names ${me.username}`);
  check(me.groups.includes("editor"), `the user is not an editor: ${me.groups.join(",")}`);

  // List and filter: the enum filter only takes the schema's codes (a typo does not compile).
  const institutes = ok(
    await api.GET("/api/v1/companies/", { params: { query: { kind: "research_institute", ordering: "name" } } }),
  );
  check(
    institutes.results.every((company) => company.kind === "research_institute"),
    "the kind filter let another kind through",
  );
  const searched = ok(await api.GET("/api/v1/companies/", { params: { query: { search: "ＡＩ", city: "深圳" } } }));

  // Create: 201, the record with its version, an ETag and a Location.
  const draft: Schemas["CompanyRequest"] = {
    name: "前端冒烟测试科技有限公司",
    name_en: "Frontend Smoke Test Co",
    kind: "enterprise",
    city: "常州",
    province: "江苏",
    country: "CN",
    tags: ["smoke", "typescript"],
  };
  const createdResult = await api.POST("/api/v1/companies/", { body: draft });
  const created = ok(createdResult, 201);
  const createdEtag = etagOf(createdResult.response);
  check(createdEtag === `"${created.version}"`, `ETag ${createdEtag} is not version ${created.version}`);
  const location = createdResult.response.headers.get("Location") ?? "";
  check(location.endsWith(`/api/v1/companies/${created.id}/`), `Location ${location}`);
  const id = String(created.id);

  // Read it, keep its ETag, update with If-Match: the version moves on, so does the ETag.
  const readResult = await api.GET("/api/v1/companies/{id}/", { params: { path: { id } } });
  const read = ok(readResult);
  const etag = etagOf(readResult.response);
  const updatedResult = await api.PATCH("/api/v1/companies/{id}/", {
    params: { path: { id } },
    headers: { "If-Match": etag },
    body: { description: "由 TypeScript 客户端更新 / updated by the TypeScript client" },
  });
  const updated = ok(updatedResult);
  const updatedEtag = etagOf(updatedResult.response);
  check(updated.version === read.version + 1, `version ${read.version} became ${updated.version}`);
  check(updatedEtag !== etag, "the ETag did not change with the update");

  // 412: the old ETag is stale now; the record is left as it was.
  const stale = errorOf(
    "/api/v1/companies/{id}/",
    "patch",
    412,
    await api.PATCH("/api/v1/companies/{id}/", {
      params: { path: { id } },
      headers: { "If-Match": etag },
      body: { description: "a lost update" },
    }),
  );
  const afterStale = ok(await api.GET("/api/v1/companies/{id}/", { params: { path: { id } } }));
  check(
    afterStale.version === updated.version && afterStale.description === updated.description,
    "a stale write changed the record",
  );

  // 428: a write with neither If-Match nor version.
  const unconditional = errorOf(
    "/api/v1/companies/{id}/",
    "patch",
    428,
    await api.PATCH("/api/v1/companies/{id}/", { params: { path: { id } }, body: { city: "无锡" } }),
  );

  // 400: {field: [messages]}, one key per invalid field.
  const invalid = errorOf(
    "/api/v1/companies/",
    "post",
    400,
    await api.POST("/api/v1/companies/", {
      body: { name: "校验失败公司", credit_code: "123", country: "China", fortune500_rank: 0 },
    }),
  );
  const invalidFields = Object.keys(invalid).sort();
  for (const field of invalidFields) {
    const messages = invalid[field];
    const readable = Array.isArray(messages) && messages.every((m) => typeof m === "string" && m.length > 0);
    check(readable, `messages of ${field}`);
  }

  // 403: deleting is for managers; an editor is refused, typed as an ErrorDetail.
  const refused = errorOf(
    "/api/v1/companies/{id}/",
    "delete",
    403,
    await api.DELETE("/api/v1/companies/{id}/", { params: { path: { id } }, headers: { "If-Match": updatedEtag } }),
  );

  // Pagination: follow `next` to the end; every record once, as many as `count` says.
  const seen = new Set<number>();
  let pages = 0;
  let count = -1;
  let positioned = 0;
  let link: LinkQuery | null = { page: 1 };
  while (link !== null) {
    const body: Schemas["PaginatedCompanyList"] = ok(
      await api.GET("/api/v1/companies/", { params: { query: { ...link, page_size: pageSize, ordering: "id" } } }),
    );
    pages += 1;
    check(count === -1 || body.count === count, "the count changed between pages");
    count = body.count;
    check(body.results.length <= pageSize, `a page of ${body.results.length} rows for page_size ${pageSize}`);
    for (const company of body.results) {
      check(!seen.has(company.id), `company ${company.id} on two pages`);
      seen.add(company.id);
    }
    // The link names the position of the page's last row: the next page is read from there.
    link = body.next ? linkQuery(body.next) : null;
    check(link === null || link.page === pages + 1, `next points to page ${link?.page} after page ${pages}`);
    positioned += link?.after ? 1 : 0;
  }
  check(seen.size === count, `followed ${seen.size} of ${count} companies`);
  check(pages === Math.ceil(count / pageSize), `${pages} pages for ${count} companies by ${pageSize}`);

  const summary = {
    user: { username: me.username, groups: me.groups },
    filtered: { kind: "research_institute", count: institutes.count },
    searched: { search: "ＡＩ", city: "深圳", count: searched.count },
    created: { id: created.id, version: created.version, etag: createdEtag, kind_display: created.kind_display },
    updated: { version: updated.version, etag: updatedEtag },
    errors: {
      400: { fields: invalidFields },
      403: { detail: refused.detail },
      412: { detail: stale.detail },
      428: { detail: unconditional.detail },
    },
    pagination: { page_size: pageSize, pages, count, collected: seen.size, positioned },
  };
  console.log(JSON.stringify(summary));
}

main().catch((error: unknown) => {
  console.error(error instanceof UnexpectedResponse ? error.message : error);
  process.exit(1);
});

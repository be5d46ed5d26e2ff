import { readFile } from "node:fs/promises";

/** The OpenAPI document at a file path or an http(s) URL (ask drf-spectacular for JSON: `?format=json`). */
export async function loadSchema(source: string): Promise<unknown> {
  let text: string;
  if (/^https?:\/\//.test(source)) {
    const accept = "application/vnd.oai.openapi+json, application/json";
    const response = await fetch(source, { headers: { Accept: accept } });
    if (!response.ok) throw new Error(`GET ${source} answered ${response.status}`);
    text = await response.text();
  } else {
    text = await readFile(source, "utf8");
  }
  try {
    return JSON.parse(text);
  } catch {
    const how = "export it with `manage.py spectacular --format openapi-json`, or add ?format=json to the URL";
    throw new Error(`${source} is not JSON: ${how}`);
  }
}

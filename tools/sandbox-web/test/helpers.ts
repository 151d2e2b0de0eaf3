import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Dispatcher, ProxyAgent, request } from "undici";

/** Repository root, found from this file's location so the tests run from any clone. */
export const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/** Shared real-web corpora: `../shared/corpus` beside the repository, or AMPLEDATA_CORPUS_DIR. */
export const CORPUS_DIR = process.env.AMPLEDATA_CORPUS_DIR ?? path.resolve(REPO_ROOT, "../shared/corpus");

export const SWDE_DIR = path.join(CORPUS_DIR, "swde-books");
export const ARTICLES_DIR = path.join(CORPUS_DIR, "articles");
export const FIXTURE_BOOKS_DIR = fileURLToPath(new URL("../fixtures/books", import.meta.url));

/**
 * Whether tests over the shared corpus should be skipped: only outside CI, when the corpus is
 * absent (a fresh clone without ../shared). In CI a missing corpus fails the tests instead.
 */
export const SKIP_SHARED_CORPUS = !process.env.CI && !existsSync(SWDE_DIR);

/** Upper bound for one request in the tests, in ms, so a broken server fails a test instead of hanging it. */
export const REQUEST_TIMEOUT_MS = 10_000;

export interface FetchedPage {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Fetches `url` through the proxy with undici's ProxyAgent, without following redirects. */
export async function fetchViaProxy(
  agent: Dispatcher,
  url: string,
  options: { method?: "GET" | "HEAD"; timeoutMs?: number } = {},
): Promise<FetchedPage> {
  const response = await request(url, {
    dispatcher: agent,
    method: options.method ?? "GET",
    signal: AbortSignal.timeout(options.timeoutMs ?? REQUEST_TIMEOUT_MS),
  });
  const body = Buffer.from(await response.body.arrayBuffer());
  return { status: response.statusCode, headers: response.headers, body };
}

export function createProxyAgent(sandboxUrl: string): ProxyAgent {
  return new ProxyAgent(sandboxUrl);
}

/** POSTs a JSON body to the sandbox's own API and returns the status and parsed JSON. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; json: unknown }> {
  const response = await request(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return { status: response.statusCode, headers: response.headers, json: await response.body.json() };
}

export async function getJson(url: string): Promise<{ status: number; json: unknown }> {
  const response = await request(url, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  return { status: response.statusCode, json: await response.body.json() };
}

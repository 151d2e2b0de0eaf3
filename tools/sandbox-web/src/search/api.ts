import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { z } from "zod";
import type { RequestCounters } from "../server/counters.ts";
import { apiError, jsonResponse, type PlannedResponse, readJsonBody } from "../server/respond.ts";
import { MAX_RESULTS, type SearchIndex } from "./search-index.ts";

/**
 * The two search APIs the sandbox imitates over its corpus:
 *
 * - Serper: `POST /search` with a JSON body `{"q": "...", "num": 10, "page": 1}` (or an array of such
 *   bodies for a batch) and the `X-API-KEY` header.
 * - SearXNG: `GET /search?q=...&format=json&pageno=1`, ten results a page, no key.
 */

export interface SearchDependencies {
  index: SearchIndex;
  counters: RequestCounters;
  /** Expected X-API-KEY of Serper requests; undefined accepts any request. */
  apiKey: string | undefined;
}

const SerperQuerySchema = z
  .object({
    q: z.string().trim().min(1),
    num: z.coerce.number().int().min(1).max(MAX_RESULTS).default(10),
    page: z.coerce.number().int().min(1).default(1),
  })
  .loose();

/** Results per page of the SearXNG format, which has no size parameter. */
const SEARXNG_PAGE_SIZE = 10;

export async function handleSerperSearch(
  dependencies: SearchDependencies,
  request: IncomingMessage,
): Promise<PlannedResponse> {
  if (!hasValidKey(request, dependencies.apiKey)) {
    return apiError(401, "Unauthorized: missing or invalid X-API-KEY header.");
  }

  const body = await readJsonBody(request);
  if (!body.ok) {
    return body.response;
  }
  const isBatch = Array.isArray(body.value);
  const parsed = z
    .array(SerperQuerySchema)
    .min(1)
    .safeParse(isBatch ? body.value : [body.value]);
  if (!parsed.success) {
    return apiError(400, `Invalid search request: ${z.prettifyError(parsed.error)}`);
  }

  const answers = parsed.data.map((query) => {
    dependencies.counters.recordQuery(query.q);
    const results = dependencies.index.search(query.q, query.num, (query.page - 1) * query.num);
    return {
      searchParameters: {
        q: query.q,
        type: "search",
        num: query.num,
        ...(query.page > 1 ? { page: query.page } : {}),
        engine: "google",
      },
      organic: results.hits.map((hit) => ({
        title: hit.title,
        link: hit.url,
        snippet: hit.snippet,
        position: hit.position,
      })),
      credits: 1,
    };
  });
  return jsonResponse(200, isBatch ? answers : answers[0]);
}

export function handleSearxngSearch(dependencies: SearchDependencies, url: URL): PlannedResponse {
  const format = url.searchParams.get("format");
  if (format !== "json") {
    return apiError(
      400,
      `Unsupported format "${format ?? ""}": the sandbox serves SearXNG results with format=json.`,
    );
  }
  const query = url.searchParams.get("q")?.trim() ?? "";
  if (!query) {
    return apiError(400, "Missing query: pass it as the q parameter.");
  }
  const pageNumber = Number.parseInt(url.searchParams.get("pageno") ?? "1", 10);
  if (!Number.isInteger(pageNumber) || pageNumber < 1) {
    return apiError(400, `Invalid pageno "${url.searchParams.get("pageno")}": pass a page number from 1.`);
  }

  dependencies.counters.recordQuery(query);
  const results = dependencies.index.search(query, SEARXNG_PAGE_SIZE, (pageNumber - 1) * SEARXNG_PAGE_SIZE);
  return jsonResponse(200, {
    query,
    number_of_results: results.total,
    results: results.hits.map((hit) => ({
      url: hit.url,
      title: hit.title,
      content: hit.snippet,
      engine: "sandbox",
      engines: ["sandbox"],
      category: "general",
      score: hit.score,
      position: hit.position,
    })),
    answers: [],
    corrections: [],
    infoboxes: [],
    suggestions: [],
    unresponsive_engines: [],
  });
}

function hasValidKey(request: IncomingMessage, expected: string | undefined): boolean {
  if (expected === undefined) {
    return true;
  }
  const sent = request.headers["x-api-key"];
  if (typeof sent !== "string") {
    return false;
  }
  const sentBytes = Buffer.from(sent);
  const expectedBytes = Buffer.from(expected);
  return sentBytes.length === expectedBytes.length && timingSafeEqual(sentBytes, expectedBytes);
}

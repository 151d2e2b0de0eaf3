import { PermanentError, parseRetryAfter, ThrottledError } from "@ampledata/shared";
import { z } from "zod";
import {
  excerpt,
  firstHeader,
  type HttpAnswer,
  htmlToText,
  joinUrl,
  type ProviderClientOptions,
  ProviderHttp,
  type ProviderLabels,
  parseAnswer,
  throwForStatus,
} from "./http-answer.ts";
import type { SearchAnswer, SearchProvider, SearchRequest } from "./search-provider.ts";

const LABELS: ProviderLabels = {
  provider: "wikipedia",
  baseUrlVariable: "WIKIPEDIA_BASE_URL",
  keyVariable: undefined,
};

/** The MediaWiki search API returns at most 500 results a request (`srlimit`). */
const MAX_LIMIT = 500;
/** Wait before retrying when MediaWiki reports `maxlag` or `ratelimited` without Retry-After, in ms. */
const DEFAULT_BACKOFF_MS = 5000;

/**
 * MediaWiki reports API errors in a 200 response as `{"error": {"code", "info"}}`; a successful
 * search has `query.search`.
 */
const wikipediaResponseSchema = z.looseObject({
  error: z.looseObject({ code: z.string(), info: z.string().default("") }).optional(),
  query: z
    .looseObject({
      search: z
        .array(
          z.looseObject({
            title: z.string().min(1),
            snippet: z.string().default(""),
            pageid: z.number().optional(),
          }),
        )
        .default([]),
    })
    .optional(),
});

/**
 * Client of the MediaWiki search API of a Wikipedia (`GET /w/api.php?action=query&list=search`).
 * It needs no key. Each result links to `{base}/wiki/<Title_with_underscores>`, and its snippet
 * has the `<span class="searchmatch">` highlights removed.
 */
export class WikipediaClient implements SearchProvider {
  readonly name = "wikipedia";
  readonly #baseUrl: string;
  readonly #options: ProviderClientOptions;
  readonly #http: ProviderHttp;

  constructor(options: ProviderClientOptions) {
    this.#options = options;
    this.#baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.#http = new ProviderHttp(LABELS, options.timeoutMs);
  }

  async search({ query, num, signal }: SearchRequest): Promise<SearchAnswer> {
    const url = new URL(joinUrl(this.#baseUrl, "/w/api.php"));
    url.searchParams.set("action", "query");
    url.searchParams.set("list", "search");
    url.searchParams.set("srsearch", query);
    url.searchParams.set("format", "json");
    url.searchParams.set("srlimit", String(Math.min(num, MAX_LIMIT)));
    const headers = { accept: "application/json", "user-agent": this.#options.userAgent };
    const answer = await this.#http.send(url.href, { method: "GET", headers, query }, signal);
    return this.#readAnswer(query, answer);
  }

  async close(): Promise<void> {
    await this.#http.close();
  }

  /** URL of an article from its title: spaces become underscores, the rest is percent-encoded. */
  articleUrl(title: string): string {
    const path = encodeURIComponent(title.replaceAll(" ", "_")).replace(/%2F/g, "/").replace(/%3A/g, ":");
    return `${this.#baseUrl}/wiki/${path}`;
  }

  #readAnswer(query: string, answer: HttpAnswer): SearchAnswer {
    throwForStatus(LABELS, answer, { query, keySent: false });
    const response = parseAnswer(this.name, query, answer.body, wikipediaResponseSchema);
    if (response.error !== undefined) {
      const { code, info } = response.error;
      if (code === "maxlag" || code === "ratelimited") {
        throw new ThrottledError(
          `wikipedia asked to slow down (${code}: ${info}) for "${query}"`,
          parseRetryAfter(firstHeader(answer.headers["retry-after"])) ?? DEFAULT_BACKOFF_MS,
        );
      }
      throw new PermanentError(`wikipedia rejected the search for "${query}": ${code}: ${excerpt(info)}`);
    }
    return {
      results: (response.query?.search ?? []).map((result, index) => ({
        title: result.title,
        url: this.articleUrl(result.title),
        snippet: htmlToText(result.snippet),
        position: index + 1,
      })),
    };
  }
}

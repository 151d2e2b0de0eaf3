import { z } from "zod";
import {
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
  provider: "searxng",
  baseUrlVariable: "SEARXNG_BASE_URL",
  keyVariable: undefined,
};

const searxngResponseSchema = z.looseObject({
  results: z
    .array(
      z.looseObject({
        url: z.string().min(1),
        title: z.string().default(""),
        content: z.string().default(""),
      }),
    )
    .default([]),
  infoboxes: z
    .array(
      z.looseObject({
        infobox: z.string().default(""),
        content: z.string().optional(),
        urls: z.array(z.looseObject({ url: z.string() })).optional(),
        attributes: z.array(z.looseObject({ label: z.string(), value: z.string() })).optional(),
      }),
    )
    .default([]),
});

/**
 * Client of a self-hosted SearXNG instance: `GET /search?q=&format=json`. The instance must list
 * `json` in its `search.formats` setting, or it answers 403. One page of results is read (about
 * ten), so `num` above that returns fewer results.
 */
export class SearxngClient implements SearchProvider {
  readonly name = "searxng";
  readonly #endpoint: string;
  readonly #options: ProviderClientOptions;
  readonly #http: ProviderHttp;

  constructor(options: ProviderClientOptions) {
    this.#options = options;
    this.#endpoint = joinUrl(options.baseUrl, "/search");
    this.#http = new ProviderHttp(LABELS, options.timeoutMs);
  }

  async search({ query, num, signal }: SearchRequest): Promise<SearchAnswer> {
    const url = new URL(this.#endpoint);
    url.searchParams.set("q", query);
    url.searchParams.set("format", "json");
    const headers = { accept: "application/json", "user-agent": this.#options.userAgent };
    const answer = await this.#http.send(url.href, { method: "GET", headers, query }, signal);
    return this.#readAnswer(query, num, answer);
  }

  async close(): Promise<void> {
    await this.#http.close();
  }

  #readAnswer(query: string, num: number, answer: HttpAnswer): SearchAnswer {
    throwForStatus(LABELS, answer, { query, keySent: false });
    const response = parseAnswer(this.name, query, answer.body, searxngResponseSchema);
    const mapped: SearchAnswer = {
      results: response.results.slice(0, num).map((result, index) => ({
        title: htmlToText(result.title),
        url: result.url,
        snippet: htmlToText(result.content),
        position: index + 1,
      })),
    };
    const box = response.infoboxes[0];
    if (box !== undefined && box.infobox !== "") {
      mapped.knowledgePanel = {
        title: box.infobox,
        description: box.content === undefined ? undefined : htmlToText(box.content),
        url: box.urls?.[0]?.url,
        attributes:
          box.attributes === undefined
            ? undefined
            : Object.fromEntries(box.attributes.map((a) => [a.label, a.value])),
      };
    }
    return mapped;
  }
}

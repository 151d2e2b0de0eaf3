import type { SearchResult } from "@ampledata/shared";
import { z } from "zod";
import {
  excerpt,
  type HttpAnswer,
  joinUrl,
  type ProviderClientOptions,
  ProviderHttp,
  type ProviderLabels,
  parseAnswer,
  throwForStatus,
} from "./http-answer.ts";
import {
  ProviderUnavailableError,
  type SearchAnswer,
  type SearchProvider,
  type SearchRequest,
} from "./search-provider.ts";

export type SerperClientOptions = ProviderClientOptions;

const LABELS: ProviderLabels = {
  provider: "serper",
  baseUrlVariable: "SERPER_BASE_URL",
  keyVariable: "SERPER_API_KEY",
};

const organicResultSchema = z.looseObject({
  title: z.string().default(""),
  link: z.string().min(1),
  snippet: z.string().default(""),
  position: z.number().int().positive().optional(),
});

/** The part of a Serper response the pipeline reads; Serper omits `organic` when nothing matched. */
const serperResponseSchema = z.looseObject({
  organic: z.array(organicResultSchema).default([]),
  knowledgeGraph: z
    .looseObject({
      title: z.string().default(""),
      description: z.string().optional(),
      descriptionLink: z.string().optional(),
      website: z.string().optional(),
      attributes: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  peopleAlsoAsk: z
    .array(
      z.looseObject({ question: z.string(), snippet: z.string().optional(), link: z.string().optional() }),
    )
    .optional(),
});

/** Serper's answer when the account has no credits left: HTTP 400 `{"message": "Not enough credits"}`. */
const NO_CREDITS = /not enough credits/i;

/** Client of the Serper Google search API: `POST /search` with `{"q", "num"}` and the X-API-KEY header. */
export class SerperClient implements SearchProvider {
  readonly name = "serper";
  readonly #endpoint: string;
  readonly #options: SerperClientOptions;
  readonly #http: ProviderHttp;

  constructor(options: SerperClientOptions) {
    this.#options = options;
    this.#endpoint = joinUrl(options.baseUrl, "/search");
    this.#http = new ProviderHttp(LABELS, options.timeoutMs);
  }

  async search({ query, num, signal }: SearchRequest): Promise<SearchAnswer> {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/json",
      "user-agent": this.#options.userAgent,
    };
    if (this.#options.apiKey !== undefined) {
      headers["x-api-key"] = this.#options.apiKey;
    }
    const answer = await this.#http.send(
      this.#endpoint,
      { method: "POST", headers, body: JSON.stringify({ q: query, num }), query },
      signal,
    );
    return this.#readAnswer(query, answer);
  }

  async close(): Promise<void> {
    await this.#http.close();
  }

  #readAnswer(query: string, answer: HttpAnswer): SearchAnswer {
    if (answer.status === 400 && NO_CREDITS.test(answer.body)) {
      throw new ProviderUnavailableError(
        this.name,
        "quota",
        `serper has no credits left (HTTP 400: ${excerpt(answer.body)}); top up the Serper account behind SERPER_API_KEY or put another provider in SEARCH_PROVIDERS`,
      );
    }
    throwForStatus(LABELS, answer, { query, keySent: this.#options.apiKey !== undefined });
    const response = parseAnswer(this.name, query, answer.body, serperResponseSchema);
    const results: SearchResult[] = response.organic.map((result, index) => ({
      title: result.title,
      url: result.link,
      snippet: result.snippet,
      position: result.position ?? index + 1,
    }));
    const mapped: SearchAnswer = { results };
    const graph = response.knowledgeGraph;
    if (graph !== undefined && graph.title !== "") {
      mapped.knowledgePanel = {
        title: graph.title,
        description: graph.description,
        url: graph.website ?? graph.descriptionLink,
        attributes: graph.attributes === undefined ? undefined : stringValues(graph.attributes),
      };
    }
    if (response.peopleAlsoAsk !== undefined && response.peopleAlsoAsk.length > 0) {
      mapped.relatedQuestions = response.peopleAlsoAsk.map((entry) => ({
        question: entry.question,
        snippet: entry.snippet,
        url: entry.link,
      }));
    }
    return mapped;
  }
}

function stringValues(record: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record).flatMap(([key, value]) =>
      typeof value === "string" || typeof value === "number" ? [[key, String(value)]] : [],
    ),
  );
}

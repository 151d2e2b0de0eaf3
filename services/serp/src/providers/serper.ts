import {
  describeIssues,
  PermanentError,
  parseRetryAfter,
  type SearchResult,
  ThrottledError,
  TransientError,
} from "@ampledata/shared";
import { Agent, request } from "undici";
import { z } from "zod";
import type { SearchProvider, SearchRequest } from "./search-provider.ts";

export interface SerperClientOptions {
  /** Base URL such as https://google.serper.dev; the client posts to `{baseUrl}/search`. */
  baseUrl: string;
  /** Sent as X-API-KEY when set. */
  apiKey: string | undefined;
  /** Time limit of one request, headers and body included, in milliseconds. */
  timeoutMs: number;
}

const organicResultSchema = z.looseObject({
  title: z.string().default(""),
  link: z.string().min(1),
  snippet: z.string().default(""),
  position: z.number().int().positive().optional(),
});

/** The part of a Serper response the pipeline reads; Serper omits `organic` when nothing matched. */
const serperResponseSchema = z.looseObject({
  organic: z.array(organicResultSchema).default([]),
});

const EXCERPT_CHARS = 200;

/** Client of the Serper search API (`POST /search` with `{"q", "num"}` and the X-API-KEY header). */
export class SerperClient implements SearchProvider {
  readonly name = "serper";
  readonly #endpoint: string;
  readonly #apiKey: string | undefined;
  readonly #timeoutMs: number;
  readonly #agent: Agent;

  constructor(options: SerperClientOptions) {
    this.#endpoint = `${options.baseUrl.replace(/\/+$/, "")}/search`;
    this.#apiKey = options.apiKey;
    this.#timeoutMs = options.timeoutMs;
    this.#agent = new Agent({
      connectTimeout: options.timeoutMs,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  async search({ query, num, signal }: SearchRequest): Promise<SearchResult[]> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/json",
    };
    if (this.#apiKey !== undefined) {
      headers["x-api-key"] = this.#apiKey;
    }
    let status: number;
    let retryAfter: string | undefined;
    let body: string;
    try {
      const response = await request(this.#endpoint, {
        method: "POST",
        dispatcher: this.#agent,
        headers,
        body: JSON.stringify({ q: query, num }),
        signal: AbortSignal.any([signal, timeout]),
      });
      status = response.statusCode;
      retryAfter = firstHeader(response.headers["retry-after"]);
      body = await response.body.text();
    } catch (error) {
      if (signal.aborted) {
        // Cancellation or shutdown: the stage worker decides what happens to the message.
        throw error;
      }
      if (timeout.aborted) {
        throw new TransientError(
          `serper search for "${query}" timed out after ${this.#timeoutMs} ms (SEARCH_TIMEOUT_MS)`,
          { cause: error },
        );
      }
      throw new TransientError(
        `serper request to ${this.#endpoint} failed: ${(error as Error).message}; check SERPER_BASE_URL and the network`,
        { cause: error },
      );
    }
    return this.#readAnswer(query, status, retryAfter, body);
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  #readAnswer(query: string, status: number, retryAfter: string | undefined, body: string): SearchResult[] {
    if (status === 429) {
      throw new ThrottledError(
        `serper rate limit reached (HTTP 429) for "${query}"`,
        parseRetryAfter(retryAfter),
      );
    }
    if (status === 401 || status === 403) {
      const sent = this.#apiKey === undefined ? "no key was sent" : "the key was rejected";
      throw new PermanentError(
        `serper responded with HTTP ${status} (${sent}): the API key is missing or invalid; set SERPER_API_KEY to a valid Serper API key and restart the serp service`,
        { code: "PROVIDER_AUTH" },
      );
    }
    if (status === 408 || status >= 500) {
      throw new TransientError(`serper responded with HTTP ${status} for "${query}": ${excerpt(body)}`);
    }
    if (status < 200 || status >= 300) {
      throw new PermanentError(
        `serper rejected the search for "${query}" with HTTP ${status}: ${excerpt(body)}`,
      );
    }

    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (cause) {
      throw new PermanentError(
        `serper responded to "${query}" with a body that is not JSON: ${excerpt(body)}`,
        {
          code: "PROVIDER_RESPONSE_INVALID",
          cause,
        },
      );
    }
    const response = serperResponseSchema.safeParse(parsed);
    if (!response.success) {
      throw new PermanentError(
        `serper responded to "${query}" with JSON of an unexpected shape: ${describeIssues(response.error)}`,
        { code: "PROVIDER_RESPONSE_INVALID" },
      );
    }
    return response.data.organic.map((result, index) => ({
      title: result.title,
      url: result.link,
      snippet: result.snippet,
      position: result.position ?? index + 1,
    }));
  }
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function excerpt(body: string): string {
  const flat = body.replace(/\s+/g, " ").trim();
  if (flat === "") {
    return "(empty body)";
  }
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS)}...` : flat;
}

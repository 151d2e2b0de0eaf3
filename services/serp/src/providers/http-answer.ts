import {
  describeIssues,
  PermanentError,
  parseRetryAfter,
  ThrottledError,
  TransientError,
} from "@ampledata/shared";
import { load } from "cheerio";
import { Agent, request } from "undici";
import type { z } from "zod";
import { ProviderUnavailableError } from "./search-provider.ts";

/** Options of every search provider client. */
export interface ProviderClientOptions {
  /** Base URL of the API; each client appends its own path. */
  baseUrl: string;
  /** API key, when the provider takes one. */
  apiKey: string | undefined;
  /** Time limit of one request, headers and body included, in milliseconds. */
  timeoutMs: number;
  /** User-Agent header; Wikimedia asks API clients to identify themselves. */
  userAgent: string;
}

/** Names a provider uses in its error messages: its own name and the variables an operator sets. */
export interface ProviderLabels {
  provider: string;
  baseUrlVariable: string;
  /** Undefined for providers without a key (SearXNG, Wikipedia). */
  keyVariable: string | undefined;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

const EXCERPT_CHARS = 200;

/**
 * Sends one request of a search provider and reads the whole body. Network errors and timeouts
 * become TransientError; an abort of `signal` is thrown as it comes, so the stage worker sees the
 * cancellation.
 */
export class ProviderHttp {
  readonly #labels: ProviderLabels;
  readonly #timeoutMs: number;
  readonly #agent: Agent;

  constructor(labels: ProviderLabels, timeoutMs: number) {
    this.#labels = labels;
    this.#timeoutMs = timeoutMs;
    this.#agent = new Agent({ connectTimeout: timeoutMs, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  }

  async send(
    url: string,
    init: { method: "GET" | "POST"; headers: Record<string, string>; body?: string; query: string },
    signal: AbortSignal,
  ): Promise<HttpAnswer> {
    const { provider, baseUrlVariable } = this.#labels;
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    try {
      const response = await request(url, {
        method: init.method,
        dispatcher: this.#agent,
        headers: init.headers,
        body: init.body,
        signal: AbortSignal.any([signal, timeout]),
      });
      return { status: response.statusCode, headers: response.headers, body: await response.body.text() };
    } catch (error) {
      if (signal.aborted) {
        throw error;
      }
      if (timeout.aborted) {
        throw new TransientError(
          `${provider} search for "${init.query}" timed out after ${this.#timeoutMs} ms (SEARCH_TIMEOUT_MS)`,
          { cause: error },
        );
      }
      throw new TransientError(
        `${provider} request to ${new URL(url).origin} failed: ${(error as Error).message}; check ${baseUrlVariable} and the network`,
        { cause: error },
      );
    }
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}

/**
 * Throws the classified error of a response that is not a 2xx: ThrottledError for 429 (with its
 * Retry-After), ProviderUnavailableError for 401 and 403, TransientError for 408 and 5xx and
 * PermanentError for any other status. Returns for a 2xx.
 */
export function throwForStatus(
  labels: ProviderLabels,
  answer: HttpAnswer,
  context: { query: string; keySent: boolean },
): void {
  const { status } = answer;
  const { provider } = labels;
  if (status >= 200 && status < 300) {
    return;
  }
  if (status === 429) {
    throw new ThrottledError(
      `${provider} rate limit reached (HTTP 429) for "${context.query}"`,
      parseRetryAfter(firstHeader(answer.headers["retry-after"])),
    );
  }
  if (status === 401 || status === 403) {
    throw authError(labels, status, context.keySent, excerpt(answer.body));
  }
  if (status === 408 || status >= 500) {
    throw new TransientError(
      `${provider} responded with HTTP ${status} for "${context.query}": ${excerpt(answer.body)}`,
    );
  }
  throw new PermanentError(
    `${provider} rejected the search for "${context.query}" with HTTP ${status}: ${excerpt(answer.body)}`,
  );
}

/** Builds the error of a rejected key, naming the variable to set, or of a keyless provider that rejected access. */
export function authError(
  labels: ProviderLabels,
  status: number,
  keySent: boolean,
  detail: string,
): ProviderUnavailableError {
  const { provider, keyVariable, baseUrlVariable } = labels;
  if (keyVariable === undefined) {
    return new ProviderUnavailableError(
      provider,
      "auth",
      `${provider} responded with HTTP ${status}: the server refused access (${detail}); check that ${baseUrlVariable} points at a server that accepts API requests from this host`,
    );
  }
  const sent = keySent ? "the key was rejected" : `no key was sent because ${keyVariable} is not set`;
  return new ProviderUnavailableError(
    provider,
    "auth",
    `${provider} responded with HTTP ${status} (${sent}): the API key is missing or invalid; set ${keyVariable} to a valid ${provider} API key and restart the serp service`,
  );
}

/** Parses a JSON body against `schema`, or throws PermanentError with code PROVIDER_RESPONSE_INVALID. */
export function parseAnswer<T>(provider: string, query: string, body: string, schema: z.ZodType<T>): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (cause) {
    throw new PermanentError(
      `${provider} responded to "${query}" with a body that is not JSON: ${excerpt(body)}`,
      {
        code: "PROVIDER_RESPONSE_INVALID",
        cause,
      },
    );
  }
  const result = schema.safeParse(parsed);
  if (!result.success) {
    throw new PermanentError(
      `${provider} responded to "${query}" with JSON of an unexpected shape: ${describeIssues(result.error)}`,
      { code: "PROVIDER_RESPONSE_INVALID" },
    );
  }
  return result.data;
}

/** Plain text of an HTML fragment such as a snippet with `<strong>` or `<span class="searchmatch">` highlights. */
export function htmlToText(fragment: string): string {
  if (!/[<&]/.test(fragment)) {
    return fragment.trim();
  }
  return load(fragment, null, false).text().replace(/\s+/g, " ").trim();
}

export function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Flattens a body to one line and cuts it to 200 characters, for error messages. */
export function excerpt(body: string): string {
  const flat = body.replace(/\s+/g, " ").trim();
  if (flat === "") {
    return "(empty body)";
  }
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS)}...` : flat;
}

/** Joins a base URL and a path without doubling or losing the slash between them. */
export function joinUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, "")}${path}`;
}

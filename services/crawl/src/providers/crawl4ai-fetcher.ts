import {
  describeIssues,
  PermanentError,
  parseRetryAfter,
  ThrottledError,
  TransientError,
} from "@ampledata/shared";
import { Agent, request } from "undici";
import { z } from "zod";
import { type AddressGuard, AddressRefusedError } from "../guard/address-guard.ts";
import { statusError } from "./http-fetcher.ts";
import {
  type FetchedPage,
  isReadableType,
  mediaTypeOf,
  PageFailureError,
  type PageFetcher,
  unsupportedType,
} from "./page-fetcher.ts";

export interface Crawl4aiFetcherOptions {
  /** Base URL of the Crawl4AI server; pages are crawled with `POST {baseUrl}/crawl`. */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <token>` when set. */
  apiToken: string | undefined;
  /** Time limit of one page, in milliseconds; also sent to Crawl4AI as `page_timeout`. */
  deadlineMs: number;
  maxBodyBytes: number;
  userAgent: string;
  guard: AddressGuard;
}

const crawlResultSchema = z.looseObject({
  url: z.string().optional(),
  success: z.boolean(),
  status_code: z.number().int().nullable().optional(),
  html: z.string().nullable().optional(),
  cleaned_html: z.string().nullable().optional(),
  redirected_url: z.string().nullable().optional(),
  response_headers: z.record(z.string(), z.unknown()).nullable().optional(),
  error_message: z.string().nullable().optional(),
});

const crawlResponseSchema = z.looseObject({
  success: z.boolean().optional(),
  results: z.array(crawlResultSchema),
});

/** Extra time the Crawl4AI request gets on top of the page deadline, for the browser's start and the response. */
const SERVER_MARGIN_MS = 5000;

/**
 * Fetches pages through a Crawl4AI server, which renders them in a headless browser. The SSRF
 * guard checks the page's host before the request and the final URL after it, but Crawl4AI
 * resolves and connects by itself, so it cannot pin addresses: run it where it cannot reach
 * private networks.
 */
export class Crawl4aiFetcher implements PageFetcher {
  readonly name = "crawl4ai";
  readonly #options: Crawl4aiFetcherOptions;
  readonly #endpoint: string;
  readonly #agent: Agent;

  constructor(options: Crawl4aiFetcherOptions) {
    this.#options = options;
    this.#endpoint = `${options.baseUrl.replace(/\/+$/, "")}/crawl`;
    const timeout = options.deadlineMs + SERVER_MARGIN_MS;
    this.#agent = new Agent({ connectTimeout: timeout, headersTimeout: timeout, bodyTimeout: timeout });
  }

  async fetch(url: string, signal: AbortSignal): Promise<FetchedPage> {
    await this.#checkHost(url, url);
    const answer = await this.#post(url, signal);
    const result = answer.results[0];
    if (result === undefined) {
      throw new TransientError(`crawl4ai returned no result for ${url}`);
    }
    const finalUrl = result.redirected_url || result.url || url;
    const status = result.status_code ?? (result.success ? 200 : undefined);
    if (!result.success && (status === undefined || status < 400)) {
      throw crawlFailure(url, result.error_message ?? "no error message");
    }
    if (status !== undefined && (status < 200 || status >= 300)) {
      throw statusError(url, finalUrl, status, undefined);
    }
    if (finalUrl !== url) {
      await this.#checkHost(url, finalUrl);
    }
    const contentType = headerValue(result.response_headers, "content-type") ?? "text/html";
    if (!isReadableType(mediaTypeOf(contentType))) {
      throw unsupportedType(url, finalUrl, mediaTypeOf(contentType));
    }
    const html = result.html || result.cleaned_html || "";
    const bytes = Buffer.from(html, "utf8");
    const truncated = bytes.length > this.#options.maxBodyBytes;
    return {
      url,
      finalUrl,
      status: status ?? 200,
      // Crawl4AI returns the HTML as a JSON string, so it is UTF-8 now whatever the page declared.
      contentType: `${mediaTypeOf(contentType) || "text/html"}; charset=utf-8`,
      body: truncated ? bytes.subarray(0, this.#options.maxBodyBytes) : bytes,
      truncated,
    };
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  async #checkHost(url: string, target: string): Promise<void> {
    let host: string;
    try {
      const parsed = new URL(target);
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
        throw new Error("not http(s)");
      }
      host = parsed.hostname;
    } catch {
      throw new PageFailureError(
        url,
        "error",
        `${target} is not an http(s) URL; the crawler fetches only http and https`,
      );
    }
    try {
      await this.#options.guard.resolve(host);
    } catch (error) {
      if (error instanceof AddressRefusedError) {
        throw new PageFailureError(url, "blocked", `${target} ${error.message}`, { cause: error });
      }
      const code = (error as { code?: string }).code;
      if (code === "ENOTFOUND") {
        throw new PageFailureError(
          url,
          "error",
          `${target} is unreachable: ${(error as Error).message} (${code})`,
        );
      }
      throw new TransientError(`resolving ${host} failed: ${(error as Error).message}`, { cause: error });
    }
  }

  async #post(url: string, signal: AbortSignal): Promise<z.infer<typeof crawlResponseSchema>> {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/json",
    };
    if (this.#options.apiToken !== undefined) {
      headers.authorization = `Bearer ${this.#options.apiToken}`;
    }
    const body = JSON.stringify({
      urls: [url],
      browser_config: {
        type: "BrowserConfig",
        params: { headless: true, user_agent: this.#options.userAgent },
      },
      crawler_config: {
        type: "CrawlerRunConfig",
        params: { cache_mode: "bypass", stream: false, page_timeout: this.#options.deadlineMs },
      },
    });
    const timeout = AbortSignal.timeout(this.#options.deadlineMs + SERVER_MARGIN_MS);
    let status: number;
    let text: string;
    let retryAfter: string | undefined;
    try {
      const response = await request(this.#endpoint, {
        method: "POST",
        dispatcher: this.#agent,
        headers,
        body,
        signal: AbortSignal.any([signal, timeout]),
      });
      status = response.statusCode;
      const header = response.headers["retry-after"];
      retryAfter = Array.isArray(header) ? header[0] : header;
      text = await response.body.text();
    } catch (error) {
      if (signal.aborted) {
        throw error;
      }
      if (timeout.aborted) {
        throw new TransientError(
          `crawl4ai did not answer for ${url} within ${this.#options.deadlineMs + SERVER_MARGIN_MS} ms`,
          {
            cause: error,
          },
        );
      }
      throw new TransientError(
        `crawl4ai request to ${this.#endpoint} failed: ${(error as Error).message}; check CRAWL4AI_BASE_URL and that the server runs`,
        { cause: error },
      );
    }
    return this.#readAnswer(url, status, text, retryAfter);
  }

  #readAnswer(url: string, status: number, text: string, retryAfter: string | undefined) {
    if (status === 401 || status === 403) {
      const sent =
        this.#options.apiToken === undefined
          ? "no token was sent because CRAWL4AI_API_TOKEN is not set"
          : "the token was rejected";
      throw new PermanentError(
        `crawl4ai responded with HTTP ${status} (${sent}); set CRAWL4AI_API_TOKEN to the server's API token and restart the crawl service`,
        { code: "PROVIDER_AUTH" },
      );
    }
    if (status === 429) {
      throw new ThrottledError(
        `crawl4ai rate limit reached (HTTP 429) for ${url}`,
        parseRetryAfter(retryAfter),
      );
    }
    if (status === 408 || status >= 500) {
      throw new TransientError(`crawl4ai responded with HTTP ${status} for ${url}: ${text.slice(0, 200)}`);
    }
    if (status < 200 || status >= 300) {
      throw new PermanentError(
        `crawl4ai rejected the crawl of ${url} with HTTP ${status}: ${text.slice(0, 200)}`,
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (cause) {
      throw new TransientError(
        `crawl4ai responded to ${url} with a body that is not JSON: ${text.slice(0, 200)}`,
        { cause },
      );
    }
    const answer = crawlResponseSchema.safeParse(parsed);
    if (!answer.success) {
      throw new PermanentError(
        `crawl4ai responded to ${url} with JSON of an unexpected shape: ${describeIssues(answer.error)}`,
        {
          code: "PROVIDER_RESPONSE_INVALID",
        },
      );
    }
    return answer.data;
  }
}

/** Classifies a crawl that Crawl4AI reported as failed without an HTTP status: a missing host is permanent, the rest transient. */
function crawlFailure(url: string, message: string): Error {
  if (/ERR_NAME_NOT_RESOLVED|ENOTFOUND|getaddrinfo/i.test(message)) {
    return new PageFailureError(url, "error", `${url} is unreachable: ${message}`);
  }
  return new TransientError(`crawl4ai could not crawl ${url}: ${message}`);
}

function headerValue(headers: Record<string, unknown> | null | undefined, name: string): string | undefined {
  if (!headers) {
    return undefined;
  }
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) {
      if (Array.isArray(value)) {
        return String(value[0]);
      }
      return typeof value === "string" ? value : undefined;
    }
  }
  return undefined;
}

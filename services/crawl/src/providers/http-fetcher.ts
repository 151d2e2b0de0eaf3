import { parseRetryAfter, ThrottledError, TransientError } from "@ampledata/shared";
import { Agent, type Dispatcher, ProxyAgent, request } from "undici";
import { type FetchedPage, PageFailureError, type PageFetcher } from "./page-fetcher.ts";

export interface HttpFetcherOptions {
  /** Forward proxy for every request; direct connections when undefined. */
  proxyUrl?: string;
  /** Time limit of one page, redirects and body included, in milliseconds. */
  timeoutMs: number;
  maxBodyBytes: number;
  maxRedirects: number;
  userAgent: string;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const BLOCKED_STATUSES = new Set([401, 403, 451]);
/** Media types the extractor can read. A missing Content-Type is read as HTML. */
const ACCEPTED_TYPES = new Set(["text/html", "application/xhtml+xml", "text/plain", "application/json"]);
/** Network errors that another attempt will not fix: the host does not exist or its certificate is bad. */
const UNREACHABLE_CODES =
  /^(ENOTFOUND|ERR_INVALID_URL|CERT_\w+|ERR_TLS_\w+|UNABLE_TO_VERIFY_LEAF_SIGNATURE|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)$/;

/**
 * Fetches pages with undici, directly or through a forward proxy. Redirects are followed here, one
 * hop at a time, because undici's redirect interceptor does not report the final URL. Following
 * them here also checks each hop's scheme, and a later robots.txt or SSRF check belongs at the
 * same place.
 */
export class HttpFetcher implements PageFetcher {
  readonly #options: HttpFetcherOptions;
  readonly #dispatcher: Dispatcher;

  constructor(options: HttpFetcherOptions) {
    this.#options = options;
    const timeouts = {
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      connect: { timeout: options.timeoutMs },
    };
    this.#dispatcher = options.proxyUrl
      ? new ProxyAgent({ uri: options.proxyUrl, ...timeouts })
      : new Agent(timeouts);
  }

  async fetch(url: string, signal: AbortSignal): Promise<FetchedPage> {
    const timeout = AbortSignal.timeout(this.#options.timeoutMs);
    const combined = AbortSignal.any([signal, timeout]);
    let target = httpUrl(url, url);
    for (let redirects = 0; ; redirects += 1) {
      try {
        const response = await request(target, {
          method: "GET",
          dispatcher: this.#dispatcher,
          signal: combined,
          headers: {
            "user-agent": this.#options.userAgent,
            accept: "text/html,application/xhtml+xml,text/plain;q=0.8,application/json;q=0.8,*/*;q=0.1",
          },
        });
        const status = response.statusCode;
        if (REDIRECT_STATUSES.has(status)) {
          await response.body.dump();
          target = this.#nextHop(url, target, status, header(response.headers.location), redirects);
          continue;
        }
        if (status < 200 || status >= 300) {
          await response.body.dump().catch(() => {});
          throw statusError(url, target, status, header(response.headers["retry-after"]));
        }
        const contentType = header(response.headers["content-type"]) ?? "";
        const mediaType = contentType.split(";")[0]!.trim().toLowerCase();
        if (mediaType !== "" && !ACCEPTED_TYPES.has(mediaType) && !mediaType.endsWith("+json")) {
          await response.body.dump();
          throw new PageFailureError(
            url,
            "error",
            `${target.href} has content type ${mediaType}; the crawler reads HTML, XHTML, plain text and JSON`,
          );
        }
        const { body, truncated } = await readCapped(response.body, this.#options.maxBodyBytes);
        return { url, finalUrl: target.href, status, contentType, body, truncated };
      } catch (error) {
        throw this.#classify(error, url, signal, timeout);
      }
    }
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }

  #nextHop(url: string, from: URL, status: number, location: string | undefined, redirects: number): URL {
    if (location === undefined) {
      throw new PageFailureError(
        url,
        "error",
        `${from.href} responded with HTTP ${status} without a Location header`,
      );
    }
    if (redirects >= this.#options.maxRedirects) {
      throw new PageFailureError(
        url,
        "error",
        `${url} redirected more than ${this.#options.maxRedirects} times (CRAWL_MAX_REDIRECTS); last hop ${from.href}`,
      );
    }
    let next: URL;
    try {
      next = new URL(location, from);
    } catch {
      throw new PageFailureError(
        url,
        "error",
        `${from.href} redirected to an invalid URL ${JSON.stringify(location)}`,
      );
    }
    return httpUrl(url, next.href);
  }

  #classify(error: unknown, url: string, signal: AbortSignal, timeout: AbortSignal): unknown {
    if (signal.aborted || error instanceof PageFailureError) {
      return error;
    }
    if (error instanceof ThrottledError || error instanceof TransientError) {
      return error;
    }
    if (timeout.aborted) {
      return new TransientError(`${url} timed out after ${this.#options.timeoutMs} ms (CRAWL_TIMEOUT_MS)`, {
        cause: error,
      });
    }
    const code = (error as { code?: unknown }).code;
    const message = (error as Error).message ?? String(error);
    if (typeof code === "string" && UNREACHABLE_CODES.test(code)) {
      return new PageFailureError(url, "error", `${url} is unreachable: ${message} (${code})`, {
        cause: error,
      });
    }
    return new TransientError(
      `fetching ${url} failed: ${message}${typeof code === "string" ? ` (${code})` : ""}`,
      {
        cause: error,
      },
    );
  }
}

/** Classifies a response that is neither a success nor a redirect as an error. */
function statusError(url: string, target: URL, status: number, retryAfter: string | undefined): Error {
  if (status === 429) {
    return new ThrottledError(
      `${target.href} responded with HTTP 429 (rate limited)`,
      parseRetryAfter(retryAfter),
    );
  }
  if (status === 408 || status >= 500) {
    return new TransientError(`${target.href} responded with HTTP ${status}`);
  }
  const outcome = BLOCKED_STATUSES.has(status) ? "blocked" : "error";
  return new PageFailureError(url, outcome, `${target.href} responded with HTTP ${status}`);
}

/** Parses `raw` as an absolute http(s) URL, or throws PageFailureError naming the page. */
function httpUrl(page: string, raw: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new PageFailureError(page, "error", `${JSON.stringify(raw)} is not a valid URL`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new PageFailureError(
      page,
      "error",
      `${parsed.href} is not an http(s) URL; the crawler fetches only http and https`,
    );
  }
  parsed.hash = "";
  return parsed;
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Reads a body up to `maxBytes`; past that it stops reading and closes the stream. */
async function readCapped(
  body: Dispatcher.ResponseData["body"],
  maxBytes: number,
): Promise<{ body: Uint8Array; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    const room = maxBytes - size;
    if (chunk.length > room) {
      chunks.push(chunk.subarray(0, room));
      size += room;
      truncated = true;
      break;
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  if (truncated) {
    body.destroy();
  }
  return { body: Buffer.concat(chunks, size), truncated };
}

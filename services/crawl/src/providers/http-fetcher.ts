import { parseRetryAfter, ThrottledError, TransientError } from "@ampledata/shared";
import { Agent, buildConnector, type Dispatcher, ProxyAgent, request } from "undici";
import { type AddressGuard, AddressRefusedError } from "../guard/address-guard.ts";
import { createGuardedConnector } from "../guard/guarded-connector.ts";
import { ACCEPT_ENCODING, readBody } from "./body-reader.ts";
import {
  type FetchedPage,
  isReadableType,
  mediaTypeOf,
  PageFailureError,
  type PageFetcher,
  unsupportedType,
} from "./page-fetcher.ts";

export interface HttpFetcherOptions {
  /** Forward proxy for every request; direct connections when undefined. */
  proxyUrl?: string;
  /** Time limit of one page, redirects and body included, in milliseconds. */
  deadlineMs: number;
  /** Bytes of decoded body read; the rest is cut and the page marked truncated. */
  maxBodyBytes: number;
  maxRedirects: number;
  userAgent: string;
  guard: AddressGuard;
  /** Opens the sockets of direct connections after the guard's check; tests pass a spy. */
  connector?: buildConnector.connector;
}

/** A response after redirects, whatever its status; robots.txt reads these. */
export interface HttpResponse {
  url: string;
  finalUrl: string;
  status: number;
  contentType: string;
  retryAfter: string | undefined;
  body: Uint8Array;
  truncated: boolean;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const BLOCKED_STATUSES = new Set([401, 403, 451]);
const PAGE_ACCEPT = "text/html,application/xhtml+xml,text/plain;q=0.8,application/json;q=0.8,*/*;q=0.1";
/** Network errors that another attempt will not fix: the host does not exist or its certificate is bad. */
const UNREACHABLE_CODES =
  /^(ENOTFOUND|ERR_INVALID_URL|CERT_\w+|ERR_TLS_\w+|UNABLE_TO_VERIFY_LEAF_SIGNATURE|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)$/;

/**
 * Fetches pages with undici, directly or through a forward proxy, behind the SSRF guard. Direct
 * connections go through the guard's connector, which checks every address a host resolves to
 * and connects to the checked one. Through a proxy, the proxy resolves host names, so only IP
 * literal hosts are checked here. Redirects are followed one hop at a time, because undici's
 * redirect interceptor does not report the final URL, and each hop gets the same checks.
 */
export class HttpFetcher implements PageFetcher {
  readonly name = "http";
  readonly #options: HttpFetcherOptions;
  readonly #dispatcher: Dispatcher;

  constructor(options: HttpFetcherOptions) {
    this.#options = options;
    const timeouts = { headersTimeout: options.deadlineMs, bodyTimeout: options.deadlineMs };
    if (options.proxyUrl) {
      this.#dispatcher = new ProxyAgent({
        uri: options.proxyUrl,
        ...timeouts,
        connectTimeout: options.deadlineMs,
      });
    } else {
      const inner = options.connector ?? buildConnector({ timeout: options.deadlineMs });
      this.#dispatcher = new Agent({ ...timeouts, connect: createGuardedConnector(options.guard, inner) });
    }
  }

  async fetch(url: string, signal: AbortSignal): Promise<FetchedPage> {
    const response = await this.get(url, signal, { accept: PAGE_ACCEPT, acceptType: isReadableType });
    const { status, finalUrl } = response;
    if (status < 200 || status >= 300) {
      throw statusError(url, finalUrl, status, response.retryAfter);
    }
    return {
      url,
      finalUrl,
      status,
      contentType: response.contentType,
      body: response.body,
      truncated: response.truncated,
    };
  }

  /**
   * GETs `url`, following redirects, and returns the final response whatever its status. A 2xx
   * whose media type `acceptType` rejects fails before its body is read.
   */
  async get(
    url: string,
    signal: AbortSignal,
    options: { accept: string; acceptType: (mediaType: string) => boolean },
  ): Promise<HttpResponse> {
    const deadline = AbortSignal.timeout(this.#options.deadlineMs);
    const combined = AbortSignal.any([signal, deadline]);
    let target = httpUrl(url, url);
    for (let redirects = 0; ; redirects += 1) {
      try {
        this.#options.guard.checkLiteral(target.hostname);
        const response = await request(target, {
          method: "GET",
          dispatcher: this.#dispatcher,
          signal: combined,
          headers: {
            "user-agent": this.#options.userAgent,
            accept: options.accept,
            "accept-encoding": ACCEPT_ENCODING,
          },
        });
        const status = response.statusCode;
        if (REDIRECT_STATUSES.has(status)) {
          await response.body.dump();
          target = this.#nextHop(url, target, status, header(response.headers.location), redirects);
          continue;
        }
        const contentType = header(response.headers["content-type"]) ?? "";
        if (status >= 200 && status < 300 && !options.acceptType(mediaTypeOf(contentType))) {
          await response.body.dump().catch(() => {});
          throw unsupportedType(url, target.href, mediaTypeOf(contentType));
        }
        const encoding = header(response.headers["content-encoding"]);
        const read = await readBody(response.body, encoding, this.#options.maxBodyBytes, target.href);
        return {
          url,
          finalUrl: target.href,
          status,
          contentType,
          retryAfter: header(response.headers["retry-after"]),
          ...read,
        };
      } catch (error) {
        throw this.#classify(error, url, target, signal, deadline);
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
        {
          cacheable: true,
        },
      );
    }
    if (redirects >= this.#options.maxRedirects) {
      throw new PageFailureError(
        url,
        "error",
        `${url} redirected more than ${this.#options.maxRedirects} times (CRAWL_MAX_REDIRECTS); last hop ${from.href}`,
        { cacheable: true },
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
        {
          cacheable: true,
        },
      );
    }
    return httpUrl(url, next.href);
  }

  #classify(error: unknown, url: string, target: URL, signal: AbortSignal, deadline: AbortSignal): unknown {
    if (signal.aborted || error instanceof PageFailureError) {
      return error;
    }
    if (error instanceof AddressRefusedError) {
      const hop = target.href === url ? "" : ` (redirect hop of ${url})`;
      return new PageFailureError(url, "blocked", `${target.href}${hop} ${error.message}`, { cause: error });
    }
    if (error instanceof ThrottledError || error instanceof TransientError) {
      return error;
    }
    if (deadline.aborted) {
      return new TransientError(
        `${url} timed out after ${this.#options.deadlineMs} ms (CRAWL_PAGE_DEADLINE_MS)`,
        {
          cause: error,
        },
      );
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

/** Classifies a final response that is not a 2xx as an error. */
export function statusError(
  url: string,
  finalUrl: string,
  status: number,
  retryAfter: string | undefined,
): Error {
  if (status === 429) {
    return new ThrottledError(
      `${finalUrl} responded with HTTP 429 (rate limited)`,
      parseRetryAfter(retryAfter),
    );
  }
  if (status === 408 || status >= 500) {
    return new TransientError(`${finalUrl} responded with HTTP ${status}`);
  }
  const outcome = BLOCKED_STATUSES.has(status) ? "blocked" : "error";
  return new PageFailureError(url, outcome, `${finalUrl} responded with HTTP ${status}`, { cacheable: true });
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

import { PermanentError } from "@ampledata/shared";

/** A response the crawler can read: a 2xx with an accepted content type. */
export interface FetchedPage {
  /** URL asked for. */
  url: string;
  /** URL of the response after redirects. */
  finalUrl: string;
  status: number;
  /** Content-Type header as sent, or an empty string when absent. */
  contentType: string;
  /** Decoded body: after Content-Encoding is undone, before the charset is. */
  body: Uint8Array;
  /** True when the body was longer than the byte limit and only its start was read. */
  truncated: boolean;
}

/**
 * A page that cannot be used and will not improve on retry: a 404, a 403, a wrong content type,
 * a redirect loop, a refused address. `outcome` is "blocked" when the site or a crawl policy
 * refuses access and "error" otherwise. `cacheable` marks failures that the page's response
 * decided (a status or content type), which the page cache may store like a page.
 */
export class PageFailureError extends PermanentError {
  readonly outcome: "blocked" | "error";
  readonly url: string;
  readonly cacheable: boolean;

  constructor(
    url: string,
    outcome: "blocked" | "error",
    message: string,
    options?: ErrorOptions & { cacheable?: boolean },
  ) {
    super(message, options);
    this.url = url;
    this.outcome = outcome;
    this.cacheable = options?.cacheable ?? false;
  }
}

/**
 * Fetches one page. Implementations make one attempt and classify failures: PageFailureError for
 * pages that cannot be used, ThrottledError for 429, TransientError for timeouts, network errors
 * and 5xx. An abort of `signal` (job cancellation, shutdown) is thrown as it comes.
 */
export interface PageFetcher {
  /** Provider name in usage, metrics and spans: "http" or "crawl4ai". */
  readonly name: string;
  fetch(url: string, signal: AbortSignal): Promise<FetchedPage>;
  /** Closes the fetcher's connections. */
  close(): Promise<void>;
}

/** Media types the extractor can read. A missing Content-Type is read as HTML. */
const ACCEPTED_TYPES = new Set(["text/html", "application/xhtml+xml", "text/plain", "application/json"]);

/** True for HTML, XHTML, plain text, JSON (also `+json` types) and a missing type. */
export function isReadableType(mediaType: string): boolean {
  return mediaType === "" || ACCEPTED_TYPES.has(mediaType) || mediaType.endsWith("+json");
}

/** The media type of a Content-Type header, lower case and without parameters. */
export function mediaTypeOf(contentType: string): string {
  return contentType.split(";")[0]!.trim().toLowerCase();
}

export function unsupportedType(url: string, finalUrl: string, mediaType: string): PageFailureError {
  return new PageFailureError(
    url,
    "error",
    `unsupported content type ${mediaType} at ${finalUrl}; the crawler reads HTML, XHTML, plain text and JSON`,
    { cacheable: true },
  );
}

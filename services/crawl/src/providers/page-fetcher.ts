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
  body: Uint8Array;
  /** True when the body was longer than the byte limit and only its start was read. */
  truncated: boolean;
}

/**
 * A page that cannot be used and will not improve on retry: a 404, a 403, a wrong content type,
 * a redirect loop. `outcome` is "blocked" when the site refuses access and "error" otherwise.
 */
export class PageFailureError extends PermanentError {
  readonly outcome: "blocked" | "error";
  readonly url: string;

  constructor(url: string, outcome: "blocked" | "error", message: string, options?: ErrorOptions) {
    super(message, options);
    this.url = url;
    this.outcome = outcome;
  }
}

/**
 * Fetches one page. Implementations make one attempt and classify failures: PageFailureError for
 * pages that cannot be used, ThrottledError for 429, TransientError for timeouts, network errors
 * and 5xx. An abort of `signal` (job cancellation, shutdown) is thrown as it comes.
 */
export interface PageFetcher {
  fetch(url: string, signal: AbortSignal): Promise<FetchedPage>;
  /** Closes the fetcher's connections. */
  close(): Promise<void>;
}

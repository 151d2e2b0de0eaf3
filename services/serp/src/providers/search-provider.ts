import type { SearchResult } from "@ampledata/shared";

export interface SearchRequest {
  query: string;
  /** Results asked for. */
  num: number;
  /** Aborts the request on job cancellation or shutdown. */
  signal: AbortSignal;
}

/**
 * A web search API. `search` makes exactly one request and classifies its failure: PermanentError
 * when retrying cannot help (bad key, rejected request, unreadable response), ThrottledError for
 * rate limits and TransientError for timeouts, network errors and server errors. The caller retries.
 */
export interface SearchProvider {
  /** Provider name for metrics, spans, usage and `work.search.provider`. */
  readonly name: string;
  search(request: SearchRequest): Promise<SearchResult[]>;
  /** Closes the provider's connections. */
  close(): Promise<void>;
}

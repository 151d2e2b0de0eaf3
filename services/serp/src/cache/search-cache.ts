import type { Logger, ServiceMetrics } from "@ampledata/shared";
import { cacheKey, KvJsonCache } from "@ampledata/shared";
import type { NatsConnection } from "@nats-io/nats-core";
import { type SearchAnswer, searchAnswerSchema } from "../providers/search-provider.ts";

/** KV bucket of search answers. */
export const SEARCH_CACHE_BUCKET = "cache-search";

/** Cached answers of search providers, keyed by provider, result count and normalised query. */
export class SearchCache {
  readonly #cache: KvJsonCache<SearchAnswer>;

  private constructor(cache: KvJsonCache<SearchAnswer>) {
    this.#cache = cache;
  }

  /** Opens the `cache-search` bucket; returns undefined when `ttlMs` is 0 (cache disabled). */
  static async open(
    connection: NatsConnection,
    options: { ttlMs: number; metrics: ServiceMetrics; logger: Logger },
  ): Promise<SearchCache | undefined> {
    const cache = await KvJsonCache.open(connection, {
      ...options,
      name: "search",
      bucket: SEARCH_CACHE_BUCKET,
      description: "Search provider answers, key = provider and hash of the normalised query",
      schema: searchAnswerSchema,
    });
    return cache === undefined ? undefined : new SearchCache(cache);
  }

  get(provider: string, query: string, num: number): Promise<SearchAnswer | undefined> {
    return this.#cache.get(searchCacheKey(provider, query, num));
  }

  put(provider: string, query: string, num: number, answer: SearchAnswer): Promise<void> {
    return this.#cache.put(searchCacheKey(provider, query, num), answer);
  }
}

/** Query as cached: Unicode NFC, lower case, runs of white space collapsed to one space. */
export function normalizeQuery(query: string): string {
  return query.normalize("NFC").toLowerCase().replace(/\s+/g, " ").trim();
}

export function searchCacheKey(provider: string, query: string, num: number): string {
  return cacheKey(provider, provider, String(num), normalizeQuery(query));
}

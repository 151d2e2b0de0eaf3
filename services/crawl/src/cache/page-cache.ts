import {
  cacheKey,
  KvJsonCache,
  type Logger,
  MAX_ENTRY_BYTES,
  pageContentSchema,
  type ServiceMetrics,
} from "@ampledata/shared";
import type { NatsConnection } from "@nats-io/nats-core";
import { z } from "zod";
import { fitPage } from "../content-budget.ts";
import type { AnalyzedPage } from "../page-reader.ts";

/** KV bucket of crawled pages. */
export const PAGE_CACHE_BUCKET = "cache-pages";

/**
 * Characters of JSON a cached page may take before it is cut. Every character takes at most three
 * bytes in UTF-8, so this stays under the entry limit; an entry still too large is cut again.
 */
const CACHED_PAGE_CHARS = Math.floor(MAX_ENTRY_BYTES / 3);

const pageEntrySchema = z.union([
  z.object({ page: pageContentSchema, captchaMarkup: z.boolean() }),
  z.object({ failure: z.object({ outcome: z.enum(["blocked", "error"]), reason: z.string() }) }),
]);

/** A cached crawl of a URL: the analysed page, or the failure its response decided (a 404, a PDF). */
export type PageEntry = AnalyzedPage | { failure: { outcome: "blocked" | "error"; reason: string } };

/**
 * Crawled pages keyed by a hash of the normalised URL. Pages are stored analysed (text, headings,
 * structured data) and trimmed to stay under the 1 MiB message limit, never as raw HTML.
 */
export class PageCache {
  readonly #cache: KvJsonCache<PageEntry>;

  private constructor(cache: KvJsonCache<PageEntry>) {
    this.#cache = cache;
  }

  /** Opens the `cache-pages` bucket; returns undefined when `ttlMs` is 0 (cache disabled). */
  static async open(
    connection: NatsConnection,
    options: { ttlMs: number; metrics: ServiceMetrics; logger: Logger },
  ): Promise<PageCache | undefined> {
    const cache = await KvJsonCache.open(connection, {
      ...options,
      name: "pages",
      bucket: PAGE_CACHE_BUCKET,
      description: "Crawled pages after analysis, key = hash of the normalised URL",
      schema: pageEntrySchema,
    });
    return cache === undefined ? undefined : new PageCache(cache);
  }

  get(url: string): Promise<PageEntry | undefined> {
    return this.#cache.get(pageCacheKey(url));
  }

  async put(url: string, entry: PageEntry): Promise<void> {
    if ("failure" in entry) {
      await this.#cache.put(pageCacheKey(url), entry);
      return;
    }
    let page = fitPage(entry.page, CACHED_PAGE_CHARS);
    const bytes = Buffer.byteLength(JSON.stringify(page));
    if (bytes > MAX_ENTRY_BYTES) {
      page = fitPage(page, Math.floor(CACHED_PAGE_CHARS * (MAX_ENTRY_BYTES / bytes) * 0.9));
    }
    await this.#cache.put(pageCacheKey(url), { page, captchaMarkup: entry.captchaMarkup });
  }
}

/** URL as cached: WHATWG-normalised (host case, default port, percent-encoding) and without its fragment. */
export function normalizePageUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.hash = "";
    return parsed.href;
  } catch {
    return url;
  }
}

export function pageCacheKey(url: string): string {
  return cacheKey("page", normalizePageUrl(url));
}

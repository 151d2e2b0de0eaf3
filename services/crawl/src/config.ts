import { baseConfigShape, intVar, loadConfig } from "@ampledata/shared";
import { z } from "zod";

const MIB = 1024 * 1024;

/** Environment variables of the crawl service, on top of the ones every service reads. */
export const crawlConfigShape = {
  ...baseConfigShape,
  /** Rows handled at once by this process. */
  CONCURRENCY: intVar(5, 1, 1000),
  /** Pages of one row fetched at once. */
  CRAWL_PAGE_CONCURRENCY: intVar(3, 1, 20),
  /** Forward proxy for every page request, such as an egress proxy or the sandbox web; direct when unset. */
  CRAWL_PROXY_URL: z
    .url({ protocol: /^https?$/, message: "expected an http(s) proxy URL such as http://127.0.0.1:8080" })
    .optional(),
  /** Time limit of one page, redirects and body included, in milliseconds. */
  CRAWL_TIMEOUT_MS: intVar(15_000, 100, 300_000),
  /** Bytes read of one response body; reading stops there and the page is marked truncated. */
  CRAWL_MAX_BODY_BYTES: intVar(5 * MIB, 1024, 100 * MIB),
  /** Redirects followed per page. */
  CRAWL_MAX_REDIRECTS: intVar(5, 0, 20),
  /** In-process retries of a page after a network error, timeout, 429 or 5xx. */
  CRAWL_RETRIES: intVar(2, 0, 10),
  /** Characters of page content (serialised as JSON) the row may carry to extract, across all its pages. */
  CRAWL_MAX_CONTENT_CHARS: intVar(200_000, 1000, 800_000),
  CRAWL_USER_AGENT: z.string().min(1).default("AmpleData/0.1 (data enrichment crawler)"),
};

export type CrawlConfig = ReturnType<typeof loadCrawlConfig>;

/** Reads and validates the crawl configuration; throws ConfigError naming each invalid variable. */
export function loadCrawlConfig(env: Record<string, string | undefined> = process.env) {
  return loadConfig(crawlConfigShape, env);
}

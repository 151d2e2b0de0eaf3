import { baseConfigShape, booleanVar, ConfigError, intVar, loadConfig } from "@ampledata/shared";
import { z } from "zod";
import { isValidCidr } from "./guard/address-guard.ts";

const MIB = 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;

function commaList() {
  return z
    .string()
    .transform((value) =>
      value
        .split(",")
        .map((item) => item.trim())
        .filter((item) => item !== ""),
    )
    .default([]);
}

/** Environment variables of the crawl service, on top of the ones every service reads. */
export const crawlConfigShape = {
  ...baseConfigShape,
  /** Rows handled at once by this process. */
  CONCURRENCY: intVar(5, 1, 1000),
  /** Pages of one row fetched at once. */
  CRAWL_PAGE_CONCURRENCY: intVar(3, 1, 20),
  /** Page fetcher: `http` fetches with undici, `crawl4ai` asks a Crawl4AI server to render the page. */
  CRAWL_PROVIDER: z.enum(["http", "crawl4ai"], { message: "expected http or crawl4ai" }).default("http"),
  /** Forward proxy for every page request, such as an egress proxy or the sandbox web; direct when unset. */
  CRAWL_PROXY_URL: z
    .url({ protocol: /^https?$/, message: "expected an http(s) proxy URL such as http://127.0.0.1:8080" })
    .optional(),
  /** Base URL of a Crawl4AI server; required when CRAWL_PROVIDER=crawl4ai. */
  CRAWL4AI_BASE_URL: z
    .url({ protocol: /^https?$/, message: "expected an http(s) URL such as http://crawl4ai:11235" })
    .optional(),
  /** Bearer token of the Crawl4AI server, when its API is protected. */
  CRAWL4AI_API_TOKEN: z.string().min(1).optional(),
  /** Time limit of one page, redirects and body included, in milliseconds. */
  CRAWL_PAGE_DEADLINE_MS: intVar(15_000, 100, 300_000),
  /** Bytes of decoded body read per page (after decompression); reading stops there and the page is marked truncated. */
  CRAWL_MAX_BODY_BYTES: intVar(5 * MIB, 1024, 100 * MIB),
  /** Redirects followed per page. */
  CRAWL_MAX_REDIRECTS: intVar(5, 0, 20),
  /** In-process retries of a page after a network error, timeout, 429 or 5xx. */
  CRAWL_RETRIES: intVar(2, 0, 10),
  /** Characters of page content (serialised as JSON) the row may carry to extract, across all its pages. */
  CRAWL_MAX_CONTENT_CHARS: intVar(200_000, 1000, 800_000),
  /** User-Agent of page and robots.txt requests; its first word is the robots.txt product token. */
  CRAWL_USER_AGENT: z.string().min(1).default("AmpleData/0.1 (data enrichment crawler)"),
  /** Read robots.txt and skip the pages it disallows for CRAWL_USER_AGENT. */
  CRAWL_RESPECT_ROBOTS: booleanVar(true),
  /** How long a host's robots.txt is kept in memory, in milliseconds. */
  ROBOTS_CACHE_TTL_MS: intVar(3_600_000, 0, DAY_MS),
  /** Requests to one host at once, across every row of the process. */
  CRAWL_PER_HOST_CONCURRENCY: intVar(2, 1, 100),
  /** Minimum time between the starts of two requests to one host, in milliseconds. */
  CRAWL_PER_HOST_DELAY_MS: intVar(1000, 0, 600_000),
  /** Host names the SSRF guard accepts whatever they resolve to (except cloud metadata addresses). */
  CRAWL_ALLOW_HOSTS: commaList().pipe(
    z.array(
      z.string().regex(/^[a-z0-9.[\]:-]+$/i, {
        message: "expected comma-separated host names such as proxy.internal",
      }),
    ),
  ),
  /** Address ranges the SSRF guard accepts although not public, such as 127.0.0.1/32. */
  CRAWL_ALLOW_CIDRS: commaList().pipe(
    z.array(
      z.string().refine(isValidCidr, { message: "expected comma-separated CIDR ranges such as 10.1.0.0/16" }),
    ),
  ),
  /** Lifetime of cached pages (the `cache-pages` bucket's max_age), in milliseconds; 0 disables the cache. */
  PAGE_CACHE_TTL_MS: intVar(DAY_MS, 0, 365 * DAY_MS),
};

export type CrawlConfig = ReturnType<typeof loadCrawlConfig>;

/**
 * Reads and validates the crawl configuration; throws ConfigError naming each invalid variable,
 * also when CRAWL_PROVIDER=crawl4ai lacks CRAWL4AI_BASE_URL.
 */
export function loadCrawlConfig(env: Record<string, string | undefined> = process.env) {
  const config = loadConfig(crawlConfigShape, env);
  if (config.CRAWL_PROVIDER === "crawl4ai" && config.CRAWL4AI_BASE_URL === undefined) {
    throw new ConfigError(
      "invalid configuration:\n  CRAWL4AI_BASE_URL: required because CRAWL_PROVIDER is crawl4ai (not set)\nSet it to the Crawl4AI server, such as http://crawl4ai:11235, and start again.",
    );
  }
  return config;
}

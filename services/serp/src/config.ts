import { baseConfigShape, ConfigError, intVar, loadConfig } from "@ampledata/shared";
import { z } from "zod";

/** Search providers the serp service can call, by the name used in SEARCH_PROVIDERS, usage and metrics. */
export const SEARCH_PROVIDER_NAMES = ["serper", "brave", "searxng", "wikipedia"] as const;
export type SearchProviderName = (typeof SEARCH_PROVIDER_NAMES)[number];

const DAY_MS = 24 * 60 * 60 * 1000;

function optionalHttpUrl(example: string) {
  return z.url({ protocol: /^https?$/, message: `expected an http(s) URL such as ${example}` }).optional();
}

const providerListMessage = `expected a comma-separated list of ${SEARCH_PROVIDER_NAMES.join(", ")}, each at most once`;

/** Environment variables of the serp service, on top of the ones every service reads. */
export const serpConfigShape = {
  ...baseConfigShape,
  /** Rows handled at once by this process. */
  CONCURRENCY: intVar(20, 1, 1000),
  /** Search requests of one row running at once. */
  QUERY_CONCURRENCY: intVar(3, 1, 20),
  /** Providers in fallback order; unset means the providers that have a key or base URL set, else wikipedia. */
  SEARCH_PROVIDERS: z
    .string()
    .transform((value) =>
      value
        .split(",")
        .map((name) => name.trim().toLowerCase())
        .filter((name) => name !== ""),
    )
    .pipe(
      z
        .array(z.enum(SEARCH_PROVIDER_NAMES, { message: providerListMessage }))
        .min(1, { message: providerListMessage })
        .refine((names) => new Set(names).size === names.length, { message: providerListMessage }),
    )
    .optional(),
  /** Base URL of the Serper API; the client calls `POST {SERPER_BASE_URL}/search`. Default https://google.serper.dev. */
  SERPER_BASE_URL: optionalHttpUrl("https://google.serper.dev"),
  /** Sent as X-API-KEY; optional because a sandbox search API may accept requests without a key. */
  SERPER_API_KEY: z.string().min(1).optional(),
  /** Base URL of the Brave Search API; the client calls `GET {BRAVE_BASE_URL}/res/v1/web/search`. Default https://api.search.brave.com. */
  BRAVE_BASE_URL: optionalHttpUrl("https://api.search.brave.com"),
  /** Brave Search API subscription token, sent as X-Subscription-Token. */
  BRAVE_API_KEY: z.string().min(1).optional(),
  /** Base URL of a SearXNG instance; the client calls `GET {SEARXNG_BASE_URL}/search?format=json`. No default. */
  SEARXNG_BASE_URL: optionalHttpUrl("http://searxng:8080"),
  /** Base URL of a Wikipedia; the client calls `GET {WIKIPEDIA_BASE_URL}/w/api.php`. Default https://en.wikipedia.org. */
  WIKIPEDIA_BASE_URL: optionalHttpUrl("https://en.wikipedia.org"),
  /** User-Agent of search requests; Wikimedia asks API clients for one that identifies them. */
  SEARCH_USER_AGENT: z.string().min(1).default("AmpleData/0.1 (data enrichment pipeline)"),
  /** Time limit of one search request, headers and body included, in milliseconds. */
  SEARCH_TIMEOUT_MS: intVar(10_000, 100, 120_000),
  /** In-process retries of a failed search request before the next provider is tried. */
  SEARCH_RETRIES: intVar(2, 0, 10),
  /** How long a provider whose key was refused or whose quota ran out is skipped, in milliseconds. */
  SEARCH_PROVIDER_COOLDOWN_MS: intVar(300_000, 0, DAY_MS),
  /** Lifetime of cached search answers (the `cache-search` bucket's max_age), in milliseconds; 0 disables the cache. */
  SEARCH_CACHE_TTL_MS: intVar(DAY_MS, 0, 365 * DAY_MS),
  /** Results kept per row after merging the row's queries; also the number asked of each query. */
  MAX_RESULTS: intVar(10, 1, 100),
  /** Cells below this confidence count as missing when refinement rounds pick their queries. */
  REFINE_CONFIDENCE: z.coerce
    .number({ message: "expected a number from 0 to 1" })
    .min(0, { message: "expected a number from 0 to 1" })
    .max(1, { message: "expected a number from 0 to 1" })
    .default(0.6),
};

export type SerpConfig = ReturnType<typeof loadSerpConfig>;

/** Reads and validates the serp configuration; throws ConfigError naming each invalid variable. */
export function loadSerpConfig(env: Record<string, string | undefined> = process.env) {
  return loadConfig(serpConfigShape, env);
}

/**
 * Returns the providers to call, in fallback order: SEARCH_PROVIDERS when set, else every provider
 * whose key or base URL variable is set (serper, brave, searxng), else wikipedia, which needs no
 * key. Throws ConfigError when searxng is chosen without SEARXNG_BASE_URL, which has no default.
 */
export function searchProviderOrder(config: SerpConfig): SearchProviderName[] {
  let order: SearchProviderName[];
  if (config.SEARCH_PROVIDERS !== undefined) {
    order = config.SEARCH_PROVIDERS;
  } else {
    order = [];
    if (config.SERPER_API_KEY !== undefined || config.SERPER_BASE_URL !== undefined) order.push("serper");
    if (config.BRAVE_API_KEY !== undefined || config.BRAVE_BASE_URL !== undefined) order.push("brave");
    if (config.SEARXNG_BASE_URL !== undefined) order.push("searxng");
    if (order.length === 0) order.push("wikipedia");
  }
  if (order.includes("searxng") && config.SEARXNG_BASE_URL === undefined) {
    throw new ConfigError(
      "invalid configuration:\n  SEARXNG_BASE_URL: required because SEARCH_PROVIDERS lists searxng (not set)\nSet it to the SearXNG instance, such as http://searxng:8080, and start again.",
    );
  }
  return order;
}

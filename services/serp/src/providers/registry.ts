import type { Logger } from "@ampledata/shared";
import { type SearchProviderName, type SerpConfig, searchProviderOrder } from "../config.ts";
import { BraveClient } from "./brave.ts";
import type { ProviderClientOptions } from "./http-answer.ts";
import type { SearchProvider } from "./search-provider.ts";
import { SearxngClient } from "./searxng.ts";
import { SerperClient } from "./serper.ts";
import { WikipediaClient } from "./wikipedia.ts";

/** Public endpoints used when a provider's base URL variable is unset; SearXNG is self-hosted and has none. */
export const DEFAULT_BASE_URLS = {
  serper: "https://google.serper.dev",
  brave: "https://api.search.brave.com",
  wikipedia: "https://en.wikipedia.org",
} as const;

/** Key variables of the providers that take a key. */
const KEY_VARIABLES: Partial<Record<SearchProviderName, "SERPER_API_KEY" | "BRAVE_API_KEY">> = {
  serper: "SERPER_API_KEY",
  brave: "BRAVE_API_KEY",
};

/** Creates the configured providers in fallback order and logs a warning for each key that is missing. */
export function createSearchProviders(config: SerpConfig, logger: Logger): SearchProvider[] {
  return searchProviderOrder(config).map((name) => {
    const provider = createProvider(name, config);
    const keyVariable = KEY_VARIABLES[name];
    if (keyVariable !== undefined && config[keyVariable] === undefined) {
      logger.warn(
        { provider: name },
        `${keyVariable} is not set: ${name} searches are sent without an API key`,
      );
    }
    return provider;
  });
}

function createProvider(name: SearchProviderName, config: SerpConfig): SearchProvider {
  const common = { timeoutMs: config.SEARCH_TIMEOUT_MS, userAgent: config.SEARCH_USER_AGENT };
  const options = (baseUrl: string, apiKey: string | undefined): ProviderClientOptions => ({
    ...common,
    baseUrl,
    apiKey,
  });
  switch (name) {
    case "serper":
      return new SerperClient(
        options(config.SERPER_BASE_URL ?? DEFAULT_BASE_URLS.serper, config.SERPER_API_KEY),
      );
    case "brave":
      return new BraveClient(options(config.BRAVE_BASE_URL ?? DEFAULT_BASE_URLS.brave, config.BRAVE_API_KEY));
    case "searxng":
      // searchProviderOrder has checked that SEARXNG_BASE_URL is set.
      return new SearxngClient(options(config.SEARXNG_BASE_URL!, undefined));
    case "wikipedia":
      return new WikipediaClient(
        options(config.WIKIPEDIA_BASE_URL ?? DEFAULT_BASE_URLS.wikipedia, undefined),
      );
  }
}

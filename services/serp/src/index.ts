export { normalizeQuery, SEARCH_CACHE_BUCKET, SearchCache, searchCacheKey } from "./cache/search-cache.ts";
export type { SearchProviderName, SerpConfig } from "./config.ts";
export { loadSerpConfig, SEARCH_PROVIDER_NAMES, searchProviderOrder, serpConfigShape } from "./config.ts";
export { ProviderCooldowns } from "./cooldowns.ts";
export type { SerpHandlerDependencies } from "./handler.ts";
export { createSerpHandler } from "./handler.ts";
export { BraveClient } from "./providers/brave.ts";
export type { ProviderClientOptions } from "./providers/http-answer.ts";
export { createSearchProviders, DEFAULT_BASE_URLS } from "./providers/registry.ts";
export type {
  KnowledgePanel,
  RelatedQuestion,
  SearchAnswer,
  SearchProvider,
  SearchRequest,
} from "./providers/search-provider.ts";
export { ProviderUnavailableError, searchAnswerSchema } from "./providers/search-provider.ts";
export { SearxngClient } from "./providers/searxng.ts";
export type { SerperClientOptions } from "./providers/serper.ts";
export { SerperClient } from "./providers/serper.ts";
export { WikipediaClient } from "./providers/wikipedia.ts";
export {
  buildQueries,
  columnWords,
  fillPattern,
  KEY_PLACEHOLDER,
  keyText,
  missingColumns,
} from "./queries.ts";
export { mergeResults, normalizeResultUrl } from "./results.ts";

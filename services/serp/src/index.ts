export type { SerpConfig } from "./config.ts";
export { loadSerpConfig, serpConfigShape } from "./config.ts";
export type { SerpHandlerDependencies } from "./handler.ts";
export { createSerpHandler } from "./handler.ts";
export type { ProviderCallOptions, ProviderUsage } from "./provider-call.ts";
export { callProvider } from "./provider-call.ts";
export type { SearchProvider, SearchRequest } from "./providers/search-provider.ts";
export type { SerperClientOptions } from "./providers/serper.ts";
export { SerperClient } from "./providers/serper.ts";
export {
  buildQueries,
  columnWords,
  fillPattern,
  KEY_PLACEHOLDER,
  keyText,
  missingColumns,
} from "./queries.ts";
export { mergeResults, normalizeResultUrl } from "./results.ts";

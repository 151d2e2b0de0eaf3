export type { PageEntry } from "./cache/page-cache.ts";
export { normalizePageUrl, PAGE_CACHE_BUCKET, PageCache, pageCacheKey } from "./cache/page-cache.ts";
export { columnSpecs } from "./columns.ts";
export type { CrawlConfig } from "./config.ts";
export { crawlConfigShape, loadCrawlConfig } from "./config.ts";
export { fitPage, perPageBudget, serializedChars } from "./content-budget.ts";
export type { AddressGuardOptions, LookupFunction } from "./guard/address-guard.ts";
export {
  AddressGuard,
  AddressRefusedError,
  addressRefusal,
  isValidCidr,
  METADATA_ADDRESSES,
  systemLookup,
} from "./guard/address-guard.ts";
export { createGuardedConnector } from "./guard/guarded-connector.ts";
export { checkProxyAddress } from "./guard/proxy-check.ts";
export type { CrawlHandlerDependencies } from "./handler.ts";
export { createCrawlHandler, ROBOTS_PROVIDER } from "./handler.ts";
export type { PageCrawlerDependencies, PageOutcome, RowUsage } from "./page-crawler.ts";
export { crawlPage } from "./page-crawler.ts";
export type { AnalyzedPage, PageReadInput, PageReadResult } from "./page-reader.ts";
export { analyzeFetched, readAnalyzed, readPage } from "./page-reader.ts";
export type { HostLimitersOptions } from "./politeness.ts";
export { HostLimiters } from "./politeness.ts";
export { ACCEPT_ENCODING, readBody } from "./providers/body-reader.ts";
export type { Crawl4aiFetcherOptions } from "./providers/crawl4ai-fetcher.ts";
export { Crawl4aiFetcher } from "./providers/crawl4ai-fetcher.ts";
export type { HttpFetcherOptions, HttpResponse } from "./providers/http-fetcher.ts";
export { HttpFetcher, statusError } from "./providers/http-fetcher.ts";
export type { FetchedPage, PageFetcher } from "./providers/page-fetcher.ts";
export { isReadableType, PageFailureError } from "./providers/page-fetcher.ts";
export type { RobotsPolicyOptions, RobotsSource, RobotsUsage, RobotsVerdict } from "./robots.ts";
export { RobotsPolicy } from "./robots.ts";
export { detectWall, hasCaptchaMarkup } from "./walls.ts";

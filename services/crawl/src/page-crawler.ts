import {
  callProvider,
  describeError,
  isPermanent,
  type PageContent,
  type PageFailure,
  type ProviderUsage,
  type RetryPolicy,
  type ServiceMetrics,
  type StageContext,
  TransientError,
} from "@ampledata/shared";
import type { PageCache } from "./cache/page-cache.ts";
import { type AnalyzedPage, analyzeFetched, type PageReadInput, readAnalyzed } from "./page-reader.ts";
import type { HostLimiters } from "./politeness.ts";
import { PageFailureError, type PageFetcher } from "./providers/page-fetcher.ts";
import type { RobotsPolicy } from "./robots.ts";

/** Dependencies of crawling one page besides the row: the fetcher and the process-wide policies and cache. */
export interface PageCrawlerDependencies {
  fetcher: PageFetcher;
  metrics: ServiceMetrics;
  retries: number;
  retryPolicy?: Partial<RetryPolicy>;
  /** robots.txt policy; robots.txt is not read when undefined (CRAWL_RESPECT_ROBOTS=false). */
  robots?: RobotsPolicy;
  /** Per-host politeness; requests go out at once when undefined. */
  limiters?: HostLimiters;
  cache?: PageCache;
}

/** Provider calls of one row: page fetches under the fetcher's name, robots.txt requests under "robots". */
export interface RowUsage {
  pages: ProviderUsage;
  robots: ProviderUsage;
}

export type PageOutcome = { page: PageContent } | { failure: PageFailure; transient: boolean };

export type PageRequest = Omit<PageReadInput, "fetched"> & { url: string };

/**
 * Crawls one URL for a row: from the page cache when it has the URL, else after the robots.txt
 * check, through the host's politeness limiter and the fetcher with in-process retries. A page
 * that cannot be used becomes a page failure; only a cancellation and a permanent error other than
 * a page failure (such as a refused Crawl4AI token) are thrown.
 */
export async function crawlPage(
  dependencies: PageCrawlerDependencies,
  context: StageContext,
  usage: RowUsage,
  request: PageRequest,
): Promise<PageOutcome> {
  const { url } = request;
  const { cache } = dependencies;
  const cached = await cache?.get(url);
  if (cached !== undefined) {
    usage.pages.cached += 1;
    if ("failure" in cached) {
      return { failure: { url, ...cached.failure }, transient: false };
    }
    return readForRow({ ...cached, page: { ...cached.page, url } }, request, context);
  }

  const refusal = await checkRobots(dependencies, context, usage, url);
  if (refusal !== undefined) {
    return refusal;
  }

  let analyzed: AnalyzedPage;
  try {
    const fetched = await fetchWithRetries(dependencies, context, usage.pages, url);
    analyzed = analyzeFetched(fetched);
  } catch (error) {
    return pageFailure(dependencies, context, url, error);
  }
  await cache?.put(url, analyzed);
  return readForRow(analyzed, request, context);
}

async function checkRobots(
  dependencies: PageCrawlerDependencies,
  context: StageContext,
  usage: RowUsage,
  url: string,
): Promise<PageOutcome | undefined> {
  if (dependencies.robots === undefined || !/^https?:\/\//i.test(url)) {
    return undefined;
  }
  try {
    const verdict = await dependencies.robots.check(url, context.signal, usage.robots);
    if (verdict.allowed) {
      return undefined;
    }
    context.logger.info({ url, reason: verdict.reason }, "page disallowed by robots.txt");
    return { failure: { url, outcome: "blocked", reason: verdict.reason }, transient: false };
  } catch (error) {
    if (context.signal.aborted || !(error instanceof TransientError)) {
      throw error;
    }
    context.logger.warn({ url, reason: error.message }, "robots.txt unavailable, page not fetched");
    return { failure: { url, outcome: "error", reason: error.message }, transient: true };
  }
}

function fetchWithRetries(
  dependencies: PageCrawlerDependencies,
  context: StageContext,
  usage: ProviderUsage,
  url: string,
) {
  const { fetcher, limiters } = dependencies;
  const host = hostOf(url);
  return callProvider(
    {
      provider: fetcher.name,
      spanName: `GET ${host}`,
      metrics: dependencies.metrics,
      usage,
      logger: context.logger,
      signal: context.signal,
      retries: dependencies.retries,
      retryPolicy: dependencies.retryPolicy,
      logFields: { url },
      gate: limiters === undefined ? undefined : (attempt) => limiters.schedule(host, attempt),
    },
    () => fetcher.fetch(url, context.signal),
  );
}

async function pageFailure(
  dependencies: PageCrawlerDependencies,
  context: StageContext,
  url: string,
  error: unknown,
): Promise<PageOutcome> {
  const { logger, signal } = context;
  if (signal.aborted) {
    throw error;
  }
  if (error instanceof PageFailureError) {
    logger.warn({ url, outcome: error.outcome, reason: error.message }, "page not usable");
    const failure = { outcome: error.outcome, reason: error.message };
    if (error.cacheable) {
      await dependencies.cache?.put(url, { failure });
    }
    return { failure: { url, ...failure }, transient: false };
  }
  if (isPermanent(error)) {
    throw error;
  }
  logger.warn({ err: error, url }, "page fetch failed after retries");
  return { failure: { url, outcome: "error", reason: describeError(error) }, transient: true };
}

function readForRow(analyzed: AnalyzedPage, request: PageRequest, context: StageContext): PageOutcome {
  const { url } = request;
  const finalUrl = analyzed.page.finalUrl;
  try {
    const read = readAnalyzed(analyzed, request);
    if ("wall" in read) {
      context.logger.warn({ url, finalUrl, wall: read.wall }, "page is a wall, not content");
      return {
        failure: { url, outcome: "blocked", reason: `${finalUrl} is a ${read.wall}` },
        transient: false,
      };
    }
    return { page: read.page };
  } catch (error) {
    context.logger.error({ err: error, url, finalUrl }, "reading the page failed");
    return {
      failure: { url, outcome: "error", reason: `reading ${finalUrl} failed: ${describeError(error)}` },
      transient: false,
    };
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "invalid-url";
  }
}

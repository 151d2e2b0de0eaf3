import {
  describeError,
  isPermanent,
  type PageContent,
  type PageFailure,
  type RetryPolicy,
  type RowWork,
  Semaphore,
  type ServiceMetrics,
  type StageContext,
  type StageHandler,
  TransientError,
} from "@ampledata/shared";
import { columnSpecs } from "./columns.ts";
import type { CrawlConfig } from "./config.ts";
import { perPageBudget } from "./content-budget.ts";
import { type PageReadInput, readPage } from "./page-reader.ts";
import { callProvider, type ProviderUsage } from "./provider-call.ts";
import { PageFailureError, type PageFetcher } from "./providers/page-fetcher.ts";

export interface CrawlHandlerDependencies {
  config: Pick<CrawlConfig, "CRAWL_PAGE_CONCURRENCY" | "CRAWL_RETRIES" | "CRAWL_MAX_CONTENT_CHARS">;
  fetcher: PageFetcher;
  metrics: ServiceMetrics;
  /** Overrides of the in-process backoff, for tests. */
  retryPolicy?: Partial<RetryPolicy>;
}

type PageOutcome = { page: PageContent } | { failure: PageFailure; transient: boolean };

/** Provider name of page fetches in metrics, spans and usage. */
const PROVIDER = "http";
/** Maximum characters of failure reasons in an error message, because a row event's error is limited to 2000. */
const MAX_REASONS_CHARS = 1500;

/**
 * Creates the crawl stage handler: fetches the URLs decision chose (at most CRAWL_PAGE_CONCURRENCY
 * at once), reads each into page content and forwards the row to extract with `pages` and
 * `pageFailures`. A page that cannot be used is a page failure, not a row failure. Only when every
 * page failed transiently (timeouts, network errors, 5xx after the in-process retries) does the
 * handler throw TransientError, so the message is delivered again.
 */
export function createCrawlHandler(dependencies: CrawlHandlerDependencies): StageHandler {
  const { config } = dependencies;

  return async (work, context) => {
    const urls = [...new Set((work.decision?.urls ?? []).map((entry) => entry.url))];
    const columns = columnSpecs(context.job, work.decision?.missing ?? work.wanted);
    const entity = { key: work.key, description: context.job.keyDescription };
    const maxChars = perPageBudget(config.CRAWL_MAX_CONTENT_CHARS, urls.length);
    const usage: ProviderUsage = { provider: PROVIDER, calls: 0, cached: 0, errors: 0 };
    const slots = new Semaphore(config.CRAWL_PAGE_CONCURRENCY);

    const outcomes = await Promise.all(
      urls.map(async (url) => {
        await slots.acquire();
        try {
          return await crawlPage(dependencies, context, usage, { url, columns, entity, maxChars });
        } finally {
          slots.release();
        }
      }),
    );

    const pages = outcomes.flatMap((outcome) => ("page" in outcome ? [outcome.page] : []));
    const failures = outcomes.flatMap((outcome) => ("failure" in outcome ? [outcome] : []));
    if (urls.length > 0 && pages.length === 0 && failures.every((failure) => failure.transient)) {
      const reasons = failures.map(({ failure }) => failure.reason).join("; ");
      throw new TransientError(`every page of the row failed transiently: ${shorten(reasons)}`);
    }
    const next: RowWork = { ...work, pages, pageFailures: failures.map(({ failure }) => failure) };
    return { rowStage: "CRAWLED", next: { stage: "extract", work: next }, usage: [usage] };
  };
}

async function crawlPage(
  dependencies: CrawlHandlerDependencies,
  context: StageContext,
  usage: ProviderUsage,
  request: Omit<PageReadInput, "fetched"> & { url: string },
): Promise<PageOutcome> {
  const { url } = request;
  const { logger, signal } = context;
  let fetched: PageReadInput["fetched"];
  try {
    fetched = await callProvider(
      {
        provider: PROVIDER,
        spanName: `GET ${hostOf(url)}`,
        metrics: dependencies.metrics,
        usage,
        logger,
        signal,
        retries: dependencies.config.CRAWL_RETRIES,
        retryPolicy: dependencies.retryPolicy,
        logFields: { url },
      },
      () => dependencies.fetcher.fetch(url, signal),
    );
  } catch (error) {
    if (signal.aborted) {
      throw error;
    }
    if (error instanceof PageFailureError) {
      logger.warn({ url, outcome: error.outcome, reason: error.message }, "page not usable");
      return { failure: { url, outcome: error.outcome, reason: error.message }, transient: false };
    }
    if (isPermanent(error)) {
      throw error;
    }
    logger.warn({ err: error, url }, "page fetch failed after retries");
    return { failure: { url, outcome: "error", reason: describeError(error) }, transient: true };
  }

  try {
    const read = readPage({ ...request, fetched });
    if ("wall" in read) {
      logger.warn({ url, finalUrl: fetched.finalUrl, wall: read.wall }, "page is a wall, not content");
      return {
        failure: { url, outcome: "blocked", reason: `${fetched.finalUrl} is a ${read.wall}` },
        transient: false,
      };
    }
    return { page: read.page };
  } catch (error) {
    logger.error({ err: error, url, finalUrl: fetched.finalUrl }, "reading the page failed");
    return {
      failure: {
        url,
        outcome: "error",
        reason: `reading ${fetched.finalUrl} failed: ${describeError(error)}`,
      },
      transient: false,
    };
  }
}

function shorten(text: string): string {
  return text.length > MAX_REASONS_CHARS ? `${text.slice(0, MAX_REASONS_CHARS - 3)}...` : text;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "invalid-url";
  }
}

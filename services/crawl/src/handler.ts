import {
  type PageFailure,
  type RowWork,
  Semaphore,
  type StageHandler,
  TransientError,
} from "@ampledata/shared";
import { columnSpecs } from "./columns.ts";
import type { CrawlConfig } from "./config.ts";
import { perPageBudget } from "./content-budget.ts";
import { crawlPage, type PageCrawlerDependencies, type RowUsage } from "./page-crawler.ts";

export interface CrawlHandlerDependencies extends Omit<PageCrawlerDependencies, "retries"> {
  config: Pick<CrawlConfig, "CRAWL_PAGE_CONCURRENCY" | "CRAWL_RETRIES" | "CRAWL_MAX_CONTENT_CHARS">;
}

/** Provider name of robots.txt requests in usage. */
export const ROBOTS_PROVIDER = "robots";
/** Maximum characters of failure reasons in an error message, because a row event's error is limited to 2000. */
const MAX_REASONS_CHARS = 1500;

/**
 * Creates the crawl stage handler: crawls the URLs decision chose (at most CRAWL_PAGE_CONCURRENCY
 * at once), reads each into page content and forwards the row to extract with `pages` and
 * `pageFailures`. A page that cannot be used is a page failure, not a row failure. Only when every
 * page failed transiently (timeouts, network errors, 5xx after the in-process retries, an
 * unreadable robots.txt) does the handler throw TransientError, so the message is delivered again.
 */
export function createCrawlHandler(dependencies: CrawlHandlerDependencies): StageHandler {
  const { config } = dependencies;
  const crawler: PageCrawlerDependencies = { ...dependencies, retries: config.CRAWL_RETRIES };

  return async (work, context) => {
    const urls = [...new Set((work.decision?.urls ?? []).map((entry) => entry.url))];
    const columns = columnSpecs(context.job, work.decision?.missing ?? work.wanted);
    const entity = { key: work.key, description: context.job.keyDescription };
    const maxChars = perPageBudget(config.CRAWL_MAX_CONTENT_CHARS, urls.length);
    const usage: RowUsage = {
      pages: { provider: dependencies.fetcher.name, calls: 0, cached: 0, errors: 0 },
      robots: { provider: ROBOTS_PROVIDER, calls: 0, cached: 0, errors: 0 },
    };
    const slots = new Semaphore(config.CRAWL_PAGE_CONCURRENCY);

    const outcomes = await Promise.all(
      urls.map(async (url) => {
        await slots.acquire();
        try {
          return await crawlPage(crawler, context, usage, { url, columns, entity, maxChars });
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
    const pageFailures: PageFailure[] = failures.map(({ failure }) => failure);
    const next: RowWork = { ...work, pages, pageFailures };
    const reported = [usage.pages, usage.robots].filter(
      (entry) => entry.provider === usage.pages.provider || entry.calls > 0 || entry.cached > 0,
    );
    return { rowStage: "CRAWLED", next: { stage: "extract", work: next }, usage: reported };
  };
}

function shorten(text: string): string {
  return text.length > MAX_REASONS_CHARS ? `${text.slice(0, MAX_REASONS_CHARS - 3)}...` : text;
}

import {
  isPermanent,
  type RetryPolicy,
  type RowWork,
  type SearchResult,
  Semaphore,
  type ServiceMetrics,
  type StageContext,
  type StageHandler,
} from "@ampledata/shared";
import type { SerpConfig } from "./config.ts";
import { callProvider, type ProviderUsage } from "./provider-call.ts";
import type { SearchProvider } from "./providers/search-provider.ts";
import { buildQueries } from "./queries.ts";
import { mergeResults } from "./results.ts";

export interface SerpHandlerDependencies {
  config: Pick<SerpConfig, "QUERY_CONCURRENCY" | "MAX_RESULTS" | "SEARCH_RETRIES" | "REFINE_CONFIDENCE">;
  provider: SearchProvider;
  metrics: ServiceMetrics;
  /** Overrides of the in-process backoff, for tests. */
  retryPolicy?: Partial<RetryPolicy>;
}

type QueryOutcome = { query: string; results: SearchResult[] } | { query: string; error: unknown };

/**
 * Creates the serp stage handler: runs the row's queries (at most QUERY_CONCURRENCY at once),
 * merges their results and forwards the row to decision with `work.search` filled.
 *
 * A permanent failure of any query fails the row. A query that still fails transiently after the
 * in-process retries sends the whole row back for redelivery, except on the final delivery
 * attempt, where the results of the queries that succeeded are used.
 */
export function createSerpHandler(dependencies: SerpHandlerDependencies): StageHandler {
  const { config, provider } = dependencies;

  return async (work, context) => {
    const queries = buildQueries(context.job, work, config.REFINE_CONFIDENCE);
    const usage: ProviderUsage = { provider: provider.name, calls: 0, cached: 0, errors: 0 };
    const slots = new Semaphore(config.QUERY_CONCURRENCY);

    const outcomes = await Promise.all(
      queries.map(async (query): Promise<QueryOutcome> => {
        await slots.acquire();
        try {
          return { query, results: await runQuery(dependencies, context, usage, query) };
        } catch (error) {
          return { query, error };
        } finally {
          slots.release();
        }
      }),
    );

    const lists = settleOutcomes(outcomes, context);
    const results = mergeResults(lists, config.MAX_RESULTS);
    context.logger.debug({ queries, results: results.length }, "search results merged");
    const next: RowWork = {
      ...work,
      search: { provider: provider.name, queries, results },
      decision: undefined,
      pages: undefined,
      pageFailures: undefined,
    };
    return { rowStage: "SERP_FETCHED", next: { stage: "decision", work: next }, usage: [usage] };
  };
}

function runQuery(
  dependencies: SerpHandlerDependencies,
  context: StageContext,
  usage: ProviderUsage,
  query: string,
): Promise<SearchResult[]> {
  const { provider, config } = dependencies;
  return callProvider(
    {
      provider: provider.name,
      spanName: `search ${provider.name}`,
      metrics: dependencies.metrics,
      usage,
      logger: context.logger,
      signal: context.signal,
      retries: config.SEARCH_RETRIES,
      retryPolicy: dependencies.retryPolicy,
      logFields: { query },
    },
    () => provider.search({ query, num: config.MAX_RESULTS, signal: context.signal }),
  );
}

/** Returns the result lists of the queries that succeeded, or throws the error that decides the row. */
function settleOutcomes(outcomes: QueryOutcome[], context: StageContext): SearchResult[][] {
  const failures = outcomes.filter((outcome) => "error" in outcome);
  const lists = outcomes.flatMap((outcome) => ("results" in outcome ? [outcome.results] : []));
  if (failures.length === 0) {
    return lists;
  }
  if (context.signal.aborted) {
    throw failures[0]!.error;
  }
  const permanent = failures.find((failure) => isPermanent(failure.error));
  if (permanent) {
    throw permanent.error;
  }
  if (lists.length === 0 || !context.finalAttempt) {
    throw failures[0]!.error;
  }
  for (const failure of failures) {
    context.logger.warn(
      { err: failure.error, query: failure.query },
      "search query failed on the final attempt, continuing with the other queries' results",
    );
  }
  return lists;
}

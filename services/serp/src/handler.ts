import {
  callProvider,
  isPermanent,
  PermanentError,
  type ProviderUsage,
  type RetryPolicy,
  type RowWork,
  type SearchResult,
  Semaphore,
  type ServiceMetrics,
  type StageContext,
  type StageHandler,
  TransientError,
} from "@ampledata/shared";
import type { SearchCache } from "./cache/search-cache.ts";
import type { SerpConfig } from "./config.ts";
import type { ProviderCooldowns } from "./cooldowns.ts";
import { ProviderUnavailableError, type SearchProvider } from "./providers/search-provider.ts";
import { buildQueries } from "./queries.ts";
import { mergeResults } from "./results.ts";

export interface SerpHandlerDependencies {
  config: Pick<SerpConfig, "QUERY_CONCURRENCY" | "MAX_RESULTS" | "SEARCH_RETRIES" | "REFINE_CONFIDENCE">;
  /** Providers in fallback order; the first one that returns results for every query of a row wins. */
  providers: SearchProvider[];
  metrics: ServiceMetrics;
  /** Shared search cache; searches go straight to the providers when undefined. */
  cache?: SearchCache;
  /** Providers skipped after a refused key or used-up quota; defaults to no cool-down. */
  cooldowns?: ProviderCooldowns;
  /** Overrides of the in-process backoff, for tests. */
  retryPolicy?: Partial<RetryPolicy>;
}

type QueryOutcome = { query: string; results: SearchResult[] } | { query: string; error: unknown };

/** One provider's try at a row's queries. */
interface ProviderAttempt {
  provider: string;
  lists: SearchResult[][];
  failures: { query: string; error: unknown }[];
}

/**
 * Creates the serp stage handler: runs the row's queries (at most QUERY_CONCURRENCY at once) on the
 * first provider, merges their results and forwards the row to decision with `work.search` filled.
 *
 * When a query fails on a provider, permanently or transiently after the in-process retries, the
 * row's queries go to the next provider. When every provider failed, the row fails: permanently
 * when every failure was permanent, otherwise transiently, so the message is delivered again. On
 * the final delivery attempt, the results of the queries that succeeded on the first provider with
 * only transient failures are used instead.
 */
export function createSerpHandler(dependencies: SerpHandlerDependencies): StageHandler {
  const { config, providers } = dependencies;
  if (providers.length === 0) {
    throw new Error("the serp handler needs at least one search provider");
  }

  return async (work, context) => {
    const queries = buildQueries(context.job, work, config.REFINE_CONFIDENCE);
    const usage: ProviderUsage[] = [];
    const attempts: ProviderAttempt[] = [];

    for (const provider of providersToTry(dependencies)) {
      const providerUsage: ProviderUsage = { provider: provider.name, calls: 0, cached: 0, errors: 0 };
      usage.push(providerUsage);
      const attempt = await searchAll(dependencies, context, provider, providerUsage, queries);
      if (attempt.failures.length === 0) {
        return forward(work, provider.name, queries, attempt.lists, config.MAX_RESULTS, usage, context);
      }
      if (context.signal.aborted) {
        throw attempt.failures[0]!.error;
      }
      for (const { error } of attempt.failures) {
        if (error instanceof ProviderUnavailableError) {
          dependencies.cooldowns?.start(error);
        }
      }
      attempts.push(attempt);
      context.logger.warn(
        { err: attempt.failures[0]!.error, provider: provider.name, failedQueries: attempt.failures.length },
        `${provider.name} failed for the row`,
      );
    }

    const partial = context.finalAttempt
      ? attempts.find(
          (attempt) => attempt.lists.length > 0 && !attempt.failures.some((f) => isPermanent(f.error)),
        )
      : undefined;
    if (partial === undefined) {
      throw combineFailures(attempts);
    }
    for (const failure of partial.failures) {
      context.logger.warn(
        { err: failure.error, query: failure.query, provider: partial.provider },
        "search query failed on the final attempt, continuing with the other queries' results",
      );
    }
    return forward(work, partial.provider, queries, partial.lists, config.MAX_RESULTS, usage, context);
  };
}

/** Returns the providers in order, less those cooling down, or all of them when every one is cooling down. */
function providersToTry({ providers, cooldowns }: SerpHandlerDependencies): SearchProvider[] {
  const available = providers.filter((provider) => !cooldowns?.isCoolingDown(provider.name));
  return available.length > 0 ? available : providers;
}

async function searchAll(
  dependencies: SerpHandlerDependencies,
  context: StageContext,
  provider: SearchProvider,
  usage: ProviderUsage,
  queries: string[],
): Promise<ProviderAttempt> {
  const slots = new Semaphore(dependencies.config.QUERY_CONCURRENCY);
  const outcomes = await Promise.all(
    queries.map(async (query): Promise<QueryOutcome> => {
      await slots.acquire();
      try {
        return { query, results: await searchOne(dependencies, context, provider, usage, query) };
      } catch (error) {
        return { query, error };
      } finally {
        slots.release();
      }
    }),
  );
  return {
    provider: provider.name,
    lists: outcomes.flatMap((outcome) => ("results" in outcome ? [outcome.results] : [])),
    failures: outcomes.flatMap((outcome) => ("error" in outcome ? [outcome] : [])),
  };
}

/** Runs one query: from the cache when it contains the query, else from the provider, storing its response. */
async function searchOne(
  dependencies: SerpHandlerDependencies,
  context: StageContext,
  provider: SearchProvider,
  usage: ProviderUsage,
  query: string,
): Promise<SearchResult[]> {
  const { config, cache } = dependencies;
  const num = config.MAX_RESULTS;
  const cached = await cache?.get(provider.name, query, num);
  if (cached !== undefined) {
    usage.cached += 1;
    return cached.results;
  }
  const answer = await callProvider(
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
    () => provider.search({ query, num, signal: context.signal }),
  );
  await cache?.put(provider.name, query, num, answer);
  return answer.results;
}

function forward(
  work: RowWork,
  provider: string,
  queries: string[],
  lists: SearchResult[][],
  maxResults: number,
  usage: ProviderUsage[],
  context: StageContext,
) {
  const results = mergeResults(lists, maxResults);
  context.logger.debug({ provider, queries, results: results.length }, "search results merged");
  const next: RowWork = {
    ...work,
    search: { provider, queries, results },
    decision: undefined,
    pages: undefined,
    pageFailures: undefined,
  };
  return {
    rowStage: "SERP_FETCHED" as const,
    next: { stage: "decision" as const, work: next },
    usage: usage.filter((entry) => entry.calls > 0 || entry.cached > 0),
  };
}

/**
 * Builds the error that decides a row no provider could search. With one provider it is that provider's
 * first failure, unchanged. With several, it names each provider's failure, and it is permanent
 * only when every failure was, because a transient failure may pass on redelivery.
 */
function combineFailures(attempts: ProviderAttempt[]): unknown {
  const errors = attempts.map((attempt) => attempt.failures[0]!.error);
  if (errors.length === 1) {
    return errors[0];
  }
  const message = `every search provider failed: ${attempts
    .map(
      (attempt, index) => `${attempt.provider}: ${(errors[index] as Error).message ?? String(errors[index])}`,
    )
    .join("; ")}`;
  const cause = new AggregateError(errors, message);
  if (errors.every((error) => isPermanent(error))) {
    const auth = errors.every(
      (error) => error instanceof ProviderUnavailableError && error.reason === "auth",
    );
    return new PermanentError(message, { cause, code: auth ? "PROVIDER_AUTH" : "PERMANENT" });
  }
  return new TransientError(message, { cause });
}

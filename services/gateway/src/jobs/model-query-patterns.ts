import {
  LLM_PROVIDER,
  LlmAnswerInvalidError,
  type LlmClient,
  LlmRefusalError,
  buildQueryPatterns as modelQueryPatterns,
} from "@ampledata/llm";
import type { ColumnSpec, Logger } from "@ampledata/shared";
import { buildQueryPatterns } from "./query-patterns.ts";
import { usageCounters } from "./usage.ts";

export interface QueryPatternDependencies {
  /** Language-model client; undefined builds the heuristic patterns only. */
  llm: LlmClient | undefined;
  logger: Logger;
  /** Maximum time for the model's patterns, retries included (LLM_QUERY_PATTERNS_TIMEOUT_MS). */
  timeoutMs: number;
}

export interface JobQueryPatterns {
  patterns: string[];
  /** The model call's counters, to start the job's usage with: "<provider>.<counter>" -> count. */
  usage: Record<string, number>;
}

/**
 * Builds a job's query patterns with the language model when one is configured, else with the
 * heuristic `buildQueryPatterns`. Every model error falls back to the heuristic patterns with a
 * warning: a refusal, an invalid response, an HTTP error, and a transient failure that outlasts
 * its retries or the time limit. So a model failure never fails job creation.
 */
export async function jobQueryPatterns(
  dependencies: QueryPatternDependencies,
  input: { jobId: string; keyColumns: string[]; keyDescription?: string; columns: ColumnSpec[] },
): Promise<JobQueryPatterns> {
  const heuristic = () => buildQueryPatterns(input.columns, input.keyDescription);
  const { llm, logger } = dependencies;
  if (llm === undefined) return { patterns: heuristic(), usage: {} };

  try {
    const result = await modelQueryPatterns(llm, {
      keyColumns: input.keyColumns,
      ...(input.keyDescription === undefined ? {} : { keyDescription: input.keyDescription }),
      columns: input.columns,
      signal: AbortSignal.timeout(dependencies.timeoutMs),
    });
    logger.debug(
      { jobId: input.jobId, patterns: result.patterns },
      "language model wrote the query patterns",
    );
    return {
      patterns: result.patterns,
      usage: usageCounters({
        provider: LLM_PROVIDER,
        calls: result.usage.requests,
        cached: 0,
        errors: 0,
        promptTokens: result.usage.promptTokens,
        completionTokens: result.usage.completionTokens,
      }),
    };
  } catch (error) {
    const patterns = heuristic();
    logger.warn(
      { err: error, jobId: input.jobId, provider: LLM_PROVIDER, patterns },
      "language model query patterns failed; using the heuristic patterns",
    );
    const tokens =
      error instanceof LlmRefusalError || error instanceof LlmAnswerInvalidError ? error.usage : undefined;
    return {
      patterns,
      usage: usageCounters({
        provider: LLM_PROVIDER,
        calls: Math.max(tokens?.requests ?? 0, 1),
        cached: 0,
        errors: 1,
        promptTokens: tokens?.promptTokens ?? 0,
        completionTokens: tokens?.completionTokens ?? 0,
      }),
    };
  }
}

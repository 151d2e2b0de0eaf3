import type { RowEvent } from "@ampledata/shared";
import { LLM_PROVIDER } from "./client.ts";
import { LlmAnswerInvalidError, LlmRefusalError } from "./errors.ts";
import { emptyUsage, type TokenUsage } from "./usage.ts";

/** One provider's entry in a row event's usage. */
export type UsageEntry = NonNullable<RowEvent["usage"]>[number];

/**
 * Builds the language model's usage entry of a row event. `calls` counts the requests that got a
 * response. A task that failed without one (such as HTTP 401) still counts as one call.
 */
export function llmUsageEntry(tokens: TokenUsage, failed: boolean): UsageEntry {
  return {
    provider: LLM_PROVIDER,
    calls: Math.max(tokens.requests, failed ? 1 : 0),
    cached: 0,
    errors: failed ? 1 : 0,
    promptTokens: tokens.promptTokens,
    completionTokens: tokens.completionTokens,
  };
}

/**
 * Returns the tokens spent before a model error. Refusals and invalid responses carry them, and
 * HTTP errors spent none.
 */
export function tokensOfError(error: unknown): TokenUsage {
  if (error instanceof LlmRefusalError || error instanceof LlmAnswerInvalidError) return error.usage;
  return emptyUsage();
}

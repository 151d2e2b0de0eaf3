/** Token counts of language-model calls, for the caller to record per job. */

export interface TokenUsage {
  /** HTTP requests that got a response, a repeated request after an invalid response included. */
  requests: number;
  /** `usage.prompt_tokens` summed over those requests; 0 when the server reports no usage. */
  promptTokens: number;
  /** `usage.completion_tokens` summed over those requests. */
  completionTokens: number;
}

export function emptyUsage(): TokenUsage {
  return { requests: 0, promptTokens: 0, completionTokens: 0 };
}

/** Adds `more` to `total` in place and returns `total`. */
export function addUsage(total: TokenUsage, more: TokenUsage): TokenUsage {
  total.requests += more.requests;
  total.promptTokens += more.promptTokens;
  total.completionTokens += more.completionTokens;
  return total;
}

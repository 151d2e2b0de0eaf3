import type { RowEvent } from "@ampledata/shared";

/** One provider's entry in a row event's usage. */
export type UsageEntry = NonNullable<RowEvent["usage"]>[number];

/** A provider's counters as the job view shows them. */
export interface ProviderUsageView {
  calls: number;
  cached: number;
  errors: number;
  /** Language-model prompt tokens; 0 for providers that do not bill by token. */
  prompt_tokens: number;
  completion_tokens: number;
}

// Counter names in jobs.usage are "<provider>.<counter>", so new counters need no migration.
const COUNTERS = ["calls", "cached", "errors", "prompt_tokens", "completion_tokens"] as const;
type Counter = (typeof COUNTERS)[number];

/** Converts a usage entry into jobs.usage counters; token counters only when the entry has tokens. */
export function usageCounters(entry: UsageEntry): Record<string, number> {
  const counters: Record<string, number> = {
    [`${entry.provider}.calls`]: entry.calls,
    [`${entry.provider}.cached`]: entry.cached,
    [`${entry.provider}.errors`]: entry.errors,
  };
  if (entry.promptTokens !== undefined) counters[`${entry.provider}.prompt_tokens`] = entry.promptTokens;
  if (entry.completionTokens !== undefined) {
    counters[`${entry.provider}.completion_tokens`] = entry.completionTokens;
  }
  return counters;
}

/** Adds `more` to `total` in place and returns `total`. */
export function addCounters(
  total: Record<string, number>,
  more: Record<string, number>,
): Record<string, number> {
  for (const [name, count] of Object.entries(more)) total[name] = (total[name] ?? 0) + count;
  return total;
}

/**
 * Turns the stored "<provider>.<counter>" keys into {provider: counters}. Counters a job never
 * stored, such as the token counters of jobs from before they existed, read as 0. Unknown
 * counter names are left out.
 */
export function usageView(usage: Record<string, number>): Record<string, ProviderUsageView> {
  const view: Record<string, ProviderUsageView> = {};
  for (const [name, count] of Object.entries(usage)) {
    const dot = name.lastIndexOf(".");
    const provider = name.slice(0, dot);
    const counter = name.slice(dot + 1);
    if (dot <= 0 || !isCounter(counter)) continue;
    view[provider] ??= { calls: 0, cached: 0, errors: 0, prompt_tokens: 0, completion_tokens: 0 };
    view[provider][counter] = count;
  }
  return view;
}

function isCounter(name: string): name is Counter {
  return (COUNTERS as readonly string[]).includes(name);
}

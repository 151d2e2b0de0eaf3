import type { RowEvent } from "@ampledata/shared";
import { addCounters, type UsageEntry, usageCounters } from "../jobs/usage.ts";
import { type CurrentRow, rowKey } from "./reduce.ts";

/** The usage one batch adds for one row, and the events to mark as counted on that row. */
export interface CountedUsage {
  jobId: string;
  rowIndex: number;
  admission: number;
  /** Keys of the counted events, from `usageEventKey`. */
  keys: string[];
  usage: UsageEntry[];
}

/**
 * Builds the key of an event within its admission. A row passes each stage once per round, so a
 * second event with the same key is a repeat.
 */
export function usageEventKey(event: Pick<RowEvent, "round" | "stage">): string {
  return `${event.round}:${event.stage}`;
}

/**
 * Picks the events whose usage counts: events of the row's current admission whose round and
 * stage the row has not counted yet, in an earlier batch or earlier in this one. This is
 * separate from the stage rule of `reduceEvents`. A refinement round reports serp, decision and
 * crawl events below the stage the row already reached, so the row's stage ignores them, but
 * their provider calls were made and count. A repeated event is counted once.
 */
export function countUsage(
  events: readonly RowEvent[],
  current: ReadonlyMap<string, CurrentRow>,
): CountedUsage[] {
  const byRow = new Map<string, CountedUsage>();
  const seen = new Map<string, Set<string>>();
  for (const event of events) {
    const row = rowKey(event.jobId, event.rowIndex);
    const stored = current.get(row);
    if (stored === undefined || event.admission !== stored.admission) continue;

    const counted = seen.get(row) ?? new Set(stored.usageEvents);
    seen.set(row, counted);
    const key = usageEventKey(event);
    if (counted.has(key)) continue;
    counted.add(key);

    const entry = byRow.get(row) ?? {
      jobId: event.jobId,
      rowIndex: event.rowIndex,
      admission: event.admission,
      keys: [],
      usage: [],
    };
    entry.keys.push(key);
    entry.usage.push(...(event.usage ?? []));
    byRow.set(row, entry);
  }
  return [...byRow.values()];
}

/**
 * Sums the counted usage per job, as "<provider>.<counter>" -> count. The counters are calls,
 * cached and errors, and prompt_tokens and completion_tokens for entries with tokens.
 */
export function usageByJob(counted: readonly CountedUsage[]): Map<string, Record<string, number>> {
  const totals = new Map<string, Record<string, number>>();
  for (const row of counted) {
    for (const entry of row.usage) {
      const job = totals.get(row.jobId) ?? {};
      addCounters(job, usageCounters(entry));
      totals.set(row.jobId, job);
    }
  }
  return totals;
}

import type { Attempt, Cell, RowWork } from "@ampledata/shared";

/**
 * Builds the Attempt of the round that `work` finishes: the search provider and queries, the URLs
 * crawled (failed fetches included) and the best confidence per wanted column after merging, 0 for
 * a column without a value.
 */
export function roundAttempt(work: RowWork, cells: Record<string, Cell>, at = Date.now()): Attempt {
  const urls = [
    ...(work.pages ?? []).map((page) => page.finalUrl),
    ...(work.pageFailures ?? []).map((failure) => failure.url),
  ];
  return {
    round: work.round,
    provider: work.search?.provider ?? null,
    queries: work.search?.queries ?? [],
    urls: [...new Set(urls)],
    confidence: Object.fromEntries(work.wanted.map((column) => [column, valueConfidence(cells[column])])),
    at,
  };
}

/**
 * Returns the row's history with this round's Attempt. A redelivered message carries the history
 * it had before, so handling it again appends the round once, not twice.
 */
export function appendAttempt(work: RowWork, cells: Record<string, Cell>): Attempt[] {
  return [...(work.history ?? []), roundAttempt(work, cells)];
}

function valueConfidence(cell: Cell | undefined): number {
  if (cell === undefined || cell.value === null) return 0;
  return cell.outcome === "found" || cell.outcome === "ambiguous" ? cell.confidence : 0;
}

/** Combining cells from two extraction passes (snippets, then pages; or two batches of pages). */
import type { Cell, CellOutcome } from "@ampledata/shared";

const OUTCOME_RANK: Record<CellOutcome, number> = {
  found: 4,
  ambiguous: 3,
  invalid: 2,
  blocked: 1,
  not_found: 1,
  error: 0,
  skipped: 0,
};
const MAX_SOURCES = 20;

/**
 * Keeps the best cell per column: a found value over an ambiguous one over an empty one, then
 * the higher confidence. When both passes found the same value, its sources are joined.
 */
export function mergeCells(previous: Record<string, Cell>, next: Record<string, Cell>): Record<string, Cell> {
  const merged: Record<string, Cell> = { ...previous };
  for (const [column, cell] of Object.entries(next)) {
    const earlier = merged[column];
    merged[column] = earlier === undefined ? cell : betterCell(earlier, cell);
  }
  return merged;
}

function betterCell(a: Cell, b: Cell): Cell {
  if (a.outcome === "found" && b.outcome === "found" && sameValue(a, b)) {
    const best = b.confidence > a.confidence ? b : a;
    return {
      ...best,
      sources: [...new Set([...best.sources, ...a.sources, ...b.sources])].slice(0, MAX_SOURCES),
    };
  }
  const rankDifference = OUTCOME_RANK[b.outcome] - OUTCOME_RANK[a.outcome];
  if (rankDifference !== 0) return rankDifference > 0 ? b : a;
  return b.confidence > a.confidence ? b : a;
}

function sameValue(a: Cell, b: Cell): boolean {
  return JSON.stringify(a.value).toLowerCase() === JSON.stringify(b.value).toLowerCase();
}

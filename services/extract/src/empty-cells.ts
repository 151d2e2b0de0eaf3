import type { Cell, RowWork } from "@ampledata/shared";

const MAX_REASON_CHARS = 1000;
const MAX_SOURCES = 20;

/**
 * Builds the cell of a wanted column that nothing filled, with the reason taken from the row's
 * journey: no search results, no result worth crawling, every page blocked, every page failed, or
 * nothing stated on the pages read. The outcome is "blocked" only when every page tried for the
 * row was blocked.
 */
export function emptyCell(column: string, work: RowWork): Cell {
  const pages = work.pages ?? [];
  const failures = work.pageFailures ?? [];
  const results = work.search?.results ?? [];
  const base = { value: null, confidence: 0, evidence: null };

  if (pages.length > 0) {
    const sources = pages.map((page) => page.finalUrl);
    return {
      ...base,
      outcome: "not_found",
      sources: limitSources(sources),
      reason: limit(`${column} not stated on ${pages.length} crawled page(s)`),
    };
  }
  if (failures.length > 0) {
    const listed = failures.map((failure) => `${failure.url} (${failure.reason})`).join("; ");
    const blocked = failures.every((failure) => failure.outcome === "blocked");
    return {
      ...base,
      outcome: blocked ? "blocked" : "not_found",
      sources: limitSources(failures.map((failure) => failure.url)),
      reason: limit(blocked ? `every page was blocked: ${listed}` : `no page could be read: ${listed}`),
    };
  }
  if (results.length === 0) {
    const queries = (work.search?.queries ?? []).map((query) => JSON.stringify(query)).join(", ");
    return {
      ...base,
      outcome: "not_found",
      sources: [],
      reason: limit(`no search results${queries ? ` for ${queries}` : ""}`),
    };
  }
  return {
    ...base,
    outcome: "not_found",
    sources: [],
    reason: limit(
      `none of the ${results.length} search results was chosen as a page about the row, and the snippets did not state ${column}`,
    ),
  };
}

function limit(text: string): string {
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS - 3)}...` : text;
}

function limitSources(urls: string[]): string[] {
  return [...new Set(urls)].slice(0, MAX_SOURCES);
}

import type { Cell, RowWork, StageHandler } from "@ampledata/shared";
import { columnSpecs, missingColumns } from "./columns.ts";
import type { DecisionConfig } from "./config.ts";
import { defaultSnippetExtractor, type SnippetExtractor } from "./extraction.ts";
import { rankResults } from "./ranking.ts";

export interface DecisionHandlerDependencies {
  config: Pick<DecisionConfig, "DECISION_CONFIDENCE">;
  /** The extraction library by default; tests may pass their own. */
  extractor?: SnippetExtractor;
}

/**
 * Creates the decision stage handler. It keeps the values the search snippets already state and
 * works out which wanted columns are still missing. Then it picks up to `job.maxUrls` results to
 * crawl for them. With nothing missing or nothing worth crawling, the row skips crawl and goes
 * straight to extract.
 */
export function createDecisionHandler(dependencies: DecisionHandlerDependencies): StageHandler {
  const extractor = dependencies.extractor ?? defaultSnippetExtractor;
  const threshold = dependencies.config.DECISION_CONFIDENCE;

  return async (work, context) => {
    const { job, logger } = context;
    const results = work.search?.results ?? [];
    const wanted = columnSpecs(job, work.wanted);
    const entity = { key: work.key, description: job.keyDescription };

    let cells = work.cells;
    if (results.length > 0 && wanted.length > 0) {
      const fromSnippets = foundOnly(extractor.extractFromSnippets({ entity, columns: wanted, results }));
      cells = extractor.mergeCells(work.cells, fromSnippets);
      if (Object.keys(fromSnippets).length > 0) {
        logger.debug({ columns: Object.keys(fromSnippets) }, "search snippets filled columns");
      }
    }

    const missing = missingColumns(work.wanted, cells, threshold);
    const ranking =
      missing.length === 0 || results.length === 0
        ? { chosen: [], rejected: [] }
        : rankResults({ key: work.key, missing: columnSpecs(job, missing), results, maxUrls: job.maxUrls });
    const urls = ranking.chosen.map(({ result, reason }) => ({ url: result.url, reason }));
    logger.debug(
      {
        missing,
        chosen: urls,
        rejected: ranking.rejected.map(({ result, reason }) => ({ url: result.url, reason })),
      },
      "decision made",
    );

    const next: RowWork = {
      ...work,
      cells,
      decision: { missing, urls },
      pages: undefined,
      pageFailures: undefined,
    };
    const stage = urls.length === 0 ? "extract" : "crawl";
    return { rowStage: "DECISION_MADE", next: { stage, work: next } };
  };
}

/** Keeps the cells that carry a value, because a snippet without the value does not mean the page lacks it. */
function foundOnly(cells: Record<string, Cell>): Record<string, Cell> {
  return Object.fromEntries(Object.entries(cells).filter(([, cell]) => cell.outcome === "found"));
}

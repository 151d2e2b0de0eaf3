import { groundCells } from "@ampledata/extraction";
import type { LlmClient } from "@ampledata/llm";
import type { Cell, CellOutcome, RowWork, StageHandler, StageResult } from "@ampledata/shared";
import { columnSpecs } from "./columns.ts";
import type { ExtractConfig } from "./config.ts";
import { emptyCell } from "./empty-cells.ts";
import { defaultPageExtractor, type PageExtractor } from "./extraction.ts";
import { appendAttempt } from "./history.ts";
import { readPages } from "./pages.ts";

export interface ExtractHandlerDependencies {
  config: Pick<ExtractConfig, "REFINE_CONFIDENCE">;
  /** The extraction library by default; tests may pass their own. */
  extractor?: PageExtractor;
  /** Language-model client; undefined (no LLM_BASE_URL) runs the heuristic extractor only. */
  llm?: LlmClient | undefined;
}

/**
 * Creates the extract stage handler. It extracts the missing columns from the crawled pages, with
 * the language model when one is configured, and grounds the new cells against those pages. It
 * then merges them with the cells found so far and appends the round to the row's history. A row
 * whose wanted column is missing or below REFINE_CONFIDENCE goes back to serp with the next round
 * number (event ENRICHED), as long as the job allows another round. Otherwise the row is COMPLETED
 * with a cell for every wanted column, and the empty ones carry the reason nothing was found.
 */
export function createExtractHandler(dependencies: ExtractHandlerDependencies): StageHandler {
  const extractor = dependencies.extractor ?? defaultPageExtractor;
  const threshold = dependencies.config.REFINE_CONFIDENCE;

  return async (work, context) => {
    const { job, logger, signal } = context;
    // Rejects a row whose wanted columns are not all columns of its job.
    columnSpecs(job, work.wanted);
    const missing = columnSpecs(job, work.decision?.missing ?? work.wanted);
    const pages = work.pages ?? [];

    let cells = work.cells;
    let usage: StageResult["usage"];
    if (pages.length > 0 && missing.length > 0) {
      const entity = { key: work.key, description: job.keyDescription };
      const reading = await readPages(
        { entity, columns: missing, pages },
        { extractor, llm: dependencies.llm, logger, signal },
      );
      if (reading.usage !== undefined) usage = [reading.usage];
      // Only the new cells are grounded: cells carried over from snippets or earlier rounds cite
      // pages that this round did not crawl, and they were grounded against those pages already.
      cells = extractor.mergeCells(work.cells, groundCells(reading.cells, pages));
    }
    const history = appendAttempt(work, cells);

    const weak = work.wanted.filter((column) => worthAnotherRound(cells[column], threshold));
    if (weak.length > 0 && work.round + 1 < job.maxRounds) {
      logger.debug({ weak, round: work.round + 1 }, "columns still missing, searching again");
      const next: RowWork = {
        ...work,
        round: work.round + 1,
        cells,
        history,
        search: undefined,
        decision: undefined,
        pages: undefined,
        pageFailures: undefined,
      };
      return { rowStage: "ENRICHED", next: { stage: "serp", work: next }, cells, history, usage };
    }

    const final: Record<string, Cell> = {};
    for (const column of work.wanted) {
      final[column] = cells[column] ?? emptyCell(column, work);
    }
    return { rowStage: "COMPLETED", cells: final, history, usage };
  };
}

/** Rule per cell outcome: whether another search round can improve the cell. */
const REFINE_RULES: Record<CellOutcome, (cell: Cell, threshold: number) => boolean> = {
  // Weak evidence: other pages may confirm the value or give a stronger one.
  found: (cell, threshold) => cell.confidence < threshold,
  // Other queries reach other pages.
  not_found: () => true,
  // Robots.txt or a login wall kept us out; the value may be on pages that let us in.
  blocked: () => true,
  // Pages about the entity disagree on the value; another round may find a clearly stronger source.
  ambiguous: () => true,
  // The value could not be read as its type; another source may state it readably.
  invalid: () => true,
  // An impute column whose input cell was filled: there is nothing to find.
  skipped: () => false,
  // A model refusal or a provider failure: a new search does not change it.
  error: () => false,
};

/** Tells whether a column's cell is worth another round; a column without a cell always is. */
export function worthAnotherRound(cell: Cell | undefined, threshold: number): boolean {
  return cell === undefined || REFINE_RULES[cell.outcome](cell, threshold);
}

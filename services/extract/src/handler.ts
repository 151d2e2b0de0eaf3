import type { Cell, RowWork, StageHandler } from "@ampledata/shared";
import { columnSpecs } from "./columns.ts";
import type { ExtractConfig } from "./config.ts";
import { emptyCell } from "./empty-cells.ts";
import { defaultPageExtractor, type PageExtractor } from "./extraction.ts";

export interface ExtractHandlerDependencies {
  config: Pick<ExtractConfig, "REFINE_CONFIDENCE">;
  /** The extraction library by default; tests may pass their own. */
  extractor?: PageExtractor;
}

/**
 * Creates the extract stage handler. It extracts the missing columns from the crawled pages and
 * merges them with the cells found so far. A row whose wanted column is missing or below
 * REFINE_CONFIDENCE goes back to serp with the next round number (event ENRICHED), as long as the
 * job allows another round. Otherwise the row is COMPLETED with a cell for every wanted column,
 * and the empty ones carry the reason nothing was found.
 */
export function createExtractHandler(dependencies: ExtractHandlerDependencies): StageHandler {
  const extractor = dependencies.extractor ?? defaultPageExtractor;
  const threshold = dependencies.config.REFINE_CONFIDENCE;

  return async (work, context) => {
    const { job, logger } = context;
    // Rejects a row whose wanted columns are not all columns of its job.
    columnSpecs(job, work.wanted);
    const missing = columnSpecs(job, work.decision?.missing ?? work.wanted);
    const pages = work.pages ?? [];

    let cells = work.cells;
    if (pages.length > 0 && missing.length > 0) {
      const entity = { key: work.key, description: job.keyDescription };
      cells = extractor.mergeCells(
        work.cells,
        extractor.extractFromPages({ entity, columns: missing, pages }),
      );
    }

    const weak = work.wanted.filter((column) => !isConfident(cells[column], threshold));
    if (weak.length > 0 && work.round + 1 < job.maxRounds) {
      logger.debug({ weak, round: work.round + 1 }, "columns still missing, searching again");
      const next: RowWork = {
        ...work,
        round: work.round + 1,
        cells,
        search: undefined,
        decision: undefined,
        pages: undefined,
        pageFailures: undefined,
      };
      return { rowStage: "ENRICHED", next: { stage: "serp", work: next }, cells };
    }

    const final: Record<string, Cell> = {};
    for (const column of work.wanted) {
      final[column] = cells[column] ?? emptyCell(column, work);
    }
    return { rowStage: "COMPLETED", cells: final };
  };
}

function isConfident(cell: Cell | undefined, threshold: number): boolean {
  return cell !== undefined && cell.outcome === "found" && cell.confidence >= threshold;
}

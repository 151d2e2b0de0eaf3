/** Reading the missing columns from a row's crawled pages, with the language model or the heuristic. */
import { entityMatches } from "@ampledata/extraction";
import {
  extractWithModel,
  type LlmClient,
  llmUsageEntry,
  tokensOfError,
  type UsageEntry,
} from "@ampledata/llm";
import {
  type Cell,
  type ColumnSpec,
  describeError,
  isPermanent,
  type Logger,
  type PageContent,
} from "@ampledata/shared";
import type { EntityReference, PageExtractor } from "./extraction.ts";

export interface PageInput {
  entity: EntityReference;
  columns: ColumnSpec[];
  pages: PageContent[];
}

export interface PageDependencies {
  extractor: PageExtractor;
  /** Language-model client; undefined reads the pages with the heuristic extractor only. */
  llm: LlmClient | undefined;
  logger: Logger;
  signal: AbortSignal;
}

export interface PageReading {
  /** One cell per requested column, not yet grounded by the caller. */
  cells: Record<string, Cell>;
  /** The language model's usage entry, when a model call was made. */
  usage?: UsageEntry;
  /** Reason the heuristic path ran although a language model is configured. */
  fallback?: string;
}

const MAX_REASON_CHARS = 1000;
const MAX_ERROR_CHARS = 300;

/**
 * Reads the columns from the pages. With a language model, the pages that pass the entity check
 * go to `extractWithModel`, and the reasons of columns it does not find name the skipped pages.
 * When no page passes, the heuristic `extractFromPages` runs without a model call, because it
 * writes the same "no page is about the entity" cells. When the model refuses, returns an
 * invalid response twice or fails with another permanent error, the heuristic runs and its cell
 * reasons give the model's error. Transient model errors and aborts are thrown, so the runtime
 * delivers the row again.
 */
export async function readPages(input: PageInput, dependencies: PageDependencies): Promise<PageReading> {
  const { llm, logger, signal } = dependencies;
  let usage: UsageEntry | undefined;
  let fallback: string | undefined;

  const accepted: PageContent[] = [];
  const skipped: string[] = [];
  for (const page of input.pages) {
    const match = entityMatches(page, input.entity);
    if (match.matches) accepted.push(page);
    else skipped.push(match.reason);
  }

  if (llm !== undefined && accepted.length > 0) {
    try {
      const result = await extractWithModel(llm, {
        entity: input.entity,
        columns: input.columns,
        pages: accepted,
        signal,
      });
      const refusal = refusalReason(result.cells);
      if (refusal === undefined) {
        return { cells: withSkippedPages(result.cells, skipped), usage: llmUsageEntry(result.usage, false) };
      }
      // The refusal cells' reason reads "language model refused the request: <refusal>".
      fallback = `the ${refusal.slice(0, MAX_ERROR_CHARS)}`;
      usage = llmUsageEntry(result.usage, true);
      logger.warn(
        { provider: usage.provider, refusal },
        "language model refused the pages; using the heuristic extractor",
      );
    } catch (error) {
      if (!isPermanent(error) || signal.aborted) throw error;
      fallback = `the language model failed: ${describeError(error).slice(0, MAX_ERROR_CHARS)}`;
      usage = llmUsageEntry(tokensOfError(error), true);
      logger.warn(
        { err: error, provider: usage.provider },
        "language model failed on the pages; using the heuristic extractor",
      );
    }
  }

  const cells = dependencies.extractor.extractFromPages(input);
  return {
    cells:
      fallback === undefined
        ? cells
        : withReasonNote(cells, () => `heuristic extractor, because ${fallback}`),
    ...(usage === undefined ? {} : { usage }),
    ...(fallback === undefined ? {} : { fallback }),
  };
}

/**
 * Returns the refusal reason when every cell has outcome `error`. extractWithModel gives that
 * outcome only to the cells it builds from a refusal, and then to all of them.
 */
function refusalReason(cells: Record<string, Cell>): string | undefined {
  const all = Object.values(cells);
  if (all.length === 0 || !all.every((cell) => cell.outcome === "error")) return undefined;
  return all[0]?.reason;
}

/** Adds the pages the entity check skipped to the reasons of cells without a value. */
function withSkippedPages(cells: Record<string, Cell>, skipped: string[]): Record<string, Cell> {
  if (skipped.length === 0) return cells;
  return withReasonNote(cells, (cell) =>
    cell.value === null ? `skipped, not about the entity: ${skipped.join("; ")}` : undefined,
  );
}

function withReasonNote(
  cells: Record<string, Cell>,
  noteOf: (cell: Cell) => string | undefined,
): Record<string, Cell> {
  return Object.fromEntries(
    Object.entries(cells).map(([column, cell]) => {
      const note = noteOf(cell);
      return [column, note === undefined ? cell : { ...cell, reason: limit(`${cell.reason} (${note})`) }];
    }),
  );
}

function limit(text: string): string {
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS - 3)}...` : text;
}

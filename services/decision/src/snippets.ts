/** Values that the search results already state, read by the language model or the heuristic extractor. */
import { groundCells, searchResultPage } from "@ampledata/extraction";
import {
  decideFromSnippets,
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
  type SearchResult,
} from "@ampledata/shared";
import type { EntityReference, SnippetExtractor } from "./extraction.ts";

export interface SnippetInput {
  entity: EntityReference;
  columns: ColumnSpec[];
  results: SearchResult[];
  /** Maximum number of URLs the language model may choose. */
  maxUrls: number;
}

export interface SnippetDependencies {
  extractor: SnippetExtractor;
  /** Language-model client; undefined reads the snippets with the heuristic extractor only. */
  llm: LlmClient | undefined;
  logger: Logger;
  signal: AbortSignal;
}

export interface SnippetReading {
  /** Found cells that the snippets state and that grounding kept. */
  cells: Record<string, Cell>;
  /** URLs the language model chose to crawl, best first; undefined when the heuristic ranking chooses. */
  urls?: { url: string; reason: string }[];
  /** The language model's usage entry, when a model call was made. */
  usage?: UsageEntry;
  /** Reason the heuristic path ran although a language model is configured. */
  fallback?: string;
}

const MAX_REASON_CHARS = 1000;
const MAX_ERROR_CHARS = 300;

/**
 * Reads the columns from the search results. With a language model, `decideFromSnippets` returns
 * the values and the URLs to crawl. When the model refuses, returns an invalid response twice or
 * fails with another permanent error, the heuristic `extractFromSnippets` runs instead. Its cell
 * reasons then give the model's error, and the caller ranks the URLs itself. Transient model
 * errors and aborts are thrown, so the runtime delivers the row again. Cells of both paths are
 * grounded against the results' titles and snippets, and only found cells are returned.
 */
export async function readSnippets(
  input: SnippetInput,
  dependencies: SnippetDependencies,
): Promise<SnippetReading> {
  const { llm, logger, signal } = dependencies;
  const resultPages = input.results.map(searchResultPage);
  let usage: UsageEntry | undefined;
  let fallback: string | undefined;

  if (llm !== undefined) {
    try {
      const decision = await decideFromSnippets(llm, { ...input, signal });
      return {
        cells: groundFound(decision.values, resultPages, logger),
        urls: decision.urls.map(({ url, reason }) => ({ url, reason: `language model: ${reason}` })),
        usage: llmUsageEntry(decision.usage, false),
      };
    } catch (error) {
      if (!isPermanent(error) || signal.aborted) throw error;
      fallback = `the language model failed: ${describeError(error).slice(0, MAX_ERROR_CHARS)}`;
      usage = llmUsageEntry(tokensOfError(error), true);
      logger.warn(
        { err: error, provider: usage.provider },
        "language model failed on the search snippets; using the heuristic snippet reader and ranking",
      );
    }
  }

  const heuristic = dependencies.extractor.extractFromSnippets({
    entity: input.entity,
    columns: input.columns,
    results: input.results,
  });
  const cells = groundFound(foundOnly(heuristic), resultPages, logger);
  return {
    cells:
      fallback === undefined ? cells : withReasonNote(cells, `heuristic snippet reader, because ${fallback}`),
    ...(usage === undefined ? {} : { usage }),
    ...(fallback === undefined ? {} : { fallback }),
  };
}

/** Grounds the cells against the result pages and keeps those still found; logs the dropped ones. */
function groundFound(
  cells: Record<string, Cell>,
  resultPages: PageContent[],
  logger: Logger,
): Record<string, Cell> {
  const grounded = groundCells(cells, resultPages);
  const dropped = Object.entries(grounded).filter(([, cell]) => cell.outcome !== "found");
  if (dropped.length > 0) {
    logger.debug(
      { columns: Object.fromEntries(dropped.map(([column, cell]) => [column, cell.reason])) },
      "grounding dropped snippet values",
    );
  }
  return foundOnly(grounded);
}

/** Keeps the cells that carry a value, because a snippet without the value does not mean the page lacks it. */
function foundOnly(cells: Record<string, Cell>): Record<string, Cell> {
  return Object.fromEntries(Object.entries(cells).filter(([, cell]) => cell.outcome === "found"));
}

function withReasonNote(cells: Record<string, Cell>, note: string): Record<string, Cell> {
  return Object.fromEntries(
    Object.entries(cells).map(([column, cell]) => [
      column,
      { ...cell, reason: limit(`${cell.reason} (${note})`) },
    ]),
  );
}

function limit(text: string): string {
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS - 3)}...` : text;
}

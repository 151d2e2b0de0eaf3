import type { LlmClient } from "@ampledata/llm";
import type { JobSpec, Logger, RowWork, StageHandler } from "@ampledata/shared";
import { columnSpecs, missingColumns } from "./columns.ts";
import type { DecisionConfig } from "./config.ts";
import { defaultSnippetExtractor, type SnippetExtractor } from "./extraction.ts";
import { rankResults } from "./ranking.ts";
import { readSnippets, type SnippetReading } from "./snippets.ts";

export interface DecisionHandlerDependencies {
  config: Pick<DecisionConfig, "DECISION_CONFIDENCE">;
  /** The extraction library by default; tests may pass their own. */
  extractor?: SnippetExtractor;
  /** Language-model client; undefined (no LLM_BASE_URL) runs the heuristic path only. */
  llm?: LlmClient | undefined;
}

/**
 * Creates the decision stage handler. It keeps the values the search snippets already state and
 * works out which wanted columns are still missing. Then it picks up to `job.maxUrls` results to
 * crawl for them: the language model's choice when one is configured, else the heuristic ranking.
 * With nothing missing or nothing worth crawling, the row skips crawl and goes straight to extract.
 */
export function createDecisionHandler(dependencies: DecisionHandlerDependencies): StageHandler {
  const extractor = dependencies.extractor ?? defaultSnippetExtractor;
  const threshold = dependencies.config.DECISION_CONFIDENCE;

  return async (work, context) => {
    const { job, logger, signal } = context;
    const results = work.search?.results ?? [];
    const wanted = columnSpecs(job, work.wanted);
    const entity = { key: work.key, description: job.keyDescription };

    let cells = work.cells;
    let reading: SnippetReading | undefined;
    if (results.length > 0 && wanted.length > 0) {
      reading = await readSnippets(
        { entity, columns: wanted, results, maxUrls: job.maxUrls },
        { extractor, llm: dependencies.llm, logger, signal },
      );
      cells = extractor.mergeCells(work.cells, reading.cells);
      if (Object.keys(reading.cells).length > 0) {
        logger.debug({ columns: Object.keys(reading.cells) }, "search snippets filled columns");
      }
    }

    const missing = missingColumns(work.wanted, cells, threshold);
    const urls = chooseUrls(work, job, reading, missing, logger);
    const next: RowWork = {
      ...work,
      cells,
      decision: { missing, urls },
      pages: undefined,
      pageFailures: undefined,
    };
    const stage = urls.length === 0 ? "extract" : "crawl";
    return {
      rowStage: "DECISION_MADE",
      next: { stage, work: next },
      ...(reading?.usage === undefined ? {} : { usage: [reading.usage] }),
    };
  };
}

/**
 * Returns the URLs to crawl for the missing columns: none when nothing is missing or there are no
 * results, the language model's choice when it returned one, else the heuristic ranking. After a
 * model failure, each ranked URL's reason states that the ranking replaced the model.
 */
function chooseUrls(
  work: RowWork,
  job: JobSpec,
  reading: SnippetReading | undefined,
  missing: string[],
  logger: Logger,
): { url: string; reason: string }[] {
  const results = work.search?.results ?? [];
  if (missing.length === 0 || results.length === 0) return [];
  if (reading?.urls !== undefined) {
    logger.debug({ missing, chosen: reading.urls }, "decision made by the language model");
    return reading.urls;
  }

  const ranking = rankResults({
    key: work.key,
    missing: columnSpecs(job, missing),
    results,
    maxUrls: job.maxUrls,
  });
  const prefix = reading?.fallback === undefined ? "" : `heuristic ranking, because ${reading.fallback}: `;
  const urls = ranking.chosen.map(({ result, reason }) => ({
    url: result.url,
    reason: `${prefix}${reason}`,
  }));
  logger.debug(
    {
      missing,
      chosen: urls,
      rejected: ranking.rejected.map(({ result, reason }) => ({ url: result.url, reason })),
    },
    "decision made",
  );
  return urls;
}

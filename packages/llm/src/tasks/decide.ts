/** The decision stage's model task: values that search snippets already state, and the URLs worth crawling. */
import { type EntityRef, groundCells, searchResultPage } from "@ampledata/extraction";
import type { Cell, ColumnSpec, SearchResult } from "@ampledata/shared";
import { z } from "zod";
import type { LlmClient } from "../client.ts";
import { dataBlock, describeColumns, describeEntity, oneLine, untrustedDataRules } from "../prompt.ts";
import { emptyUsage, type TokenUsage } from "../usage.ts";
import { type Finding, findingCell, SNIPPET_MAX_CONFIDENCE, valueSchema } from "./cells.ts";
import { uniqueColumns } from "./columns.ts";

export interface DecideFromSnippetsInput {
  entity: EntityRef;
  columns: ColumnSpec[];
  results: SearchResult[];
  /** Most URLs to return for crawling. */
  maxUrls: number;
  signal?: AbortSignal;
}

export interface SnippetDecision {
  /** Cells of the columns the snippets state, grounded against the snippets; other columns are left out. */
  values: Record<string, Cell>;
  /** Columns without a value in `values`, in the order of the input. */
  missing: string[];
  /** URLs from the results to crawl for the missing columns, best first, at most `maxUrls`. */
  urls: { url: string; reason: string }[];
  usage: TokenUsage;
}

const MAX_REASON_CHARS = 300;

/**
 * Asks the model which columns the snippets state and which result URLs to crawl. Each value
 * must quote its snippet, and values whose quote is not in that result's title or snippet are
 * dropped by `groundCells`. Values are capped at SNIPPET_MAX_CONFIDENCE. Only URLs of the given
 * results are accepted. A refusal throws LlmRefusalError, so the caller can rank the URLs itself.
 */
export async function decideFromSnippets(
  client: LlmClient,
  input: DecideFromSnippetsInput,
): Promise<SnippetDecision> {
  const columns = uniqueColumns(input.columns);
  const results = uniqueResults(input.results);
  if (results.length === 0) {
    return { values: {}, missing: columns.map((column) => column.name), urls: [], usage: emptyUsage() };
  }

  const urls = results.map((result) => result.url) as [string, ...string[]];
  const block = dataBlock(
    results.map((result) => ({
      header: [`url: ${result.url}`, `title: ${result.title}`],
      body: result.snippet,
    })),
  );
  const valueFields = (column: ColumnSpec) =>
    z.object({
      evidence: z.string().nullable(),
      source: z.enum(urls).nullable(),
      value: valueSchema(column.type),
      confidence: z.number().min(0).max(1),
    });
  const schema = z.object({
    values: z.object(Object.fromEntries(columns.map((column) => [column.name, valueFields(column)]))),
    crawl: z.array(z.object({ url: z.enum(urls), reason: z.string() })),
  });

  const completion = await client.complete({
    name: "decide_from_snippets",
    schema,
    messages: [
      { role: "system", content: systemPrompt(block.tag, input.maxUrls) },
      {
        role: "user",
        content: [
          `Entity: ${describeEntity(input.entity.key, input.entity.description)}`,
          `Columns:\n${describeColumns(columns)}`,
          `Search results (${results.length}):\n${block.text}`,
        ].join("\n\n"),
      },
    ],
    ...(input.signal === undefined ? {} : { signal: input.signal }),
  });

  const found: Record<string, Cell> = {};
  for (const column of columns) {
    const answered = completion.value.values[column.name] as Omit<Finding, "sources" | "reason"> & {
      source: string | null;
    };
    if (answered.value === null) continue;
    const finding: Finding = {
      ...answered,
      sources: answered.source === null ? [] : [answered.source],
      reason: "the title or snippet of the result states the value",
    };
    found[column.name] = findingCell(column, finding, {
      maxConfidence: SNIPPET_MAX_CONFIDENCE,
      readSources: urls,
      origin: "search snippet",
    });
  }
  const grounded = groundCells(found, results.map(searchResultPage));
  const values = Object.fromEntries(Object.entries(grounded).filter(([, cell]) => cell.outcome === "found"));

  const crawl = new Map<string, string>();
  for (const entry of completion.value.crawl) {
    if (!crawl.has(entry.url)) crawl.set(entry.url, truncate(oneLine(entry.reason), MAX_REASON_CHARS));
  }
  return {
    values,
    missing: columns.map((column) => column.name).filter((name) => values[name] === undefined),
    urls: [...crawl].slice(0, input.maxUrls).map(([url, reason]) => ({ url, reason })),
    usage: completion.usage,
  };
}

function systemPrompt(tag: string, maxUrls: number): string {
  return [
    "You read web search results for one row of a data table and decide two things.",
    untrustedDataRules(tag),
    "First, for each column, the value that a result's title or snippet states about the entity itself.",
    "Copy into evidence the words of that snippet or title, verbatim, that contain the value, and set source to that result's URL.",
    "When no result states a column, or a snippet is cut before the value, its value, evidence and source are null.",
    `Second, in crawl, up to ${maxUrls} result URLs whose pages most likely state the columns that are still null, best first, each with a one-line reason.`,
    "Prefer pages about the entity itself over lists, search pages and pages about other entities.",
    "Do not use outside knowledge and do not guess. Reply with JSON only.",
  ].join("\n");
}

function uniqueResults(results: SearchResult[]): SearchResult[] {
  const seen = new Set<string>();
  return results.filter((result) => {
    if (result.url === "" || seen.has(result.url)) return false;
    seen.add(result.url);
    return true;
  });
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

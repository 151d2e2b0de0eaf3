/** Extraction of a row's columns from crawled pages by the language model, grounded like the heuristic path. */
import { type EntityRef, groundCells, relevantText } from "@ampledata/extraction";
import type { Cell, ColumnSpec, PageContent } from "@ampledata/shared";
import { z } from "zod";
import type { LlmClient } from "../client.ts";
import { LlmRefusalError } from "../errors.ts";
import { type DataItem, dataBlock, describeColumns, describeEntity, untrustedDataRules } from "../prompt.ts";
import { emptyUsage, type TokenUsage } from "../usage.ts";
import { type Finding, findingCell, MODEL_MAX_CONFIDENCE, refusalCells, valueSchema } from "./cells.ts";
import { uniqueColumns } from "./columns.ts";

export interface ExtractWithModelInput {
  entity: EntityRef;
  columns: ColumnSpec[];
  pages: PageContent[];
  signal?: AbortSignal;
}

export interface ModelCells {
  cells: Record<string, Cell>;
  usage: TokenUsage;
}

// Structured data is sent as JSON, cut to at most this share of the page's characters.
const STRUCTURED_SHARE = 0.25;
const BLOCKED_STATUSES = new Set([401, 403, 407, 429, 451]);

/**
 * Fills every column from the pages. Each page's text is cut with `relevantText` to its share of
 * the client's `maxInputChars`. Values are coerced to the column type and then grounded with
 * `groundCells`, so a value whose quote is not on its page is dropped. Pages with an HTTP status
 * of 400 or more are not sent. A refusal becomes cells with outcome `error`, and a response that
 * stays invalid throws LlmAnswerInvalidError.
 */
export async function extractWithModel(client: LlmClient, input: ExtractWithModelInput): Promise<ModelCells> {
  const columns = uniqueColumns(input.columns);
  const pages = input.pages.filter((page) => page.status < 400);
  const urls = [...new Set(pages.map((page) => page.finalUrl))];
  if (pages.length === 0) return { cells: unreadCells(columns, input.pages), usage: emptyUsage() };

  const budget = Math.floor(client.maxInputChars / pages.length);
  const block = dataBlock(pages.map((page) => pageItem(page, columns, input.entity, budget)));
  const findingSchema = (column: ColumnSpec) =>
    z.object({
      evidence: z.string().nullable(),
      sources: z.array(z.enum(urls as [string, ...string[]])),
      value: valueSchema(column.type),
      confidence: z.number().min(0).max(1),
      reason: z.string(),
    });
  const schema = z.object({
    columns: z.object(Object.fromEntries(columns.map((column) => [column.name, findingSchema(column)]))),
  });

  let completion: { value: z.infer<typeof schema>; usage: TokenUsage };
  try {
    completion = await client.complete({
      name: "extract_columns",
      schema,
      messages: [
        { role: "system", content: systemPrompt(block.tag) },
        {
          role: "user",
          content: [
            `Entity: ${describeEntity(input.entity.key, input.entity.description)}`,
            `Columns:\n${describeColumns(columns)}`,
            `Pages (${pages.length}):\n${block.text}`,
          ].join("\n\n"),
        },
      ],
      ...(input.signal === undefined ? {} : { signal: input.signal }),
    });
  } catch (error) {
    if (error instanceof LlmRefusalError) return { cells: refusalCells(columns, error), usage: error.usage };
    throw error;
  }

  const cells: Record<string, Cell> = {};
  for (const column of columns) {
    const finding = completion.value.columns[column.name] as Finding;
    cells[column.name] = findingCell(column, finding, {
      maxConfidence: MODEL_MAX_CONFIDENCE,
      readSources: urls,
      origin: "page",
    });
  }
  return { cells: groundCells(cells, pages), usage: completion.usage };
}

function systemPrompt(tag: string): string {
  return [
    "You fill the columns of one row of a data table from web pages about the row's entity.",
    untrustedDataRules(tag),
    "Use only what a page states about the entity itself; a page or passage about another entity states nothing about it.",
    "Do not use outside knowledge and do not guess: when no page states a column, its value is null.",
    "For every value, copy into evidence a passage of at most 300 characters verbatim from one page, containing the value as written there.",
    "sources lists the URL of that page. confidence is the probability, from 0 to 1, that the value is right.",
    "reason says in one short line where the page states the value.",
    "Reply with JSON only.",
  ].join("\n");
}

function pageItem(page: PageContent, columns: ColumnSpec[], entity: EntityRef, budget: number): DataItem {
  const structured = page.jsonLd.length === 0 ? "" : JSON.stringify(page.jsonLd);
  const structuredBudget = Math.floor(budget * STRUCTURED_SHARE);
  const shown =
    structured.length > structuredBudget ? `${structured.slice(0, structuredBudget)}…` : structured;
  const structuredPart = shown === "" ? "" : `\nstructured data (JSON-LD): ${shown}`;
  const textBudget = Math.max(0, budget - structuredPart.length - page.title.length);
  const text = relevantText(page, columns, textBudget, { entity }).text;
  return {
    header: [`url: ${page.finalUrl}`, `title: ${page.title}`],
    body: `text:\n${text}${structuredPart}`,
  };
}

/** Cells for a row without a readable page: `blocked` when every page was refused, else `not_found`. */
function unreadCells(columns: ColumnSpec[], pages: PageContent[]): Record<string, Cell> {
  const reason =
    pages.length === 0
      ? "no pages were crawled for this row"
      : `no page could be read (HTTP ${pages.map((page) => page.status).join(", ")})`;
  const blocked = pages.length > 0 && pages.every((page) => BLOCKED_STATUSES.has(page.status));
  const cells: Record<string, Cell> = {};
  for (const column of columns) {
    cells[column.name] = {
      value: null,
      outcome: blocked ? "blocked" : "not_found",
      confidence: 0,
      reason,
      sources: pages.map((page) => page.finalUrl).slice(0, 20),
      evidence: null,
    };
  }
  return cells;
}

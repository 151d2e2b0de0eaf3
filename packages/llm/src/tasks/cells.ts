/** Turning the model's per-column findings into cells, with the column's type and the shared coercion. */
import { coerceValue } from "@ampledata/extraction";
import type { Cell, ColumnSpec, ColumnType } from "@ampledata/shared";
import { z } from "zod";
import type { LlmRefusalError } from "../errors.ts";

/**
 * Highest confidence of a value read from pages. Models report their own confidence, which is
 * not calibrated against labelled data.
 * NOTE: 0.9 is a guess, not a measured figure; the heuristic extractor's confidences are measured.
 */
export const MODEL_MAX_CONFIDENCE = 0.9;

/** Highest confidence of a value read from search snippets, which are cut short and whose page is unchecked. */
export const SNIPPET_MAX_CONFIDENCE = 0.75;

const MAX_TEXT_CHARS = 1000;
const MAX_SOURCES = 20;

export type ModelValue = string | number | boolean | string[];

/** A column as the model returns it, before coercion and grounding. */
export interface Finding {
  value: ModelValue | null;
  confidence: number;
  reason: string;
  sources: string[];
  evidence: string | null;
}

/** Builds the schema of a column's value in a response, by column type. Null means the data does not state it. */
export function valueSchema(type: ColumnType) {
  switch (type) {
    case "number":
      return z.number().nullable();
    case "boolean":
      return z.boolean().nullable();
    case "list":
      return z.array(z.string()).nullable();
    default:
      return z.string().nullable();
  }
}

export interface FindingOptions {
  maxConfidence: number;
  /** Sources of a not_found cell: the pages or results that were read. */
  readSources: string[];
  /** Kind of text the value was read from, for the reason: "page" or "search snippet". */
  origin: string;
}

/**
 * Builds the cell of one column: `not_found` for a null value, `invalid` when the value does not
 * coerce to the column's type with `coerceValue`, else `found` with the coerced value.
 */
export function findingCell(column: ColumnSpec, finding: Finding, options: FindingOptions): Cell {
  const reason = oneLineText(finding.reason);
  if (finding.value === null) {
    return {
      value: null,
      outcome: "not_found",
      confidence: 0,
      reason: limit(
        `language model found no ${column.name} in the ${options.origin}s${reason === "" ? "" : `: ${reason}`}`,
      ),
      sources: options.readSources.slice(0, MAX_SOURCES),
      evidence: null,
    };
  }

  const coerced = coerceValue(column.type, rawText(finding.value));
  const sources = [...new Set(finding.sources)].slice(0, MAX_SOURCES);
  if (!coerced.ok) {
    return {
      value: null,
      outcome: "invalid",
      confidence: 0,
      reason: limit(
        `language model value ${JSON.stringify(finding.value)} is not a valid ${column.type}: ${coerced.reason}`,
      ),
      sources,
      evidence: finding.evidence === null ? null : limit(finding.evidence),
    };
  }
  const note = coerced.note === undefined ? "" : ` (${coerced.note})`;
  return {
    value: coerced.value,
    outcome: "found",
    confidence: clamp(finding.confidence, options.maxConfidence),
    reason: limit(`language model, ${options.origin} ${sources.join(", ")}: ${reason}${note}`),
    sources,
    evidence: finding.evidence === null ? null : limit(finding.evidence.trim()),
  };
}

/** Cells with outcome `error` for every column, when the model refused the call. */
export function refusalCells(columns: ColumnSpec[], error: LlmRefusalError): Record<string, Cell> {
  const cells: Record<string, Cell> = {};
  for (const column of columns) {
    cells[column.name] = {
      value: null,
      outcome: "error",
      confidence: 0,
      reason: limit(`language model refused the request: ${oneLineText(error.refusal)}`),
      sources: [],
      evidence: null,
    };
  }
  return cells;
}

// coerceValue reads strings. A list is joined with semicolons, which coerceValue splits on
// before commas, so items such as "Ek, Jonas" stay whole.
function rawText(value: ModelValue): string {
  return Array.isArray(value) ? value.join("; ") : String(value);
}

function clamp(confidence: number, max: number): number {
  const bounded = Math.min(max, Math.max(0, Number.isFinite(confidence) ? confidence : 0));
  return Math.round(bounded * 100) / 100;
}

function oneLineText(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function limit(text: string): string {
  return text.length > MAX_TEXT_CHARS ? `${text.slice(0, MAX_TEXT_CHARS - 3)}...` : text;
}

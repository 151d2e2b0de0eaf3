/** A value found on a page for one column, with the evidence behind it. */
import type { CellValue } from "@ampledata/shared";
import { truncateText } from "../text/normalize.ts";

/**
 * Kinds of evidence, from strongest to weakest. Structured data and labelled values are written
 * for machines or for scanning; prose needs reading and is the easiest to misread.
 */
export type EvidenceTier = "structured" | "meta" | "label" | "byline" | "heading" | "pattern" | "prose";

export const TIER_RANK: Record<EvidenceTier, number> = {
  structured: 6,
  meta: 5,
  label: 5,
  byline: 4,
  heading: 3,
  pattern: 2,
  prose: 1,
};

export interface Candidate {
  value: CellValue;
  confidence: number;
  tier: EvidenceTier;
  /** One line naming the evidence kind and the page: "labelled value 'Publisher:' on <url>". */
  reason: string;
  source: string;
  /** A verbatim quote of at most 200 characters that contains the value as written. */
  evidence: string;
  /** Lossy readings and caveats from coercion ("approximate", "first of 3 names"). */
  note?: string;
}

export const MAX_EVIDENCE_CHARS = 200;

/**
 * Quotes `text` around `needle`: the whole text when it fits in 200 characters, otherwise a
 * window centred on the first occurrence, cut on word boundaries.
 */
export function quoteAround(text: string, needle: string, start?: number): string {
  if (text.length <= MAX_EVIDENCE_CHARS) return text;
  const index = start ?? Math.max(0, text.toLowerCase().indexOf(needle.toLowerCase()));
  const margin = Math.max(0, Math.floor((MAX_EVIDENCE_CHARS - needle.length) / 2));
  let from = Math.max(0, index - margin);
  const to = Math.min(text.length, from + MAX_EVIDENCE_CHARS);
  from = Math.max(0, to - MAX_EVIDENCE_CHARS);
  let quote = text.slice(from, to);
  if (from > 0) quote = quote.replace(/^\S*\s/, "");
  if (to < text.length) quote = quote.replace(/\s\S*$/, "");
  return quote.length > 0 ? quote : truncateText(text, MAX_EVIDENCE_CHARS);
}

export function clampConfidence(value: number): number {
  return Math.round(Math.min(0.99, Math.max(0, value)) * 100) / 100;
}

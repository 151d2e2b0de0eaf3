/** Candidates from typed patterns anywhere in the text: ISBNs and email addresses. */
import type { PageContent } from "@ampledata/shared";
import type { ColumnPlan } from "../concepts/match.ts";
import { type Candidate, clampConfidence, quoteAround } from "./candidate.ts";
import { readValue } from "./value.ts";

const ISBN_13 = /\b97[89](?:[- ]?\d){10}\b/g;
const ISBN_10 = /\b\d(?:[- ]?\d){8}[- ]?[\dXx]\b/g;
const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/gi;

const PATTERN_CONFIDENCE = 0.76;
const EMAIL_CONFIDENCE = 0.55;
// Several different values of the same pattern on one page could each belong to another item.
const CROWDED_PENALTY = 0.25;

/** Candidates from checksummed ISBN patterns and email addresses in the page title, meta description and text. */
export function patternCandidates(page: PageContent, plan: ColumnPlan): Candidate[] {
  const conceptId = plan.concept?.id;
  let pattern: RegExp;
  let label: string;
  let base = PATTERN_CONFIDENCE;
  if (conceptId === "isbn_13") {
    pattern = ISBN_13;
    label = "ISBN-13";
  } else if (conceptId === "isbn_10") {
    pattern = ISBN_10;
    label = "ISBN-10";
  } else if (plan.kind === "email") {
    pattern = EMAIL;
    label = "email address";
    base = EMAIL_CONFIDENCE;
  } else {
    return [];
  }

  const found = new Map<string, Candidate>();
  const sources: [string, string][] = [
    ["page title", page.title],
    ["meta description", page.meta.description ?? ""],
    ["text", page.text],
  ];
  for (const [place, text] of sources) {
    for (const match of text.matchAll(pattern)) {
      const read = readValue(plan, match[0]);
      if (!read.ok) continue;
      const key = JSON.stringify(read.reading.value);
      if (found.has(key)) continue;
      const line = lineAround(text, match.index);
      found.set(key, {
        value: read.reading.value,
        confidence: clampConfidence(base + read.reading.adjustment),
        tier: "pattern",
        reason: `${label} pattern in ${place} of ${page.finalUrl}`,
        source: page.finalUrl,
        evidence: quoteAround(line.text, match[0], match.index - line.start),
      });
    }
  }
  const candidates = [...found.values()];
  if (candidates.length > 1) {
    for (const candidate of candidates)
      candidate.confidence = clampConfidence(candidate.confidence - CROWDED_PENALTY);
  }
  return candidates;
}

function lineAround(text: string, index: number): { text: string; start: number } {
  const start = text.lastIndexOf("\n", index) + 1;
  const end = text.indexOf("\n", index);
  return { text: text.slice(start, end === -1 ? text.length : end), start };
}

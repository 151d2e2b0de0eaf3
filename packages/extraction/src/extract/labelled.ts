/** Candidates from label/value pairs, bylines, headings and the page title. */
import type { PageContent } from "@ampledata/shared";
import { type ColumnPlan, labelScore } from "../concepts/match.ts";
import { mentionsValue } from "../entity.ts";
import { collapseWhitespace, foldText } from "../text/normalize.ts";
import { type Candidate, clampConfidence, quoteAround } from "./candidate.ts";
import { readValue } from "./value.ts";

const LABEL_CONFIDENCE = 0.9;
const EXTENDED_LABEL_CONFIDENCE = 0.84;
const WEAK_LABEL_CONFIDENCE = 0.8;
const BYLINE_NEAR_TITLE_CONFIDENCE = 0.86;
const BYLINE_CONFIDENCE = 0.74;
const TITLE_BYLINE_CONFIDENCE = 0.78;
const HEADING_TITLE_CONFIDENCE = 0.8;
const DOCUMENT_TITLE_CONFIDENCE = 0.72;

const BYLINE_START = /^(?:(?:written|edited|words|story|text) )?by\s+\p{Lu}/iu;
const TITLE_SEPARATORS = /\s+(?:[-|–—·•:]|::)\s+/;

/** Candidates from label/value pairs whose label names the column. */
export function labelCandidates(page: PageContent, plan: ColumnPlan): Candidate[] {
  const candidates: Candidate[] = [];
  const pairs = page.labelValues.map((pair) => ({ pair, score: labelScore(plan, pair.label) }));
  const bestScore = Math.max(0, ...pairs.map((entry) => entry.score));
  for (const { pair, score } of pairs) {
    // A weak label ("Date") counts only when no better label names the column.
    if (score === 0 || (score < 1 && score < bestScore)) continue;
    const read = readValue(plan, pair.value);
    if (!read.ok) continue;
    const base = labelConfidence(score);
    candidates.push({
      value: read.reading.value,
      confidence: clampConfidence(base + read.reading.adjustment),
      tier: "label",
      reason: `labelled value '${pair.label}:' on ${page.finalUrl}`,
      source: page.finalUrl,
      evidence: quoteAround(`${pair.label}: ${pair.value}`, pair.value),
      ...(read.reading.note === undefined ? {} : { note: read.reading.note }),
    });
  }
  return candidates;
}

function labelConfidence(score: number): number {
  if (score >= 1) return LABEL_CONFIDENCE;
  if (score >= 0.8) return EXTENDED_LABEL_CONFIDENCE;
  return WEAK_LABEL_CONFIDENCE;
}

/**
 * Candidates for author-like columns from bylines: a heading or marked element starting with
 * "by" (strongest right after the heading that names the entity), "Title by Name" in the page
 * title, and "By Name" lines near the top of the text.
 */
export function bylineCandidates(page: PageContent, plan: ColumnPlan, entityName: string): Candidate[] {
  const conceptId = plan.concept?.id;
  if (conceptId !== "author" && conceptId !== "creator") return [];
  const candidates: Candidate[] = [];
  const add = (raw: string, confidence: number, reason: string, quoteFrom: string) => {
    const read = readValue(plan, raw);
    if (!read.ok) return;
    candidates.push({
      value: read.reading.value,
      confidence: clampConfidence(confidence + read.reading.adjustment),
      tier: "byline",
      reason: `${reason} on ${page.finalUrl}`,
      source: page.finalUrl,
      evidence: quoteAround(quoteFrom, raw),
      ...(read.reading.note === undefined ? {} : { note: read.reading.note }),
    });
  };

  const titleIndex =
    entityName === "" ? 0 : page.headings.findIndex((heading) => mentionsValue(heading, entityName));
  const markedBylines = page.labelValues.filter((pair) => pair.label === "byline").map((pair) => pair.value);
  page.headings.forEach((heading, index) => {
    if (!BYLINE_START.test(heading)) return;
    const nearTitle = titleIndex >= 0 && index > titleIndex && index - titleIndex <= 2;
    // The same byline read with its link boundaries splits names more reliably.
    const linked = markedBylines.find((value) => value.includes(";") && sameWords(value, heading));
    add(
      linked ?? heading,
      nearTitle ? BYLINE_NEAR_TITLE_CONFIDENCE : BYLINE_CONFIDENCE,
      "byline heading",
      heading,
    );
  });

  for (const pair of page.labelValues) {
    if (pair.label === "byline") add(pair.value, BYLINE_CONFIDENCE, "element marked as byline", pair.value);
  }

  const titleByline = bylineInTitle(page.title, entityName);
  if (titleByline !== undefined)
    add(titleByline, TITLE_BYLINE_CONFIDENCE, "'by' in the page title", page.title);

  for (const line of page.text.split("\n").slice(0, 40)) {
    if (BYLINE_START.test(line) && line.length <= 120)
      add(line, BYLINE_CONFIDENCE - 0.04, "byline line in text", line);
  }
  return candidates;
}

function sameWords(a: string, b: string): boolean {
  const words = (text: string) =>
    foldText(text)
      .replace(/\b(?:and|by)\b/g, " ")
      .replace(/\s+/g, " ")
      .trim();
  return words(a) === words(b);
}

// "The Book by Ann Lee (Hardcover): shop.example" reads as the entity's title, then its authors.
function bylineInTitle(title: string, entityName: string): string | undefined {
  const match = / by (\p{Lu}[^()|:]*?)(?:\s*[(|:]|\s+[-–—]\s|$)/u.exec(title);
  if (match?.[1] === undefined) return undefined;
  const before = title.slice(0, match.index);
  if (entityName === "" || !mentionsValue(before, entityName)) return undefined;
  return match[1];
}

/**
 * Candidates for a title column: the first `h1`/heading that the page title contains, og:title
 * is read as meta, and the page title with its site-name suffix removed.
 */
export function titleCandidates(page: PageContent, plan: ColumnPlan): Candidate[] {
  if (plan.concept?.id !== "title") return [];
  const candidates: Candidate[] = [];
  const add = (raw: string, confidence: number, reason: string) => {
    const read = readValue(plan, raw);
    if (!read.ok) return;
    candidates.push({
      value: read.reading.value,
      confidence: clampConfidence(confidence),
      tier: "heading",
      reason: `${reason} on ${page.finalUrl}`,
      source: page.finalUrl,
      evidence: quoteAround(raw, raw),
    });
  };

  const documentTitle = collapseWhitespace(page.title);
  const siteName = page.meta["og:site_name"];
  const heading = page.headings.find(
    (text) => text.length >= 3 && documentTitle !== "" && mentionsValue(documentTitle, text, false),
  );
  if (heading !== undefined) add(heading, HEADING_TITLE_CONFIDENCE, "heading repeated in the page title");
  const stripped = stripSiteName(documentTitle, siteName);
  if (stripped !== "") add(stripped, DOCUMENT_TITLE_CONFIDENCE, "page title");
  return candidates;
}

/** Removes a trailing or leading site name from a page title ("Story - BBC News" is "Story"). */
export function stripSiteName(title: string, siteName: string | undefined): string {
  const parts = title.split(TITLE_SEPARATORS);
  if (parts.length < 2) return title;
  const last = parts.at(-1) ?? "";
  const first = parts[0] ?? "";
  if (siteName !== undefined && mentionsValue(last, siteName, false)) return parts.slice(0, -1).join(" - ");
  if (siteName !== undefined && mentionsValue(first, siteName, false)) return parts.slice(1).join(" - ");
  // Without a known site name, drop a short last part that looks like a site ("Example News").
  return last.split(/\s+/).length <= 4 && parts.slice(0, -1).join(" ").length > last.length * 2
    ? title.slice(0, title.lastIndexOf(last)).replace(/\s*(?:[-|–—·•:]|::)\s*$/, "")
    : title;
}

/** Reasons why labelled values that name the column could not be read ("'TBA' is not a date"). */
export function labelFailures(page: PageContent, plan: ColumnPlan): string[] {
  const failures: string[] = [];
  for (const pair of page.labelValues) {
    if (labelScore(plan, pair.label) < 0.8) continue;
    const read = readValue(plan, pair.value);
    if (!read.ok) failures.push(`labelled value '${pair.label}:' on ${page.finalUrl}: ${read.reason}`);
  }
  return failures;
}

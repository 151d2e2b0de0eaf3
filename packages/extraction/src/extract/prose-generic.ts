/**
 * Prose facts for columns that match no known concept ("annual_volume_usd", "is_profitable"):
 * a sentence about the entity that uses the column's own words, next to a value of the right kind.
 * Confidence stays low, because the column's meaning is only guessed from its name.
 */
import type { PageContent } from "@ampledata/shared";
import type { ColumnPlan } from "../concepts/match.ts";
import type { ProseValueKind } from "../concepts/types.ts";
import { escapeRegExp } from "../text/normalize.ts";
import { type Candidate, clampConfidence, quoteAround } from "./candidate.ts";
import { findMentions } from "./mentions.ts";
import { negatedAt, proseCandidate } from "./statement.ts";
import type { SentenceInfo } from "./subject.ts";

const GENERIC_BASE = 0.42;
const GENERIC_COVERAGE_WEIGHT = 0.2;
const MIN_COVERAGE = 0.5;
const MAX_DISTANCE = 60;

// Ways English writes a period word in a sentence ("annual" as "each year").
const WORD_FORMS: Record<string, string[]> = {
  annual: ["annual", "annually", "each year", "per year", "a year", "every year", "yearly", "per annum"],
  yearly: ["yearly", "annual", "annually", "each year", "per year", "a year", "every year"],
  monthly: ["monthly", "each month", "per month", "a month", "every month"],
  daily: ["daily", "each day", "per day", "a day", "every day"],
  weekly: ["weekly", "each week", "per week", "a week", "every week"],
};
const IGNORED_WORDS = new Set(["is", "has", "was", "are", "have", "the", "a", "an", "of"]);

export function genericProseCandidates(
  page: PageContent,
  plan: ColumnPlan,
  sentences: SentenceInfo[],
): Candidate[] {
  const words = plan.words.filter((word) => !IGNORED_WORDS.has(word));
  if (words.length === 0) return [];
  const patterns = words.map((word) => wordPattern(word));
  if (plan.column.type === "boolean") return booleanStatements(page, words, sentences);

  const kind: ProseValueKind | undefined =
    plan.column.type === "date"
      ? "date"
      : plan.column.type === "number"
        ? plan.kind === "money"
          ? "money"
          : "count"
        : undefined;
  if (kind === undefined) return [];

  const candidates: Candidate[] = [];
  for (const sentence of sentences) {
    const hits = patterns.map((pattern) => [...sentence.text.matchAll(pattern)]);
    const matched = hits.filter((list) => list.length > 0).length;
    const coverage = matched / patterns.length;
    if (coverage < MIN_COVERAGE) continue;
    const anchors = hits.flat().map((hit) => hit.index);
    let best: { mention: ReturnType<typeof findMentions>[number]; distance: number } | undefined;
    for (const mention of findMentions(sentence.text, sentence.names, kind)) {
      const distance = Math.min(...anchors.map((anchor) => Math.abs(anchor - mention.start)));
      if (distance <= MAX_DISTANCE && (best === undefined || distance < best.distance))
        best = { mention, distance };
    }
    if (best === undefined) continue;
    const cue = `'${hits
      .flat()
      .map((hit) => hit[0])
      .join("', '")}'`;
    const base = GENERIC_BASE + GENERIC_COVERAGE_WEIGHT * coverage - (sentence.about === "entity" ? 0 : 0.04);
    const candidate = proseCandidate(page, plan, sentence, best.mention, cue, base);
    if (candidate !== undefined) candidates.push(candidate);
  }
  return candidates;
}

// "is_profitable": a sentence about the entity saying it is (or is not) profitable.
function booleanStatements(page: PageContent, words: string[], sentences: SentenceInfo[]): Candidate[] {
  const phrase = new RegExp(String.raw`\b${words.map(escapeRegExp).join(String.raw`[\s-]+`)}\b`, "gi");
  const candidates: Candidate[] = [];
  for (const sentence of sentences) {
    for (const match of sentence.text.matchAll(phrase)) {
      candidates.push({
        value: !negatedAt(sentence.text, match.index),
        confidence: clampConfidence(GENERIC_BASE + GENERIC_COVERAGE_WEIGHT),
        tier: "prose",
        reason: `statement '${match[0]}' in a sentence about the entity on ${page.finalUrl}`,
        source: page.finalUrl,
        evidence: quoteAround(sentence.text, match[0], match.index),
      });
    }
  }
  return candidates;
}

function wordPattern(word: string): RegExp {
  const forms = WORD_FORMS[word];
  if (forms !== undefined) return new RegExp(String.raw`\b(?:${forms.map(escapeRegExp).join("|")})\b`, "gi");
  // A shared stem of five letters joins "acquisition" and "acquired", "volume" and "volumes".
  const stem = word.length > 5 ? word.slice(0, 5) : word;
  return new RegExp(String.raw`\b${escapeRegExp(stem)}\w*`, "gi");
}

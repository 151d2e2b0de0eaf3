/** A prose statement turned into a candidate, shared by the concept rules and the generic rules. */
import type { PageContent } from "@ampledata/shared";
import type { ColumnPlan } from "../concepts/match.ts";
import { type Candidate, clampConfidence, quoteAround } from "./candidate.ts";
import type { Mention } from "./mentions.ts";
import type { SentenceInfo } from "./subject.ts";
import { readValue } from "./value.ts";

/** Confidence of a prose fact whose sentence names the entity as its subject. */
export const NAMED_SUBJECT_CONFIDENCE = 0.72;
/** Confidence of a prose fact whose sentence refers back to the entity ("It", "The company"). */
export const REFERENCE_CONFIDENCE = 0.66;
const HEDGE_PENALTY = 0.05;
const NEGATION_BEFORE =
  /\b(?:not|never|no longer|neither|nor|without|isn't|wasn't|hasn't|haven't|doesn't|didn't|aren't|n't)\b[^,.;]*$/i;

/** Builds a candidate from a mention in a sentence, or undefined when the mention does not coerce. */
export function proseCandidate(
  page: PageContent,
  plan: ColumnPlan,
  sentence: SentenceInfo,
  mention: Mention,
  cueText: string,
  base = sentence.about === "entity" ? NAMED_SUBJECT_CONFIDENCE : REFERENCE_CONFIDENCE,
): Candidate | undefined {
  const read = readValue(plan, mention.raw);
  if (!read.ok) return undefined;
  const hedge = mention.hedged ? HEDGE_PENALTY : 0;
  const note = [read.reading.note, mention.hedged ? "hedged in the text" : undefined]
    .filter(Boolean)
    .join("; ");
  return {
    value: read.reading.value,
    confidence: clampConfidence(base + read.reading.adjustment - hedge),
    tier: "prose",
    reason: `statement ${cueText} in a sentence about the entity on ${page.finalUrl}`,
    source: page.finalUrl,
    evidence: quoteAround(sentence.text, mention.raw, mention.start),
    ...(note === "" ? {} : { note }),
  };
}

/** Checks whether the words just before `index` negate what follows ("has not listed", "is no longer"). */
export function negatedAt(text: string, index: number): boolean {
  return NEGATION_BEFORE.test(text.slice(Math.max(0, index - 40), index));
}

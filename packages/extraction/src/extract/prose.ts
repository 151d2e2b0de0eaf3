/** Candidates from facts stated in sentences about the entity. */
import type { PageContent } from "@ampledata/shared";
import type { ColumnPlan } from "../concepts/match.ts";
import type { ProseRule } from "../concepts/types.ts";
import { findDemonyms } from "../text/places.ts";
import { type Candidate, clampConfidence, quoteAround } from "./candidate.ts";
import { findMentions, type Mention } from "./mentions.ts";
import { genericProseCandidates } from "./prose-generic.ts";
import { NAMED_SUBJECT_CONFIDENCE, negatedAt, proseCandidate, REFERENCE_CONFIDENCE } from "./statement.ts";
import type { SentenceInfo } from "./subject.ts";

const CLAUSE_BREAK =
  /[;!?]|\s(?:but|although|though|whereas|while)\s|,\s*(?:when|which|while|whereas|but)\s/i;
const APPOSITIVE_START = /^,\s+(?:a|an|the|which|who|whose|that)\b[^,;]*$/i;
const ROLE_NOUN_AFTER =
  /^(?:-born|-american|-british)?\s+(?:\w+\s+){0,2}?(?:engineer|entrepreneur|business(?:man|woman|person)|writer|author|novelist|journalist|actor|actress|singer|musician|politician|investor|national|citizen|founder|co-founder|executive|scientist|artist|player|footballer|billionaire|designer|developer|chef|director|economist|lawyer|physician|researcher|academic|poet)\b/i;

/** Reads the planned column from the sentences about the entity. */
export function proseCandidates(page: PageContent, plan: ColumnPlan, sentences: SentenceInfo[]): Candidate[] {
  const concept = plan.concept;
  const relevant = sentences.filter(
    (sentence) => sentence.about === "entity" || sentence.about === "reference",
  );
  if (plan.kind === "boolean") return booleanCandidates(page, plan, relevant);
  if (plan.kind === "nationality") return nationalityCandidates(page, plan, relevant);
  if (concept?.prose === undefined)
    return concept === undefined ? genericProseCandidates(page, plan, relevant) : [];

  const candidates: Candidate[] = [];
  for (const sentence of relevant) {
    for (const rule of concept.prose) {
      for (const cue of sentence.text.matchAll(new RegExp(rule.cue.source, rule.cue.flags))) {
        const cueStart = cue.index;
        const cueEnd = cueStart + cue[0].length;
        if (insideOtherAppositive(sentence, cueStart)) continue;
        const mention = nearestMention(sentence, rule, cueStart, cueEnd);
        if (mention === undefined) continue;
        const candidate = proseCandidate(page, plan, sentence, mention, `'${cue[0].trim()}'`);
        if (candidate !== undefined) candidates.push(candidate);
      }
    }
  }
  return candidates;
}

function nearestMention(
  sentence: SentenceInfo,
  rule: ProseRule,
  cueStart: number,
  cueEnd: number,
): Mention | undefined {
  let best: { mention: Mention; distance: number } | undefined;
  for (const mention of findMentions(sentence.text, sentence.names, rule.value)) {
    let gap: string | undefined;
    if (rule.side !== "before" && mention.start >= cueEnd) gap = sentence.text.slice(cueEnd, mention.start);
    if (rule.side !== "after" && mention.end <= cueStart) gap = sentence.text.slice(mention.end, cueStart);
    if (gap === undefined || CLAUSE_BREAK.test(gap)) continue;
    const distance = gap.trim().length;
    if (distance > rule.maxGap) continue;
    if (best === undefined || distance < best.distance) best = { mention, distance };
  }
  return best?.mention;
}

// "co-founder of Acme Shipping, a carrier valued at $3 billion": the value describes Acme Shipping.
function insideOtherAppositive(sentence: SentenceInfo, cueStart: number): boolean {
  const before = sentence.names.filter((name) => name.end <= cueStart);
  const last = before.at(-1);
  if (last === undefined || sentence.entitySpans.some((span) => span.start === last.start)) return false;
  return APPOSITIVE_START.test(sentence.text.slice(last.end, cueStart));
}

function booleanCandidates(page: PageContent, plan: ColumnPlan, sentences: SentenceInfo[]): Candidate[] {
  const concept = plan.concept;
  if (concept?.positive === undefined && concept?.negative === undefined) {
    return genericProseCandidates(page, plan, sentences);
  }
  const candidates: Candidate[] = [];
  for (const sentence of sentences) {
    const statements: [RegExp | undefined, boolean][] = [
      [concept.positive, true],
      [concept.negative, false],
    ];
    for (const [pattern, meaning] of statements) {
      if (pattern === undefined) continue;
      for (const match of sentence.text.matchAll(new RegExp(pattern.source, pattern.flags))) {
        const value = negatedAt(sentence.text, match.index) ? !meaning : meaning;
        const base = sentence.about === "entity" ? NAMED_SUBJECT_CONFIDENCE : REFERENCE_CONFIDENCE;
        candidates.push({
          value,
          confidence: clampConfidence(base),
          tier: "prose",
          reason: `statement '${match[0]}' in a sentence about the entity on ${page.finalUrl}`,
          source: page.finalUrl,
          evidence: quoteAround(sentence.text, match[0], match.index),
        });
      }
    }
  }
  return candidates;
}

// "a Hungarian-born engineer", "She is Brazilian": a demonym describing the entity itself.
function nationalityCandidates(page: PageContent, plan: ColumnPlan, sentences: SentenceInfo[]): Candidate[] {
  const candidates: Candidate[] = [];
  for (const sentence of sentences) {
    for (const demonym of findDemonyms(sentence.text)) {
      const before = sentence.text.slice(Math.max(0, demonym.start - 12), demonym.start);
      const after = sentence.text.slice(demonym.end);
      const describes =
        /\b(?:is|was|an?)\s+$/i.test(before) && (ROLE_NOUN_AFTER.test(after) || /^[\s.,]/.test(after));
      if (!describes) continue;
      const bornOnly = /^-born\b/i.test(after);
      const mention = { start: demonym.start, end: demonym.end, raw: demonym.text, hedged: bornOnly };
      const candidate = proseCandidate(
        page,
        plan,
        sentence,
        mention,
        `'${demonym.text}${bornOnly ? "-born" : ""}'`,
      );
      if (candidate !== undefined) candidates.push(candidate);
    }
  }
  return candidates;
}

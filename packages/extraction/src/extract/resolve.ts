/** Choosing one value per column from the candidates of all pages, and saying how sure it is. */
import type { Cell, CellValue } from "@ampledata/shared";
import { datesAgree } from "../coerce/dates.ts";
import type { ColumnPlan } from "../concepts/match.ts";
import { foldText } from "../text/normalize.ts";
import { type Candidate, clampConfidence, TIER_RANK } from "./candidate.ts";

/** Candidates found on one page that passed the entity check. */
export interface PageCandidates {
  url: string;
  candidates: Candidate[];
}

interface ValueGroup {
  value: CellValue;
  best: Candidate;
  members: Candidate[];
}

// Two pages that disagree are ambiguous unless the stronger one leads by at least this much.
const CLEARLY_STRONGER = 0.15;
// Within one page, a competing value this close in confidence lowers trust in the winner.
const PAGE_CONFLICT_MARGIN = 0.1;
const PAGE_CONFLICT_FACTOR = 0.75;
const AGREEMENT_BONUS = 0.03;
const CORROBORATION_BONUS = 0.02;
const MAX_AGREEMENT_CONFIDENCE = 0.97;
const AMBIGUOUS_MAX_CONFIDENCE = 0.5;
const MAX_SOURCES = 20;

/** Picks the cell for one column, or returns undefined when no page had a candidate. */
export function resolveCandidates(plan: ColumnPlan, pages: PageCandidates[]): Cell | undefined {
  const winners = pages
    .map((page) => pageWinner(plan, page.candidates))
    .filter((winner): winner is Candidate => winner !== undefined);
  if (winners.length === 0) return undefined;

  const groups = groupByValue(plan, winners)
    .map((group) => ({ group, score: groupScore(group) }))
    .sort((a, b) => b.score - a.score);
  const top = groups[0]!;
  const runnerUp = groups[1];
  const sources = unique(top.group.members.map((member) => member.source)).slice(0, MAX_SOURCES);
  const agreeing = sources.length > 1 ? `; ${sources.length} pages agree` : "";
  const note = top.group.best.note === undefined ? "" : ` (${top.group.best.note})`;

  if (runnerUp !== undefined && top.score - runnerUp.score < CLEARLY_STRONGER) {
    return {
      value: top.group.value,
      outcome: "ambiguous",
      confidence: clampConfidence(Math.min(top.score, AMBIGUOUS_MAX_CONFIDENCE)),
      reason: limit(`pages disagree: ${describe(top.group.best)} vs ${describe(runnerUp.group.best)}`),
      sources: unique([...sources, runnerUp.group.best.source]).slice(0, MAX_SOURCES),
      evidence: top.group.best.evidence,
    };
  }
  return {
    value: top.group.value,
    outcome: "found",
    confidence: clampConfidence(top.score),
    reason: limit(`${top.group.best.reason}${note}${agreeing}`),
    sources,
    evidence: top.group.best.evidence,
  };
}

/**
 * Picks the page's value: the strongest candidate, marked down when the same page also states a
 * different value with similar strength ("founded in 2018" and "established in 2017").
 */
function pageWinner(plan: ColumnPlan, candidates: Candidate[]): Candidate | undefined {
  if (candidates.length === 0) return undefined;
  const groups = groupByValue(plan, candidates)
    .map((group) => ({ group, support: pageSupport(group) }))
    .sort((a, b) => b.support - a.support || compareCandidates(b.group.best, a.group.best));
  if (plan.pick !== undefined && plan.kind === "date") {
    const topRank = TIER_RANK[groups[0]!.group.best.tier];
    const sameTier = groups.filter((entry) => TIER_RANK[entry.group.best.tier] === topRank);
    sameTier.sort((a, b) => String(a.group.value).localeCompare(String(b.group.value)));
    const chosen = plan.pick === "latest" ? sameTier.at(-1)! : sameTier[0]!;
    return { ...chosen.group.best, value: chosen.group.value };
  }
  const top = groups[0]!;
  const competitor = groups[1];
  const winner = { ...top.group.best, value: top.group.value, confidence: clampConfidence(top.support) };
  if (competitor === undefined || top.support - competitor.support >= PAGE_CONFLICT_MARGIN) return winner;
  return {
    ...winner,
    confidence: clampConfidence(top.support * PAGE_CONFLICT_FACTOR),
    note: [winner.note, `the page also states ${JSON.stringify(competitor.group.value)}`]
      .filter(Boolean)
      .join("; "),
  };
}

// Different kinds of evidence on one page that agree (a JSON-LD name, og:title and the h1) add a little trust.
function pageSupport(group: ValueGroup): number {
  const tiers = new Set(group.members.map((member) => member.tier)).size;
  return Math.min(
    MAX_AGREEMENT_CONFIDENCE,
    group.best.confidence + CORROBORATION_BONUS * Math.min(2, tiers - 1),
  );
}

function compareCandidates(a: Candidate, b: Candidate): number {
  return a.confidence - b.confidence || TIER_RANK[a.tier] - TIER_RANK[b.tier];
}

function groupByValue(plan: ColumnPlan, candidates: Candidate[]): ValueGroup[] {
  const groups: ValueGroup[] = [];
  for (const candidate of candidates) {
    const group = groups.find((existing) => sameValue(plan, existing.value, candidate.value));
    if (group === undefined) {
      groups.push({ value: candidate.value, best: candidate, members: [candidate] });
      continue;
    }
    group.members.push(candidate);
    if (compareCandidates(candidate, group.best) > 0) group.best = candidate;
    // Between agreeing dates, keep the most precise ("2010-06-15" over "2010-06").
    if (
      typeof candidate.value === "string" &&
      typeof group.value === "string" &&
      candidate.value.length > group.value.length &&
      plan.column.type === "date"
    ) {
      group.value = candidate.value;
    } else if (group.best === candidate) {
      group.value = candidate.value;
    }
  }
  return groups;
}

/** Checks whether two values are the same value: folded strings, large numbers within 1%, dates at shared precision. */
export function sameValue(plan: ColumnPlan, a: CellValue, b: CellValue): boolean {
  if (typeof a === "number" && typeof b === "number") {
    // Large amounts are rounded differently from page to page; years and small counts must match exactly.
    const magnitude = Math.max(Math.abs(a), Math.abs(b));
    return a === b || (!plan.yearOnly && magnitude >= 10_000 && Math.abs(a - b) <= 0.01 * magnitude);
  }
  if (typeof a === "string" && typeof b === "string") {
    if (plan.column.type === "date") return datesAgree(a, b);
    return foldText(a) === foldText(b);
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.map(foldText).sort().join("\u0000") === b.map(foldText).sort().join("\u0000");
  }
  return a === b;
}

function groupScore(group: ValueGroup): number {
  const pages = unique(group.members.map((member) => member.source)).length;
  if (pages <= 1) return group.best.confidence;
  return Math.min(
    MAX_AGREEMENT_CONFIDENCE,
    Math.max(group.best.confidence, group.best.confidence + AGREEMENT_BONUS * (pages - 1)),
  );
}

function describe(candidate: Candidate): string {
  return `${JSON.stringify(candidate.value)} (${candidate.reason})`;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function limit(text: string): string {
  return text.length > 1000 ? `${text.slice(0, 997)}...` : text;
}

/** Extraction of a row's columns from the pages crawled for it. */
import type { Cell, ColumnSpec, PageContent } from "@ampledata/shared";
import { type ColumnPlan, planColumn } from "../concepts/match.ts";
import { type EntityRef, entityName, locateEntity, mentionsValue } from "../entity.ts";
import { splitSentences } from "../text/sentences.ts";
import { type Candidate, clampConfidence } from "./candidate.ts";
import { validateInput } from "./input.ts";
import { bylineCandidates, labelCandidates, labelFailures, titleCandidates } from "./labelled.ts";
import { patternCandidates } from "./patterns.ts";
import { proseCandidates } from "./prose.ts";
import { type PageCandidates, resolveCandidates } from "./resolve.ts";
import { metaCandidates, structuredCandidates } from "./structured.ts";
import { classifySentences, entityMatcher, type SentenceInfo } from "./subject.ts";

export interface ExtractFromPagesInput {
  entity: EntityRef;
  columns: ColumnSpec[];
  pages: PageContent[];
}

const BLOCKED_STATUSES = new Set([401, 403, 407, 429, 451]);
// A page that names the entity only in its running text is less surely about it.
const TEXT_ONLY_MATCH_PENALTY = 0.03;
const INVISIBLE_TITLE_PENALTY = 0.06;

/**
 * Extracts every column from the pages about the entity. Pages that fail the entity check are
 * skipped and named in the reason of cells that stay empty. Each cell contains the best-supported
 * value, or `ambiguous` when pages of similar strength disagree.
 */
export function extractFromPages(input: ExtractFromPagesInput): Record<string, Cell> {
  const { entity, columns } = validateInput(input.entity, input.columns);
  const plans = columns.map(planColumn);
  const name = entityName(entity);
  const matcher = entityMatcher(entity);

  const skipped: string[] = [];
  const accepted: { page: PageContent; penalty: number; sentences: () => SentenceInfo[] }[] = [];
  for (const page of input.pages) {
    const located = locateEntity(page, entity);
    if (!located.matches) {
      skipped.push(located.reason);
      continue;
    }
    let sentences: SentenceInfo[] | undefined;
    accepted.push({
      page,
      penalty: located.weakest === "text" ? TEXT_ONLY_MATCH_PENALTY : 0,
      sentences: () => {
        sentences ??= classifySentences(splitSentences(page.text), matcher);
        return sentences;
      },
    });
  }

  const cells: Record<string, Cell> = {};
  for (const plan of plans) {
    const perPage: PageCandidates[] = accepted.map(({ page, penalty, sentences }) => ({
      url: page.finalUrl,
      candidates: pageCandidates(page, plan, name, sentences).map((candidate) =>
        penalize(candidate, penalty + invisibleTitlePenalty(page, plan, candidate)),
      ),
    }));
    cells[plan.column.name] =
      resolveCandidates(plan, perPage) ??
      emptyCell(
        plan,
        input.pages,
        accepted.map((entry) => entry.page),
        skipped,
      );
  }
  return cells;
}

/** Collects all candidates for one column on one page, strongest kinds of evidence first. */
export function pageCandidates(
  page: PageContent,
  plan: ColumnPlan,
  name: string,
  sentences: () => SentenceInfo[],
): Candidate[] {
  return [
    ...structuredCandidates(page, plan, name),
    ...metaCandidates(page, plan),
    ...labelCandidates(page, plan),
    ...bylineCandidates(page, plan, name),
    ...titleCandidates(page, plan),
    ...patternCandidates(page, plan),
    ...proseCandidates(page, plan, sentences()),
  ];
}

/**
 * Returns the penalty for a title that appears in neither the page title nor a heading. Such a
 * value is likely a description placed in a title field (some sites put a summary in JSON-LD `headline`).
 */
function invisibleTitlePenalty(page: PageContent, plan: ColumnPlan, candidate: Candidate): number {
  if (plan.concept?.id !== "title" || typeof candidate.value !== "string") return 0;
  const visible = [page.title, ...page.headings].some((text) =>
    mentionsValue(text, candidate.value as string, false),
  );
  return visible ? 0 : INVISIBLE_TITLE_PENALTY;
}

function penalize(candidate: Candidate, penalty: number): Candidate {
  return penalty === 0
    ? candidate
    : { ...candidate, confidence: clampConfidence(candidate.confidence - penalty) };
}

function emptyCell(plan: ColumnPlan, pages: PageContent[], accepted: PageContent[], skipped: string[]): Cell {
  const base = {
    value: null,
    confidence: 0,
    sources: pages.map((page) => page.finalUrl).slice(0, 20),
    evidence: null,
  };
  if (pages.length === 0)
    return { ...base, outcome: "not_found", reason: "no pages were crawled for this row" };

  if (accepted.length === 0) {
    const blocked = pages.every((page) => BLOCKED_STATUSES.has(page.status));
    return {
      ...base,
      outcome: blocked ? "blocked" : "not_found",
      reason: limit(`no page is about the entity; skipped: ${skipped.join("; ")}`),
    };
  }
  const failures = accepted.flatMap((page) => labelFailures(page, plan));
  if (failures.length > 0) return { ...base, outcome: "invalid", reason: limit(failures.join("; ")) };
  const skippedNote = skipped.length > 0 ? `; skipped: ${skipped.join("; ")}` : "";
  return {
    ...base,
    sources: accepted.map((page) => page.finalUrl).slice(0, 20),
    outcome: "not_found",
    reason: limit(
      `${plan.column.name} not stated on ${accepted.length} page(s) about the entity${skippedNote}`,
    ),
  };
}

function limit(text: string): string {
  return text.length > 1000 ? `${text.slice(0, 997)}...` : text;
}

/** Trimming a page's text to the passages that can fill the requested columns. */
import type { ColumnSpec, PageContent } from "@ampledata/shared";
import { planColumn } from "./concepts/match.ts";
import { type EntityRef, entityName } from "./entity.ts";
import { entityMatcher } from "./extract/subject.ts";
import { containsPhrase, foldText, truncateText } from "./text/normalize.ts";

export interface RelevantTextOptions {
  /** The row's entity: passages that name it are kept too. */
  entity?: EntityRef;
}

const COLUMN_TERM_WEIGHT = 2;
const CUE_WEIGHT = 2;
const ENTITY_WEIGHT = 1;
const LEAD_WEIGHT = 0.5;
const LEAD_LINES = 3;

/**
 * Returns the page with its text cut to at most `maxChars` characters, keeping, in page order, the
 * lines that mention a column's name, labels or prose cues, or the entity. Title, headings and
 * structured data are kept whole. A page that already fits is returned unchanged.
 */
export function relevantText(
  page: PageContent,
  columns: ColumnSpec[],
  maxChars: number,
  options: RelevantTextOptions = {},
): PageContent {
  if (page.text.length <= maxChars) return page;

  const plans = columns.map(planColumn);
  const terms = [
    ...new Set(plans.flatMap((plan) => [...plan.phrases, ...(plan.concept?.labels ?? []).map(foldText)])),
  ].filter((term) => term.length >= 3);
  const cues = plans.flatMap((plan) =>
    (plan.concept?.prose ?? []).map((rule) => new RegExp(rule.cue.source, "i")),
  );
  const entityNames = options.entity === undefined ? [] : entityNamesOf(options.entity);

  const lines = page.text.split("\n");
  const scored = lines.map((line, index) => {
    let score = index < LEAD_LINES ? LEAD_WEIGHT : 0;
    if (terms.some((term) => containsPhrase(line, term))) score += COLUMN_TERM_WEIGHT;
    if (cues.some((cue) => cue.test(line))) score += CUE_WEIGHT;
    if (entityNames.some((name) => containsPhrase(line, name))) score += ENTITY_WEIGHT;
    return { index, line, score };
  });

  const chosen = new Set<number>();
  let used = 0;
  for (const entry of [...scored]
    .filter((item) => item.score > LEAD_WEIGHT || item.index < LEAD_LINES)
    .sort((a, b) => b.score - a.score || a.index - b.index)) {
    const cost = entry.line.length + 1;
    if (used + cost > maxChars) continue;
    chosen.add(entry.index);
    used += cost;
  }
  let text = lines.filter((_, index) => chosen.has(index)).join("\n");
  if (text === "") text = truncateText(page.text, maxChars);
  return { ...page, text, truncated: true };
}

function entityNamesOf(entity: EntityRef): string[] {
  const matcher = entityMatcher(entity);
  return [entityName(entity), ...matcher.aliases].filter((name) => name !== "");
}

/** Values that search results already state, before any page is crawled. */
import type { Cell, ColumnSpec, PageContent, SearchResult } from "@ampledata/shared";
import { planColumn } from "../concepts/match.ts";
import { type EntityRef, entityName, mentionsValue } from "../entity.ts";
import { splitLabelLine } from "../html/labels.ts";
import { type Candidate, clampConfidence } from "./candidate.ts";
import { validateInput } from "./input.ts";
import { labelCandidates } from "./labelled.ts";
import { patternCandidates } from "./patterns.ts";
import { resolveCandidates } from "./resolve.ts";

export interface ExtractFromSnippetsInput {
  entity: EntityRef;
  columns: ColumnSpec[];
  results: SearchResult[];
}

// Snippets are cut mid-sentence by the search engine and the page behind them is unchecked.
const SNIPPET_PENALTY = 0.12;
const SNIPPET_SEPARATORS = /\s+(?:·|\||•|;|\.\.\.|…)\s+|\.\s+(?=\p{Lu}[\p{L} -]{1,40}:)/u;

/**
 * Fills only what snippets state with a high-signal pattern: "Label: value" fragments and
 * checksummed ISBNs, in results whose title or snippet names the entity. Columns without such
 * evidence are left out of the result, so the caller crawls for them.
 */
export function extractFromSnippets(input: ExtractFromSnippetsInput): Record<string, Cell> {
  const { entity, columns } = validateInput(input.entity, input.columns);
  const name = entityName(entity);
  const pages = input.results
    .filter((result) => name === "" || mentionsValue(`${result.title} ${result.snippet}`, name))
    .map(snippetPage);

  const cells: Record<string, Cell> = {};
  for (const column of columns) {
    const plan = planColumn(column);
    const perPage = pages.map((page) => ({
      url: page.finalUrl,
      candidates: [...labelCandidates(page, plan), ...patternCandidates(page, plan)].map(asSnippetEvidence),
    }));
    const cell = resolveCandidates(plan, perPage);
    if (cell !== undefined) cells[column.name] = cell;
  }
  return cells;
}

function snippetPage(result: SearchResult): PageContent {
  const fragments = result.snippet.split(SNIPPET_SEPARATORS);
  const labelValues = fragments
    .map((fragment) => splitLabelLine(fragment.trim()))
    .filter((pair) => pair !== undefined);
  return {
    url: result.url,
    finalUrl: result.url,
    status: 200,
    title: result.title,
    headings: [],
    text: result.snippet,
    jsonLd: [],
    meta: {},
    labelValues,
    truncated: true,
  };
}

function asSnippetEvidence(candidate: Candidate): Candidate {
  return {
    ...candidate,
    confidence: clampConfidence(candidate.confidence - SNIPPET_PENALTY),
    reason: `search snippet: ${candidate.reason}`,
  };
}

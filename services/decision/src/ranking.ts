import type { ColumnSpec, SearchResult } from "@ampledata/shared";
import { type PageKind, pageKind } from "./page-kinds.ts";
import { coverage, terms, urlTerms } from "./terms.ts";

export interface RankingInput {
  /** Key values of the row. */
  key: Record<string, string>;
  /** Columns still missing, whose names and descriptions a useful snippet tends to mention. */
  missing: ColumnSpec[];
  results: SearchResult[];
  maxUrls: number;
}

export interface ScoredResult {
  result: SearchResult;
  score: number;
  /** Reason for choosing or rejecting the result, in words. */
  reason: string;
}

export interface Ranking {
  chosen: ScoredResult[];
  rejected: ScoredResult[];
}

/**
 * Weights of the ranking signals. A key term in the title is the strongest sign that a result is
 * the row's own page, and the URL slug and the snippet confirm it. Snippet mentions of the missing
 * columns suggest that the page states the values. The search engine's own position breaks ties.
 */
const WEIGHTS = { title: 3, url: 1.5, snippetKey: 1, columns: 1.5, position: 1 };
/** Score deductions by page kind; files and unfetchable URLs are never chosen. */
const PENALTIES: Partial<Record<PageKind, number>> = { search: 3, "low-value host": 2.5, listing: 1 };
/** Share of the key terms that the title, URL and snippet together must contain for a result to be considered. */
const MIN_KEY_SHARE = 0.5;
/** Fraction of the best score a result needs; below it a page probably names the entity only in passing. */
const MIN_SHARE_OF_BEST = 0.25;
/** Deduction for each page already chosen from the same host, so one site does not take every slot. */
const SAME_HOST_PENALTY = 1;

/**
 * Scores search results for crawling and picks up to `maxUrls`. A result must contain at least half
 * of the key terms in its title, URL and snippet together and keep a positive score after penalties,
 * of at least a quarter of the best result's score.
 */
export function rankResults(input: RankingInput): Ranking {
  const keyTerms = new Set(terms(Object.values(input.key).join(" ")));
  const columnTerms = input.missing.map(
    (column) => new Set(terms(`${column.name} ${column.description ?? ""}`)),
  );
  const rejected: ScoredResult[] = [];
  const candidates: (ScoredResult & { host: string; details: string[] })[] = [];

  for (const result of input.results) {
    const kind = pageKind(result.url);
    if (kind === "file" || kind === "unfetchable") {
      rejected.push({
        result,
        score: 0,
        reason: `not crawlable (${kind === "file" ? "a file, not a web page" : "not an http(s) URL"})`,
      });
      continue;
    }
    const title = new Set(terms(result.title));
    const url = new Set(urlTerms(result.url));
    const snippet = new Set(terms(result.snippet));
    const titleShare = coverage(keyTerms, title);
    const urlShare = coverage(keyTerms, url);
    const snippetShare = coverage(keyTerms, snippet);
    const anywhere = coverage(keyTerms, new Set([...title, ...url, ...snippet]));
    if (keyTerms.size > 0 && anywhere < MIN_KEY_SHARE) {
      const reason =
        anywhere === 0
          ? "no key term in the title, URL or snippet"
          : "fewer than half of the key terms in the title, URL and snippet";
      rejected.push({ result, score: 0, reason });
      continue;
    }

    const text = new Set([...title, ...snippet]);
    const mentioned = input.missing.filter((_, index) =>
      [...columnTerms[index]!].some((word) => text.has(word)),
    );
    const columnShare = input.missing.length === 0 ? 0 : mentioned.length / input.missing.length;
    const penalty = PENALTIES[kind] ?? 0;
    const score =
      WEIGHTS.title * titleShare +
      WEIGHTS.url * urlShare +
      WEIGHTS.snippetKey * snippetShare +
      WEIGHTS.columns * columnShare +
      WEIGHTS.position / Math.sqrt(result.position) -
      penalty;

    const details = [
      `key terms in title ${percent(titleShare)}, URL ${percent(urlShare)}, snippet ${percent(snippetShare)}`,
    ];
    if (mentioned.length > 0) {
      details.push(`title or snippet mentions ${mentioned.map((column) => column.name).join(", ")}`);
    }
    details.push(`search position ${result.position}`);
    if (penalty > 0) {
      details.push(
        `penalised as a ${kind === "low-value host" ? "search engine or social network" : `${kind} page`}`,
      );
    }
    candidates.push({ result, score, reason: "", host: hostOf(result.url), details });
  }

  return pickDiverse(candidates, input.maxUrls, rejected);
}

/** Picks the best candidates one at a time, lowering the score of pages from hosts already picked. */
function pickDiverse(
  candidates: (ScoredResult & { host: string; details: string[] })[],
  maxUrls: number,
  rejected: ScoredResult[],
): Ranking {
  const chosen: ScoredResult[] = [];
  const picksPerHost = new Map<string, number>();
  const floor = Math.max(0, ...candidates.map((candidate) => candidate.score)) * MIN_SHARE_OF_BEST;
  const remaining = [...candidates];
  while (remaining.length > 0) {
    const adjusted = remaining.map(
      (candidate) => candidate.score - SAME_HOST_PENALTY * (picksPerHost.get(candidate.host) ?? 0),
    );
    let bestIndex = 0;
    for (let index = 1; index < remaining.length; index += 1) {
      if (adjusted[index]! > adjusted[bestIndex]!) {
        bestIndex = index;
      }
    }
    const best = remaining.splice(bestIndex, 1)[0]!;
    const score = round(adjusted[bestIndex]!);
    const sameHost = picksPerHost.get(best.host) ?? 0;
    const details =
      sameHost > 0 ? [...best.details, `${sameHost} page(s) of ${best.host} already chosen`] : best.details;
    if (chosen.length < maxUrls && score > 0 && score >= floor) {
      chosen.push({
        result: best.result,
        score,
        reason: `rank ${chosen.length + 1}, score ${score}: ${details.join("; ")}`,
      });
      picksPerHost.set(best.host, sameHost + 1);
    } else {
      const verdict =
        score <= 0
          ? "score not positive"
          : score < floor
            ? "score below a quarter of the best"
            : `not among the best ${maxUrls}`;
      rejected.push({
        result: best.result,
        score,
        reason: `${verdict}, score ${score}: ${details.join("; ")}`,
      });
    }
  }
  return { chosen, rejected };
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^www\./, "");
  } catch {
    return url;
  }
}

function percent(share: number): string {
  return `${Math.round(share * 100)}%`;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

import { analyzeHtml, decodeHtml, relevantText } from "@ampledata/extraction";
import type { ColumnSpec, PageContent } from "@ampledata/shared";
import { fitPage, serializedChars } from "./content-budget.ts";
import type { FetchedPage } from "./providers/page-fetcher.ts";
import { detectWall, hasCaptchaMarkup } from "./walls.ts";

/** Main text kept by the HTML analysis before the relevance cut; the cut then picks what to keep. */
const ANALYZED_TEXT_CHARS = 1_000_000;

/** A page analysed once, before any row's relevance cut; this is what the page cache stores. */
export interface AnalyzedPage {
  page: PageContent;
  /** Whether the raw HTML embeds a CAPTCHA widget, for wall detection without the HTML. */
  captchaMarkup: boolean;
}

export interface PageReadInput {
  fetched: FetchedPage;
  /** Columns the row still misses; their passages are the ones kept when the text must be cut. */
  columns: ColumnSpec[];
  entity: { key: Record<string, string>; description?: string };
  /** Characters of JSON this page may take in the row message. */
  maxChars: number;
}

export type PageReadResult = { page: PageContent } | { wall: string };

/**
 * Decodes a fetched response (charset from the header, else the document, else a guess) and
 * analyses the HTML. Plain text and JSON are read as preformatted text.
 */
export function analyzeFetched(fetched: FetchedPage): AnalyzedPage {
  const decoded = decodeHtml(fetched.body, fetched.contentType || undefined);
  const mediaType = fetched.contentType.split(";")[0]!.trim().toLowerCase();
  const html = mediaType === "" || mediaType.includes("html") ? decoded : preformatted(decoded);
  const analyzed = analyzeHtml(html, {
    url: fetched.url,
    finalUrl: fetched.finalUrl,
    status: fetched.status,
    maxTextChars: ANALYZED_TEXT_CHARS,
  });
  const page: PageContent = fetched.truncated ? { ...analyzed, truncated: true } : analyzed;
  return { page, captchaMarkup: hasCaptchaMarkup(html) };
}

/**
 * Turns an analysed page into what one row carries: a CAPTCHA or login page returns the wall
 * instead; otherwise the passages relevant to the missing columns are kept and the page is cut
 * to its share of the row's budget.
 */
export function readAnalyzed(analyzed: AnalyzedPage, input: Omit<PageReadInput, "fetched">): PageReadResult {
  const { page } = analyzed;
  const wall = detectWall(page, analyzed.captchaMarkup, Object.values(input.entity.key));
  if (wall !== undefined) {
    return { wall };
  }
  const structuredChars = serializedChars({ ...page, text: "" });
  const textBudget = Math.max(0, input.maxChars - structuredChars);
  const relevant = relevantText(page, input.columns, textBudget, { entity: input.entity });
  return { page: fitPage(relevant, input.maxChars) };
}

/** Turns a fetched response into the page content extract reads: `analyzeFetched`, then `readAnalyzed`. */
export function readPage(input: PageReadInput): PageReadResult {
  return readAnalyzed(analyzeFetched(input.fetched), input);
}

/** Wraps plain text (or JSON) in a document, so analysis keeps its lines as they are. */
function preformatted(text: string): string {
  const escaped = text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  return `<!DOCTYPE html><html><head><title></title></head><body><pre>${escaped}</pre></body></html>`;
}

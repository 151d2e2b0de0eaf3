/**
 * Grounding: checking that a cell's evidence quote is on one of its source pages and that the
 * quote supports the cell's value. Both the heuristic extractor and the language model write
 * quotes, and a quote that cannot be found, or that does not state the value, means the value
 * may be invented.
 */
import type { Cell, CellValue, PageContent, SearchResult } from "@ampledata/shared";
import { parse as parseIsbn } from "isbn3";
import { findDates } from "./coerce/dates.ts";
import { findNumbers } from "./coerce/numbers.ts";
import { walkObjects } from "./extract/jsonld.ts";
import { foldText } from "./text/normalize.ts";

/**
 * Highest confidence of a value whose quote was found but does not state it, while the source
 * page states it elsewhere. 0.5 is the cap the resolver gives ambiguous values, so such a value
 * never reads as a confident one. Capping (rather than subtracting) makes grounding idempotent.
 */
export const UNSUPPORTED_VALUE_MAX_CONFIDENCE = 0.5;

const MAX_REASON_CHARS = 1000;
// The heuristic cuts quotes to 200 characters around the value, on a space, so a quote this long
// or a JSON quote (which has few spaces) may have been cut through the value.
const CUT_QUOTE_MIN_CHARS = 150;
const JSON_QUOTE = /^\{\s*"|"\s*\}+$/;
const ELLIPSIS = /\.{3,}|…/;

type Support = "quote" | "page" | "none";

/** Text as written, for reading numbers and dates, and folded with `foldText` for matching phrases. */
interface ReadText {
  raw: string;
  folded: string;
}

const pageTexts = new WeakMap<PageContent, ReadText>();

/**
 * Checks a cell against the pages it names as sources and returns it, or a changed copy:
 *
 * - a cell without a value, or with an outcome other than `found` or `ambiguous`, is unchanged;
 * - the value is dropped (value null, outcome `not_found`, confidence 0, evidence null) when no
 *   source is among `pages` or when there is no quote. It is also dropped when the quote is on
 *   none of the source pages, or when neither the quote nor its page states the value;
 * - when the quote is found but states the value only elsewhere on the page, the value is kept
 *   with its confidence capped at UNSUPPORTED_VALUE_MAX_CONFIDENCE;
 * - list items stated nowhere on the page are removed, and the list is capped as above. A quote
 *   of 200 characters cannot hold a long list, so a list is kept as it is when its quote states
 *   at least one item and the page states the others.
 *
 * The quote is matched on word boundaries after `foldText` (case, diacritics, typographic quotes
 * and dashes, punctuation and whitespace), against the page's text, title, headings, meta tags,
 * label/value pairs and structured data. An ellipsis in the quote separates parts that must
 * appear in order.
 */
export function groundCell(cell: Cell, pages: PageContent[]): Cell {
  if (cell.value === null || (cell.outcome !== "found" && cell.outcome !== "ambiguous")) return cell;

  const sourcePages = pages.filter((page) => cell.sources.some((source) => isPageUrl(page, source)));
  const sourceList = cell.sources.length > 0 ? cell.sources.join(", ") : "no source URL";
  if (sourcePages.length === 0) {
    return dropValue(cell, `none of the sources (${sourceList}) is among the pages given to check them`);
  }
  const urls = sourcePages.map((page) => page.finalUrl).join(", ");
  const evidence = cell.evidence?.trim() ?? "";
  if (evidence === "" || foldText(evidence) === "")
    return dropValue(cell, `no evidence quote to check on ${urls}`);

  const quotePage = sourcePages.find((page) => quoteOccurs(evidence, pageText(page).folded));
  if (quotePage === undefined) return dropValue(cell, `evidence quote not found on ${urls}`);

  const quote = { raw: evidence, folded: foldText(evidence) };
  const page = pageText(quotePage);
  if (Array.isArray(cell.value)) return groundList(cell, cell.value, quote, page, quotePage.finalUrl);

  const support = valueSupport(cell.value, quote, page);
  if (support === "quote") return cell;
  if (support === "page") {
    return capConfidence(
      cell,
      `${JSON.stringify(cell.value)} is not in the evidence quote but is stated elsewhere on ${quotePage.finalUrl}`,
    );
  }
  return dropValue(
    cell,
    `evidence quote on ${quotePage.finalUrl} does not state ${JSON.stringify(cell.value)}`,
  );
}

/** Grounds every cell of a record with `groundCell`. */
export function groundCells(cells: Record<string, Cell>, pages: PageContent[]): Record<string, Cell> {
  const grounded: Record<string, Cell> = {};
  for (const [column, cell] of Object.entries(cells)) grounded[column] = groundCell(cell, pages);
  return grounded;
}

/** Turns a search result into a page of its title and snippet, for grounding values read from snippets. */
export function searchResultPage(result: SearchResult): PageContent {
  return {
    url: result.url,
    finalUrl: result.url,
    status: 200,
    title: result.title,
    headings: [],
    text: result.snippet,
    jsonLd: [],
    meta: {},
    labelValues: [],
    truncated: true,
  };
}

function groundList(cell: Cell, items: string[], quote: ReadText, page: ReadText, url: string): Cell {
  const supports = items.map((item) => ({ item, support: valueSupport(item, quote, page) }));
  const kept = supports.filter((entry) => entry.support !== "none").map((entry) => entry.item);
  if (kept.length === 0) return dropValue(cell, `evidence quote on ${url} states none of the list items`);

  const removed = supports.filter((entry) => entry.support === "none").map((entry) => entry.item);
  if (removed.length > 0) {
    return capConfidence(
      { ...cell, value: kept },
      `removed ${JSON.stringify(removed)}, which ${url} does not state`,
    );
  }
  if (supports.some((entry) => entry.support === "quote")) return cell;
  return capConfidence(cell, `no list item is in the evidence quote, but all are stated elsewhere on ${url}`);
}

function valueSupport(value: Exclude<CellValue, null | string[]>, quote: ReadText, page: ReadText): Support {
  if (statesValue(value, quote, true)) return "quote";
  return statesValue(value, page, false) ? "page" : "none";
}

/**
 * Checks whether `text` states `value`. Booleans cannot be read back from a quote, so a found
 * quote supports them. Strings count when the folded text contains them as a phrase, or as a
 * date, an ISBN or a URL written another way.
 */
function statesValue(value: string | number | boolean, text: ReadText, isQuote: boolean): boolean {
  if (typeof value === "boolean") return true;
  if (typeof value === "number") return statesNumber(value, text.raw);
  const foldedValue = foldText(value);
  if (containsFolded(text.folded, foldedValue)) return true;
  if (isQuote && mayBeCut(text.raw) && cutThroughValue(text.folded, foldedValue)) return true;
  return statesDate(value, text.raw) || statesIsbn(value, text.raw) || statesUrl(value, text.folded);
}

function containsFolded(folded: string, phrase: string): boolean {
  return phraseIndex(folded, phrase, 0) !== -1;
}

/**
 * Finds `phrase` in folded text on word boundaries, from index `from`, or returns -1. The line
 * breaks between the parts of a page count as boundaries, so "Harper" is not found in "HarperCollins".
 */
function phraseIndex(folded: string, phrase: string, from: number): number {
  if (phrase === "") return -1;
  let index = folded.indexOf(phrase, from);
  while (index !== -1) {
    const before = index === 0 ? " " : (folded[index - 1] ?? " ");
    const after = folded[index + phrase.length] ?? " ";
    if (/\s/.test(before) && /\s/.test(after)) return index;
    index = folded.indexOf(phrase, index + 1);
  }
  return -1;
}

/**
 * Checks whether a quote cut to its maximum length lies inside the value, ends with the first
 * words of the value or starts with its last words, covering at least half of the value.
 * NOTE: a model's quote of 150 characters or more that ends with the first half of a longer,
 * invented value passes too. Quotes that never cut through their value would remove this rule.
 */
function cutThroughValue(quote: string, value: string): boolean {
  if (value.includes(quote)) return true;
  const words = value.split(" ");
  for (let count = words.length - 1; count >= 1; count -= 1) {
    const head = words.slice(0, count).join(" ");
    const tail = words.slice(-count).join(" ");
    if (head.length * 2 < value.length) break;
    if (quote === head || quote.endsWith(` ${head}`) || quote === tail || quote.startsWith(`${tail} `))
      return true;
  }
  return false;
}

/** Numbers match by value in any format `findNumbers` reads ("1,200", "1.2 million", "$95m"), or by their digits. */
function statesNumber(value: number, text: string): boolean {
  const wanted = Math.abs(value);
  for (const mention of findNumbers(text)) {
    if (sameNumber(mention.value, wanted)) return true;
    if (mention.percent && sameNumber(mention.value / 100, wanted)) return true;
  }
  if (!Number.isInteger(wanted)) return false;
  // "1 200", "1.200" and "1'200" group thousands in other locales.
  const ungrouped = text.replace(/(?<=\d)[\s\u00a0\u202f.,'’](?=\d{3}(?!\d))/g, "");
  return new RegExp(`(?<![\\d.,])${wanted}(?![\\d])`).test(ungrouped);
}

function sameNumber(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

const ISO_VALUE = /^(\d{4})(?:-(\d{2}))?(?:-\d{2})?(?:T.*)?$/;

/**
 * Dates match by year, and by month when the text gives one: "2010-06-15" is stated by "June
 * 2010" and by "2010", but not by "May 2010". Days are not compared.
 */
function statesDate(value: string, text: string): boolean {
  const match = ISO_VALUE.exec(value);
  if (match === null) return false;
  const [, year = "", month] = match;
  const mentions = findDates(text).filter((mention) => mention.iso.startsWith(year));
  if (
    mentions.some(
      (mention) => month === undefined || mention.iso.length < 7 || mention.iso.slice(5, 7) === month,
    )
  )
    return true;
  // A format chrono-node cannot read ("06/2010") still counts by its year, unless a readable date in that year disagrees.
  return mentions.length === 0 && new RegExp(`(?<!\\d)${year}(?!\\d)`).test(text);
}

/** ISBNs match by their digits, in either the ISBN-10 or the ISBN-13 form. */
function statesIsbn(value: string, text: string): boolean {
  const compact = value.replace(/[\s-]/g, "");
  if (!/^(?:97[89]\d{10}|\d{9}[\dXx])$/.test(compact)) return false;
  const parsed = parseIsbn(compact);
  if (parsed === null) return false;
  const digits = text.replace(/[^\dXx]/g, "").toUpperCase();
  return [parsed.isbn13, parsed.isbn10].some((form) => form !== undefined && digits.includes(form));
}

/** URLs match without their scheme, `www.` and trailing slash. */
function statesUrl(value: string, folded: string): boolean {
  if (!/^https?:\/\//i.test(value)) return false;
  const bare = value.replace(/^https?:\/\/(?:www\.)?/i, "").replace(/\/+$/, "");
  return containsFolded(folded, foldText(bare));
}

/**
 * Checks that the parts of a quote occur in order in folded page text, on word boundaries unless
 * the quote may have been cut mid-word (a long quote or a JSON quote).
 */
function quoteOccurs(quote: string, folded: string): boolean {
  const parts = quote
    .split(ELLIPSIS)
    .map(foldText)
    .filter((part) => part !== "");
  const find = mayBeCut(quote)
    ? (part: string, from: number) => folded.indexOf(part, from)
    : (part: string, from: number) => phraseIndex(folded, part, from);
  let from = 0;
  for (const part of parts) {
    const index = find(part, from);
    if (index === -1) return false;
    from = index + part.length;
  }
  return parts.length > 0;
}

function mayBeCut(quote: string): boolean {
  return quote.length >= CUT_QUOTE_MIN_CHARS || JSON_QUOTE.test(quote);
}

/** Collects and caches the readable parts of a page. */
function pageText(page: PageContent): ReadText {
  const cached = pageTexts.get(page);
  if (cached !== undefined) return cached;
  const parts = [
    page.title,
    ...page.headings,
    page.text,
    ...Object.entries(page.meta).map(([key, value]) => `${key}: ${value}`),
    ...page.labelValues.map((pair) => `${pair.label}: ${pair.value}`),
    ...structuredParts(page.jsonLd),
  ];
  const text = { folded: parts.map(foldText).join("\n"), raw: parts.join("\n") };
  pageTexts.set(page, text);
  return text;
}

// Each object as JSON (the heuristic quotes `{"property": value}`) and each of its scalar values.
function structuredParts(items: unknown[]): string[] {
  const parts: string[] = [];
  for (const { object } of walkObjects(items)) {
    parts.push(JSON.stringify(object));
    for (const value of Object.values(object)) {
      if (typeof value === "string" || typeof value === "number") parts.push(String(value));
    }
  }
  return parts;
}

function isPageUrl(page: PageContent, url: string): boolean {
  const wanted = comparableUrl(url);
  return comparableUrl(page.finalUrl) === wanted || comparableUrl(page.url) === wanted;
}

function comparableUrl(url: string): string {
  return url.trim().replace(/#.*$/, "").replace(/\/+$/, "");
}

function dropValue(cell: Cell, explanation: string): Cell {
  return {
    ...cell,
    value: null,
    outcome: "not_found",
    confidence: 0,
    evidence: null,
    reason: limitReason(`${explanation}, so ${JSON.stringify(cell.value)} was dropped (was: ${cell.reason})`),
  };
}

function capConfidence(cell: Cell, explanation: string): Cell {
  const reason = cell.reason.includes(explanation) ? cell.reason : `${cell.reason}; ${explanation}`;
  return {
    ...cell,
    confidence: Math.min(cell.confidence, UNSUPPORTED_VALUE_MAX_CONFIDENCE),
    reason: limitReason(reason),
  };
}

function limitReason(text: string): string {
  return text.length > MAX_REASON_CHARS ? `${text.slice(0, MAX_REASON_CHARS - 3)}...` : text;
}

/**
 * Label/value pairs as product and profile pages lay them out: two-cell table rows, `th`/`td`
 * rows, `<dl>` lists, "Label: value" lines, and elements whose class or `rel` marks them as a
 * byline or publication time.
 */
import type { LabelValue } from "@ampledata/shared";
import type { CheerioAPI } from "cheerio";
import type { Element } from "domhandler";
import { collapseWhitespace } from "../text/normalize.ts";
import { inlineText } from "./dom.ts";

const MAX_LABEL_CHARS = 60;
const MAX_LABEL_WORDS = 6;
const MAX_VALUE_CHARS = 300;
const MAX_PAIRS = 400;
const MAX_AUTHOR_LINKS = 5;

const LABEL_LINE = /^([^:：]{1,60}?)\s*[:：]\s*(.+)$/;
// Labels are noun phrases: a sentence, a URL scheme or a clock time before the colon is not a label.
const NOT_A_LABEL = /(?:^|\s)(?:https?|ftp|mailto)$|^\d{1,2}$|[.!?]\s|[|<>{}=]/i;

/** Collects label/value pairs from tables, definition lists, labelled lines and marked elements. */
export function readLabelValues($: CheerioAPI, lines: string[]): LabelValue[] {
  const pairs: LabelValue[] = [];
  readTableRows($, pairs);
  readDefinitionLists($, pairs);
  readLabelLines(lines, pairs);
  readMarkedElements($, pairs);
  return dedupe(pairs).slice(0, MAX_PAIRS);
}

/** Splits one "Label: value" line, or returns undefined when the part before the colon is no label. */
export function splitLabelLine(line: string): LabelValue | undefined {
  const match = LABEL_LINE.exec(line);
  const label = match?.[1]?.trim();
  const value = match?.[2]?.trim();
  if (label === undefined || value === undefined || value === "") return undefined;
  if (!isLabel(label) || value.length > MAX_VALUE_CHARS) return undefined;
  return { label, value };
}

function isLabel(text: string): boolean {
  if (text.length > MAX_LABEL_CHARS || !/^[\p{L}(#]/u.test(text)) return false;
  if (text.split(/\s+/).length > MAX_LABEL_WORDS) return false;
  return !NOT_A_LABEL.test(text);
}

function readTableRows($: CheerioAPI, pairs: LabelValue[]): void {
  $("tr").each((_, row) => {
    const cells = $(row).children("th, td").toArray();
    if (cells.length !== 2) return;
    const [labelCell, valueCell] = cells as [Element, Element];
    // A row of two headers is a table header, not a pair.
    if (labelCell.name === "th" && valueCell.name === "th") return;
    addPair(pairs, inlineText(labelCell), inlineText(valueCell));
  });
}

function readDefinitionLists($: CheerioAPI, pairs: LabelValue[]): void {
  $("dl").each((_, list) => {
    let label: string | undefined;
    const values: string[] = [];
    const flush = () => {
      if (label !== undefined && values.length > 0) addPair(pairs, label, values.join("; "));
      values.length = 0;
    };
    for (const child of $(list).children("dt, dd, div").toArray()) {
      // Some lists wrap each dt/dd group in a div, as HTML allows.
      const entries = child.name === "div" ? $(child).children("dt, dd").toArray() : [child];
      for (const entry of entries) {
        if (entry.name === "dt") {
          flush();
          label = inlineText(entry);
        } else {
          values.push(inlineText(entry));
        }
      }
    }
    flush();
  });
}

function readLabelLines(lines: string[], pairs: LabelValue[]): void {
  for (const line of lines) {
    const pair = splitLabelLine(line);
    if (pair !== undefined) pairs.push(pair);
  }
}

// Bylines and dates that news templates mark with a class, `rel` or `itemprop` instead of a label.
function readMarkedElements($: CheerioAPI, pairs: LabelValue[]): void {
  $('[rel~="author" i], [class*="byline" i], [id*="byline" i], [class*="author" i]').each((_, element) => {
    const text = inlineText(element);
    if (text.length < 3 || text.length > 120 || $(element).find("p, li, h1, h2, img").length > 0) return;
    addPair(pairs, "byline", linkedNames($, element, text) ?? text);
  });
  // Links to author pages ("/author/jane-doe") name the writer even without a marker class.
  $('a[href*="/author/" i], a[href*="/authors/" i], a[href*="/writer/" i], a[href*="/writers/" i]')
    .slice(0, MAX_AUTHOR_LINKS)
    .each((_, element) => {
      const text = inlineText(element);
      if (text.length >= 3 && text.length <= 60) addPair(pairs, "byline", text);
    });
  $("time[datetime]").each((_, element) => {
    const marked =
      $(element).attr("pubdate") !== undefined || /publish|posted|created/i.test(markers($, element));
    if (marked) addPair(pairs, "published", $(element).attr("datetime") ?? "");
  });
}

/**
 * "by <a>Ann Lee</a> and <a>Cast and Crew</a>": when links hold the names, their boundaries
 * separate the names better than the words between them, so the names are joined with "; ".
 */
function linkedNames($: CheerioAPI, element: Element, text: string): string | undefined {
  const links = $(element)
    .find("a")
    .toArray()
    .map((link) => inlineText(link))
    .filter((name) => name !== "");
  if (links.length < 2) return undefined;
  const rest = links.reduce((remaining, name) => remaining.replace(name, " "), text);
  if (!/^[\s,;&]*(?:by\b)?(?:[\s,;&]|\band\b)*$/i.test(rest)) return undefined;
  return `${/^\s*by\b/i.test(text) ? "by " : ""}${links.join("; ")}`;
}

function markers($: CheerioAPI, element: Element): string {
  const own = `${$(element).attr("class") ?? ""} ${$(element).attr("itemprop") ?? ""}`;
  const parent = $(element).parent();
  return `${own} ${parent.attr("class") ?? ""} ${parent.attr("itemprop") ?? ""}`;
}

function addPair(pairs: LabelValue[], rawLabel: string, rawValue: string): void {
  const label = collapseWhitespace(rawLabel).replace(/\s*[:：]$/, "");
  const value = collapseWhitespace(rawValue);
  if (label === "" || value === "" || value.length > MAX_VALUE_CHARS || !isLabel(label)) return;
  pairs.push({ label, value });
}

function dedupe(pairs: LabelValue[]): LabelValue[] {
  const seen = new Set<string>();
  return pairs.filter((pair) => {
    const key = `${pair.label.toLowerCase()}\u0000${pair.value}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

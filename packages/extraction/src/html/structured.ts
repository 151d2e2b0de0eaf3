/** Structured data embedded in HTML: JSON-LD blocks, meta tags and schema.org microdata. */
import type { CheerioAPI } from "cheerio";
import type { Element } from "domhandler";
import { collapseWhitespace } from "../text/normalize.ts";
import { inlineText } from "./dom.ts";

/** Key that marks a microdata item stored beside JSON-LD objects in `PageContent.jsonLd`. */
export const MICRODATA_SOURCE_KEY = "@source";
export const MICRODATA_SOURCE = "microdata";

const MAX_ITEMS = 200;
const MAX_META_VALUE_CHARS = 2000;

/** Parses every JSON-LD block, flattening top-level arrays and `@graph` lists into one list of objects. */
export function readJsonLd($: CheerioAPI): unknown[] {
  const items: unknown[] = [];
  $('script[type="application/ld+json" i]').each((_, element) => {
    const parsed = parseJsonLenient($(element).text());
    if (parsed !== undefined) flattenJsonLd(parsed, items);
  });
  return items.slice(0, MAX_ITEMS);
}

function flattenJsonLd(value: unknown, items: unknown[]): void {
  if (Array.isArray(value)) {
    for (const item of value) flattenJsonLd(item, items);
    return;
  }
  if (value === null || typeof value !== "object") return;
  const record = value as Record<string, unknown>;
  const graph = record["@graph"];
  if (Array.isArray(graph)) {
    const context = record["@context"];
    for (const item of graph) {
      if (item !== null && typeof item === "object" && !Array.isArray(item) && context !== undefined) {
        flattenJsonLd({ "@context": context, ...(item as Record<string, unknown>) }, items);
      } else {
        flattenJsonLd(item, items);
      }
    }
    return;
  }
  items.push(record);
}

// Pages often wrap JSON-LD in HTML comments or CDATA, or leave raw line breaks inside strings.
function parseJsonLenient(source: string): unknown {
  const cleaned = source
    .trim()
    .replace(/^<!--|-->$/g, "")
    .replace(/^\s*(?:\/\/\s*|\/\*\s*)?<!\[CDATA\[(?:\s*\*\/)?|(?:\/\/\s*|\/\*\s*)?\]\]>(?:\s*\*\/)?\s*$/g, "")
    .trim();
  if (cleaned === "") return undefined;
  try {
    return JSON.parse(cleaned);
  } catch {
    try {
      return JSON.parse(stripControlCharacters(cleaned));
    } catch {
      return undefined;
    }
  }
}

// JSON forbids raw control characters inside strings; templates often leave line breaks there.
function stripControlCharacters(text: string): string {
  let result = "";
  for (const character of text) result += character.charCodeAt(0) < 0x20 ? " " : character;
  return result;
}

/**
 * Collects `<meta>` tags keyed by lower-case `name` or `property` (og:*, twitter:*, article:*,
 * description, author, citation_*, dc.*). The first tag wins when a key repeats.
 */
export function readMeta($: CheerioAPI): Record<string, string> {
  const meta: Record<string, string> = {};
  $("meta").each((_, element) => {
    const key = ($(element).attr("property") ?? $(element).attr("name") ?? "").trim().toLowerCase();
    const content = $(element).attr("content");
    if (key === "" || content === undefined || key in meta) return;
    const value = collapseWhitespace(content);
    if (value !== "") meta[key] = value.slice(0, MAX_META_VALUE_CHARS);
  });
  const canonical = $('link[rel="canonical" i]').attr("href");
  if (canonical !== undefined && !("canonical" in meta)) meta.canonical = canonical.trim();
  const lang = $("html").attr("lang");
  if (lang !== undefined && !("lang" in meta)) meta.lang = lang.trim();
  return meta;
}

/**
 * Reads schema.org microdata as JSON-LD-shaped objects: `itemtype` becomes `@type`, each
 * `itemprop` a property, and a nested `itemscope` a nested object. Each top-level item carries
 * `"@source": "microdata"` so extractors can name the evidence correctly.
 */
export function readMicrodata($: CheerioAPI): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = [];
  $("[itemscope]").each((_, element) => {
    if (items.length >= MAX_ITEMS) return false;
    // Nested items are read through their parent's itemprop.
    if ($(element).attr("itemprop") !== undefined && $(element).parents("[itemscope]").length > 0) return;
    const item = readItem($, element, 0);
    item[MICRODATA_SOURCE_KEY] = MICRODATA_SOURCE;
    items.push(item);
  });
  return items;
}

function readItem($: CheerioAPI, scope: Element, depth: number): Record<string, unknown> {
  const item: Record<string, unknown> = {};
  const itemType = $(scope).attr("itemtype");
  if (itemType !== undefined) item["@type"] = itemType.trim().split(/\s+/).map(lastPathSegment);

  for (const property of ownProperties($, scope)) {
    const names = ($(property).attr("itemprop") ?? "").trim().split(/\s+/);
    const isScope = $(property).attr("itemscope") !== undefined;
    const value = isScope && depth < 4 ? readItem($, property, depth + 1) : propertyValue($, property);
    if (value === "") continue;
    for (const name of names) {
      if (name === "") continue;
      const existing = item[name];
      if (existing === undefined) item[name] = value;
      else if (Array.isArray(existing)) existing.push(value);
      else item[name] = [existing, value];
    }
  }
  return item;
}

// Properties of `scope` itself, skipping those that belong to a nested item.
function ownProperties($: CheerioAPI, scope: Element): Element[] {
  return $(scope)
    .find("[itemprop]")
    .toArray()
    .filter((property) => $(property).parent().closest("[itemscope]").get(0) === scope);
}

function propertyValue($: CheerioAPI, element: Element): string {
  const node = $(element);
  const tag = element.name.toLowerCase();
  const attribute =
    node.attr("content") ??
    (tag === "a" || tag === "link" || tag === "area" ? node.attr("href") : undefined) ??
    (tag === "img" || tag === "audio" || tag === "video" || tag === "source"
      ? node.attr("src")
      : undefined) ??
    (tag === "time" ? node.attr("datetime") : undefined) ??
    (tag === "data" || tag === "meter" ? node.attr("value") : undefined);
  return collapseWhitespace(attribute ?? inlineText(element)).slice(0, MAX_META_VALUE_CHARS);
}

function lastPathSegment(type: string): string {
  const segments = type.split(/[/#]/).filter((segment) => segment !== "");
  return segments.at(-1) ?? type;
}

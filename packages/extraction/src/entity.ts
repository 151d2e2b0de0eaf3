/** The entity check: is a page about the row's entity? */
import type { PageContent } from "@ampledata/shared";
import { flattenStrings } from "./extract/jsonld.ts";
import { containsPhrase, escapeRegExp, foldedTokens } from "./text/normalize.ts";

/** A row's entity: its key columns ("title", "author", "name", "url") and an optional description. */
export interface EntityRef {
  key: Record<string, string>;
  description?: string;
}

export interface EntityMatch {
  matches: boolean;
  reason: string;
}

/** Place on the page where a key value was found, strongest first. */
export type KeyLocation =
  | "url"
  | "title"
  | "headings"
  | "structured data"
  | "meta tags"
  | "labelled values"
  | "text";

const URL_KEY = /^(?:url|website|homepage|home page|domain|link|site|web)$/i;
const STOP_TOKENS = new Set(["the", "a", "an", "of", "and", "in", "on", "for", "to", "with", "by"]);
const MIN_TOKEN_COVERAGE = 0.8;
const LEAD_CHARS = 400;

/**
 * Checks whether `page` is about the entity: every non-empty key value must be found on the page.
 * Page URLs count for URL keys. Titles, headings, structured data, meta tags and labelled values
 * count for the others. The main text counts as weaker evidence (see `textNamesEntity`).
 * A page with an HTTP error status is never about the entity.
 */
export function entityMatches(page: PageContent, entity: EntityRef): EntityMatch {
  const located = locateEntity(page, entity);
  return { matches: located.matches, reason: located.reason };
}

export interface EntityLocation extends EntityMatch {
  /** The weakest place where a key value was found, when the page matches. */
  weakest: KeyLocation | undefined;
}

export function locateEntity(page: PageContent, entity: EntityRef): EntityLocation {
  if (page.status >= 400) {
    return { matches: false, weakest: undefined, reason: `HTTP status ${page.status} on ${page.finalUrl}` };
  }
  const keys = Object.entries(entity.key).filter(([, value]) => value.trim() !== "");
  if (keys.length === 0)
    return { matches: false, weakest: undefined, reason: "the entity has no key values to look for" };

  const found: string[] = [];
  let weakest: KeyLocation | undefined;
  for (const [name, value] of keys) {
    const location = locateKey(page, name, value);
    if (location === undefined) {
      return {
        matches: false,
        weakest: undefined,
        reason: `${name} '${value}' not found on ${page.finalUrl}`,
      };
    }
    found.push(`${name} in ${location}`);
    if (weakest === undefined || LOCATION_RANK[location] > LOCATION_RANK[weakest]) weakest = location;
  }
  return { matches: true, weakest, reason: `${found.join(", ")} of ${page.finalUrl}` };
}

const LOCATION_RANK: Record<KeyLocation, number> = {
  url: 0,
  title: 1,
  headings: 2,
  "structured data": 3,
  "meta tags": 4,
  "labelled values": 5,
  text: 6,
};

function locateKey(page: PageContent, name: string, value: string): KeyLocation | undefined {
  if (URL_KEY.test(name) || /^https?:\/\//i.test(value.trim())) {
    return sameUrl(value, [page.url, page.finalUrl, page.meta.canonical, page.meta["og:url"]])
      ? "url"
      : undefined;
  }
  const places: [KeyLocation, string[]][] = [
    ["title", [page.title]],
    ["headings", page.headings],
    ["structured data", flattenStrings(page.jsonLd, 2000)],
    ["meta tags", Object.values(page.meta)],
    ["labelled values", page.labelValues.map((pair) => pair.value)],
  ];
  for (const [location, texts] of places) {
    // Loose word overlap is enough in short fields; labelled values must contain the value itself.
    const loose = location !== "labelled values";
    if (texts.some((text) => mentionsValue(text, value, loose))) return location;
  }
  return textNamesEntity(page, value) ? "text" : undefined;
}

/**
 * Running text is weaker evidence: a product page may name other items in "customers also
 * bought" lists. The text counts when it names the value near its start or at least twice, and
 * both when the page's title names something else.
 */
function textNamesEntity(page: PageContent, value: string): boolean {
  const pattern = phrasePattern(value);
  if (pattern === undefined) return false;
  const mentions = [...page.text.matchAll(pattern)].length;
  const inLead = pattern.test(page.text.slice(0, LEAD_CHARS));
  const titledOtherwise = page.title.trim() !== "" || page.headings.length > 0;
  return titledOtherwise ? inLead && mentions >= 2 : inLead || mentions >= 2;
}

function phrasePattern(value: string): RegExp | undefined {
  const words = value
    .trim()
    .split(/\s+/)
    .filter((word) => word !== "")
    .map(escapeRegExp);
  if (words.length === 0) return undefined;
  return new RegExp(String.raw`(?<![\p{L}\p{N}])${words.join(String.raw`\s+`)}(?![\p{L}\p{N}])`, "giu");
}

/**
 * True when `text` names `value`: as a phrase on word boundaries, or, when `loose`, for values of
 * three or more content words, with at least 80% of those words present (titles are often
 * shortened or restyled).
 */
export function mentionsValue(text: string, value: string, loose = true): boolean {
  if (text === "") return false;
  if (containsPhrase(text, value)) return true;
  if (!loose) return false;
  const wanted = foldedTokens(value).filter((token) => !STOP_TOKENS.has(token));
  if (wanted.length < 3) return false;
  const present = new Set(foldedTokens(text));
  const hits = wanted.filter((token) => present.has(token)).length;
  return hits / wanted.length >= MIN_TOKEN_COVERAGE;
}

function sameUrl(value: string, candidates: (string | undefined)[]): boolean {
  const wanted = urlKey(value);
  return (
    wanted !== undefined &&
    candidates.some((candidate) => candidate !== undefined && urlKey(candidate) === wanted)
  );
}

function urlKey(value: string): string | undefined {
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(value.trim()) ? value.trim() : `http://${value.trim()}`;
  try {
    const url = new URL(text);
    const host = url.hostname.toLowerCase().replace(/^www\./, "");
    const path = url.pathname.replace(/\/+$/, "");
    return `${host}${path}${url.search}`;
  } catch {
    return undefined;
  }
}

/** Returns the entity's display name: its first key value that is not a URL. */
export function entityName(entity: EntityRef): string {
  const entries = Object.entries(entity.key).filter(
    ([name, value]) => !URL_KEY.test(name) && !/^https?:/i.test(value),
  );
  return entries[0]?.[1]?.trim() ?? "";
}

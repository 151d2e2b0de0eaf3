import type { ColumnSpec } from "@ampledata/shared";

/** The placeholder the serp service replaces with the row's key values joined by spaces. */
export const KEY_PLACEHOLDER = "%key";

/**
 * Words of a column name that carry no search meaning: they are on nearly every page, or they
 * name the value's form rather than its topic (`publication_date` searches for "publication").
 */
const GENERIC_WORDS = new Set([
  "a",
  "an",
  "and",
  "the",
  "of",
  "or",
  "for",
  "in",
  "on",
  "to",
  "by",
  "is",
  "date",
  "day",
  "year",
  "time",
  "name",
  "names",
  "title",
  "number",
  "num",
  "no",
  "nr",
  "id",
  "code",
  "value",
  "count",
  "total",
  "type",
  "kind",
  "url",
  "link",
  "info",
  "data",
  "text",
  "current",
  "main",
  "primary",
  "official",
]);

/** Topics that keep related words in one query, so each query stays about one kind of page content. */
const TOPICS: Record<string, string[]> = {
  identifiers: [
    "isbn",
    "issn",
    "doi",
    "ean",
    "upc",
    "asin",
    "gtin",
    "lei",
    "ticker",
    "cik",
    "duns",
    "vat",
    "sku",
  ],
  contact: [
    "email",
    "mail",
    "phone",
    "telephone",
    "fax",
    "contact",
    "website",
    "homepage",
    "web",
    "linkedin",
  ],
  place: [
    "address",
    "city",
    "country",
    "state",
    "headquarters",
    "hq",
    "location",
    "zip",
    "postcode",
    "region",
  ],
  people: ["ceo", "founder", "author", "director", "president", "owner", "chairman", "editor", "creator"],
  money: ["revenue", "price", "funding", "valuation", "sales", "income", "employees", "salary", "cost"],
  publishing: ["publisher", "publication", "edition", "pages", "language", "genre", "imprint", "series"],
};

const MAX_WORDS_PER_QUERY = 3;
const MAX_PATTERNS = 3;

/** Splits `isbn_13`, `publicationDate` or `Publication Date` into lowercase words. */
export function columnWords(text: string): string[] {
  return text
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length >= 2 && !/^\d+$/.test(word) && !GENERIC_WORDS.has(word));
}

// A crude stem: words sharing their first five letters ("publisher", "publication") count as one.
function stem(word: string): string {
  return word.slice(0, 5);
}

function topicOf(word: string): string {
  for (const [topic, words] of Object.entries(TOPICS)) {
    if (words.includes(word)) {
      return topic;
    }
  }
  return `other:${word}`;
}

/**
 * Builds a job's 1-3 search query patterns from its columns, without a model. The first is always
 * the plain `%key`: the search engine matches page text, and words that are not on the page lower
 * precision. The next patterns add the distinct words of the column names, related words together
 * and at most three per query. A key description (such as "book title") adds a pattern with its
 * noun when there is room. For columns publisher, isbn_13 and publication_date the result is
 * `["%key", "%key publisher isbn"]`.
 */
export function buildQueryPatterns(columns: ColumnSpec[], keyDescription?: string): string[] {
  const words: string[] = [];
  const stems = new Set<string>();
  for (const column of columns) {
    for (const word of columnWords(column.name)) {
      if (!stems.has(stem(word))) {
        stems.add(stem(word));
        words.push(word);
      }
    }
  }

  // Order words by topic, topics in order of first appearance, then fill queries without splitting a topic when possible.
  const byTopic = new Map<string, string[]>();
  for (const word of words) {
    const topic = topicOf(word);
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), word]);
  }
  const groups: string[][] = [];
  let current: string[] = [];
  for (const topicWords of byTopic.values()) {
    if (current.length > 0 && current.length + topicWords.length > MAX_WORDS_PER_QUERY) {
      groups.push(current);
      current = [];
    }
    for (const word of topicWords) {
      if (current.length === MAX_WORDS_PER_QUERY) {
        groups.push(current);
        current = [];
      }
      current.push(word);
    }
  }
  if (current.length > 0) {
    groups.push(current);
  }

  const patterns = [KEY_PLACEHOLDER];
  for (const group of groups.slice(0, MAX_PATTERNS - 1)) {
    patterns.push(`${KEY_PLACEHOLDER} ${group.join(" ")}`);
  }
  const descriptionWord = keyDescription === undefined ? undefined : columnWords(keyDescription)[0];
  if (descriptionWord !== undefined && patterns.length < MAX_PATTERNS && !stems.has(stem(descriptionWord))) {
    patterns.push(`${KEY_PLACEHOLDER} ${descriptionWord}`);
  }
  return patterns;
}

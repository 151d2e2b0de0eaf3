/** Word-level matching of key values and column names against result titles, URLs and snippets. */

/** Function words, which do not tell one page from another. */
const STOP_WORDS = new Set([
  "a",
  "an",
  "and",
  "are",
  "as",
  "at",
  "be",
  "by",
  "de",
  "for",
  "from",
  "in",
  "is",
  "it",
  "of",
  "on",
  "or",
  "the",
  "to",
  "with",
  "la",
  "le",
  "les",
  "el",
  "der",
  "die",
  "das",
  "und",
  "www",
  "com",
  "org",
  "net",
  "html",
  "htm",
]);

/**
 * Lower-case words of `text` with diacritics removed ("Inès" matches "ines"), split on anything
 * that is not a letter or digit, without stop words and one-letter words.
 */
export function terms(text: string): string[] {
  return text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 1 && !STOP_WORDS.has(word));
}

/** Words of a URL's host and path: "https://shop.example.test/books/glass-harbor" gives shop, example, test, books, glass, harbor. */
export function urlTerms(url: string): string[] {
  try {
    const parsed = new URL(url);
    return terms(`${parsed.hostname} ${decodeURIComponent(parsed.pathname)}`);
  } catch {
    return terms(url);
  }
}

/** Share of `wanted` found in `present`, from 0 to 1; 0 when nothing is wanted. */
export function coverage(wanted: Set<string>, present: Set<string>): number {
  if (wanted.size === 0) {
    return 0;
  }
  let found = 0;
  for (const word of wanted) {
    if (present.has(word)) {
      found += 1;
    }
  }
  return found / wanted.size;
}

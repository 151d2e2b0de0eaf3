/** Text normalization shared by matching, comparison and evidence quoting. */

const COMBINING_MARKS = /\p{M}+/gu;
const QUOTES = /[\u2018\u2019\u201a\u201b\u2032`´]/g;
const DOUBLE_QUOTES = /[\u201c\u201d\u201e\u201f\u2033]/g;
const DASHES = /[\u2010-\u2015\u2212]/g;

/** Collapses runs of whitespace (including no-break spaces) to one space and trims. */
export function collapseWhitespace(text: string): string {
  return text.replace(/[\s\u00a0\u200b\ufeff]+/g, " ").trim();
}

/** Replaces typographic quotes and dashes with their ASCII forms, keeping everything else. */
export function asciiPunctuation(text: string): string {
  return text.replace(QUOTES, "'").replace(DOUBLE_QUOTES, '"').replace(DASHES, "-");
}

/**
 * Folds text for comparison: lower case, no diacritics, "&" read as "and", punctuation dropped,
 * whitespace collapsed. Two strings that fold equal are the same value for matching purposes.
 */
export function foldText(text: string): string {
  return collapseWhitespace(
    asciiPunctuation(text)
      .normalize("NFKD")
      .replace(COMBINING_MARKS, "")
      .toLowerCase()
      .replace(/&/g, " and ")
      .replace(/'/g, "")
      .replace(/[^\p{L}\p{N}]+/gu, " "),
  );
}

/** Splits folded text into word tokens. */
export function foldedTokens(text: string): string[] {
  const folded = foldText(text);
  return folded === "" ? [] : folded.split(" ");
}

/** Returns true when `phrase` occurs in `text` on word boundaries, after folding both. */
export function containsPhrase(text: string, phrase: string): boolean {
  const needle = foldText(phrase);
  if (needle === "") return false;
  return ` ${foldText(text)} `.includes(` ${needle} `);
}

/** Escapes a string for literal use inside a regular expression. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Splits a column name such as `publication_date`, `isbn13` or `employeeCount` into lower-case words. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .replace(/([a-zA-Z])(\d)/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word !== "");
}

/** Cuts text to at most `maxChars` characters on a word boundary, marking the cut with an ellipsis. */
export function truncateText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const cut = text.slice(0, Math.max(0, maxChars - 1));
  const lastSpace = cut.lastIndexOf(" ");
  return `${lastSpace > maxChars / 2 ? cut.slice(0, lastSpace) : cut}…`;
}

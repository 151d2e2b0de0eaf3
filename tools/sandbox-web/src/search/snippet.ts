/** Maximum snippet length in characters, not counting the ellipses added at cut ends. */
export const SNIPPET_MAX_CHARS = 180;

/** Characters of the same line kept before the first matched word, so the snippet reads in context. */
const LEADING_CONTEXT_CHARS = 40;

/** A character that MiniSearch's default tokenizer keeps inside a term: neither space nor punctuation. */
const TERM_CHARACTER = String.raw`[^\n\r\p{Z}\p{P}]`;

interface TermMatch {
  start: number;
  end: number;
  term: string;
}

/**
 * Picks the passage of `text` that best matches the query, at most SNIPPET_MAX_CHARS long.
 *
 * `termWeights` maps each lowercased query term to its weight (its inverse document frequency),
 * so a passage containing the rare words of the query wins over one repeating a common word.
 * Each distinct term counts once per passage. A text without any query term gives its opening.
 */
export function selectSnippet(text: string, termWeights: ReadonlyMap<string, number>): string {
  const matches = findTermMatches(text, termWeights);
  if (matches.length === 0) {
    return cutPassage(text, text.length - text.trimStart().length);
  }

  const best = matches[findBestWindow(matches, termWeights)]!;

  // Start a little before the first matched word, at a word boundary and without leaving its line.
  const lineStart = text.lastIndexOf("\n", best.start - 1) + 1;
  let start = Math.max(lineStart, best.start - LEADING_CONTEXT_CHARS);
  if (start > lineStart) {
    const nextSpace = text.slice(start, best.start).search(/\s/);
    start = nextSpace === -1 ? best.start : start + nextSpace + 1;
  }
  return cutPassage(text, start);
}

/** Finds every whole-term occurrence of the query terms, ignoring case. */
function findTermMatches(text: string, termWeights: ReadonlyMap<string, number>): TermMatch[] {
  const terms = [...termWeights.keys()].filter((term) => term.length > 0);
  if (terms.length === 0) {
    return [];
  }
  // One regular expression scan is much cheaper than tokenizing long pages word by word.
  const alternatives = terms
    .sort((a, b) => b.length - a.length)
    .map((term) => term.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("|");
  const pattern = new RegExp(`(?<!${TERM_CHARACTER})(?:${alternatives})(?!${TERM_CHARACTER})`, "giu");

  const matches: TermMatch[] = [];
  for (const match of text.matchAll(pattern)) {
    const term = match[0].toLowerCase();
    if (termWeights.has(term)) {
      matches.push({ start: match.index, end: match.index + match[0].length, term });
    }
  }
  return matches;
}

/**
 * Slides a window of at most SNIPPET_MAX_CHARS over the matches and returns the index of the
 * match that starts the highest-scoring window.
 */
function findBestWindow(matches: readonly TermMatch[], termWeights: ReadonlyMap<string, number>): number {
  const inWindow = new Map<string, number>();
  let score = 0;
  let end = 0;
  let bestStart = 0;
  let bestScore = -1;

  for (let start = 0; start < matches.length; start += 1) {
    while (end < matches.length && matches[end]!.end - matches[start]!.start <= SNIPPET_MAX_CHARS) {
      const term = matches[end]!.term;
      const count = inWindow.get(term) ?? 0;
      if (count === 0) {
        score += termWeights.get(term)!;
      }
      inWindow.set(term, count + 1);
      end += 1;
    }

    // Repeated matches only break ties between windows with the same distinct terms.
    const total = score + (end - start) * 1e-3;
    if (total > bestScore) {
      bestScore = total;
      bestStart = start;
    }

    const leaving = matches[start]!.term;
    const count = inWindow.get(leaving)! - 1;
    inWindow.set(leaving, count);
    if (count === 0) {
      score -= termWeights.get(leaving)!;
    }
  }
  return bestStart;
}

/**
 * Cuts at most SNIPPET_MAX_CHARS from `start`, ending at a word boundary. An ellipsis marks a start
 * inside a line and any text left after the end. Line breaks become " · ".
 */
function cutPassage(text: string, start: number): string {
  let end = Math.min(text.length, start + SNIPPET_MAX_CHARS);
  if (end < text.length && /\S/.test(text[end]!)) {
    const lastSpace = text.slice(start, end).search(/\s\S*$/);
    if (lastSpace > 0) {
      end = start + lastSpace;
    }
  }

  const lineStart = text.lastIndexOf("\n", start - 1) + 1;
  const cutBefore = text.slice(lineStart, start).trim() !== "";
  const cutAfter = text.slice(end).trim() !== "";
  const passage = text
    .slice(start, end)
    .trim()
    .replace(/\s*\n\s*/g, " · ");
  return `${cutBefore ? "… " : ""}${passage}${cutAfter ? " …" : ""}`;
}

/** Proper names in running text: people, organizations and places written in title case. */

export interface NameSpan {
  start: number;
  end: number;
  text: string;
}

const NAME_TOKEN = String.raw`(?:\p{Lu}[\p{L}\p{M}'’\-]*\p{L}|\p{Lu}\.|\p{Lu}{2,}|\p{Lu})`;
const PARTICLE = "(?:de|da|del|der|den|di|du|dos|la|le|van|von|bin|ibn|al|of|upon|y)";
const NAME_PHRASE = new RegExp(
  String.raw`${NAME_TOKEN}(?:(?:\s+|\s*&\s*)(?:${PARTICLE}\s+)?${NAME_TOKEN})*`,
  "gu",
);

/** Capitalized words that start sentences or headings without naming anything. */
export const FUNCTION_WORDS = new Set(
  (
    "a an the this that these those it its it's he she his her they their them we our you your i my me " +
    "in on at by for from with without about above after before during since until into onto over under " +
    "of to as if when while where which who whom whose what why how because although though but and or nor " +
    "so yet also then there here today now however meanwhile moreover some many most all any each every " +
    "no not one two three other another such both either neither more less few several much can could will " +
    "would should may might must shall was were is are be been has have had do does did according per via " +
    "sorry please home page about contact login sign accept settings privacy terms copyright read see " +
    "share follow subscribe new latest top best last first next previous back more"
  ).split(" "),
);

const CALENDAR_WORDS = new Set(
  (
    "january february march april may june july august september october november december jan feb mar apr " +
    "jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday"
  ).split(" "),
);

/** Finds title-case name phrases, dropping leading function words and calendar words. */
export function findNames(text: string): NameSpan[] {
  const spans: NameSpan[] = [];
  for (const match of text.matchAll(NAME_PHRASE)) {
    let start = match.index;
    let phrase = match[0];
    // Drop leading words such as "The" or "In" that are capitalized only by position.
    for (;;) {
      const first = /^(\S+)(\s+|$)/.exec(phrase);
      if (first === null) break;
      const word = (first[1] ?? "").toLowerCase().replace(/[.'’]+$/, "");
      if (!FUNCTION_WORDS.has(word) && !CALENDAR_WORDS.has(word)) break;
      start += first[0].length;
      phrase = phrase.slice(first[0].length);
    }
    phrase = phrase.replace(/\s+(?:of|de|la|le|y|upon)$/i, "");
    if (phrase === "" || /^\p{Lu}\.?$/u.test(phrase)) continue;
    if (phrase.split(/\s+/).every((word) => CALENDAR_WORDS.has(word.toLowerCase()))) continue;
    spans.push({ start, end: start + phrase.length, text: phrase });
  }
  return spans;
}

const ROLE_SUFFIX =
  /\s*(?:\((?:[^)]*)\)|,?\s*(?:editor|editors|ed\.|eds\.|illustrator|translator|foreword|introduction|contributor|narrator|photographer)s?\b.*)$/i;
const SURNAME_FIRST =
  /^[\p{Lu}][\p{L}'’-]+,\s*(?:[\p{Lu}]\.\s*)+$|^[\p{Lu}][\p{L}'’-]+,\s*[\p{Lu}][\p{L}'’-]+(?:\s+(?:de|van|von|der|da|di|le|la))?$/u;
const BYLINE_PREFIX =
  /^\s*(?:(?:written|edited|illustrated|compiled|words|story|text|photos?|reporting) )?by\s*[:-]?\s+|^\s*(?:authors?|writers?|byline)\s*[:-]\s*/i;

/**
 * Splits a byline or author field into names: "by Ann Lee and Bo Park" becomes ["Ann Lee", "Bo Park"].
 * Role notes in brackets or after a comma ("(Editor)", ", illustrator") are dropped.
 */
export function splitPersonNames(text: string): string[] {
  const body = text.replace(BYLINE_PREFIX, "").replace(/\s+/g, " ").trim();
  if (body === "") return [];
  // "Kooman, F." and "Jong, Michiel de" are one name written surname first.
  if (SURNAME_FIRST.test(body)) return isPlausiblePersonName(body) ? [body] : [];
  // Semicolons, when present, are the only separators: "Experts and Cast; Ann Lee" contains two names.
  const separator = body.includes(";")
    ? /\s*;\s*/
    : /\s*(?:\/|\||&|\band\b|\bwith\b|,(?!\s*(?:jr|sr|ii|iii|iv)\b))\s*/i;
  return body
    .split(separator)
    .map((name) =>
      cutAtDate(
        name
          .replace(ROLE_SUFFIX, "")
          .replace(/^by\s+/i, "")
          .trim(),
      ),
    )
    .filter((name) => isPlausiblePersonName(name));
}

// "Alex Perry 1 day ago" and "Joe Wee Monday, May 3" are a name followed by a date.
function cutAtDate(name: string): string {
  const words = name.split(/\s+/);
  const end = words.findIndex(
    (word, index) =>
      index > 0 && (/\d/.test(word) || CALENDAR_WORDS.has(word.toLowerCase().replace(/[.,]$/, ""))),
  );
  return end === -1
    ? name
    : words
        .slice(0, end)
        .join(" ")
        .replace(/[\s,;|·-]+$/, "");
}

/** Checks that `name` looks like a person's name: one to six words, mostly capitalized, no digits or sentence punctuation. */
export function isPlausiblePersonName(name: string): boolean {
  if (name.length < 2 || name.length > 80 || /[\d@:!?]|https?/i.test(name)) return false;
  const words = name.split(/\s+/);
  if (words.length > 6) return false;
  const capitalized = words.filter((word) => /^[\p{Lu}\p{Lo}]/u.test(word)).length;
  return capitalized >= Math.ceil(words.length / 2);
}

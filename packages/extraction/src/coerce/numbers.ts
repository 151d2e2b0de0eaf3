/**
 * Numbers as pages write them: digits with separators, scale words ("5.1 billion", "$95m"),
 * currencies, percentages and English number words ("three thousand four hundred").
 *
 * Written by hand because the number-word packages on npm either convert whole strings only
 * (so they cannot report where a number sits in a sentence) or have not been maintained for years.
 */

export interface NumberMention {
  start: number;
  end: number;
  raw: string;
  value: number;
  /** ISO 4217 code when a currency sign or word is attached. */
  currency?: string;
  /** Hedged by a word such as "about", "roughly" or "an estimated". */
  approximate: boolean;
  /** "more than 300" is a lower bound, "up to 300" an upper bound. */
  bound?: "lower" | "upper";
  percent: boolean;
  /** A bare four-digit integer between 1000 and 2199, which may be a year. */
  yearLike: boolean;
  /** Spelled out in words. */
  spelled: boolean;
}

const UNITS: Record<string, number> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};
const SCALES: Record<string, number> = {
  thousand: 1e3,
  million: 1e6,
  billion: 1e9,
  trillion: 1e12,
  k: 1e3,
  m: 1e6,
  mn: 1e6,
  mln: 1e6,
  b: 1e9,
  bn: 1e9,
  tn: 1e12,
};
const CURRENCY_SIGNS: Record<string, string> = {
  $: "USD",
  us$: "USD",
  usd: "USD",
  dollars: "USD",
  dollar: "USD",
  "€": "EUR",
  eur: "EUR",
  euros: "EUR",
  euro: "EUR",
  "£": "GBP",
  gbp: "GBP",
  pounds: "GBP",
  "pounds sterling": "GBP",
  "¥": "JPY",
  jpy: "JPY",
  yen: "JPY",
  c$: "CAD",
  cad: "CAD",
  a$: "AUD",
  aud: "AUD",
  chf: "CHF",
};

const DIGIT_NUMBER = new RegExp(
  String.raw`(?<prefix>(?:US\$|C\$|A\$|USD|EUR|GBP|CHF|CAD|AUD|JPY|[$€£¥])\s?)?` +
    String.raw`(?<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d,]*\d)` +
    String.raw`(?<scale>\s?(?:thousand|million|billion|trillion)\b|\s?(?:bn|mn|mln|tn)\b|(?:k|m|b)\b)?` +
    String.raw`(?<suffix>\s?(?:USD|EUR|GBP|CHF|dollars|euros|pounds(?: sterling)?|yen)\b)?` +
    String.raw`(?<percent>\s?(?:%|percent\b|per cent\b))?`,
  "giu",
);
const NUMBER_WORD = `(?:${Object.keys(UNITS).join("|")}|hundred|thousand|million|billion|trillion|dozen)`;
const WORD_NUMBER = new RegExp(
  String.raw`\b(?:an?\s+(?=(?:hundred|thousand|million|billion|dozen)\b))?${NUMBER_WORD}(?:(?:\s+and\s+|[\s-]+)${NUMBER_WORD})*\b`,
  "gi",
);
const APPROXIMATE_BEFORE =
  /\b(?:about|around|roughly|approximately|approx\.?|nearly|almost|some|circa|an estimated|estimated|close to|just over|just under)\s*$|~\s*$/i;
const LOWER_BOUND_BEFORE =
  /\b(?:more than|over|above|at least|upwards of|in excess of|exceeding|north of)\s*$/i;
const UPPER_BOUND_BEFORE = /\b(?:less than|under|fewer than|up to|below|at most)\s*$/i;

/** Finds every number in `text`, digits and words, in order of position. */
export function findNumbers(text: string): NumberMention[] {
  const mentions: NumberMention[] = [];

  for (const match of text.matchAll(DIGIT_NUMBER)) {
    const groups = match.groups ?? {};
    const start = match.index;
    // A digit run glued to letters ("B2B", "4K", "mp3") is a name, not a quantity.
    if (start > 0 && /[\p{L}_]/u.test(text[start - 1] ?? "") && groups.prefix === undefined) continue;
    const scaleWord = groups.scale?.trim().toLowerCase();
    const currency = currencyCode(groups.prefix) ?? currencyCode(groups.suffix);
    // "3 m" or "5 b" without a currency is more likely a unit or a label than a scale.
    const scale =
      scaleWord !== undefined && (scaleWord.length > 1 || currency !== undefined) ? scaleWord : undefined;
    const raw =
      scaleWord !== undefined && scale === undefined
        ? `${groups.prefix ?? ""}${groups.digits ?? ""}`
        : match[0];
    const end = start + raw.trimEnd().length;
    // "3rd", "10x" or "4G" are ordinals, factors and names.
    if (/[\p{L}]/u.test(text[end] ?? "")) continue;
    const digits = groups.digits ?? "";
    const value = scaleDecimal(digits.replace(/,/g, ""), scale === undefined ? 1 : (SCALES[scale] ?? 1));
    const integer = !digits.includes(".") && !digits.includes(",");
    mentions.push(
      withHedges(text, {
        start,
        end,
        raw: raw.trimEnd(),
        value,
        currency,
        approximate: false,
        percent: groups.percent !== undefined,
        yearLike: integer && scale === undefined && currency === undefined && value >= 1000 && value < 2200,
        spelled: false,
      }),
    );
  }

  for (const match of text.matchAll(WORD_NUMBER)) {
    const value = wordsToNumber(match[0]);
    if (value === undefined) continue;
    const start = match.index;
    // The scale word of "$12.5 billion" is already part of a digit number.
    if (
      mentions.some(
        (mention) => !mention.spelled && start < mention.end && start + match[0].length > mention.start,
      )
    )
      continue;
    const after = text.slice(start + match[0].length);
    const currency = currencyCode(/^\s+(dollars|euros|pounds|yen)\b/i.exec(after)?.[1]);
    mentions.push(
      withHedges(text, {
        start,
        end: start + match[0].length,
        raw: match[0],
        value,
        currency,
        approximate: false,
        percent: /^\s?(?:%|percent\b|per cent\b)/i.test(after),
        yearLike: false,
        spelled: true,
      }),
    );
  }

  return mentions.sort((a, b) => a.start - b.start);
}

/** Converts English cardinal words to a number: "three thousand four hundred" is 3400. */
export function wordsToNumber(words: string): number | undefined {
  let total = 0;
  let current = 0;
  let seen = false;
  for (const word of words.toLowerCase().split(/[\s-]+/)) {
    if (word === "and" || word === "") continue;
    if (word === "a" || word === "an") {
      current = current || 1;
      continue;
    }
    const unit = UNITS[word];
    if (unit !== undefined) {
      current += unit;
      seen = true;
    } else if (word === "hundred") {
      current = (current || 1) * 100;
      seen = true;
    } else if (word === "dozen") {
      current = (current || 1) * 12;
      seen = true;
    } else {
      const scale = SCALES[word];
      if (scale === undefined) return undefined;
      total += (current || 1) * scale;
      current = 0;
      seen = true;
    }
  }
  return seen ? total + current : undefined;
}

function withHedges(text: string, mention: NumberMention): NumberMention {
  const before = text.slice(Math.max(0, mention.start - 24), mention.start);
  if (APPROXIMATE_BEFORE.test(before)) mention.approximate = true;
  if (LOWER_BOUND_BEFORE.test(before)) mention.bound = "lower";
  if (UPPER_BOUND_BEFORE.test(before)) mention.bound = "upper";
  return mention;
}

function currencyCode(token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  return CURRENCY_SIGNS[token.trim().toLowerCase()];
}

// Multiplies a decimal string by a power-of-ten scale without binary rounding ("5.1" x 1e9 = 5100000000).
function scaleDecimal(decimal: string, scale: number): number {
  const [whole = "0", fraction = ""] = decimal.split(".");
  const scaled = (Number(whole + fraction) * scale) / 10 ** fraction.length;
  return Number.isInteger(scale) && scale >= 10 ** fraction.length ? Math.round(scaled) : scaled;
}

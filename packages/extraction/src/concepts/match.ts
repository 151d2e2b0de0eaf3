/** Matching of columns to concepts, and of page labels to columns. */
import type { ColumnSpec, ColumnType } from "@ampledata/shared";
import { foldedTokens, foldText, nameWords } from "../text/normalize.ts";
import { FINANCE_CONCEPTS } from "./finance.ts";
import { ORGANIZATION_CONCEPTS } from "./organizations.ts";
import { PEOPLE_CONCEPTS } from "./people.ts";
import type { Concept, ValueKind } from "./types.ts";
import { WORK_CONCEPTS } from "./works.ts";

export const CONCEPTS: Concept[] = [
  ...WORK_CONCEPTS,
  ...ORGANIZATION_CONCEPTS,
  ...FINANCE_CONCEPTS,
  ...PEOPLE_CONCEPTS,
];

/** The extractor's reading of one requested column: its concept, value kind and names. */
export interface ColumnPlan {
  column: ColumnSpec;
  concept: Concept | undefined;
  kind: ValueKind;
  /** Folded words of the column name, without units and qualifiers. */
  words: string[];
  /** Folded phrases of the column's own name, with and without qualifiers and units. */
  namePhrases: string[];
  /** `namePhrases` plus the concept's names. */
  phrases: string[];
  /** A number column read from dates keeps only the year ("founded_year"). */
  yearOnly: boolean;
  /** ISO 4217 code when the name carries a currency unit ("valuation_usd"). */
  currency: string | undefined;
  /** "latest_funding_date" wants the most recent of several values, "first_..." the earliest. */
  pick: "latest" | "earliest" | undefined;
}

const UNIT_WORDS: Record<string, string | undefined> = {
  usd: "USD",
  eur: "EUR",
  gbp: "GBP",
  dollars: "USD",
  euros: "EUR",
  year: undefined,
  date: undefined,
  count: undefined,
  number: undefined,
  num: undefined,
  amount: undefined,
  total: undefined,
  value: undefined,
  pct: undefined,
  percent: undefined,
  in: undefined,
  of: undefined,
  the: undefined,
  name: undefined,
};
const LATEST_WORDS = new Set(["latest", "last", "current", "recent", "most", "newest"]);
const EARLIEST_WORDS = new Set(["first", "earliest", "initial", "original"]);
const QUALIFIER_WORDS = new Set([
  ...LATEST_WORDS,
  ...EARLIEST_WORDS,
  "primary",
  "main",
  "official",
  "estimated",
  "approximate",
]);

/** Builds the plan for a column: its concept (if any), value kind and naming phrases. */
export function planColumn(column: ColumnSpec): ColumnPlan {
  const raw = nameWords(column.name);
  const withoutQualifiers = raw.filter((word) => !QUALIFIER_WORDS.has(word));
  const withoutUnits = withoutQualifiers.filter((word) => !(word in UNIT_WORDS));
  const tries = unique([raw.join(" "), withoutQualifiers.join(" "), withoutUnits.join(" ")]).filter(
    (phrase) => phrase !== "",
  );

  let concept = tries.map((phrase) => findConcept(phrase, column.type)).find((found) => found !== undefined);
  if (concept === undefined && column.description !== undefined)
    concept = conceptInDescription(column.description, column.type);

  const currency = raw.map((word) => UNIT_WORDS[word]).find((code) => code !== undefined);
  const pick = raw.some((word) => LATEST_WORDS.has(word))
    ? "latest"
    : raw.some((word) => EARLIEST_WORDS.has(word))
      ? "earliest"
      : undefined;
  const kind = concept?.kind ?? kindForType(column.type, currency);
  const phrases = unique([...tries, ...(concept?.names ?? []).map(foldText)]);

  return {
    column,
    concept,
    kind,
    words: withoutUnits.length > 0 ? withoutUnits : withoutQualifiers,
    namePhrases: tries,
    phrases,
    yearOnly: column.type === "number" && kind === "date",
    currency,
    pick,
  };
}

/**
 * Scores how well a page label names the column. One of the concept's labels or the column's
 * own name scores 1, and such a label with up to two extra words ("ISBN-13 (EAN)") scores 0.8.
 * A weak label ("Date" for a publication date) scores 0.5, anything else 0.
 */
export function labelScore(plan: ColumnPlan, label: string): number {
  const folded = foldText(label);
  if (folded === "") return 0;
  const strong = [...(plan.concept?.labels ?? []).map(foldText), ...plan.namePhrases];
  if (strong.includes(folded)) return 1;
  const tokens = folded.split(" ");
  for (const phrase of strong) {
    const phraseTokens = phrase.split(" ");
    const extra = tokens.length - phraseTokens.length;
    if (
      extra > 0 &&
      extra <= 2 &&
      (startsWithTokens(tokens, phraseTokens) || endsWithTokens(tokens, phraseTokens))
    ) {
      return 0.8;
    }
  }
  if ((plan.concept?.weakLabels ?? []).map(foldText).includes(folded)) return 0.5;
  return 0;
}

/** Checks whether a value kind can fill a column of the given type. */
export function kindFitsType(kind: ValueKind, type: ColumnType): boolean {
  switch (kind) {
    case "date":
      return type === "date" || type === "number" || type === "string";
    case "count":
    case "money":
      return type === "number" || type === "string";
    case "boolean":
      return type === "boolean";
    case "url":
      return type === "url" || type === "string";
    case "email":
      return type === "email" || type === "string";
    case "identifier":
      return type === "string" || type === "number";
    default:
      return type === "string" || type === "list";
  }
}

function findConcept(phrase: string, type: ColumnType): Concept | undefined {
  const folded = foldText(phrase);
  const singular = folded.replace(/s$/, "");
  return CONCEPTS.find(
    (concept) =>
      kindFitsType(concept.kind, type) &&
      concept.names.some((name) => {
        const candidate = foldText(name);
        return candidate === folded || candidate === singular;
      }),
  );
}

function conceptInDescription(description: string, type: ColumnType): Concept | undefined {
  const text = ` ${foldText(description)} `;
  let best: { concept: Concept; length: number } | undefined;
  for (const concept of CONCEPTS) {
    if (!kindFitsType(concept.kind, type)) continue;
    for (const name of concept.names) {
      const folded = foldText(name);
      if (folded.length >= 4 && text.includes(` ${folded} `) && folded.length > (best?.length ?? 0)) {
        best = { concept, length: folded.length };
      }
    }
  }
  return best?.concept;
}

function kindForType(type: ColumnType, currency: string | undefined): ValueKind {
  switch (type) {
    case "number":
      return currency === undefined ? "count" : "money";
    case "date":
      return "date";
    case "boolean":
      return "boolean";
    case "url":
      return "url";
    case "email":
      return "email";
    default:
      return "text";
  }
}

function startsWithTokens(tokens: string[], prefix: string[]): boolean {
  return prefix.every((token, index) => tokens[index] === token);
}

function endsWithTokens(tokens: string[], suffix: string[]): boolean {
  const offset = tokens.length - suffix.length;
  return suffix.every((token, index) => tokens[offset + index] === token);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** Folded content words of a text, for overlap scoring. */
export function contentTokens(text: string): string[] {
  return foldedTokens(text).filter((token) => token.length > 2);
}

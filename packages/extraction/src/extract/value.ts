/** Turning a raw string found on a page into a column's value, with the column's own checks. */
import type { CellValue } from "@ampledata/shared";
import { parse as parseIsbn } from "isbn3";
import { type Coerced, coerceValue } from "../coerce/coerce.ts";
import { parseDate } from "../coerce/dates.ts";
import type { ColumnPlan } from "../concepts/match.ts";
import { splitPersonNames } from "../text/names.ts";

export interface Reading {
  value: CellValue;
  /** Added to the evidence's base confidence: a passed checksum raises it, a hedge lowers it. */
  adjustment: number;
  note?: string;
}

export type ReadResult = { ok: true; reading: Reading } | { ok: false; reason: string };

/** Reads `raw` as a value of the planned column. */
export function readValue(plan: ColumnPlan, raw: string): ReadResult {
  const type = plan.column.type;
  const conceptId = plan.concept?.id;

  if (conceptId === "isbn_13" || conceptId === "isbn_10") return readIsbn(conceptId, raw);
  if (plan.kind === "person" && (type === "string" || type === "list")) return readPeople(plan, raw);
  if (plan.yearOnly) return readYear(raw);
  if (plan.kind === "boolean" && type === "boolean") return readBoolean(plan, raw);

  const coerced = coerceValue(type, raw);
  if (!coerced.ok) return coerced;
  return { ok: true, reading: withNote(coerced, adjustmentFor(plan, coerced)) };
}

function readIsbn(conceptId: "isbn_13" | "isbn_10", raw: string): ReadResult {
  const compact = raw.replace(/[\s-]/g, "");
  const digits = /(?:97[89])?\d{9}[\dXx]/.exec(compact)?.[0];
  if (digits === undefined) return { ok: false, reason: `no ISBN in '${raw.slice(0, 60)}'` };
  const parsed = parseIsbn(digits);
  if (parsed === null) return { ok: false, reason: `'${digits}' fails the ISBN checksum` };
  if (conceptId === "isbn_13") {
    const converted = parsed.isIsbn10 ? { note: "converted from ISBN-10" } : {};
    return {
      ok: true,
      reading: { value: parsed.isbn13, adjustment: parsed.isIsbn10 ? -0.05 : 0.03, ...converted },
    };
  }
  if (parsed.isbn10 === undefined) return { ok: false, reason: `ISBN ${parsed.isbn13} has no ISBN-10 form` };
  return { ok: true, reading: { value: parsed.isbn10, adjustment: parsed.isIsbn13 ? -0.05 : 0.03 } };
}

function readPeople(plan: ColumnPlan, raw: string): ReadResult {
  const names = splitPersonNames(raw);
  if (names.length === 0) return { ok: false, reason: `no person's name in '${raw.slice(0, 60)}'` };
  if (plan.column.type === "list") return { ok: true, reading: { value: names, adjustment: 0 } };
  const note = names.length > 1 ? `first of ${names.length} names` : undefined;
  return {
    ok: true,
    reading: { value: names[0] ?? "", adjustment: 0, ...(note === undefined ? {} : { note }) },
  };
}

function readYear(raw: string): ReadResult {
  const parsed = parseDate(raw);
  if (!parsed.ok) return parsed;
  return { ok: true, reading: { value: Number(parsed.iso.slice(0, 4)), adjustment: 0 } };
}

function readBoolean(plan: ColumnPlan, raw: string): ReadResult {
  const coerced = coerceValue("boolean", raw);
  if (coerced.ok) return { ok: true, reading: { value: coerced.value, adjustment: 0 } };
  const concept = plan.concept;
  const positive = concept?.positive !== undefined && new RegExp(concept.positive.source, "i").test(raw);
  const negative = concept?.negative !== undefined && new RegExp(concept.negative.source, "i").test(raw);
  if (positive !== negative) return { ok: true, reading: { value: positive, adjustment: -0.05 } };
  return coerced;
}

function adjustmentFor(plan: ColumnPlan, coerced: Extract<Coerced, { ok: true }>): number {
  let adjustment = 0;
  const note = coerced.note ?? "";
  if (/approximate|bound/.test(note)) adjustment -= 0.05;
  const currency = /currency ([A-Z]{3})/.exec(note)?.[1];
  if (plan.currency !== undefined && currency !== undefined && currency !== plan.currency) adjustment -= 0.3;
  if (plan.kind === "money" && currency === undefined && plan.currency !== undefined) adjustment -= 0.1;
  return adjustment;
}

function withNote(coerced: Extract<Coerced, { ok: true }>, adjustment: number): Reading {
  return coerced.note === undefined
    ? { value: coerced.value, adjustment }
    : { value: coerced.value, adjustment, note: coerced.note };
}

/** Coercion of a raw string from a page into the typed value of a column. */
import type { CellValue, ColumnType } from "@ampledata/shared";
import validator from "validator";
import { collapseWhitespace } from "../text/normalize.ts";
import { parseDate } from "./dates.ts";
import { findNumbers } from "./numbers.ts";

export type Coerced = { ok: true; value: CellValue; note?: string } | { ok: false; reason: string };

const MAX_STRING_CHARS = 500;
const TRUE_WORDS = new Set(["yes", "y", "true", "1", "✓", "✔"]);
const FALSE_WORDS = new Set(["no", "n", "false", "0", "✗", "✘"]);

/** Coerces `raw` to `type`, or returns why it cannot be. Notes flag lossy readings ("approximate"). */
export function coerceValue(type: ColumnType, raw: string): Coerced {
  const text = collapseWhitespace(raw);
  if (text === "") return { ok: false, reason: "empty value" };
  switch (type) {
    case "string":
      return coerceString(text);
    case "number":
      return coerceNumber(text);
    case "date":
      return coerceDate(text);
    case "boolean":
      return coerceBoolean(text);
    case "url":
      return coerceUrl(text);
    case "email":
      return coerceEmail(text);
    case "list":
      return coerceList(text);
  }
}

function coerceString(text: string): Coerced {
  const cleaned = text.replace(/^["'“‘«\s]+|["'”’»\s]+$/g, "").replace(/[\s,;:|-]+$/, "");
  if (cleaned === "") return { ok: false, reason: "value is only punctuation" };
  if (cleaned.length > MAX_STRING_CHARS) {
    return { ok: false, reason: `value is ${cleaned.length} characters, more than ${MAX_STRING_CHARS}` };
  }
  return { ok: true, value: cleaned };
}

function coerceNumber(text: string): Coerced {
  const mentions = findNumbers(text);
  const first = mentions[0];
  if (first === undefined) return { ok: false, reason: `no number in '${shorten(text)}'` };
  const second = mentions[1];
  if (second !== undefined) {
    const between = text.slice(first.end, second.start);
    if (/^\s*(?:-|–|—|to)\s*$/.test(between)) {
      return { ok: false, reason: `'${shorten(text)}' is a range, not one number` };
    }
    if (second.value !== first.value) {
      return { ok: false, reason: `'${shorten(text)}' contains ${mentions.length} numbers` };
    }
  }
  const negative = /-\s*$/.test(text.slice(0, first.start)) && !/\d\s*-\s*$/.test(text.slice(0, first.start));
  const notes: string[] = [];
  if (first.approximate) notes.push("approximate");
  if (first.bound === "lower") notes.push("lower bound");
  if (first.bound === "upper") notes.push("upper bound");
  if (first.currency !== undefined) notes.push(`currency ${first.currency}`);
  if (first.percent) notes.push("percent");
  const value = negative ? -first.value : first.value;
  return notes.length > 0 ? { ok: true, value, note: notes.join(", ") } : { ok: true, value };
}

function coerceDate(text: string): Coerced {
  const parsed = parseDate(text);
  if (!parsed.ok) return parsed;
  return parsed.note === undefined
    ? { ok: true, value: parsed.iso }
    : { ok: true, value: parsed.iso, note: parsed.note };
}

function coerceBoolean(text: string): Coerced {
  const word = text.toLowerCase().replace(/[.!]+$/, "");
  const head = word.split(/[\s,;(]+/)[0] ?? "";
  if (TRUE_WORDS.has(word) || (head === "yes" && word !== "yes")) return { ok: true, value: true };
  if (FALSE_WORDS.has(word) || (head === "no" && word !== "no")) return { ok: true, value: false };
  return { ok: false, reason: `'${shorten(text)}' is not a yes/no value` };
}

function coerceUrl(text: string): Coerced {
  const candidate = /^www\./i.test(text) ? `https://${text}` : text;
  const options = { protocols: ["http", "https"], require_protocol: true, require_valid_protocol: true };
  if (!validator.isURL(candidate, options))
    return { ok: false, reason: `'${shorten(text)}' is not an http(s) URL` };
  return candidate === text
    ? { ok: true, value: candidate }
    : { ok: true, value: candidate, note: "added https://" };
}

function coerceEmail(text: string): Coerced {
  const candidate = text.replace(/^mailto:/i, "").split("?")[0] ?? "";
  if (!validator.isEmail(candidate))
    return { ok: false, reason: `'${shorten(text)}' is not an email address` };
  return { ok: true, value: candidate.toLowerCase() };
}

/**
 * Splits a list on the strongest separator present: line breaks, semicolons, pipes or bullets,
 * then commas; a final "and" joins the last item ("A, B and C").
 */
function coerceList(text: string): Coerced {
  const separator = /[;|•·\n]/.test(text) ? /\s*[;|•·\n]\s*/ : /\s*,\s*(?:and\s+)?|\s+(?:and|&)\s+/;
  const items = text
    .split(separator)
    .map((item) => item.trim())
    .filter((item) => item !== "");
  const unique = [...new Set(items)];
  if (unique.length === 0) return { ok: false, reason: "list has no items" };
  return { ok: true, value: unique };
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Dates to ISO 8601 at the precision the source gives: "2010" stays a year, "June 2010" becomes
 * "2010-06", "March 3, 2011" becomes "2011-03-03", and a timestamp keeps its time and offset.
 * Free-text dates are read with chrono-node; ISO strings and bare years are read directly.
 */
import * as chrono from "chrono-node";

export type DatePrecision = "year" | "month" | "day" | "time";

export interface DateMention {
  start: number;
  end: number;
  raw: string;
  iso: string;
  precision: DatePrecision;
}

export type DateParse =
  | { ok: true; iso: string; precision: DatePrecision; note?: string }
  | { ok: false; reason: string };

const ISO_DATE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?)?)?$/;
const BARE_YEAR = /\b(1[0-9]\d\d|20\d\d|21\d\d)\b/g;
const MIN_YEAR = 1000;
const MAX_YEAR = 2199;
// A fixed reference keeps parsing deterministic. Only dates whose year the text states are returned, so it never shows.
const REFERENCE = new Date(Date.UTC(2000, 0, 1, 12));

/** Parses one date value. The whole string should be the date, apart from words around it. */
export function parseDate(raw: string): DateParse {
  const text = raw.trim();
  if (text === "") return { ok: false, reason: "empty date" };

  const iso = parseIsoDate(text);
  if (iso !== undefined) return iso;

  const yearOnly = /^(?:(?:in|c\.|ca\.|circa|year)\s+)?(\d{4})\.?$/i.exec(text);
  if (yearOnly?.[1] !== undefined) {
    const year = Number(yearOnly[1]);
    if (year < MIN_YEAR || year > MAX_YEAR) return { ok: false, reason: `year ${year} is out of range` };
    return { ok: true, iso: yearOnly[1], precision: "year" };
  }

  const mentions = findDates(text);
  const first = mentions[0];
  if (first === undefined) {
    const relative = chrono.parse(text, REFERENCE)[0];
    if (relative !== undefined) return { ok: false, reason: `'${text}' has no year, so it cannot be placed` };
    return { ok: false, reason: `no date in '${truncate(text)}'` };
  }
  const distinct = new Set(mentions.map((mention) => mention.iso));
  const notes: string[] = [];
  if (distinct.size > 1) notes.push(`first of ${distinct.size} dates`);
  if (/^\s*\d{1,2}[/.]\d{1,2}[/.]\d{2,4}/.test(first.raw) && ambiguousDayMonth(first.raw)) {
    notes.push("day and month order is ambiguous; read as month/day");
  }
  return notes.length > 0
    ? { ok: true, iso: first.iso, precision: first.precision, note: notes.join("; ") }
    : { ok: true, iso: first.iso, precision: first.precision };
}

/**
 * Finds dates in running text: chrono-node's matches that carry a year, plus bare years
 * ("in 2016") that chrono does not report. Dates without a year are left out.
 */
export function findDates(text: string): DateMention[] {
  const mentions: DateMention[] = [];
  for (const result of chrono.parse(text, REFERENCE, { forwardDate: false })) {
    const mention = fromChrono(result);
    if (mention !== undefined) mentions.push(mention);
  }
  for (const match of text.matchAll(BARE_YEAR)) {
    const start = match.index;
    const end = start + match[0].length;
    if (mentions.some((mention) => start < mention.end && end > mention.start)) continue;
    const before = text.slice(Math.max(0, start - 2), start);
    const after = text.slice(end, end + 2);
    // "$2016", "2016.5", "2,016", "2016%", "1984-born" are amounts or parts of other tokens.
    if (/[$€£\d.,]\s?$/.test(before) || /^(?:[.,]\d|%|\d)/.test(after)) continue;
    mentions.push({ start, end, raw: match[0], iso: match[0], precision: "year" });
  }
  return mentions.sort((a, b) => a.start - b.start);
}

function fromChrono(result: chrono.ParsedResult): DateMention | undefined {
  const start = result.start;
  if (!start.isCertain("year")) return undefined;
  const year = start.get("year");
  if (year === null || year < MIN_YEAR || year > MAX_YEAR) return undefined;
  const base = { start: result.index, end: result.index + result.text.length, raw: result.text };

  if (!start.isCertain("month")) return { ...base, iso: pad(year, 4), precision: "year" };
  const month = pad(start.get("month") ?? 1, 2);
  if (!start.isCertain("day")) return { ...base, iso: `${pad(year, 4)}-${month}`, precision: "month" };
  const day = pad(start.get("day") ?? 1, 2);
  const date = `${pad(year, 4)}-${month}-${day}`;
  if (!start.isCertain("hour")) return { ...base, iso: date, precision: "day" };

  const time = `${pad(start.get("hour") ?? 0, 2)}:${pad(start.get("minute") ?? 0, 2)}:${pad(start.get("second") ?? 0, 2)}`;
  const offsetMinutes = start.isCertain("timezoneOffset") ? start.get("timezoneOffset") : null;
  return {
    ...base,
    iso: `${date}T${time}${offsetMinutes === null ? "" : formatOffset(offsetMinutes)}`,
    precision: "time",
  };
}

function parseIsoDate(text: string): DateParse | undefined {
  const match = ISO_DATE.exec(text);
  if (match === null) return undefined;
  const [, year = "", month, day, hour, minute, second, fraction, zone] = match;
  const yearNumber = Number(year);
  if (yearNumber < MIN_YEAR || yearNumber > MAX_YEAR)
    return { ok: false, reason: `year ${year} is out of range` };
  if (month === undefined) return { ok: true, iso: year, precision: "year" };
  if (Number(month) < 1 || Number(month) > 12)
    return { ok: false, reason: `month ${month} in '${text}' is invalid` };
  if (day === undefined) return { ok: true, iso: `${year}-${month}`, precision: "month" };
  const daysInMonth = new Date(Date.UTC(yearNumber, Number(month), 0)).getUTCDate();
  if (Number(day) < 1 || Number(day) > daysInMonth)
    return { ok: false, reason: `day ${day} in '${text}' is invalid` };
  if (hour === undefined) return { ok: true, iso: `${year}-${month}-${day}`, precision: "day" };
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second ?? 0) > 59) {
    return { ok: false, reason: `time in '${text}' is invalid` };
  }
  const normalizedZone =
    zone === undefined || zone === "Z" ? (zone ?? "") : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const iso = `${year}-${month}-${day}T${hour}:${minute}:${second ?? "00"}${fraction ?? ""}${normalizedZone}`;
  return { ok: true, iso, precision: "time" };
}

function ambiguousDayMonth(raw: string): boolean {
  const [first = 0, second = 0] = raw.trim().split(/[/.]/).map(Number);
  return first <= 12 && second <= 12 && first !== second;
}

function formatOffset(minutes: number): string {
  if (minutes === 0) return "Z";
  const sign = minutes < 0 ? "-" : "+";
  const absolute = Math.abs(minutes);
  return `${sign}${pad(Math.floor(absolute / 60), 2)}:${pad(absolute % 60, 2)}`;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, "0");
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Compares two ISO values at the coarser of their precisions: "2010-06" agrees with "2010-06-15". */
export function datesAgree(a: string, b: string): boolean {
  const length = Math.min(dateLength(a), dateLength(b));
  return a.slice(0, length) === b.slice(0, length);
}

function dateLength(iso: string): number {
  return iso.includes("T") ? 10 : iso.length;
}

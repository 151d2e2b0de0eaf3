/** Typed mentions in one sentence that prose rules pair with their cues. */
import { findDates } from "../coerce/dates.ts";
import { findNumbers } from "../coerce/numbers.ts";
import type { ProseValueKind } from "../concepts/types.ts";
import { isPlausiblePersonName, type NameSpan } from "../text/names.ts";
import { isRegionName } from "../text/places.ts";

export interface Mention {
  start: number;
  end: number;
  raw: string;
  /** Hedged ("about"), bounded ("more than") or otherwise less exact than written. */
  hedged: boolean;
}

/** Finds the mentions of `kind` in a sentence whose proper names are already known. */
export function findMentions(text: string, names: NameSpan[], kind: ProseValueKind): Mention[] {
  switch (kind) {
    case "date":
      return findDates(text).map((date) => ({
        start: date.start,
        end: date.end,
        raw: date.raw,
        hedged: false,
      }));
    case "money":
      return findNumbers(text)
        .filter((number) => number.currency !== undefined && !number.percent)
        .map((number) => ({ ...span(number), hedged: number.approximate || number.bound !== undefined }));
    case "count":
      return findNumbers(text)
        .filter((number) => number.currency === undefined && !number.percent && !number.yearLike)
        .map((number) => ({ ...span(number), hedged: number.approximate || number.bound !== undefined }));
    case "place":
      return placeMentions(text, names);
    case "person":
      return nameLists(
        text,
        names.filter((name) => isPlausiblePersonName(name.text)),
      );
    case "organization":
      return names.map((name) => ({ start: name.start, end: name.end, raw: name.text, hedged: false }));
  }
}

function span(number: { start: number; end: number; raw: string }): Omit<Mention, "hedged"> {
  return { start: number.start, end: number.end, raw: number.raw };
}

// "Austin, Texas" is one place; "Lisbon, Berlin" is two.
function placeMentions(text: string, names: NameSpan[]): Mention[] {
  const mentions: Mention[] = [];
  for (let index = 0; index < names.length; index += 1) {
    const name = names[index]!;
    const next = names[index + 1];
    if (next !== undefined && /^,\s*$/.test(text.slice(name.end, next.start)) && isRegionName(next.text)) {
      mentions.push({
        start: name.start,
        end: next.end,
        raw: text.slice(name.start, next.end),
        hedged: false,
      });
      index += 1;
    } else {
      mentions.push({ start: name.start, end: name.end, raw: name.text, hedged: false });
    }
  }
  return mentions;
}

// "Ada Brook and Leo Marsh" is one list of founders.
function nameLists(text: string, names: NameSpan[]): Mention[] {
  const mentions: Mention[] = [];
  for (let index = 0; index < names.length; index += 1) {
    const first = names[index]!;
    let end = first.end;
    while (
      index + 1 < names.length &&
      /^(?:\s*,\s*|\s+and\s+|\s*&\s*|,\s+and\s+)$/.test(text.slice(end, names[index + 1]!.start))
    ) {
      index += 1;
      end = names[index]!.end;
    }
    mentions.push({ start: first.start, end, raw: text.slice(first.start, end), hedged: false });
  }
  return mentions;
}

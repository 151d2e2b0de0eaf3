/** Reading schema.org data from JSON-LD objects and the microdata items stored beside them. */
import { MICRODATA_SOURCE, MICRODATA_SOURCE_KEY } from "../html/structured.ts";
import { collapseWhitespace } from "../text/normalize.ts";

export type JsonObject = Record<string, unknown>;

const MAX_DEPTH = 6;
const MAX_FIELD_CHARS = 300;

export function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Returns the object's schema.org types without vocabulary prefixes ("http://schema.org/Book" is "Book"). */
export function typesOf(item: JsonObject): string[] {
  const raw = item["@type"];
  const list = Array.isArray(raw) ? raw : [raw];
  return list
    .filter((type): type is string => typeof type === "string")
    .map((type) => type.split(/[/#:]/).at(-1) ?? type);
}

export function isMicrodata(item: JsonObject): boolean {
  return item[MICRODATA_SOURCE_KEY] === MICRODATA_SOURCE;
}

/** Lists every object in the items, nested ones included, with the top-level item each came from. */
export function walkObjects(items: unknown[]): { object: JsonObject; root: JsonObject }[] {
  const found: { object: JsonObject; root: JsonObject }[] = [];
  const visit = (value: unknown, root: JsonObject, depth: number) => {
    if (depth > MAX_DEPTH) return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item, root, depth + 1);
      return;
    }
    if (!isObject(value)) return;
    found.push({ object: value, root });
    for (const [key, child] of Object.entries(value)) {
      if (!key.startsWith("@")) visit(child, root, depth + 1);
    }
  };
  for (const item of items) if (isObject(item)) visit(item, item, 0);
  return found;
}

/** Values at a dotted property path; arrays along the path are expanded. */
export function readPath(item: JsonObject, path: string): unknown[] {
  let current: unknown[] = [item];
  for (const key of path.split(".")) {
    const next: unknown[] = [];
    for (const value of current) {
      const values = Array.isArray(value) ? value : [value];
      for (const entry of values) {
        if (isObject(entry) && entry[key] !== undefined) next.push(entry[key]);
      }
    }
    current = next.flatMap((value) => (Array.isArray(value) ? value : [value]));
  }
  return current;
}

/**
 * Text of a property value: strings and numbers as they are, objects through `name`, `@value`,
 * `value` (QuantitativeValue, MonetaryAmount), or an address's locality and country.
 */
export function valueText(value: unknown): string | undefined {
  if (typeof value === "string") return collapseWhitespace(value) || undefined;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (!isObject(value)) return undefined;
  for (const key of ["name", "@value", "value", "minValue"]) {
    const text = valueText(value[key]);
    if (text !== undefined) return text;
  }
  const locality = valueText(value.addressLocality);
  const country = valueText(value.addressCountry);
  if (locality !== undefined) return country === undefined ? locality : `${locality}, ${country}`;
  return undefined;
}

/** Short string values of the items, for finding an entity's name in structured data. */
export function flattenStrings(items: unknown[], maxValues: number): string[] {
  const strings: string[] = [];
  for (const { object } of walkObjects(items)) {
    for (const [key, value] of Object.entries(object)) {
      if (key.startsWith("@") || typeof value !== "string") continue;
      if (value.length <= MAX_FIELD_CHARS) strings.push(value);
      if (strings.length >= maxValues) return strings;
    }
  }
  return strings;
}

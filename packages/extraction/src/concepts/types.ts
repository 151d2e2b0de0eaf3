/** Concepts: the meaning of a column to the extractor, where its values appear and how pages phrase them. */

/** The kind of value a concept holds, which decides how it is found in prose and compared. */
export type ValueKind =
  | "person"
  | "organization"
  | "place"
  | "date"
  | "count"
  | "money"
  | "identifier"
  | "text"
  | "boolean"
  | "nationality"
  | "url"
  | "email";

/** The kinds of mention a prose rule can read next to its cue. */
export type ProseValueKind = "date" | "money" | "count" | "place" | "person" | "organization";

/**
 * One way prose states a fact: a cue ("was founded", "head office") and a value of `value` kind
 * within `maxGap` characters on the given side of the cue, inside the same clause.
 */
export interface ProseRule {
  cue: RegExp;
  value: ProseValueKind;
  side: "after" | "before" | "either";
  maxGap: number;
}

export interface Concept {
  id: string;
  /** Phrases a column name or description uses for the concept ("pub date", "release date"). */
  names: string[];
  /** Page labels that introduce a value of the concept ("Publisher", "Published by"). */
  labels: string[];
  /** Labels that count only on an exact match and with lower confidence ("Date" for a publication date). */
  weakLabels?: string[];
  /** schema.org properties holding the value; object values are read through `name`. */
  properties?: string[];
  /**
   * Offer every listed property of an object as a candidate, not only the first one present.
   * Set for titles, where `headline` and `name` can differ and the page decides between them.
   */
  allProperties?: boolean;
  /** schema.org types whose properties count; empty means any type. */
  itemTypes?: string[];
  /** Meta tag keys (lower case) holding the value. */
  meta?: string[];
  kind: ValueKind;
  prose?: ProseRule[];
  /** For boolean concepts: statements that make the value true or false, before negation. */
  positive?: RegExp;
  negative?: RegExp;
}

/** Candidates from JSON-LD, microdata and meta tags. */
import type { PageContent } from "@ampledata/shared";
import type { ColumnPlan } from "../concepts/match.ts";
import { mentionsValue } from "../entity.ts";
import { type Candidate, clampConfidence, quoteAround } from "./candidate.ts";
import { isMicrodata, type JsonObject, readPath, typesOf, valueText, walkObjects } from "./jsonld.ts";
import { readValue } from "./value.ts";

const STRUCTURED_CONFIDENCE = 0.92;
const UNTYPED_STRUCTURED_CONFIDENCE = 0.85;
const SPECIFIC_META_CONFIDENCE = 0.88;
const GENERIC_META_CONFIDENCE = 0.75;
const LATER_PROPERTY_STEP = 0.03;
// Meta keys that many templates fill with site-wide defaults rather than page facts.
const GENERIC_META_KEYS = new Set([
  "author",
  "date",
  "application-name",
  "apple-mobile-web-app-title",
  "lang",
  "canonical",
]);
const NAME_KEYS = ["name", "headline", "alternateName", "alternativeHeadline"];

/**
 * Reads the planned column from schema.org objects whose type fits the concept. Objects that
 * carry a name other than the entity's (a related product, another article) are skipped.
 */
export function structuredCandidates(page: PageContent, plan: ColumnPlan, entityName: string): Candidate[] {
  const concept = plan.concept;
  if (concept?.properties === undefined) return [];
  const candidates: Candidate[] = [];
  const wantedTypes = new Set(concept.itemTypes ?? []);

  for (const { object, root } of walkObjects(page.jsonLd)) {
    const types = typesOf(object);
    const typed = wantedTypes.size === 0 || types.some((type) => wantedTypes.has(type));
    if (!typed || !aboutEntity(object, entityName, concept.id)) continue;
    let found = false;
    concept.properties.forEach((path, order) => {
      if (found && concept.allProperties !== true) return;
      const values = readPath(object, path)
        .map(valueText)
        .filter((text): text is string => text !== undefined);
      if (values.length === 0) return;
      const raw = plan.kind === "person" ? values.join("; ") : (values[0] ?? "");
      const read = readValue(plan, raw);
      if (!read.ok) return;
      found = true;
      const format = isMicrodata(root) ? "microdata" : "JSON-LD";
      const typeName = types[0] ?? "Thing";
      // Later properties in the concept's list are less direct ("creator" after "author").
      const base =
        (wantedTypes.size > 0 ? STRUCTURED_CONFIDENCE : UNTYPED_STRUCTURED_CONFIDENCE) -
        LATER_PROPERTY_STEP * order;
      candidates.push({
        value: read.reading.value,
        confidence: clampConfidence(base + read.reading.adjustment),
        tier: "structured",
        reason: `${format} ${typeName}.${path} on ${page.finalUrl}`,
        source: page.finalUrl,
        evidence: quoteAround(
          JSON.stringify({ [path.split(".")[0] ?? path]: readPath(object, path.split(".")[0] ?? path)[0] }),
          raw,
        ),
        ...(read.reading.note === undefined ? {} : { note: read.reading.note }),
      });
    });
  }
  return candidates;
}

/** Reads the planned column from the concept's meta tags, most specific key first. */
export function metaCandidates(page: PageContent, plan: ColumnPlan): Candidate[] {
  const keys = plan.concept?.meta ?? [];
  const candidates: Candidate[] = [];
  for (const key of keys) {
    const raw = page.meta[key];
    if (raw === undefined) continue;
    const read = readValue(plan, raw);
    if (!read.ok) continue;
    const base = GENERIC_META_KEYS.has(key) ? GENERIC_META_CONFIDENCE : SPECIFIC_META_CONFIDENCE;
    candidates.push({
      value: read.reading.value,
      confidence: clampConfidence(base + read.reading.adjustment),
      tier: "meta",
      reason: `meta tag '${key}' on ${page.finalUrl}`,
      source: page.finalUrl,
      evidence: quoteAround(`${key}: ${raw}`, raw),
      ...(read.reading.note === undefined ? {} : { note: read.reading.note }),
    });
  }
  return candidates;
}

// An object names its subject; when that name is not the entity's, its properties describe something else.
function aboutEntity(object: JsonObject, entityName: string, conceptId: string): boolean {
  if (entityName === "" || conceptId === "title") return true;
  const names = NAME_KEYS.map((key) => valueText(object[key])).filter(
    (name): name is string => name !== undefined,
  );
  if (names.length === 0) return true;
  return names.some((name) => mentionsValue(name, entityName) || mentionsValue(entityName, name));
}

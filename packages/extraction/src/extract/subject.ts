/**
 * Classification of a page's sentences by whether they are about the row's entity. A sentence is about the entity when its
 * subject names it ("Harrow Analytics builds ..."), or refers back to it with a pronoun or a
 * definite description ("It raised ...", "The company was started ...") while the entity is the
 * topic. A sentence whose subject is another name ("Birchstore was created ...") makes that name
 * the topic, so the pronouns that follow are not read as the entity.
 */
import { type EntityRef, entityName } from "../entity.ts";
import { findNames, type NameSpan } from "../text/names.ts";
import { escapeRegExp, foldText } from "../text/normalize.ts";
import type { Sentence } from "../text/sentences.ts";

export type Aboutness = "entity" | "reference" | "other" | "unknown";

export interface SentenceInfo extends Sentence {
  about: Aboutness;
  names: NameSpan[];
  /** Spans that name the entity. */
  entitySpans: NameSpan[];
}

// Words in organization names too generic to identify one on their own ("Analytics", "Systems").
const GENERIC_NAME_WORDS = new Set(
  (
    "inc ltd llc plc gmbh co corp corporation company group holdings labs lab systems analytics cloud works pay " +
    "foods food db software technologies technology tech solutions services partners media bank capital health " +
    "international global digital data network networks studio studios games press books publishing the app apps " +
    "ventures industries limited and of energy motors airlines foundation institute university"
  ).split(" "),
);
const PRONOUN = /\b(?:it|its|it's|they|their|them|she|her|he|his|him)\b/i;
const RELATION_REFERENCE =
  /^(?:her|his|its|their)\s+(?:\w+\s+)?(?:brother|sister|wife|husband|son|daughter|father|mother|parents?|partner|cousin|uncle|aunt|rivals?|competitors?|subsidiary|subsidiaries|parent company|investors?|acquirer|co-?founder|friend|colleague|successor|predecessor|sibling)s?\b/i;
const GENERIC_REFERENCE_NOUNS =
  "company|firm|business|startup|start-up|group|brand|organisation|organization|corporation|app|application|product|project|platform|service|tool|library|framework|database|engine|studio|site|website|retailer|bank|fund|agency|charity|school|university|maker|manufacturer|book|novel|team|venture";
// A sentence may open with a participle clause about its subject ("Founded in 2011 by Ada Brook,
// the firm ..."): the subject follows the comma. The preposition after the participle keeps a
// name such as "Fred Smith, ..." from being read as one.
const LEADING_PARTICIPLE =
  /^(?:[A-Z][a-z]{2,}ed|Born|Built|Known|Grown|Run)\s+(?:in|by|on|at|as|from|with|under|during|after|before|near|out|to|for)\b[^,]{0,120},\s*/;
const PREPOSITION_BEFORE =
  /\b(?:to|by|from|with|of|for|at|in|on|under|per|via|than|like|including|as|and|or|between|against)\s+$/i;

export interface EntityMatcher {
  name: string;
  aliases: string[];
  reference: RegExp;
}

/** Builds the patterns that recognize the entity's name, its short forms and descriptions of it. */
export function entityMatcher(entity: EntityRef): EntityMatcher {
  const name = entityName(entity);
  const words = name.split(/\s+/).filter((word) => word !== "");
  const aliases = [words[0], words.at(-1)]
    .filter((word): word is string => word !== undefined && words.length > 1)
    .filter(
      (word) => word.length >= 3 && /^\p{Lu}/u.test(word) && !GENERIC_NAME_WORDS.has(word.toLowerCase()),
    );
  const descriptionNouns = (entity.description ?? "")
    .toLowerCase()
    .split(/[^a-z-]+/)
    .filter((word) => word.length >= 4 && !/^(?:with|from|that|this|person|about)$/.test(word));
  const nouns = [GENERIC_REFERENCE_NOUNS, ...descriptionNouns.map(escapeRegExp)].join("|");
  return {
    name,
    aliases: [...new Set(aliases)],
    reference: new RegExp(String.raw`\bthe (?:\w+ )?(?:${nouns})\b`, "i"),
  };
}

/** Classifies each sentence, carrying the current topic from one sentence to the next. */
export function classifySentences(sentences: Sentence[], matcher: EntityMatcher): SentenceInfo[] {
  let topic: "entity" | "other" | "none" = "none";
  return sentences.map((sentence) => {
    const names = findNames(sentence.text);
    const entitySpans = names.filter((span) => namesEntity(span.text, matcher));
    const fullMention = matcher.name !== "" && foldText(sentence.text).includes(foldText(matcher.name));
    if (fullMention && entitySpans.length === 0) {
      const index = sentence.text.toLowerCase().indexOf(matcher.name.toLowerCase());
      if (index >= 0)
        entitySpans.push({ start: index, end: index + matcher.name.length, text: matcher.name });
    }

    const subject = firstSubject(sentence.text, names, entitySpans, matcher);
    let about: Aboutness;
    if (subject === "entity") {
      about = "entity";
      topic = "entity";
    } else if (subject === "other") {
      about = "other";
      topic = "other";
    } else if (subject === "relation") {
      about = "other";
    } else {
      about = topic === "entity" ? "reference" : topic === "other" ? "other" : "unknown";
    }
    return { ...sentence, about, names, entitySpans };
  });
}

function firstSubject(
  text: string,
  names: NameSpan[],
  entitySpans: NameSpan[],
  matcher: EntityMatcher,
): "entity" | "other" | "relation" | "reference" | undefined {
  const lead = LEADING_PARTICIPLE.exec(text)?.[0].length ?? 0;
  const rest = text.slice(lead);
  if (RELATION_REFERENCE.test(rest)) return "relation";
  const pronoun = PRONOUN.exec(rest);
  const reference = matcher.reference.exec(rest);
  const firstReference = Math.min(
    pronoun !== null && !PREPOSITION_BEFORE.test(rest.slice(0, pronoun.index))
      ? lead + pronoun.index
      : Number.POSITIVE_INFINITY,
    reference !== null && !PREPOSITION_BEFORE.test(rest.slice(0, reference.index))
      ? lead + reference.index
      : Number.POSITIVE_INFINITY,
  );
  const subjectName = names.find(
    (span) => span.start >= lead && !PREPOSITION_BEFORE.test(text.slice(lead, span.start)),
  );
  const nameStart = subjectName?.start ?? Number.POSITIVE_INFINITY;
  if (nameStart === Number.POSITIVE_INFINITY && firstReference === Number.POSITIVE_INFINITY) {
    return entitySpans.length > 0 ? "entity" : undefined;
  }
  if (nameStart < firstReference && subjectName !== undefined) {
    return entitySpans.some((span) => span.start === subjectName.start) ? "entity" : "other";
  }
  return "reference";
}

/** True when a name span is the entity: its full name, or a short form not part of another name. */
export function namesEntity(span: string, matcher: EntityMatcher): boolean {
  if (matcher.name === "") return false;
  const folded = foldText(span);
  const name = foldText(matcher.name);
  if (folded === name || ` ${folded} `.includes(` ${name} `)) return true;
  const words = span.replace(/'s$|’s$/, "").split(/\s+/);
  const aliasWords = words.filter((word) =>
    matcher.aliases.some((alias) => alias.toLowerCase() === word.toLowerCase()),
  );
  if (aliasWords.length === 0) return false;
  // "Novak" is the entity Jana Novak, but "Petr Novak" is someone else.
  return words.every(
    (word) =>
      aliasWords.includes(word) ||
      GENERIC_NAME_WORDS.has(word.toLowerCase()) ||
      foldText(matcher.name).split(" ").includes(foldText(word)),
  );
}

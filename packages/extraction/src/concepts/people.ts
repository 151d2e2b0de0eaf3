/** Concepts of people. */
import type { Concept } from "./types.ts";

const PERSON_TYPES = ["Person"];

export const PEOPLE_CONCEPTS: Concept[] = [
  {
    id: "birth_date",
    names: ["birth date", "born", "date of birth", "birthday", "birth year", "year of birth", "dob", "birth"],
    labels: ["born", "date of birth", "birth date", "dob", "birthday", "birth"],
    properties: ["birthDate"],
    itemTypes: PERSON_TYPES,
    kind: "date",
    prose: [{ cue: /(?<![-\w])born\b(?: (?:on|in))?/gi, value: "date", side: "after", maxGap: 3 }],
  },
  {
    id: "death_date",
    names: ["death date", "died", "date of death", "death year", "year of death", "death"],
    labels: ["died", "date of death", "death date", "death"],
    properties: ["deathDate"],
    itemTypes: PERSON_TYPES,
    kind: "date",
    prose: [{ cue: /\b(?:died|passed away)\b(?: (?:on|in))?/gi, value: "date", side: "after", maxGap: 3 }],
  },
  {
    id: "nationality",
    names: ["nationality", "citizenship", "national origin"],
    labels: ["nationality", "citizenship"],
    properties: ["nationality"],
    itemTypes: PERSON_TYPES,
    kind: "nationality",
  },
  {
    id: "net_worth",
    names: ["net worth", "fortune", "wealth", "personal wealth", "personal fortune"],
    labels: ["net worth", "fortune", "wealth"],
    properties: ["netWorth"],
    itemTypes: PERSON_TYPES,
    kind: "money",
    prose: [
      {
        cue: /\b(?:net worth|(?:personal )?(?:fortune|wealth))\b(?: (?:is|was|of|at|stands at|reached|is estimated at|was estimated at|estimated at|is put at|valued at))*/gi,
        value: "money",
        side: "after",
        maxGap: 16,
      },
      { cue: /\b(?:is|was) worth\b/gi, value: "money", side: "after", maxGap: 14 },
    ],
  },
  {
    id: "job_title",
    names: ["job title", "role", "position", "occupation", "profession"],
    labels: ["job title", "title", "role", "position", "occupation", "profession"],
    properties: ["jobTitle"],
    itemTypes: PERSON_TYPES,
    kind: "text",
  },
];

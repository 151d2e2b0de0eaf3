/** Country names and demonyms, from the world-countries data set. */
import countries from "world-countries/countries.json" with { type: "json" };

// Parts of countries that pages commonly write after a city ("York, England", "Austin, Texas").
const REGIONS = [
  "England",
  "Scotland",
  "Wales",
  "Northern Ireland",
  "UK",
  "U.K.",
  "USA",
  "U.S.",
  "US",
  "UAE",
  "Alabama",
  "Alaska",
  "Arizona",
  "Arkansas",
  "California",
  "Colorado",
  "Connecticut",
  "Delaware",
  "Florida",
  "Georgia",
  "Hawaii",
  "Idaho",
  "Illinois",
  "Indiana",
  "Iowa",
  "Kansas",
  "Kentucky",
  "Louisiana",
  "Maine",
  "Maryland",
  "Massachusetts",
  "Michigan",
  "Minnesota",
  "Mississippi",
  "Missouri",
  "Montana",
  "Nebraska",
  "Nevada",
  "New Hampshire",
  "New Jersey",
  "New Mexico",
  "New York",
  "North Carolina",
  "North Dakota",
  "Ohio",
  "Oklahoma",
  "Oregon",
  "Pennsylvania",
  "Rhode Island",
  "South Carolina",
  "South Dakota",
  "Tennessee",
  "Texas",
  "Utah",
  "Vermont",
  "Virginia",
  "Washington",
  "West Virginia",
  "Wisconsin",
  "Wyoming",
  "Ontario",
  "Quebec",
  "British Columbia",
  "Alberta",
  "Bavaria",
  "Catalonia",
  "New South Wales",
  "Victoria",
  "Queensland",
];

const REGION_NAMES = new Set<string>([
  ...REGIONS,
  ...countries.flatMap((country) => [country.name.common, country.name.official]),
]);

/** Checks whether `name` is a country or a commonly written region of one. */
export function isRegionName(name: string): boolean {
  return REGION_NAMES.has(name.trim());
}

const DEMONYMS = new Map<string, string>();
for (const country of countries) {
  const forms = country.demonyms.eng;
  for (const form of [forms.m, forms.f]) {
    if (form !== "" && !DEMONYMS.has(form.toLowerCase())) DEMONYMS.set(form.toLowerCase(), form);
  }
}
for (const form of ["English", "Scottish", "Welsh", "British", "American"])
  DEMONYMS.set(form.toLowerCase(), form);

const DEMONYM_PATTERN = new RegExp(
  String.raw`\b(${[...DEMONYMS.values()]
    .sort((a, b) => b.length - a.length)
    .map((form) => form.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("|")})\b`,
  "g",
);

/** Finds demonyms ("Hungarian", "Brazilian") with their positions. */
export function findDemonyms(text: string): { start: number; end: number; text: string }[] {
  return [...text.matchAll(DEMONYM_PATTERN)].map((match) => ({
    start: match.index,
    end: match.index + match[0].length,
    text: match[0],
  }));
}

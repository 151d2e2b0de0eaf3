/** Concepts of company finance: revenue, valuation, funding rounds and stock listing. */
import type { Concept } from "./types.ts";

const FUNDING_CUES =
  /\b(?:raised|raising|raises|secured|closed|landed)\b|\b(?:funding|financing|investment)(?: round)?\b|\b(?:series [a-h]|seed|pre-seed|growth) (?:round|funding|financing)?\b|\bround\b/gi;

export const FINANCE_CONCEPTS: Concept[] = [
  {
    id: "revenue",
    names: [
      "revenue",
      "revenues",
      "annual revenue",
      "sales",
      "annual sales",
      "turnover",
      "income",
      "yearly revenue",
    ],
    labels: ["revenue", "revenues", "annual revenue", "sales", "turnover", "net sales", "total revenue"],
    kind: "money",
    prose: [
      {
        cue: /\b(?:revenues?|sales|turnover)\b(?: (?:of|was|were|is|are|reached|hit|topped|totaled|totalled|came to|grew to|rose to))?/gi,
        value: "money",
        side: "after",
        maxGap: 16,
      },
      {
        cue: /\bin (?:annual |yearly )?(?:revenues?|sales|turnover)\b/gi,
        value: "money",
        side: "before",
        maxGap: 2,
      },
    ],
  },
  {
    id: "valuation",
    names: [
      "valuation",
      "valued",
      "company valuation",
      "market value",
      "market cap",
      "market capitalization",
      "market capitalisation",
    ],
    labels: ["valuation", "market cap", "market capitalization", "market capitalisation", "market value"],
    kind: "money",
    prose: [
      {
        cue: /\b(?:valued at|valuation of|valuing (?:it|the company|the firm) at|market (?:value|capitali[sz]ation|cap) of|worth)\b/gi,
        value: "money",
        side: "after",
        maxGap: 16,
      },
      { cue: /\bvaluation\b/gi, value: "money", side: "before", maxGap: 4 },
    ],
  },
  {
    id: "funding_amount",
    names: [
      "funding",
      "funding amount",
      "raised",
      "amount raised",
      "funding round",
      "round size",
      "total funding",
      "investment",
    ],
    labels: ["funding", "total funding", "amount raised", "funding raised", "total raised", "last round"],
    kind: "money",
    prose: [
      {
        cue: /\b(?:raised|raising|raises|secured|closed|landed)\b/gi,
        value: "money",
        side: "after",
        maxGap: 16,
      },
      {
        cue: /\b(?:series [a-h]|seed|pre-seed|funding|financing|investment)(?: round)?\b/gi,
        value: "money",
        side: "before",
        maxGap: 4,
      },
      { cue: /\b(?:funding|financing|investment|round) of\b/gi, value: "money", side: "after", maxGap: 3 },
    ],
  },
  {
    id: "funding_date",
    names: ["funding date", "round date", "date of funding", "funding round date", "investment date"],
    labels: ["funding date", "last funding date", "last round date"],
    kind: "date",
    prose: [{ cue: FUNDING_CUES, value: "date", side: "either", maxGap: 60 }],
  },
  {
    id: "ipo_date",
    names: [
      "ipo",
      "ipo date",
      "listing date",
      "went public",
      "date of ipo",
      "public listing date",
      "initial public offering",
    ],
    labels: ["ipo", "ipo date", "listing date", "went public", "initial public offering", "listed"],
    kind: "date",
    prose: [
      {
        cue: /\b(?:went public|ipo|initial public offering|listed (?:its shares )?on (?:the )?[A-Z][\w ]{1,30}|began trading|floated)\b/gi,
        value: "date",
        side: "either",
        maxGap: 20,
      },
    ],
  },
  {
    id: "is_public",
    names: [
      "is public",
      "public",
      "publicly traded",
      "listed",
      "is listed",
      "public company",
      "publicly listed",
    ],
    labels: ["publicly traded", "public company", "listed company"],
    kind: "boolean",
    positive:
      /\b(?:publicly[ -](?:traded|listed|held|quoted)|public(?:ly)? (?:company|companies|corporation)|listed on (?:the )?[A-Z]\w*|trades? on the|shares? (?:are |is )?(?:traded|listed)|went public)\b/gi,
    negative:
      /\b(?:privately[ -](?:owned|held)|private(?:ly)? (?:company|firm|business|corporation)|remains? private|(?:is|was|stays|stayed) private\b)/gi,
  },
];

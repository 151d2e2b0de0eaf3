import type { Cell, CellValue, PageContent } from "@ampledata/shared";
import { describe, expect, it } from "vitest";
import {
  extractFromPages,
  groundCell,
  groundCells,
  searchResultPage,
  UNSUPPORTED_VALUE_MAX_CONFIDENCE,
} from "../src/index.ts";
import { column, fixturePage, textPage } from "./helpers.ts";

const URL = "https://facts.example/harrow";

function page(text: string, extra: Partial<PageContent> = {}): PageContent {
  return {
    url: URL,
    finalUrl: URL,
    status: 200,
    title: "",
    headings: [],
    text,
    jsonLd: [],
    meta: {},
    labelValues: [],
    truncated: false,
    ...extra,
  };
}

function cell(value: CellValue, evidence: string | null, extra: Partial<Cell> = {}): Cell {
  return {
    value,
    outcome: "found",
    confidence: 0.9,
    reason: "test reason",
    sources: [URL],
    evidence,
    ...extra,
  };
}

const harrow = page(
  [
    "About Harrow Analytics",
    "Harrow Analytics was started in June 2016 and has its head office in Hull, England.",
    "The company employs 1,200 people and raised $95m in its Series C.",
    "Revenue reached 1.2 million euros last year.",
    "It has three thousand four hundred customers.",
    "Its CEO said: “We’re growing fast — really fast.”",
  ].join("\n"),
);

describe("groundCell quotes", () => {
  it("keeps a value its quote states", () => {
    const grounded = cell("Hull, England", "has its head office in Hull, England.");
    expect(groundCell(grounded, [harrow])).toEqual(grounded);
  });

  it("drops a value whose quote is not on the page", () => {
    const result = groundCell(cell("Manchester", "has its head office in Manchester"), [harrow]);
    expect(result).toMatchObject({ value: null, outcome: "not_found", confidence: 0, evidence: null });
    expect(result.reason).toContain(`evidence quote not found on ${URL}`);
    expect(result.reason).toContain('"Manchester" was dropped');
    expect(result.reason).toContain("test reason");
  });

  it("drops a value without a quote", () => {
    const result = groundCell(cell("Hull", null), [harrow]);
    expect(result.outcome).toBe("not_found");
    expect(result.reason).toContain("no evidence quote");
  });

  it("drops a value whose source was not given", () => {
    const result = groundCell(cell("Hull", "head office in Hull", { sources: ["https://other.example/"] }), [
      harrow,
    ]);
    expect(result.outcome).toBe("not_found");
    expect(result.reason).toContain("https://other.example/");
  });

  it("ignores case, whitespace, typographic quotes and dashes", () => {
    const quote = `its ceo said:   "we're GROWING fast - really fast."`;
    expect(groundCell(cell("growing fast", quote), [harrow]).outcome).toBe("found");
  });

  it("matches a quote on word boundaries", () => {
    const imprint = page("Publisher: HarperCollins");
    expect(groundCell(cell("Harper", "Publisher: Harper"), [imprint]).outcome).toBe("not_found");
    expect(groundCell(cell("HarperCollins", "Publisher: HarperCollins"), [imprint]).outcome).toBe("found");
  });

  it("accepts a JSON quote cut through the value", () => {
    const publisher = {
      "@type": "Organization",
      name: "American Civil Liberties Union",
      url: "https://www.aclu.org",
    };
    const article = page("", { jsonLd: [{ "@type": "NewsArticle", publisher }] });
    const cut = '{"publisher":{"@type":"Organization","name":"American Civil Liberties';
    const result = groundCell(cell("American Civil Liberties Union", cut), [article]);
    expect(result.outcome).toBe("found");
    expect(result.confidence).toBe(0.9);
  });

  it("matches the parts of a quote with an ellipsis", () => {
    const quote = "Harrow Analytics was started in June 2016 ... head office in Hull";
    expect(groundCell(cell("Hull", quote), [harrow]).outcome).toBe("found");
    const reversed = "head office in Hull ... Harrow Analytics was started";
    expect(groundCell(cell("Hull", reversed), [harrow]).outcome).toBe("not_found");
  });

  it("finds quotes in labels, meta tags and JSON-LD", () => {
    const structured = page("", {
      labelValues: [{ label: "Publisher", value: "Fernleaf Editions" }],
      meta: { "og:title": "Night Orchard" },
      jsonLd: [
        {
          "@type": "Book",
          name: "Night Orchard",
          isbn: "9781402894626",
          author: [{ "@type": "Person", name: "Mina Torvald" }],
        },
      ],
    });
    expect(groundCell(cell("Fernleaf Editions", "Publisher: Fernleaf Editions"), [structured]).outcome).toBe(
      "found",
    );
    expect(groundCell(cell("Night Orchard", "og:title: Night Orchard"), [structured]).outcome).toBe("found");
    const authorQuote = '{"author":{"@type":"Person","name":"Mina Torvald"}}';
    expect(groundCell(cell("Mina Torvald", authorQuote), [structured]).outcome).toBe("found");
  });

  it("grounds snippet values against search results", () => {
    const result = searchResultPage({
      title: "Night Orchard",
      url: URL,
      snippet: "Publisher: Fernleaf Editions · 288 pages",
      position: 1,
    });
    expect(groundCell(cell(288, "288 pages"), [result]).outcome).toBe("found");
    expect(groundCell(cell(300, "300 pages"), [result]).outcome).toBe("not_found");
  });
});

describe("groundCell values", () => {
  it("drops a value neither quote nor page states", () => {
    const result = groundCell(cell("Bristol", "has its head office in Hull, England."), [harrow]);
    expect(result).toMatchObject({ value: null, outcome: "not_found" });
    expect(result.reason).toContain(`evidence quote on ${URL} does not state "Bristol"`);
  });

  it("caps a value stated elsewhere on the page", () => {
    const result = groundCell(cell("Hull", "employs 1,200 people"), [harrow]);
    expect(result.value).toBe("Hull");
    expect(result.outcome).toBe("found");
    expect(result.confidence).toBe(UNSUPPORTED_VALUE_MAX_CONFIDENCE);
    expect(result.reason).toContain("not in the evidence quote but is stated elsewhere");
  });

  it("reads numbers in usual formats", () => {
    const cases: [number, string][] = [
      [1200, "employs 1,200 people"],
      [95_000_000, "raised $95m in its Series C"],
      [1_200_000, "Revenue reached 1.2 million euros"],
      [3400, "It has three thousand four hundred customers."],
      [2016, "started in June 2016"],
    ];
    for (const [value, quote] of cases) {
      expect(groundCell(cell(value, quote), [harrow]).confidence, `${value} in '${quote}'`).toBe(0.9);
    }
    const grouped = page("Staff: 1 200 people. Share: 12.5%.");
    expect(groundCell(cell(1200, "Staff: 1 200 people."), [grouped]).confidence).toBe(0.9);
    expect(groundCell(cell(12.5, "Share: 12.5%."), [grouped]).confidence).toBe(0.9);
    expect(groundCell(cell(1300, "employs 1,200 people"), [harrow]).outcome).toBe("not_found");
    expect(groundCell(cell(120, "employs 1,200 people"), [harrow]).outcome).toBe("not_found");
  });

  it("reads dates by year and month", () => {
    const dated = page("Publication date: September 2021\nFirst printed in 2019.\nReleased 2020-05-04.");
    const keeps: [string, string][] = [
      ["2021-09", "Publication date: September 2021"],
      ["2021-09-14", "Publication date: September 2021"],
      ["2019-03", "First printed in 2019."],
      ["2020-05-04", "Released 2020-05-04."],
    ];
    for (const [value, quote] of keeps) {
      expect(groundCell(cell(value, quote), [dated]).confidence, `${value} in '${quote}'`).toBe(0.9);
    }
    expect(groundCell(cell("2021-10", "Publication date: September 2021"), [dated]).outcome).toBe(
      "not_found",
    );
    expect(groundCell(cell("2018", "First printed in 2019."), [dated]).outcome).toBe("not_found");
  });

  it("reads ISBNs by their digits", () => {
    const book = page("ISBN-13: 978-0-306-40615-7\nISBN-10: 0-306-40615-2");
    expect(groundCell(cell("9780306406157", "ISBN-13: 978-0-306-40615-7"), [book]).confidence).toBe(0.9);
    expect(groundCell(cell("9780306406157", "ISBN-10: 0-306-40615-2"), [book]).confidence).toBe(0.9);
    expect(groundCell(cell("9781402894626", "ISBN-13: 978-0-306-40615-7"), [book]).outcome).toBe("not_found");
  });

  it("removes list items the page does not state", () => {
    const byline = page("by Mina Torvald and Jonas Ek");
    const kept = groundCell(cell(["Mina Torvald", "Jonas Ek"], "by Mina Torvald and Jonas Ek"), [byline]);
    expect(kept.confidence).toBe(0.9);
    const trimmed = groundCell(cell(["Mina Torvald", "Ada Quill"], "by Mina Torvald and Jonas Ek"), [byline]);
    expect(trimmed.value).toEqual(["Mina Torvald"]);
    expect(trimmed.confidence).toBe(UNSUPPORTED_VALUE_MAX_CONFIDENCE);
    expect(trimmed.reason).toContain('removed ["Ada Quill"]');
    const none = groundCell(cell(["Ada Quill"], "by Mina Torvald and Jonas Ek"), [byline]);
    expect(none.outcome).toBe("not_found");
  });

  it("accepts booleans on a found quote", () => {
    const owned = page("Harrow remains a privately owned business.");
    expect(groundCell(cell(false, "a privately owned business"), [owned]).outcome).toBe("found");
    expect(groundCell(cell(false, "a publicly traded business"), [owned]).outcome).toBe("not_found");
  });

  it("leaves empty cells unchanged", () => {
    const empty = cell(null, null, { outcome: "not_found", confidence: 0 });
    expect(groundCell(empty, [harrow])).toBe(empty);
    const failed = cell("Hull", "nowhere", { outcome: "error" });
    expect(groundCell(failed, [harrow])).toBe(failed);
  });

  it("gives the same cell when run twice", () => {
    const once = groundCell(cell("Hull", "employs 1,200 people"), [harrow]);
    expect(groundCell(once, [harrow])).toEqual(once);
  });
});

describe("groundCells", () => {
  it("grounds every cell of a record", () => {
    const cells = groundCells(
      { headquarters: cell("Hull", "head office in Hull"), founded: cell(2015, "started in June 2016") },
      [harrow],
    );
    expect(cells.headquarters!.outcome).toBe("found");
    expect(cells.founded!.outcome).toBe("not_found");
  });

  it("keeps the heuristic extractor's values", () => {
    const fixtures: [string, string][] = [
      ["book-jsonld.html", "The Salt Meridian"],
      ["book-table.html", "Night Orchard"],
    ];
    const columns = [
      column("author", "string"),
      column("authors", "list"),
      column("publisher", "string"),
      column("isbn_13", "string"),
      column("publication_date", "date"),
    ];
    for (const [name, title] of fixtures) {
      const fixture = fixturePage(name);
      const cells = extractFromPages({ entity: { key: { title } }, columns, pages: [fixture] });
      expect(
        Object.values(cells).filter((extracted) => extracted.value !== null).length,
        name,
      ).toBeGreaterThan(3);
      expect(groundCells(cells, [fixture]), name).toEqual(cells);
    }
    const prose = textPage(harrow.text, URL);
    const companyColumns = [
      column("founded_year", "number"),
      column("headquarters", "string"),
      column("employee_count", "number"),
    ];
    const cells = extractFromPages({
      entity: { key: { name: "Harrow Analytics" } },
      columns: companyColumns,
      pages: [prose],
    });
    expect(cells.headquarters!.value).toBe("Hull, England");
    expect(groundCells(cells, [prose])).toEqual(cells);
  });
});

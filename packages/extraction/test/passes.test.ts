import type { Cell } from "@ampledata/shared";
import { describe, expect, it } from "vitest";
import { extractFromSnippets, mergeCells, relevantText } from "../src/index.ts";
import { column, fixturePage, textPage } from "./helpers.ts";

describe("extractFromSnippets", () => {
  const entity = { key: { title: "Night Orchard" } };
  const columns = [
    column("isbn_13", "string"),
    column("publisher", "string"),
    column("founded_year", "number"),
  ];

  it("reads an ISBN and labelled fragments next to the title", () => {
    const cells = extractFromSnippets({
      entity,
      columns,
      results: [
        {
          title: "Night Orchard - Mina Torvald - Google Books",
          url: "https://books.example/night-orchard",
          snippet:
            "Night Orchard. Mina Torvald. Publisher: Fernleaf Editions · ISBN 978-1-4028-9462-6 · 288 pages",
          position: 1,
        },
      ],
    });
    expect(cells.isbn_13!.value).toBe("9781402894626");
    expect(cells.isbn_13!.reason).toContain("search snippet");
    expect(cells.publisher!.value).toBe("Fernleaf Editions");
    expect(cells.publisher!.confidence).toBeLessThan(0.8);
    expect(cells.founded_year).toBeUndefined();
  });

  it("ignores results about something else", () => {
    const cells = extractFromSnippets({
      entity,
      columns,
      results: [
        {
          title: "A Different Tide",
          url: "https://books.example/tide",
          snippet: "Publisher: Other House · ISBN 9780131103627",
          position: 1,
        },
      ],
    });
    expect(cells).toEqual({});
  });
});

describe("mergeCells", () => {
  const found = (value: string, confidence: number, source: string): Cell => ({
    value,
    outcome: "found",
    confidence,
    reason: `labelled value on ${source}`,
    sources: [source],
    evidence: value,
  });
  const empty: Cell = {
    value: null,
    outcome: "not_found",
    confidence: 0,
    reason: "not stated",
    sources: [],
    evidence: null,
  };

  it("keeps a found value over an empty one, in either order", () => {
    expect(mergeCells({ a: empty }, { a: found("X", 0.6, "u1") }).a!.value).toBe("X");
    expect(mergeCells({ a: found("X", 0.6, "u1") }, { a: empty }).a!.value).toBe("X");
  });

  it("keeps the higher confidence and joins sources of the same value", () => {
    const merged = mergeCells(
      { a: found("X", 0.6, "u1"), b: found("Y", 0.9, "u2") },
      { a: found("x", 0.8, "u3"), b: found("Z", 0.7, "u4") },
    );
    expect(merged.a).toMatchObject({ value: "x", confidence: 0.8 });
    expect(merged.a!.sources).toEqual(["u3", "u1"]);
    expect(merged.b!.value).toBe("Y");
  });

  it("adds columns that only one pass has", () => {
    expect(Object.keys(mergeCells({ a: empty }, { b: empty })).sort()).toEqual(["a", "b"]);
  });
});

describe("relevantText", () => {
  const filler = Array.from(
    { length: 40 },
    (_, index) => `Paragraph ${index} talks about the weather and nothing else.`,
  );
  const text = [
    "Harrow Analytics at a glance",
    ...filler.slice(0, 20),
    "The company was founded in 2016 and is headquartered in Hull.",
    ...filler.slice(20),
    "Harrow Analytics employs 240 people.",
  ].join("\n\n");
  const page = textPage(text, "https://harrow.example/about", "About Harrow Analytics");

  it("keeps the passages that mention the columns or the entity", () => {
    const trimmed = relevantText(
      page,
      [column("founded_year", "number"), column("employee_count", "number")],
      300,
      {
        entity: { key: { name: "Harrow Analytics" } },
      },
    );
    expect(trimmed.text.length).toBeLessThanOrEqual(300);
    expect(trimmed.text).toContain("founded in 2016");
    expect(trimmed.text).toContain("employs 240 people");
    expect(trimmed.text).not.toContain("Paragraph 30");
    expect(trimmed.truncated).toBe(true);
    expect(trimmed.title).toBe(page.title);
  });

  it("returns a page that fits unchanged", () => {
    const small = fixturePage("book-table.html");
    expect(relevantText(small, [column("publisher", "string")], 100_000)).toBe(small);
  });
});

import type { Cell } from "@ampledata/shared";
import { describe, expect, it } from "vitest";
import { analyzeHtml, ExtractionInputError, entityMatches, extractFromPages } from "../src/index.ts";
import { column, fixturePage, textPage } from "./helpers.ts";

const bookColumns = [
  column("author", "string"),
  column("publisher", "string"),
  column("isbn_13", "string"),
  column("publication_date", "date"),
];

describe("extractFromPages structured and labelled evidence", () => {
  it("reads a book from JSON-LD and names the property in the reason", () => {
    const page = fixturePage("book-jsonld.html");
    const cells = extractFromPages({
      entity: { key: { title: "The Salt Meridian" } },
      columns: bookColumns,
      pages: [page],
    });
    expect(cells.publisher).toMatchObject({
      value: "Harbor Lane Press",
      outcome: "found",
      sources: [page.finalUrl],
    });
    expect(cells.publisher!.reason).toBe(`JSON-LD Book.publisher on ${page.finalUrl}`);
    expect(cells.publisher!.evidence).toContain("Harbor Lane Press");
    expect(cells.publisher!.confidence).toBeGreaterThanOrEqual(0.9);
    expect(cells.isbn_13!.value).toBe("9780306406157");
    expect(cells.publication_date!.value).toBe("2019-03-14");
    expect(cells.author).toMatchObject({ value: "Ada Quill", outcome: "found" });
    expect(cells.author!.reason).toContain("first of 2 names");
  });

  it("returns every author for a list column", () => {
    const page = fixturePage("book-jsonld.html");
    const cells = extractFromPages({
      entity: { key: { title: "The Salt Meridian" } },
      columns: [column("authors", "list")],
      pages: [page],
    });
    expect(cells.authors!.value).toEqual(["Ada Quill", "Rowan Teague"]);
  });

  it("reads labelled values and a byline heading", () => {
    const page = fixturePage("book-table.html");
    const cells = extractFromPages({
      entity: { key: { title: "Night Orchard" } },
      columns: [...bookColumns, column("page_count", "number")],
      pages: [page],
    });
    expect(cells.publisher!.value).toBe("Fernleaf Editions");
    expect(cells.publisher!.reason).toBe(`labelled value 'Publisher:' on ${page.finalUrl}`);
    expect(cells.publisher!.evidence).toBe("Publisher: Fernleaf Editions");
    expect(cells.isbn_13!.value).toBe("9781402894626");
    expect(cells.publication_date!.value).toBe("2021-09");
    expect(cells.page_count!.value).toBe(288);
    expect(cells.author!.value).toBe("Mina Torvald");
    expect(cells.author!.reason).toContain("byline");
  });

  it("reads an organization from microdata", () => {
    const page = fixturePage("company-microdata.html");
    const cells = extractFromPages({
      entity: { key: { name: "Brackenridge Robotics" } },
      columns: [
        column("founded_year", "number"),
        column("headquarters", "string"),
        column("employee_count", "number"),
      ],
      pages: [page],
    });
    expect(cells.founded_year).toMatchObject({ value: 2011, outcome: "found" });
    expect(cells.founded_year!.reason).toContain("microdata Organization.foundingDate");
    expect(cells.headquarters!.value).toBe("Dundee, Scotland");
    expect(cells.employee_count!.value).toBe(185);
  });

  it("reads an article's metadata", () => {
    const page = fixturePage("article.html", "https://gazette.example/cranes");
    const cells = extractFromPages({
      entity: { key: { url: "https://gazette.example/cranes" } },
      columns: [
        column("title", "string"),
        column("author", "string"),
        column("published", "date"),
        column("site_name", "string"),
      ],
      pages: [page],
    });
    expect(cells.title!.value).toBe("Harbour cranes return to the old quay");
    expect(cells.author!.value).toBe("Priya Castellan");
    expect(cells.published!.value).toBe("2023-05-02T08:15:00+01:00");
    expect(cells.site_name!.value).toBe("The Tidewater Gazette");
  });
});

describe("entity check", () => {
  it("rejects another book's page and says why", () => {
    const other = fixturePage("other-book.html");
    const result = entityMatches(other, { key: { title: "Night Orchard" } });
    expect(result.matches).toBe(false);
    expect(result.reason).toContain("title 'Night Orchard' not found");
  });

  it("accepts the book's own page by its title", () => {
    const result = entityMatches(fixturePage("book-table.html"), { key: { title: "Night Orchard" } });
    expect(result).toEqual({ matches: true, reason: expect.stringContaining("title in title") });
  });

  it("matches URL keys against the page URL", () => {
    const page = fixturePage("article.html", "https://www.gazette.example/cranes/");
    expect(entityMatches(page, { key: { url: "https://gazette.example/cranes" } }).matches).toBe(true);
    expect(entityMatches(page, { key: { url: "https://gazette.example/other" } }).matches).toBe(false);
  });

  it("rejects error pages", () => {
    const page = { ...fixturePage("book-table.html"), status: 404 };
    expect(entityMatches(page, { key: { title: "Night Orchard" } })).toEqual({
      matches: false,
      reason: `HTTP status 404 on ${page.finalUrl}`,
    });
  });

  it("skips pages about another entity and names them in the cell", () => {
    const other = fixturePage("other-book.html");
    const cells = extractFromPages({
      entity: { key: { title: "Night Orchard" } },
      columns: bookColumns,
      pages: [other],
    });
    expect(cells.publisher).toMatchObject({ value: null, outcome: "not_found", confidence: 0 });
    expect(cells.publisher!.reason).toContain("no page is about the entity");
    expect(cells.publisher!.reason).toContain(other.finalUrl);
  });

  it("uses the matching page when another page is about something else", () => {
    const cells = extractFromPages({
      entity: { key: { title: "Night Orchard" } },
      columns: bookColumns,
      pages: [fixturePage("other-book.html"), fixturePage("book-table.html")],
    });
    expect(cells.publisher!.value).toBe("Fernleaf Editions");
    expect(cells.isbn_13!.value).toBe("9781402894626");
  });
});

describe("conflicting pages", () => {
  const labelled = (publisher: string, url: string) =>
    analyzeHtml(
      `<html><head><title>Night Orchard</title></head><body><h1>Night Orchard</h1><p>Publisher: ${publisher}</p></body></html>`,
      {
        url,
      },
    );

  it("marks two disagreeing pages of equal strength ambiguous", () => {
    const cells = extractFromPages({
      entity: { key: { title: "Night Orchard" } },
      columns: [column("publisher", "string")],
      pages: [
        labelled("Fernleaf Editions", "https://a.example/"),
        labelled("Bramble House", "https://b.example/"),
      ],
    });
    const cell = cells.publisher as Cell;
    expect(cell.outcome).toBe("ambiguous");
    expect(cell.confidence).toBeLessThanOrEqual(0.5);
    expect(cell.reason).toContain("pages disagree");
    expect(cell.reason).toContain("Bramble House");
    expect(cell.sources).toEqual(expect.arrayContaining(["https://a.example/", "https://b.example/"]));
  });

  it("keeps the clearly stronger page's value", () => {
    const prose = textPage(
      "Night Orchard was published by Bramble House.",
      "https://c.example/",
      "Night Orchard",
    );
    const cells = extractFromPages({
      entity: { key: { title: "Night Orchard" } },
      columns: [column("publisher", "string")],
      pages: [fixturePage("book-jsonld.html"), fixturePage("book-table.html"), prose],
    });
    expect(cells.publisher!.outcome).toBe("found");
    expect(cells.publisher!.value).toBe("Fernleaf Editions");
  });

  it("raises confidence when pages agree", () => {
    const single = extractFromPages({
      entity: { key: { title: "Night Orchard" } },
      columns: [column("publisher", "string")],
      pages: [labelled("Fernleaf Editions", "https://a.example/")],
    });
    const both = extractFromPages({
      entity: { key: { title: "Night Orchard" } },
      columns: [column("publisher", "string")],
      pages: [
        labelled("Fernleaf Editions", "https://a.example/"),
        labelled("FERNLEAF EDITIONS", "https://b.example/"),
      ],
    });
    expect(both.publisher!.confidence).toBeGreaterThan(single.publisher!.confidence);
    expect(both.publisher!.sources).toHaveLength(2);
  });
});

describe("prompt injection in page text", () => {
  it("does not change the extracted values", () => {
    const columns = [column("publisher", "string"), column("isbn_13", "string")];
    const entity = { key: { title: "Night Orchard" } };
    const clean = analyzeHtml(
      "<html><head><title>Night Orchard (Paperback) - Quayside Bookshop</title></head><body><h2>Night Orchard</h2><ul><li><strong>Publisher</strong>: Fernleaf Editions</li><li><strong>ISBN-13</strong>: 9781402894626</li></ul></body></html>",
      { url: "https://shop.example/injection.html" },
    );
    const expected = extractFromPages({ entity, columns, pages: [clean] });
    const injected = extractFromPages({ entity, columns, pages: [fixturePage("injection.html")] });
    expect(injected).toEqual(expected);
    expect(injected.publisher!.value).toBe("Fernleaf Editions");
    expect(injected.publisher!.confidence).toBeLessThan(1);
  });
});

describe("extractFromPages input and empty cells", () => {
  it("rejects duplicate column names", () => {
    expect(() =>
      extractFromPages({
        entity: { key: { title: "x" } },
        columns: [column("a", "string"), column("a", "number")],
        pages: [],
      }),
    ).toThrow(ExtractionInputError);
  });

  it("rejects an invalid column type with the field named", () => {
    const bad = { name: "a", type: "colour", mode: "enrich" } as unknown as ReturnType<typeof column>;
    expect(() => extractFromPages({ entity: { key: { title: "x" } }, columns: [bad], pages: [] })).toThrow(
      /type/,
    );
  });

  it("reports invalid when a labelled value cannot be coerced", () => {
    const page = analyzeHtml(
      "<html><head><title>Night Orchard</title></head><body><p>Publication date: to be announced</p></body></html>",
      {
        url: "https://a.example/",
      },
    );
    const cells = extractFromPages({
      entity: { key: { title: "Night Orchard" } },
      columns: [column("publication_date", "date")],
      pages: [page],
    });
    expect(cells.publication_date!.outcome).toBe("invalid");
    expect(cells.publication_date!.reason).toContain("no date in 'to be announced'");
  });

  it("reports blocked when every page was refused", () => {
    const page = { ...fixturePage("book-table.html"), status: 403 };
    const cells = extractFromPages({
      entity: { key: { title: "Night Orchard" } },
      columns: [column("publisher", "string")],
      pages: [page],
    });
    expect(cells.publisher!.outcome).toBe("blocked");
  });

  it("says when no pages were crawled", () => {
    const cells = extractFromPages({
      entity: { key: { title: "Night Orchard" } },
      columns: [column("publisher", "string")],
      pages: [],
    });
    expect(cells.publisher).toMatchObject({
      outcome: "not_found",
      reason: "no pages were crawled for this row",
    });
  });
});

import type { SearchResult } from "@ampledata/shared";
import { describe, expect, it } from "vitest";
import {
  buildQueryPatterns,
  decideFromSnippets,
  extractWithModel,
  LlmAnswerInvalidError,
  MODEL_MAX_CONFIDENCE,
  SNIPPET_MAX_CONFIDENCE,
} from "../src/index.ts";
import { fakeReplies } from "../src/testing/index.ts";
import { clientFor, column, fakeServer, messagesOf, page, responseSchemaOf } from "./helpers.ts";

const BOOK_URL = "https://shop.example/night-orchard";
const bookPage = page(
  BOOK_URL,
  [
    "Night Orchard",
    "by Mina Torvald and Jonas Ek",
    "Publisher: Fernleaf Editions",
    "ISBN-13: 978-1-4028-9462-6",
    "Publication date: September 2021",
    "Page count: 288",
    "Night Orchard follows two sisters through one long winter.",
  ].join("\n"),
  { title: "Night Orchard (Paperback)" },
);

function finding(value: unknown, evidence: string | null, extra: Record<string, unknown> = {}) {
  return {
    evidence,
    sources: evidence === null ? [] : [BOOK_URL],
    value,
    confidence: 0.95,
    reason: "label",
    ...extra,
  };
}

describe("buildQueryPatterns", () => {
  it("returns deduplicated patterns with %key", async () => {
    const server = await fakeServer({
      script: [
        fakeReplies.json({ patterns: ["%key book publisher", " %key  book publisher ", "%key isbn"] }),
      ],
    });
    const result = await buildQueryPatterns(clientFor(server), {
      keyColumns: ["title"],
      keyDescription: "book title",
      columns: [column("publisher", "string"), column("isbn_13", "string")],
    });
    expect(result.patterns).toEqual(["%key book publisher", "%key isbn"]);
    expect(result.usage.requests).toBe(1);

    const user = messagesOf(server.requests[0]!.body).at(-1)!.content;
    expect(user).toContain('"title"');
    expect(user).toContain('"isbn_13"');
  });

  it("repeats a response without %key", async () => {
    const server = await fakeServer({
      script: [
        fakeReplies.json({ patterns: ["book publisher"] }),
        fakeReplies.json({ patterns: ["%key publisher"] }),
      ],
    });
    const result = await buildQueryPatterns(clientFor(server), {
      keyColumns: ["title"],
      columns: [column("publisher", "string")],
    });
    expect(result.patterns).toEqual(["%key publisher"]);
    expect(messagesOf(server.requests[1]!.body).at(-1)!.content).toContain("must contain %key");
  });

  it("fails when every pattern is too long", async () => {
    const long = `%key ${"word ".repeat(60)}`;
    const server = await fakeServer({ script: [fakeReplies.json({ patterns: [long] })] });
    const error = await buildQueryPatterns(clientFor(server), {
      keyColumns: ["title"],
      columns: [column("publisher", "string")],
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LlmAnswerInvalidError);
  });
});

describe("decideFromSnippets", () => {
  const results: SearchResult[] = [
    {
      title: "Night Orchard - Fernleaf Editions",
      url: "https://books.example/night-orchard",
      snippet: "Night Orchard by Mina Torvald. Publisher: Fernleaf Editions, 2021. A winter novel.",
      position: 1,
    },
    {
      title: "Night Orchard reviews",
      url: "https://reviews.example/no",
      snippet: "Readers loved it.",
      position: 2,
    },
    { title: "Night Orchard ebook", url: "https://ebooks.example/no", snippet: "Download now.", position: 3 },
  ];
  const input = {
    entity: { key: { title: "Night Orchard" } },
    columns: [column("publisher", "string"), column("isbn_13", "string"), column("author", "string")],
    results,
    maxUrls: 2,
  };

  it("keeps snippet values whose quote is in the snippet", async () => {
    const server = await fakeServer({
      script: [
        fakeReplies.json({
          values: {
            publisher: {
              evidence: "Publisher: Fernleaf Editions",
              source: results[0]!.url,
              value: "Fernleaf Editions",
              confidence: 0.97,
            },
            isbn_13: { evidence: null, source: null, value: null, confidence: 0 },
            author: {
              evidence: "Written by Mina Torvald",
              source: results[0]!.url,
              value: "Mina Torvald",
              confidence: 0.9,
            },
          },
          crawl: [
            { url: results[2]!.url, reason: "an ebook page lists the ISBN" },
            { url: results[2]!.url, reason: "repeated" },
            { url: results[1]!.url, reason: "second choice" },
            { url: results[0]!.url, reason: "third choice" },
          ],
        }),
      ],
    });
    const decision = await decideFromSnippets(clientFor(server), input);

    expect(decision.values.publisher).toMatchObject({
      value: "Fernleaf Editions",
      outcome: "found",
      sources: [results[0]!.url],
      evidence: "Publisher: Fernleaf Editions",
    });
    expect(decision.values.publisher!.confidence).toBe(SNIPPET_MAX_CONFIDENCE);
    // "Written by Mina Torvald" is not in the snippet, so grounding drops the author.
    expect(decision.values.author).toBeUndefined();
    expect(decision.missing).toEqual(["isbn_13", "author"]);
    expect(decision.urls).toEqual([
      { url: results[2]!.url, reason: "an ebook page lists the ISBN" },
      { url: results[1]!.url, reason: "second choice" },
    ]);
  });

  it("rejects a crawl URL that is not a result", async () => {
    const empty = { evidence: null, source: null, value: null, confidence: 0 };
    const values = { publisher: empty, isbn_13: empty, author: empty };
    const server = await fakeServer({
      script: [
        fakeReplies.json({ values, crawl: [{ url: "https://elsewhere.example/", reason: "made up" }] }),
        fakeReplies.json({ values, crawl: [{ url: results[1]!.url, reason: "reviews" }] }),
      ],
    });
    const decision = await decideFromSnippets(clientFor(server), input);
    expect(server.requests).toHaveLength(2);
    expect(decision.urls).toEqual([{ url: results[1]!.url, reason: "reviews" }]);
    expect(decision.usage.requests).toBe(2);
  });

  it("makes no request without results", async () => {
    const server = await fakeServer();
    const decision = await decideFromSnippets(clientFor(server), { ...input, results: [] });
    expect(decision).toMatchObject({ values: {}, missing: ["publisher", "isbn_13", "author"], urls: [] });
    expect(server.requests).toHaveLength(0);
  });
});

describe("extractWithModel", () => {
  const columns = [
    column("publisher", "string"),
    column("isbn_13", "string"),
    column("publication_date", "date"),
    column("page_count", "number"),
    column("authors", "list"),
    column("award", "string"),
  ];

  it("coerces and grounds typed values", async () => {
    const server = await fakeServer({
      script: [
        fakeReplies.json({
          columns: {
            publisher: finding("Fernleaf Editions", "Publisher: Fernleaf Editions"),
            isbn_13: finding("978-1-4028-9462-6", "ISBN-13: 978-1-4028-9462-6"),
            publication_date: finding("September 2021", "Publication date: September 2021", {
              confidence: 0.8,
            }),
            page_count: finding(288, "Page count: 288"),
            authors: finding(["Mina Torvald", "Jonas Ek"], "by Mina Torvald and Jonas Ek"),
            award: finding(null, null, { reason: "no award is mentioned" }),
          },
        }),
      ],
    });
    const { cells, usage } = await extractWithModel(clientFor(server), {
      entity: { key: { title: "Night Orchard" } },
      columns,
      pages: [bookPage],
    });

    expect(cells.publisher).toMatchObject({
      value: "Fernleaf Editions",
      outcome: "found",
      sources: [BOOK_URL],
    });
    expect(cells.publisher!.confidence).toBe(MODEL_MAX_CONFIDENCE);
    expect(cells.publisher!.evidence).toBe("Publisher: Fernleaf Editions");
    expect(cells.isbn_13!.value).toBe("978-1-4028-9462-6");
    expect(cells.publication_date).toMatchObject({ value: "2021-09", outcome: "found", confidence: 0.8 });
    expect(cells.page_count).toMatchObject({ value: 288, outcome: "found" });
    expect(cells.authors).toMatchObject({ value: ["Mina Torvald", "Jonas Ek"], outcome: "found" });
    expect(cells.award).toMatchObject({ value: null, outcome: "not_found", sources: [BOOK_URL] });
    expect(cells.award!.reason).toContain("no award is mentioned");
    expect(usage.requests).toBe(1);
  });

  it("asks for exactly the requested columns", async () => {
    const server = await fakeServer({
      script: [
        fakeReplies.json({ columns: { publisher: finding(null, null), page_count: finding(null, null) } }),
      ],
    });
    await extractWithModel(clientFor(server), {
      entity: { key: { title: "Night Orchard" } },
      columns: [column("publisher", "string"), column("page_count", "number")],
      pages: [bookPage],
    });
    const schema = responseSchemaOf(server.requests[0]!.body);
    const columns = schema.properties!.columns!.properties!;
    expect(schema.required).toEqual(["columns"]);
    expect(Object.keys(columns)).toEqual(["publisher", "page_count"]);
    expect(columns.page_count!.properties!.value!.type).toEqual(["number", "null"]);
    expect(columns.publisher!.properties!.sources!.items!.enum).toEqual([BOOK_URL]);
  });

  it("marks a value of the wrong type invalid", async () => {
    const server = await fakeServer({
      script: [
        fakeReplies.json({
          columns: { publication_date: finding("soon", "Publication date: September 2021") },
        }),
      ],
    });
    const { cells } = await extractWithModel(clientFor(server), {
      entity: { key: { title: "Night Orchard" } },
      columns: [column("publication_date", "date")],
      pages: [bookPage],
    });
    expect(cells.publication_date).toMatchObject({ value: null, outcome: "invalid" });
    expect(cells.publication_date!.reason).toContain("not a valid date");
  });

  it("turns a refusal into error cells", async () => {
    const server = await fakeServer({ script: [fakeReplies.refusal("I cannot process this page.")] });
    const { cells, usage } = await extractWithModel(clientFor(server), {
      entity: { key: { title: "Night Orchard" } },
      columns: [column("publisher", "string"), column("page_count", "number")],
      pages: [bookPage],
    });
    for (const name of ["publisher", "page_count"]) {
      expect(cells[name]).toMatchObject({ value: null, outcome: "error" });
      expect(cells[name]!.reason).toContain("I cannot process this page.");
    }
    expect(usage.requests).toBe(1);
  });

  it("sends no page with an error status", async () => {
    const server = await fakeServer();
    const blocked = { ...bookPage, status: 403 };
    const { cells } = await extractWithModel(clientFor(server), {
      entity: { key: { title: "Night Orchard" } },
      columns: [column("publisher", "string")],
      pages: [blocked],
    });
    expect(server.requests).toHaveLength(0);
    expect(cells.publisher).toMatchObject({ value: null, outcome: "blocked" });
  });

  it("caps the page text sent", async () => {
    const filler = Array.from(
      { length: 400 },
      (_, index) => `Unrelated line ${index} about gardening tools.`,
    );
    const longPage = page(
      BOOK_URL,
      [...filler.slice(0, 200), "Publisher: Fernleaf Editions", ...filler.slice(200)].join("\n"),
      {
        title: "Night Orchard",
      },
    );
    const server = await fakeServer({
      script: [fakeReplies.json({ columns: { publisher: finding(null, null) } })],
    });
    await extractWithModel(clientFor(server, { maxInputChars: 2000 }), {
      entity: { key: { title: "Night Orchard" } },
      columns: [column("publisher", "string")],
      pages: [longPage],
    });
    const user = messagesOf(server.requests[0]!.body).at(-1)!.content;
    expect(longPage.text.length).toBeGreaterThan(10_000);
    expect(user.length).toBeLessThan(2000 + 1000);
    expect(user).toContain("Publisher: Fernleaf Editions");
  });
});

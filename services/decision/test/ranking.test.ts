import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startSandbox } from "@ampledata/sandbox-web";
import type { ColumnSpec, SearchResult } from "@ampledata/shared";
import { describe, expect, it } from "vitest";
import { pageKind, rankResults, terms } from "../src/index.ts";

const publisher: ColumnSpec = { name: "publisher", type: "string", mode: "enrich" };
const key = { title: "The Lighthouse Ledger", author: "Mara Quillfeather" };

function result(url: string, position: number, title: string, snippet = ""): SearchResult {
  return { url, position, title, snippet };
}

describe("result ranking", () => {
  it("folds case and diacritics into terms", () => {
    expect(terms("Inès VALCOURT, the Cartographer’s")).toEqual(["ines", "valcourt", "cartographer"]);
  });

  it("classifies search, listing, social and file URLs", () => {
    expect(pageKind("http://www.lanternpress.test/catalog?q=harbor")).toBe("search");
    expect(pageKind("https://shop.example.test/search/ledger")).toBe("search");
    expect(pageKind("https://blog.example.test/tag/books/")).toBe("listing");
    expect(pageKind("https://www.pinterest.com/pin/1")).toBe("low-value host");
    expect(pageKind("https://example.test/catalogue.pdf")).toBe("file");
    expect(pageKind("ftp://example.test/book")).toBe("unfetchable");
    expect(pageKind("https://example.test/books/ledger")).toBe("page");
  });

  it("prefers the entity's own page over a search page", () => {
    const ranking = rankResults({
      key,
      missing: [publisher],
      maxUrls: 1,
      results: [
        result(
          "http://www.lanternpress.test/catalog?q=lighthouse+ledger",
          1,
          "Search: The Lighthouse Ledger",
        ),
        result(
          "http://www.lanternpress.test/books/lighthouse-ledger",
          2,
          "The Lighthouse Ledger by Mara Quillfeather",
        ),
      ],
    });
    expect(ranking.chosen.map((item) => item.result.url)).toEqual([
      "http://www.lanternpress.test/books/lighthouse-ledger",
    ]);
    const search = ranking.rejected.find((item) => item.result.url.includes("catalog"));
    expect(search?.reason).toContain("penalised as a search page");
  });

  it("ranks key terms in the title above the search position", () => {
    const ranking = rankResults({
      key,
      missing: [publisher],
      maxUrls: 3,
      results: [
        result("http://news.test/week", 1, "Weekly reading list", "The Lighthouse Ledger is one of many"),
        result("http://shop.test/p/881", 5, "The Lighthouse Ledger - Mara Quillfeather"),
      ],
    });
    expect(ranking.chosen.map((item) => item.result.url)).toEqual([
      "http://shop.test/p/881",
      "http://news.test/week",
    ]);
    expect(ranking.chosen[0]?.reason).toContain("key terms in title 100%");
    expect(ranking.chosen[0]?.reason).toContain("search position 5");
  });

  it("prefers snippets that mention the missing columns", () => {
    const ranking = rankResults({
      key,
      missing: [publisher],
      maxUrls: 1,
      results: [
        result("http://a.test/ledger", 1, "The Lighthouse Ledger", "A novel about a lighthouse."),
        result("http://b.test/ledger", 2, "The Lighthouse Ledger", "Publisher: Saltmarsh Books, 2019."),
      ],
    });
    expect(ranking.chosen[0]?.result.url).toBe("http://b.test/ledger");
    expect(ranking.chosen[0]?.reason).toContain("snippet mentions publisher");
  });

  it("rejects results without any key term and files", () => {
    const ranking = rankResults({
      key,
      missing: [publisher],
      maxUrls: 3,
      results: [
        result("http://weather.test/today", 1, "Weather today", "Sunny"),
        result("http://a.test/lighthouse-ledger.pdf", 2, "The Lighthouse Ledger (PDF)"),
      ],
    });
    expect(ranking.chosen).toEqual([]);
    expect(ranking.rejected.map((item) => item.reason)).toEqual([
      "no key term in the title, URL or snippet",
      "not crawlable (a file, not a web page)",
    ]);
  });

  it("rejects results that name the entity in passing", () => {
    const ranking = rankResults({
      key,
      missing: [publisher],
      maxUrls: 3,
      results: [
        result(
          "http://shop.test/lighthouse-ledger",
          1,
          "The Lighthouse Ledger by Mara Quillfeather",
          "Publisher: Saltmarsh Books",
        ),
        result("http://news.test/week", 9, "Weekly roundup", "Also out: The Lighthouse Ledger."),
        result("http://other.test/ledger", 2, "Ledger paper", "Accounting ledger for small shops"),
      ],
    });
    expect(ranking.chosen.map((item) => item.result.url)).toEqual(["http://shop.test/lighthouse-ledger"]);
    const reasons = new Map(ranking.rejected.map((item) => [item.result.url, item.reason]));
    expect(reasons.get("http://news.test/week")).toMatch(/^score below a quarter of the best/);
    expect(reasons.get("http://other.test/ledger")).toBe(
      "fewer than half of the key terms in the title, URL and snippet",
    );
  });

  it("spreads picks over hosts and stops at maxUrls", () => {
    const ranking = rankResults({
      key,
      missing: [publisher],
      maxUrls: 2,
      results: [
        result("http://a.test/ledger", 1, "The Lighthouse Ledger"),
        result("http://a.test/ledger/reviews", 2, "The Lighthouse Ledger"),
        result("http://b.test/ledger", 3, "The Lighthouse Ledger"),
      ],
    });
    expect(ranking.chosen.map((item) => item.result.url)).toEqual([
      "http://a.test/ledger",
      "http://b.test/ledger",
    ]);
    expect(ranking.rejected[0]?.reason).toContain("not among the best 2");
  });
});

describe("result ranking on the fixture corpus", () => {
  const corpus = fileURLToPath(new URL("../../../tools/sandbox-web/fixtures/books", import.meta.url));

  it("picks each book's own page first", async () => {
    const sandbox = await startSandbox({ corpora: [corpus], host: "127.0.0.1", port: 0 });
    try {
      const books = readFileSync(`${corpus}/groundtruth.jsonl`, "utf8")
        .split("\n")
        .filter((line) => line.trim() !== "")
        .map((line) => JSON.parse(line) as { title: string; url: string });
      expect(books.length).toBeGreaterThan(5);
      for (const book of books) {
        const results = sandbox
          .search(book.title, 10)
          .hits.map(({ title, url, snippet, position }) => ({ title, url, snippet, position }));
        const ranking = rankResults({
          key: { title: book.title },
          missing: [publisher],
          results,
          maxUrls: 3,
        });
        expect(ranking.chosen[0]?.result.url, book.title).toBe(book.url);
      }
    } finally {
      await sandbox.stop();
    }
  });
});

import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeHtml, decodeHtml, extractFromPages } from "../src/index.ts";
import { column, corpusDir } from "./helpers.ts";

// The full accuracy figures come from bench/accuracy.ts; these tests check a sample end to end.
const swdeDir = path.join(corpusDir, "swde-books");
const articlesDir = path.join(corpusDir, "articles");

describe.skipIf(!existsSync(swdeDir))("swde-books sample", () => {
  const truth = readFileSync(path.join(swdeDir, "groundtruth.jsonl"), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map(
      (line) =>
        JSON.parse(line) as {
          site: string;
          page: string;
          title: string;
          authors: string[];
          publisher: string;
          isbn_13: string;
          publication_date: string;
        },
    );
  // Every 40th page: ten pages spread over the corpus.
  const sample = truth.filter((_, index) => index % 40 === 0);

  it.each(sample.map((item) => [item.page, item] as const))("extracts page %s", (_, item) => {
    const html = decodeHtml(readFileSync(path.join(swdeDir, "pages", item.site, `${item.page}.htm`)));
    const url = /<base href="([^"]+)"/.exec(html)?.[1] ?? "";
    const page = analyzeHtml(html, { url });
    const cells = extractFromPages({
      entity: { key: { title: item.title } },
      columns: [
        column("author", "string"),
        column("publisher", "string"),
        column("isbn_13", "string"),
        column("publication_date", "date"),
      ],
      pages: [page],
    });
    expect(cells.author!.value).toBe(item.authors[0]);
    expect(cells.publisher!.value).toBe(item.publisher);
    expect(cells.isbn_13!.value).toBe(item.isbn_13);
    expect(String(cells.publication_date!.value)).toMatch(/^\d{4}-\d{2}$/);
    for (const cell of Object.values(cells)) {
      expect(cell.sources).toEqual([url]);
      expect(cell.evidence!.length).toBeLessThanOrEqual(200);
    }
  });
});

describe.skipIf(!existsSync(articlesDir))("articles corpus", () => {
  const folders = existsSync(articlesDir)
    ? readdirSync(articlesDir).filter((name) => existsSync(path.join(articlesDir, name, "source.html")))
    : [];

  it("has pages to read", () => {
    expect(folders.length).toBeGreaterThanOrEqual(39);
  });

  it.each(folders)("reads %s with text and a title", (folder) => {
    const url = `http://${folder}.articles.test/`;
    const page = analyzeHtml(decodeHtml(readFileSync(path.join(articlesDir, folder, "source.html"))), {
      url,
    });
    expect(page.text.trim()).not.toBe("");
    expect(page.title.trim()).not.toBe("");
    const cells = extractFromPages({
      entity: { key: { url } },
      columns: [
        column("title", "string"),
        column("author", "string"),
        column("published_date", "date"),
        column("site_name", "string"),
      ],
      pages: [page],
    });
    expect(cells.title!.outcome).toBe("found");
  });
});

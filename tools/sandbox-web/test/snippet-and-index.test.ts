import { describe, expect, it } from "vitest";
import type { ArchivedPage } from "../src/index.ts";
import { createSearchIndex } from "../src/index.ts";
import { SNIPPET_MAX_CHARS, selectSnippet } from "../src/search/snippet.ts";

function page(url: string, title: string, text: string): ArchivedPage {
  return {
    url,
    key: url,
    host: new URL(url).hostname,
    file: "",
    body: Buffer.from(text),
    charset: "utf-8",
    contentType: "text/html; charset=utf-8",
    title,
    text,
  };
}

const filler = "Lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor. ".repeat(6);

describe("selectSnippet", () => {
  it("picks the passage with the rare query words", () => {
    const text = `${filler}\nThe lighthouse keeper kept a weather ledger for forty years.\n${filler}`;
    const weights = new Map([
      ["lighthouse", 3],
      ["ledger", 3],
      ["the", 0.1],
    ]);
    const snippet = selectSnippet(text, weights);
    expect(snippet).toContain("lighthouse keeper kept a weather ledger");
    expect(snippet.length).toBeLessThanOrEqual(SNIPPET_MAX_CHARS + 4);
  });

  it("prefers a passage with more distinct terms over repeats of one", () => {
    const text = `ledger ledger ledger ledger\n${filler}\nA harbor ledger of the storm.\n`;
    const weights = new Map([
      ["ledger", 2],
      ["harbor", 2],
      ["storm", 2],
    ]);
    expect(selectSnippet(text, weights)).toContain("harbor ledger of the storm");
  });

  it("marks a cut inside a line with an ellipsis", () => {
    const snippet = selectSnippet(`${filler} target word here ${filler}`, new Map([["target", 1]]));
    expect(snippet.startsWith("… ")).toBe(true);
    expect(snippet.endsWith(" …")).toBe(true);
    expect(snippet).toContain("target word here");
  });

  it("returns the opening when no term matches", () => {
    expect(selectSnippet("Short page text.", new Map([["absent", 1]]))).toBe("Short page text.");
  });

  it("returns an empty snippet for an empty text", () => {
    expect(selectSnippet("", new Map([["word", 1]]))).toBe("");
  });
});

describe("SearchIndex", () => {
  const pages = [
    page("http://a.test/1", "The Copper Beekeeper", "A novel about bees and a copper hive."),
    page("http://a.test/2", "Bees of the world", "A field guide that mentions copper only once."),
    page("http://a.test/3", "Canal moths", "Moths, lamps and locks."),
  ];
  const index = createSearchIndex(pages);

  it("ranks a title match first", () => {
    const results = index.search("copper beekeeper", 10);
    expect(results.hits[0]!.url).toBe("http://a.test/1");
    expect(results.total).toBe(2);
  });

  it("numbers positions from the offset", () => {
    const results = index.search("copper bees", 1, 1);
    expect(results.hits).toHaveLength(1);
    expect(results.hits[0]!.position).toBe(2);
  });

  it("returns nothing for unknown words", () => {
    expect(index.search("zeppelin", 10)).toEqual({ total: 0, hits: [] });
  });

  it("caps num at 100 and floors it at 1", () => {
    expect(index.search("moths", 0).hits).toHaveLength(1);
    expect(index.search("a", 1000).hits.length).toBeLessThanOrEqual(100);
  });
});

import { PermanentError } from "@ampledata/shared";
import { describe, expect, it } from "vitest";
import {
  buildQueries,
  columnWords,
  fillPattern,
  keyText,
  mergeResults,
  normalizeResultUrl,
} from "../src/index.ts";
import { bookJob, bookRow } from "./context.ts";

const foundCell = {
  value: "Saltmarsh Books",
  outcome: "found" as const,
  confidence: 0.9,
  reason: "r",
  sources: [],
  evidence: null,
};

describe("query building", () => {
  it("joins key values in key column order", () => {
    const row = bookRow({ key: { author: "Mara Quillfeather", title: "The Lighthouse Ledger" } });
    expect(keyText(bookJob(), row)).toBe("The Lighthouse Ledger Mara Quillfeather");
  });

  it("rejects a row whose key values are all empty", () => {
    expect(() => keyText(bookJob(), bookRow({ key: { title: " ", author: "" } }))).toThrow(PermanentError);
  });

  it("fills every placeholder of a pattern", () => {
    expect(fillPattern("%key  site:example.test %key", "A B")).toBe("A B site:example.test A B");
    expect(fillPattern("publisher of", "A B")).toBe("publisher of A B");
  });

  it("uses the job patterns on round 0", () => {
    expect(buildQueries(bookJob(), bookRow(), 0.6)).toEqual([
      "The Lighthouse Ledger Mara Quillfeather",
      "The Lighthouse Ledger Mara Quillfeather publisher",
    ]);
  });

  it("uses other queries on refinement rounds", () => {
    const row = bookRow({ round: 1, cells: { publisher: foundCell } });
    const queries = buildQueries(bookJob(), row, 0.6);
    expect(queries).toEqual([
      "The Lighthouse Ledger Mara Quillfeather book",
      "The Lighthouse Ledger Mara Quillfeather publication date",
    ]);
    const second = buildQueries(bookJob(), bookRow({ round: 2, cells: { publisher: foundCell } }), 0.6);
    expect(second).not.toEqual(queries);
    expect(second[0]).toBe("The Lighthouse Ledger Mara Quillfeather first publication date");
  });

  it("counts a weak cell as missing on refinement rounds", () => {
    const weak = { ...foundCell, confidence: 0.3 };
    const queries = buildQueries(
      bookJob({ keyDescription: undefined }),
      bookRow({ round: 1, cells: { publisher: weak } }),
      0.6,
    );
    expect(queries[0]).toBe("The Lighthouse Ledger Mara Quillfeather publisher publication date");
  });

  it("turns column names into words", () => {
    expect(columnWords("publication_date")).toBe("publication date");
    expect(columnWords("foundedYear")).toBe("founded Year");
  });
});

describe("result merging", () => {
  const result = (url: string, position: number, title = url) => ({ title, url, snippet: "", position });

  it("normalises URLs for de-duplication", () => {
    expect(normalizeResultUrl("HTTP://Example.TEST:80/a/b/#top")).toBe("http://example.test/a/b");
    expect(normalizeResultUrl("https://example.test/?utm_source=x&id=3")).toBe("https://example.test/?id=3");
    expect(normalizeResultUrl("ftp://example.test/file")).toBeUndefined();
    expect(normalizeResultUrl("not a url")).toBeUndefined();
  });

  it("keeps each page once with its best position", () => {
    const merged = mergeResults(
      [
        [result("http://a.test/1", 1), result("http://b.test/2", 2), result("http://c.test/3", 3)],
        [result("http://c.test/3/", 1, "c from second query"), result("http://d.test/4", 2)],
      ],
      10,
    );
    expect(merged.map((item) => item.url)).toEqual([
      "http://a.test/1",
      "http://c.test/3/",
      "http://b.test/2",
      "http://d.test/4",
    ]);
    expect(merged.map((item) => item.position)).toEqual([1, 2, 3, 4]);
    expect(merged[1]!.title).toBe("c from second query");
  });

  it("caps the merged list and drops unusable URLs", () => {
    const merged = mergeResults(
      [
        [
          result("mailto:x@example.test", 1),
          result("http://a.test/", 2),
          result("http://b.test/", 3),
          result("http://c.test/", 4),
        ],
      ],
      2,
    );
    expect(merged.map((item) => item.url)).toEqual(["http://a.test/", "http://b.test/"]);
  });
});

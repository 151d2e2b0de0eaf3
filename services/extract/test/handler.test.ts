import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { analyzeHtml } from "@ampledata/extraction";
import {
  type Cell,
  createLogger,
  InvalidMessageError,
  type JobSpec,
  MESSAGE_VERSION,
  type PageContent,
  type RowWork,
} from "@ampledata/shared";
import { describe, expect, it } from "vitest";
import { createExtractHandler, type PageExtractor } from "../src/index.ts";

const fixtures = fileURLToPath(new URL("../../../tools/sandbox-web/fixtures/books/", import.meta.url));

const job: JobSpec = {
  v: MESSAGE_VERSION,
  jobId: "job-extract",
  status: "RUNNING",
  keyColumns: ["title"],
  keyDescription: "book",
  columns: [
    { name: "publisher", type: "string", mode: "enrich" },
    { name: "isbn_13", type: "string", description: "ISBN-13", mode: "enrich" },
    { name: "publication_date", type: "date", mode: "enrich" },
  ],
  queryPatterns: ["%key"],
  maxUrls: 3,
  maxRounds: 2,
};

function context(overrides: Partial<JobSpec> = {}) {
  return {
    job: { ...job, ...overrides },
    signal: new AbortController().signal,
    logger: createLogger("test-extract", "silent"),
    deliveryCount: 1,
    finalAttempt: false,
  };
}

/** Builds a found cell that quotes its value, by default from http://a.test/, which states both values. */
function found(value: string, confidence: number, source = "http://a.test/"): Cell {
  return {
    value,
    outcome: "found",
    confidence,
    reason: "test",
    sources: [source],
    evidence: value,
  };
}

function page(url: string, status = 200): PageContent {
  return {
    url,
    finalUrl: url,
    status,
    title: "The Lighthouse Ledger",
    headings: [],
    text: "Publisher: Saltmarsh Books\nISBN-13: 9798204010017",
    jsonLd: [],
    meta: {},
    labelValues: [],
    truncated: false,
  };
}

function row(overrides: Partial<RowWork> = {}): RowWork {
  return {
    v: MESSAGE_VERSION,
    jobId: job.jobId,
    rowIndex: 2,
    key: { title: "The Lighthouse Ledger" },
    input: { title: "The Lighthouse Ledger" },
    admission: 1,
    round: 0,
    wanted: ["publisher", "isbn_13"],
    search: {
      provider: "serper",
      queries: ["The Lighthouse Ledger"],
      results: [{ title: "t", url: "http://a.test/", snippet: "", position: 1 }],
    },
    decision: { missing: ["publisher", "isbn_13"], urls: [{ url: "http://a.test/", reason: "test" }] },
    pages: [page("http://a.test/")],
    pageFailures: [],
    cells: {},
    ...overrides,
  };
}

/** An extractor that returns cells from a fixed table and records the columns it was called with. */
function tableExtractor(table: Record<string, Cell>, calls: string[][] = []): PageExtractor {
  return {
    extractFromPages: ({ columns }) => {
      calls.push(columns.map((column) => column.name));
      return Object.fromEntries(
        columns.filter((column) => table[column.name]).map((column) => [column.name, table[column.name]!]),
      );
    },
    mergeCells: (previous, next) => {
      const merged = { ...previous };
      for (const [column, cell] of Object.entries(next)) {
        if (!merged[column] || cell.confidence > merged[column].confidence) {
          merged[column] = cell;
        }
      }
      return merged;
    },
  };
}

const config = { REFINE_CONFIDENCE: 0.6 };

describe("extract handler", () => {
  it("completes the row when every column is confident", async () => {
    const calls: string[][] = [];
    const extractor = tableExtractor(
      { publisher: found("Saltmarsh Books", 0.9), isbn_13: found("9798204010017", 0.95) },
      calls,
    );
    const result = await createExtractHandler({ config, extractor })(row(), context());
    expect(calls).toEqual([["publisher", "isbn_13"]]);
    expect(result.rowStage).toBe("COMPLETED");
    expect(result.next).toBeUndefined();
    expect(result.cells?.publisher?.value).toBe("Saltmarsh Books");
    expect(result.cells?.isbn_13?.value).toBe("9798204010017");
  });

  it("merges with cells found earlier and extracts only the missing columns", async () => {
    const calls: string[][] = [];
    const extractor = tableExtractor({ publisher: found("Saltmarsh Books", 0.9) }, calls);
    // The earlier cell cites a page of an earlier round, which this round's pages do not include.
    const work = row({
      cells: { isbn_13: found("9798204010017", 0.85, "http://earlier.test/") },
      decision: { missing: ["publisher"], urls: [] },
    });
    const result = await createExtractHandler({ config, extractor })(work, context());
    expect(calls).toEqual([["publisher"]]);
    expect(result.cells?.isbn_13?.confidence).toBe(0.85);
    expect(result.cells?.isbn_13?.sources).toEqual(["http://earlier.test/"]);
    expect(result.cells?.publisher?.confidence).toBe(0.9);
  });

  it("goes round again while a column is missing", async () => {
    const extractor = tableExtractor({ publisher: found("Saltmarsh Books", 0.9) });
    const result = await createExtractHandler({ config, extractor })(row(), context());
    expect(result.rowStage).toBe("ENRICHED");
    expect(result.next?.stage).toBe("serp");
    const next = result.next!.work;
    expect(next.round).toBe(1);
    expect(next.search).toBeUndefined();
    expect(next.decision).toBeUndefined();
    expect(next.pages).toBeUndefined();
    expect(next.pageFailures).toBeUndefined();
    expect(next.cells.publisher?.value).toBe("Saltmarsh Books");
    expect(result.cells?.publisher?.value).toBe("Saltmarsh Books");
  });

  it("goes round again while a column is below REFINE_CONFIDENCE", async () => {
    const extractor = tableExtractor({
      publisher: found("Saltmarsh Books", 0.9),
      isbn_13: found("9798204010017", 0.5),
    });
    const result = await createExtractHandler({ config, extractor })(row(), context());
    expect(result.rowStage).toBe("ENRICHED");
  });

  it("completes on the last round with not_found cells", async () => {
    const extractor = tableExtractor({ publisher: found("Saltmarsh Books", 0.9) });
    const result = await createExtractHandler({ config, extractor })(row({ round: 1 }), context());
    expect(result.rowStage).toBe("COMPLETED");
    expect(result.cells?.isbn_13).toEqual({
      value: null,
      outcome: "not_found",
      confidence: 0,
      reason: "isbn_13 not stated on 1 crawled page(s)",
      sources: ["http://a.test/"],
      evidence: null,
    });
  });

  it("marks cells blocked when every page was blocked", async () => {
    const work = row({
      pages: [],
      pageFailures: [
        { url: "http://a.test/", outcome: "blocked", reason: "http://a.test/ responded with HTTP 403" },
        { url: "http://b.test/", outcome: "blocked", reason: "http://b.test/ is a CAPTCHA" },
      ],
    });
    const result = await createExtractHandler({ config, extractor: tableExtractor({}) })(
      work,
      context({ maxRounds: 1 }),
    );
    expect(result.cells?.publisher?.outcome).toBe("blocked");
    expect(result.cells?.publisher?.confidence).toBe(0);
    expect(result.cells?.publisher?.reason).toContain("every page was blocked");
    expect(result.cells?.publisher?.sources).toEqual(["http://a.test/", "http://b.test/"]);
  });

  it("marks cells not_found when some failed pages were not blocked", async () => {
    const work = row({
      pages: [],
      pageFailures: [
        { url: "http://a.test/", outcome: "blocked", reason: "HTTP 403" },
        { url: "http://b.test/", outcome: "error", reason: "HTTP 404" },
      ],
    });
    const result = await createExtractHandler({ config, extractor: tableExtractor({}) })(
      work,
      context({ maxRounds: 1 }),
    );
    expect(result.cells?.publisher?.outcome).toBe("not_found");
    expect(result.cells?.publisher?.reason).toContain("no page could be read");
  });

  it("explains a row without search results", async () => {
    const work = row({
      search: { provider: "serper", queries: ["q one"], results: [] },
      decision: { missing: ["publisher", "isbn_13"], urls: [] },
      pages: [],
    });
    const result = await createExtractHandler({ config, extractor: tableExtractor({}) })(
      work,
      context({ maxRounds: 1 }),
    );
    expect(result.cells?.publisher?.reason).toBe('no search results for "q one"');
  });

  it("rejects a column the job does not have", async () => {
    const handler = createExtractHandler({ config, extractor: tableExtractor({}) });
    await expect(handler(row({ wanted: ["price"] }), context())).rejects.toBeInstanceOf(InvalidMessageError);
  });

  it("grounds new cells against the pages", async () => {
    const invented: Cell = {
      ...found("Harbor House", 0.9),
      evidence: "Publisher: Harbor House",
    };
    const extractor = tableExtractor({ publisher: invented, isbn_13: found("9798204010017", 0.9) });
    const result = await createExtractHandler({ config, extractor })(row(), context({ maxRounds: 1 }));
    expect(result.cells?.publisher?.value).toBeNull();
    expect(result.cells?.publisher?.outcome).toBe("not_found");
    expect(result.cells?.publisher?.reason).toContain("evidence quote not found on http://a.test/");
    expect(result.cells?.isbn_13?.value).toBe("9798204010017");
  });

  it("appends an attempt per round", async () => {
    const extractor = tableExtractor({ publisher: found("Saltmarsh Books", 0.9) });
    const handler = createExtractHandler({ config, extractor });
    const first = await handler(
      row({ pageFailures: [{ url: "http://b.test/", outcome: "blocked", reason: "HTTP 403" }] }),
      context(),
    );
    expect(first.rowStage).toBe("ENRICHED");
    expect(first.history).toEqual([
      {
        round: 0,
        provider: "serper",
        queries: ["The Lighthouse Ledger"],
        urls: ["http://a.test/", "http://b.test/"],
        confidence: { publisher: 0.9, isbn_13: 0 },
        at: expect.any(Number),
      },
    ]);
    expect(first.next?.work.history).toEqual(first.history);

    const second = await handler(
      {
        ...first.next!.work,
        search: { provider: "brave", queries: ['"The Lighthouse Ledger"'], results: [] },
        decision: { missing: ["isbn_13"], urls: [] },
        pages: [],
      },
      context(),
    );
    expect(second.rowStage).toBe("COMPLETED");
    expect(second.history?.map((attempt) => attempt.round)).toEqual([0, 1]);
    expect(second.history?.[1]).toMatchObject({
      provider: "brave",
      queries: ['"The Lighthouse Ledger"'],
      urls: [],
      confidence: { publisher: 0.9, isbn_13: 0 },
    });
  });

  it("appends the same attempt on redelivery", async () => {
    const extractor = tableExtractor({ publisher: found("Saltmarsh Books", 0.9) });
    const handler = createExtractHandler({ config, extractor });
    const work = row({ round: 1 });
    const first = await handler(work, context());
    const again = await handler(work, context());
    expect(first.history).toHaveLength(1);
    expect(again.history).toHaveLength(1);
  });

  it("extracts from real pages with the extraction library", async () => {
    const html = readFileSync(`${fixtures}lanternpress/0001.html`, "utf8");
    const url = "http://www.lanternpress.test/books/lighthouse-ledger";
    const work = row({
      wanted: ["publisher", "isbn_13", "publication_date"],
      decision: { missing: ["publisher", "isbn_13", "publication_date"], urls: [{ url, reason: "test" }] },
      pages: [analyzeHtml(html, { url })],
    });
    const result = await createExtractHandler({ config })(work, context({ maxRounds: 1 }));
    expect(result.rowStage).toBe("COMPLETED");
    expect(result.cells?.publisher?.value).toBe("Saltmarsh Books");
    expect(result.cells?.publisher?.sources).toContain(url);
    expect(result.cells?.isbn_13?.value).toBe("9798204010017");
    expect(result.cells?.publication_date?.value).toBe("2019-03");
  });

  it("skips another book's page with the extraction library", async () => {
    const html = readFileSync(`${fixtures}lanternpress/0003.html`, "utf8");
    const url = "http://www.lanternpress.test/books/glass-harbor";
    const work = row({
      pages: [analyzeHtml(html, { url })],
      decision: { missing: ["publisher"], urls: [{ url, reason: "test" }] },
      wanted: ["publisher"],
    });
    const result = await createExtractHandler({ config })(work, context({ maxRounds: 1 }));
    expect(result.cells?.publisher?.outcome).toBe("not_found");
    expect(result.cells?.publisher?.value).toBeNull();
  });
});

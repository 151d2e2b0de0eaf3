import {
  type Cell,
  createLogger,
  InvalidMessageError,
  type JobSpec,
  MESSAGE_VERSION,
  type RowWork,
  type SearchResult,
} from "@ampledata/shared";
import { describe, expect, it } from "vitest";
import { createDecisionHandler, type SnippetExtractor } from "../src/index.ts";

const job: JobSpec = {
  v: MESSAGE_VERSION,
  jobId: "job-decision",
  status: "RUNNING",
  keyColumns: ["title"],
  keyDescription: "book",
  columns: [
    { name: "isbn_13", type: "string", description: "ISBN-13", mode: "enrich" },
    { name: "publisher", type: "string", mode: "enrich" },
  ],
  queryPatterns: ["%key"],
  maxUrls: 2,
  maxRounds: 2,
};

const context = {
  job,
  signal: new AbortController().signal,
  logger: createLogger("test-decision", "silent"),
  deliveryCount: 1,
  finalAttempt: false,
};

function row(results: SearchResult[], overrides: Partial<RowWork> = {}): RowWork {
  return {
    v: MESSAGE_VERSION,
    jobId: job.jobId,
    rowIndex: 3,
    key: { title: "The Lighthouse Ledger" },
    input: { title: "The Lighthouse Ledger" },
    admission: 1,
    round: 0,
    wanted: ["isbn_13", "publisher"],
    search: { provider: "serper", queries: ["The Lighthouse Ledger"], results },
    cells: {},
    ...overrides,
  };
}

const BOOK_URL = "http://www.lanternpress.test/books/lighthouse-ledger";

/** Builds a found cell that cites the book's result and quotes the value, so grounding keeps it. */
function cell(value: string, confidence: number): Cell {
  return {
    value,
    outcome: "found",
    confidence,
    reason: "test",
    sources: [BOOK_URL],
    evidence: value,
  };
}

/** An extractor that returns cells from a fixed table and records the columns it was called with. */
function tableExtractor(table: Record<string, Cell>, calls: string[][] = []): SnippetExtractor {
  return {
    extractFromSnippets: ({ columns }) => {
      calls.push(columns.map((column) => column.name));
      return Object.fromEntries(
        columns.filter((column) => table[column.name]).map((column) => [column.name, table[column.name]!]),
      );
    },
    mergeCells: (previous, next) => ({ ...previous, ...next }),
  };
}

const results: SearchResult[] = [
  {
    title: "The Lighthouse Ledger - Lantern Press",
    url: BOOK_URL,
    snippet: "ISBN-13: 9798204010017 · Publisher: Saltmarsh Books",
    position: 1,
  },
  { title: "Weather", url: "http://weather.test/", snippet: "Rain", position: 2 },
];

describe("decision handler", () => {
  it("forwards to crawl with the chosen URLs and their reasons", async () => {
    const handler = createDecisionHandler({
      config: { DECISION_CONFIDENCE: 0.8 },
      extractor: tableExtractor({}),
    });
    const outcome = await handler(row(results), context);
    expect(outcome.rowStage).toBe("DECISION_MADE");
    expect(outcome.next?.stage).toBe("crawl");
    expect(outcome.next?.work.decision?.missing).toEqual(["isbn_13", "publisher"]);
    expect(outcome.next?.work.decision?.urls.map((entry) => entry.url)).toEqual([
      "http://www.lanternpress.test/books/lighthouse-ledger",
    ]);
    expect(outcome.next?.work.decision?.urls[0]?.reason).toMatch(
      /^rank 1, score [\d.]+: key terms in title 100%/,
    );
  });

  it("keeps confident snippet values and crawls only for the rest", async () => {
    const calls: string[][] = [];
    const extractor = tableExtractor({ isbn_13: cell("9798204010017", 0.86) }, calls);
    const handler = createDecisionHandler({ config: { DECISION_CONFIDENCE: 0.8 }, extractor });
    const outcome = await handler(row(results), context);
    expect(calls).toEqual([["isbn_13", "publisher"]]);
    expect(outcome.next?.work.cells.isbn_13?.value).toBe("9798204010017");
    expect(outcome.next?.work.decision?.missing).toEqual(["publisher"]);
    expect(outcome.next?.stage).toBe("crawl");
  });

  it("counts a snippet value below the threshold as missing", async () => {
    const extractor = tableExtractor({
      isbn_13: cell("9798204010017", 0.7),
      publisher: cell("Saltmarsh Books", 0.9),
    });
    const handler = createDecisionHandler({ config: { DECISION_CONFIDENCE: 0.8 }, extractor });
    const outcome = await handler(row(results), context);
    expect(outcome.next?.work.decision?.missing).toEqual(["isbn_13"]);
  });

  it("skips crawl when snippets fill every column", async () => {
    const extractor = tableExtractor({
      isbn_13: cell("9798204010017", 0.9),
      publisher: cell("Saltmarsh Books", 0.85),
    });
    const handler = createDecisionHandler({ config: { DECISION_CONFIDENCE: 0.8 }, extractor });
    const outcome = await handler(row(results), context);
    expect(outcome.next?.stage).toBe("extract");
    expect(outcome.next?.work.decision).toEqual({ missing: [], urls: [] });
  });

  it("skips crawl when no result is worth crawling", async () => {
    const handler = createDecisionHandler({
      config: { DECISION_CONFIDENCE: 0.8 },
      extractor: tableExtractor({}),
    });
    const outcome = await handler(row([results[1]!]), context);
    expect(outcome.next?.stage).toBe("extract");
    expect(outcome.next?.work.decision).toEqual({ missing: ["isbn_13", "publisher"], urls: [] });
  });

  it("skips crawl when the search found nothing", async () => {
    const calls: string[][] = [];
    const handler = createDecisionHandler({
      config: { DECISION_CONFIDENCE: 0.8 },
      extractor: tableExtractor({}, calls),
    });
    const outcome = await handler(row([]), context);
    expect(calls).toEqual([]);
    expect(outcome.next?.stage).toBe("extract");
  });

  it("ignores snippet cells that found nothing", async () => {
    const empty: Cell = {
      value: null,
      outcome: "not_found",
      confidence: 0,
      reason: "nothing",
      sources: [],
      evidence: null,
    };
    const handler = createDecisionHandler({
      config: { DECISION_CONFIDENCE: 0.8 },
      extractor: tableExtractor({ publisher: empty }),
    });
    const outcome = await handler(row(results), context);
    expect(outcome.next?.work.cells).toEqual({});
  });

  it("drops a snippet value its snippet does not state", async () => {
    const extractor = tableExtractor({
      isbn_13: cell("9798204010017", 0.9),
      publisher: cell("Harbor House", 0.9),
    });
    const handler = createDecisionHandler({ config: { DECISION_CONFIDENCE: 0.8 }, extractor });
    const outcome = await handler(row(results), context);
    expect(outcome.next?.work.cells.isbn_13?.value).toBe("9798204010017");
    expect(outcome.next?.work.cells.publisher).toBeUndefined();
    expect(outcome.next?.work.decision?.missing).toEqual(["publisher"]);
  });

  it("rejects a wanted column the job does not have", async () => {
    const handler = createDecisionHandler({
      config: { DECISION_CONFIDENCE: 0.8 },
      extractor: tableExtractor({}),
    });
    await expect(handler(row(results, { wanted: ["price"] }), context)).rejects.toBeInstanceOf(
      InvalidMessageError,
    );
  });

  it("reads an ISBN from a snippet with the extraction library", async () => {
    const handler = createDecisionHandler({ config: { DECISION_CONFIDENCE: 0.5 } });
    const snippet = {
      ...results[0]!,
      snippet: "The Lighthouse Ledger. ISBN-13: 9798204010017 · Paperback · 2019",
    };
    const outcome = await handler(row([snippet]), context);
    expect(outcome.next?.work.cells.isbn_13?.value).toBe("9798204010017");
    expect(outcome.next?.work.cells.isbn_13?.outcome).toBe("found");
    expect(outcome.next?.work.decision?.missing).not.toContain("isbn_13");
  });
});

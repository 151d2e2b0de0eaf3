import { Writable } from "node:stream";
import { LlmClient } from "@ampledata/llm";
import { type FakeLlmServer, fakeReplies, startFakeLlmServer } from "@ampledata/llm/testing";
import {
  createLogger,
  type JobSpec,
  MESSAGE_VERSION,
  type RowWork,
  type SearchResult,
  TransientError,
} from "@ampledata/shared";
import { afterEach, describe, expect, it } from "vitest";
import { createDecisionHandler, defaultSnippetExtractor, type SnippetExtractor } from "../src/index.ts";

const BOOK_URL = "http://www.lanternpress.test/books/lighthouse-ledger";
const REVIEW_URL = "http://reviews.test/lighthouse-ledger";

const job: JobSpec = {
  v: MESSAGE_VERSION,
  jobId: "job-decision-model",
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

const results: SearchResult[] = [
  {
    title: "The Lighthouse Ledger - Lantern Press",
    url: BOOK_URL,
    snippet: "The Lighthouse Ledger. ISBN-13: 9798204010017 · Hardcover · 2019",
    position: 1,
  },
  {
    title: "The Lighthouse Ledger review",
    url: REVIEW_URL,
    snippet: "A keeper's weather notes predict storms.",
    position: 2,
  },
];

function row(overrides: Partial<RowWork> = {}): RowWork {
  return {
    v: MESSAGE_VERSION,
    jobId: job.jobId,
    rowIndex: 0,
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

/** Log lines of one test, parsed from the JSON the logger writes. */
class LogLines extends Writable {
  readonly lines: { level: number; msg: string; provider?: string }[] = [];

  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    for (const line of chunk.toString().split("\n")) {
      if (line.trim() !== "") this.lines.push(JSON.parse(line));
    }
    callback();
  }
}

const servers: FakeLlmServer[] = [];
const clients: LlmClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function modelWith(
  ...replies: Parameters<FakeLlmServer["enqueue"]>
): Promise<{ server: FakeLlmServer; llm: LlmClient }> {
  const server = await startFakeLlmServer({ script: replies });
  servers.push(server);
  const llm = new LlmClient({
    baseUrl: server.baseUrl,
    model: "fake-model",
    timeoutMs: 5000,
    maxTokens: 512,
    maxInputChars: 24_000,
    structuredOutput: "json_schema",
    retryPolicy: { minDelayMs: 5, maxDelayMs: 20 },
  });
  clients.push(llm);
  return { server, llm };
}

function contextWith(logs = new LogLines()) {
  return {
    job,
    signal: new AbortController().signal,
    logger: createLogger("test-decision", "debug", logs),
    deliveryCount: 1,
    finalAttempt: false,
  };
}

/** Wraps the real snippet extractor and records the columns of each call. */
function recordingExtractor(calls: string[][]): SnippetExtractor {
  return {
    extractFromSnippets: (input) => {
      calls.push(input.columns.map((column) => column.name));
      return defaultSnippetExtractor.extractFromSnippets(input);
    },
    mergeCells: defaultSnippetExtractor.mergeCells,
  };
}

const emptyValue = { evidence: null, source: null, value: null, confidence: 0 };

describe("decision with a language model", () => {
  it("uses the model's values and URLs", async () => {
    const { server, llm } = await modelWith(
      fakeReplies.json(
        {
          values: {
            isbn_13: {
              evidence: "ISBN-13: 9798204010017",
              source: BOOK_URL,
              value: "9798204010017",
              confidence: 0.95,
            },
            // The quote is in no snippet, so grounding drops the value.
            publisher: {
              evidence: "Publisher: Harbor House",
              source: BOOK_URL,
              value: "Harbor House",
              confidence: 0.9,
            },
          },
          crawl: [{ url: BOOK_URL, reason: "the shop page lists the publisher" }],
        },
        { usage: { promptTokens: 500, completionTokens: 40 } },
      ),
    );
    const calls: string[][] = [];
    const handler = createDecisionHandler({
      config: { DECISION_CONFIDENCE: 0.7 },
      extractor: recordingExtractor(calls),
      llm,
    });
    const outcome = await handler(row(), contextWith());

    expect(calls).toEqual([]);
    expect(server.requests).toHaveLength(1);
    expect(outcome.next?.work.cells.isbn_13).toMatchObject({
      value: "9798204010017",
      outcome: "found",
      sources: [BOOK_URL],
    });
    expect(outcome.next?.work.cells.publisher).toBeUndefined();
    expect(outcome.next?.work.decision).toEqual({
      missing: ["publisher"],
      urls: [{ url: BOOK_URL, reason: "language model: the shop page lists the publisher" }],
    });
    expect(outcome.next?.stage).toBe("crawl");
    expect(outcome.usage).toEqual([
      { provider: "llm", calls: 1, cached: 0, errors: 0, promptTokens: 500, completionTokens: 40 },
    ]);
  });

  it("skips crawl when the model picks no URL", async () => {
    const { llm } = await modelWith(
      fakeReplies.json({ values: { isbn_13: emptyValue, publisher: emptyValue }, crawl: [] }),
    );
    const handler = createDecisionHandler({ config: { DECISION_CONFIDENCE: 0.8 }, llm });
    const outcome = await handler(row(), contextWith());
    expect(outcome.next?.stage).toBe("extract");
    expect(outcome.next?.work.decision).toEqual({ missing: ["isbn_13", "publisher"], urls: [] });
  });

  it("falls back to the heuristic on a refusal", async () => {
    const { llm } = await modelWith(fakeReplies.refusal("I can't help with that."));
    const logs = new LogLines();
    const calls: string[][] = [];
    const handler = createDecisionHandler({
      config: { DECISION_CONFIDENCE: 0.5 },
      extractor: recordingExtractor(calls),
      llm,
    });
    const outcome = await handler(row(), contextWith(logs));

    expect(calls).toEqual([["isbn_13", "publisher"]]);
    const isbn = outcome.next?.work.cells.isbn_13;
    expect(isbn?.value).toBe("9798204010017");
    expect(isbn?.reason).toContain("heuristic snippet reader, because the language model failed");
    expect(isbn?.reason).toContain("I can't help with that.");

    const urls = outcome.next?.work.decision?.urls ?? [];
    expect(urls.map((entry) => entry.url)).toContain(BOOK_URL);
    for (const entry of urls) {
      expect(entry.reason).toMatch(/^heuristic ranking, because the language model failed: .*rank \d/);
    }
    expect(outcome.usage).toEqual([
      {
        provider: "llm",
        calls: 1,
        cached: 0,
        errors: 1,
        promptTokens: expect.any(Number),
        completionTokens: expect.any(Number),
      },
    ]);
    const warning = logs.lines.find((line) => line.level === 40);
    expect(warning?.msg).toContain("using the heuristic snippet reader");
    expect(warning?.provider).toBe("llm");
  });

  it("falls back after two invalid responses", async () => {
    const { server, llm } = await modelWith(fakeReplies.text("not JSON"), fakeReplies.text("still not JSON"));
    const handler = createDecisionHandler({ config: { DECISION_CONFIDENCE: 0.5 }, llm });
    const outcome = await handler(row(), contextWith());
    expect(server.requests).toHaveLength(2);
    expect(outcome.next?.work.cells.isbn_13?.value).toBe("9798204010017");
    expect(outcome.usage?.[0]).toMatchObject({ provider: "llm", calls: 2, errors: 1 });
  });

  it("falls back on a rejected API key", async () => {
    const { llm } = await modelWith(fakeReplies.status(401, "Incorrect API key provided"));
    const handler = createDecisionHandler({ config: { DECISION_CONFIDENCE: 0.5 }, llm });
    const outcome = await handler(row(), contextWith());
    expect(outcome.next?.work.decision?.urls[0]?.reason).toMatch(/^heuristic ranking, because/);
    expect(outcome.usage).toEqual([
      { provider: "llm", calls: 1, cached: 0, errors: 1, promptTokens: 0, completionTokens: 0 },
    ]);
  });

  it("throws a transient model error", async () => {
    const failures = Array.from({ length: 4 }, () => fakeReplies.status(503));
    const { server, llm } = await modelWith(...failures);
    const handler = createDecisionHandler({ config: { DECISION_CONFIDENCE: 0.5 }, llm });
    await expect(handler(row(), contextWith())).rejects.toBeInstanceOf(TransientError);
    expect(server.requests).toHaveLength(4);
  });

  it("makes no model call without results", async () => {
    const { server, llm } = await modelWith();
    const handler = createDecisionHandler({ config: { DECISION_CONFIDENCE: 0.5 }, llm });
    const outcome = await handler(
      row({ search: { provider: "serper", queries: ["q"], results: [] } }),
      contextWith(),
    );
    expect(server.requests).toHaveLength(0);
    expect(outcome.usage).toBeUndefined();
    expect(outcome.next?.stage).toBe("extract");
  });
});

describe("decision without a language model", () => {
  it("runs the heuristic unchanged", async () => {
    const calls: string[][] = [];
    const handler = createDecisionHandler({
      config: { DECISION_CONFIDENCE: 0.5 },
      extractor: recordingExtractor(calls),
    });
    const outcome = await handler(row(), contextWith());
    expect(calls).toEqual([["isbn_13", "publisher"]]);
    expect(outcome.usage).toBeUndefined();
    const isbn = outcome.next?.work.cells.isbn_13;
    expect(isbn?.value).toBe("9798204010017");
    expect(isbn?.reason).not.toContain("language model");
    expect(outcome.next?.work.decision?.urls[0]?.reason).toMatch(/^rank 1, score/);
  });
});

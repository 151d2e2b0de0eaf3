import { readFileSync } from "node:fs";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { analyzeHtml, extractFromPages } from "@ampledata/extraction";
import { LlmClient } from "@ampledata/llm";
import { type FakeLlmServer, type FakeReply, fakeReplies, startFakeLlmServer } from "@ampledata/llm/testing";
import {
  createLogger,
  type JobSpec,
  MESSAGE_VERSION,
  type PageContent,
  type RowWork,
  TransientError,
} from "@ampledata/shared";
import { afterEach, describe, expect, it } from "vitest";
import { createExtractHandler, defaultPageExtractor, type PageExtractor } from "../src/index.ts";

const fixtures = fileURLToPath(new URL("../../../tools/sandbox-web/fixtures/books/", import.meta.url));
const BOOK_URL = "http://www.lanternpress.test/books/lighthouse-ledger";
const OTHER_URL = "http://www.lanternpress.test/books/glass-harbor";

function fixturePage(file: string, url: string): PageContent {
  return analyzeHtml(readFileSync(`${fixtures}${file}`, "utf8"), { url });
}

const bookPage = fixturePage("lanternpress/0001.html", BOOK_URL);
const otherBookPage = fixturePage("lanternpress/0003.html", OTHER_URL);

const job: JobSpec = {
  v: MESSAGE_VERSION,
  jobId: "job-extract-model",
  status: "RUNNING",
  keyColumns: ["title"],
  keyDescription: "book",
  columns: [
    { name: "publisher", type: "string", mode: "enrich" },
    { name: "isbn_13", type: "string", description: "ISBN-13", mode: "enrich" },
  ],
  queryPatterns: ["%key"],
  maxUrls: 3,
  maxRounds: 1,
};

function row(pages: PageContent[]): RowWork {
  return {
    v: MESSAGE_VERSION,
    jobId: job.jobId,
    rowIndex: 0,
    key: { title: "The Lighthouse Ledger" },
    input: { title: "The Lighthouse Ledger" },
    admission: 1,
    round: 0,
    wanted: ["publisher", "isbn_13"],
    search: { provider: "serper", queries: ["The Lighthouse Ledger"], results: [] },
    decision: {
      missing: ["publisher", "isbn_13"],
      urls: pages.map((page) => ({ url: page.url, reason: "test" })),
    },
    pages,
    pageFailures: [],
    cells: {},
  };
}

/** Log lines of one test, parsed from the JSON the logger writes. */
class LogLines extends Writable {
  readonly lines: { level: number; msg: string }[] = [];

  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    for (const line of chunk.toString().split("\n")) {
      if (line.trim() !== "") this.lines.push(JSON.parse(line));
    }
    callback();
  }
}

function contextWith(logs = new LogLines()) {
  return {
    job,
    signal: new AbortController().signal,
    logger: createLogger("test-extract", "debug", logs),
    deliveryCount: 1,
    finalAttempt: false,
  };
}

const servers: FakeLlmServer[] = [];
const clients: LlmClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function modelWith(...replies: FakeReply[]): Promise<{ server: FakeLlmServer; llm: LlmClient }> {
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

/** Wraps the real page extractor and records the columns of each call. */
function recordingExtractor(calls: string[][]): PageExtractor {
  return {
    extractFromPages: (input) => {
      calls.push(input.columns.map((column) => column.name));
      return defaultPageExtractor.extractFromPages(input);
    },
    mergeCells: defaultPageExtractor.mergeCells,
  };
}

/** Returns the user message of a recorded chat-completions request. */
function userMessage(server: FakeLlmServer, index: number): string {
  const body = server.requests[index]?.body as { messages: { role: string; content: string }[] };
  return body.messages.find((message) => message.role === "user")?.content ?? "";
}

const config = { REFINE_CONFIDENCE: 0.6 };

const publisherFinding = {
  evidence: "Publisher: Saltmarsh Books",
  sources: [BOOK_URL],
  value: "Saltmarsh Books",
  confidence: 0.95,
  reason: "the details table names the publisher",
};

describe("extract with a language model", () => {
  it("keeps a grounded value and drops an invented one", async () => {
    const { server, llm } = await modelWith(
      fakeReplies.json(
        {
          columns: {
            publisher: publisherFinding,
            isbn_13: {
              evidence: "ISBN-13: 979-8-204-01999-9",
              sources: [BOOK_URL],
              value: "9798204019999",
              confidence: 0.9,
              reason: "the details table",
            },
          },
        },
        { usage: { promptTokens: 1200, completionTokens: 80 } },
      ),
    );
    const calls: string[][] = [];
    const handler = createExtractHandler({ config, extractor: recordingExtractor(calls), llm });
    const result = await handler(row([bookPage]), contextWith());

    expect(calls).toEqual([]);
    expect(server.requests).toHaveLength(1);
    expect(result.rowStage).toBe("COMPLETED");
    expect(result.cells?.publisher).toMatchObject({
      value: "Saltmarsh Books",
      outcome: "found",
      sources: [BOOK_URL],
      evidence: "Publisher: Saltmarsh Books",
    });
    expect(result.cells?.isbn_13?.value).toBeNull();
    expect(result.cells?.isbn_13?.outcome).toBe("not_found");
    expect(result.cells?.isbn_13?.reason).toContain(`evidence quote not found on ${BOOK_URL}`);
    expect(result.usage).toEqual([
      { provider: "llm", calls: 1, cached: 0, errors: 0, promptTokens: 1200, completionTokens: 80 },
    ]);
    expect(result.history?.[0]?.confidence).toEqual({ publisher: 0.9, isbn_13: 0 });
  });

  it("sends only pages about the entity", async () => {
    const { server, llm } = await modelWith(
      fakeReplies.json({
        columns: {
          publisher: publisherFinding,
          isbn_13: { evidence: null, sources: [], value: null, confidence: 0, reason: "not stated" },
        },
      }),
    );
    const handler = createExtractHandler({ config, llm });
    const result = await handler(row([otherBookPage, bookPage]), contextWith());

    const prompt = userMessage(server, 0);
    expect(prompt).toContain(BOOK_URL);
    expect(prompt).not.toContain(OTHER_URL);
    expect(prompt).not.toContain("Wendell Price");
    expect(result.cells?.publisher?.value).toBe("Saltmarsh Books");
    expect(result.cells?.isbn_13?.outcome).toBe("not_found");
    expect(result.cells?.isbn_13?.reason).toContain("skipped, not about the entity:");
    expect(result.cells?.isbn_13?.reason).toContain(OTHER_URL);
  });

  it("makes no model call when no page is about the entity", async () => {
    const { server, llm } = await modelWith();
    const handler = createExtractHandler({ config, llm });
    const result = await handler(row([otherBookPage]), contextWith());
    expect(server.requests).toHaveLength(0);
    expect(result.usage).toBeUndefined();
    expect(result.cells?.publisher?.outcome).toBe("not_found");
    expect(result.cells?.publisher?.reason).toContain("no page is about the entity");
  });

  it("falls back to the heuristic on a refusal", async () => {
    const { llm } = await modelWith(fakeReplies.refusal("I can't help with that."));
    const logs = new LogLines();
    const calls: string[][] = [];
    const handler = createExtractHandler({ config, extractor: recordingExtractor(calls), llm });
    const result = await handler(row([bookPage]), contextWith(logs));

    expect(calls).toEqual([["publisher", "isbn_13"]]);
    expect(result.cells?.publisher?.value).toBe("Saltmarsh Books");
    expect(result.cells?.isbn_13?.value).toBe("9798204010017");
    expect(result.cells?.publisher?.reason).toContain(
      "heuristic extractor, because the language model refused the request: I can't help with that.",
    );
    expect(result.usage?.[0]).toMatchObject({ provider: "llm", calls: 1, errors: 1 });
    expect(logs.lines.some((line) => line.level === 40 && line.msg.includes("heuristic extractor"))).toBe(
      true,
    );
  });

  it("falls back after two invalid responses", async () => {
    const { server, llm } = await modelWith(fakeReplies.text("{"), fakeReplies.text("{"));
    const handler = createExtractHandler({ config, llm });
    const result = await handler(row([bookPage]), contextWith());
    expect(server.requests).toHaveLength(2);
    expect(result.cells?.isbn_13?.value).toBe("9798204010017");
    expect(result.cells?.isbn_13?.reason).toContain("heuristic extractor, because the language model failed");
    expect(result.usage?.[0]).toMatchObject({ provider: "llm", calls: 2, errors: 1 });
  });

  it("throws a transient model error", async () => {
    const { llm } = await modelWith(...Array.from({ length: 4 }, () => fakeReplies.status(500)));
    const handler = createExtractHandler({ config, llm });
    await expect(handler(row([bookPage]), contextWith())).rejects.toBeInstanceOf(TransientError);
  });
});

describe("extract without a language model", () => {
  it("matches the heuristic extractor", async () => {
    const handler = createExtractHandler({ config });
    const result = await handler(row([otherBookPage, bookPage]), contextWith());
    const expected = extractFromPages({
      entity: { key: { title: "The Lighthouse Ledger" }, description: "book" },
      columns: job.columns,
      pages: [otherBookPage, bookPage],
    });
    expect(result.cells).toEqual(expected);
    expect(result.usage).toBeUndefined();
  });
});

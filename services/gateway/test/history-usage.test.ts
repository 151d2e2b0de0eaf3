import { type FakeLlmServer, type FakeReply, fakeReplies, startFakeLlmServer } from "@ampledata/llm/testing";
import type { Attempt, RowEvent } from "@ampledata/shared";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { jobViewSchema, rowsPageSchema } from "../src/http/schemas.ts";
import { applyEventBatch } from "../src/index.ts";
import { foundCell, getJson, postJson, startTestStack, type TestStack, waitFor } from "./support.ts";

let stack: TestStack;
let pool: pg.Pool;
let model: FakeLlmServer;
/** Reply of the fake model to the next query_patterns request. */
let nextReply: FakeReply;

beforeAll(async () => {
  model = await startFakeLlmServer({ script: () => nextReply, apiKey: "gateway-test-key" });
  stack = await startTestStack({
    LLM_BASE_URL: model.baseUrl,
    LLM_MODEL: "fake-model",
    LLM_API_KEY: "gateway-test-key",
    LLM_QUERY_PATTERNS_TIMEOUT_MS: "1000",
  });
  pool = new pg.Pool({ connectionString: stack.config.DATABASE_URL, max: 2 });
});

afterAll(async () => {
  await pool?.end();
  await stack?.close();
  await model?.close();
});

const columns = [
  { name: "publisher", type: "string" },
  { name: "isbn_13", type: "string" },
];

async function createJob(rows = 1): Promise<{ id: string; queryPatterns: string[] }> {
  const response = await postJson(stack.url, {
    rows: Array.from({ length: rows }, (_, index) => ({ title: `Book ${index}` })),
    key_columns: ["title"],
    key_description: "book title",
    columns,
  });
  expect(response.status).toBe(202);
  return { id: response.body.id as string, queryPatterns: response.body.query_patterns as string[] };
}

async function waitAdmitted(jobId: string): Promise<void> {
  await waitFor("rows admitted", async () => {
    const result = await stack.db.query(
      "select count(*)::integer as n from rows where job_id = $1 and admitted_at is null",
      [jobId],
    );
    return result.rows[0].n === 0;
  });
}

function event(jobId: string, stage: RowEvent["stage"], extra: Partial<RowEvent> = {}): RowEvent {
  return {
    v: 1,
    jobId,
    rowIndex: 0,
    stage,
    at: Date.now(),
    attempt: 1,
    admission: 1,
    round: 0,
    error: null,
    ...extra,
  };
}

function attempt(round: number, publisherConfidence: number): Attempt {
  return {
    round,
    provider: "serper",
    queries: [`Book 0 round ${round}`],
    urls: [`http://shop.test/book-0/${round}`],
    confidence: { publisher: publisherConfidence, isbn_13: 0 },
    at: Date.UTC(2025, 0, 2, 3, 4, 5 + round),
  };
}

async function storedHistory(jobId: string): Promise<unknown> {
  const result = await stack.db.query("select history from rows where job_id = $1 and row_index = 0", [
    jobId,
  ]);
  return result.rows[0].history;
}

describe("query patterns from the language model", () => {
  test("job uses the model's patterns and counts its tokens", async () => {
    nextReply = fakeReplies.json(
      { patterns: ["%key book publisher", "%key isbn"] },
      { usage: { promptTokens: 210, completionTokens: 18 } },
    );
    const before = model.requests.length;
    const { id, queryPatterns } = await createJob();

    expect(queryPatterns).toEqual(["%key book publisher", "%key isbn"]);
    expect(model.requests.length).toBe(before + 1);
    expect(model.requests.at(-1)?.headers.authorization).toBe("Bearer gateway-test-key");
    const job = (await getJson(stack.url, `/v1/jobs/${id}`)).body;
    expect(job.query_patterns).toEqual(["%key book publisher", "%key isbn"]);
    expect(job.usage.llm).toEqual({
      calls: 1,
      cached: 0,
      errors: 0,
      prompt_tokens: 210,
      completion_tokens: 18,
    });
  });

  test("refusal falls back to the heuristic patterns", async () => {
    nextReply = fakeReplies.refusal("I can't help with that.");
    const { id, queryPatterns } = await createJob();

    expect(queryPatterns).toEqual(["%key", "%key publisher isbn", "%key book"]);
    const warning = stack.logs.lines.find(
      (line) =>
        line.jobId === id &&
        line.msg === "language model query patterns failed; using the heuristic patterns",
    );
    expect(warning?.level).toBe(40);
    const job = (await getJson(stack.url, `/v1/jobs/${id}`)).body;
    expect(job.usage.llm).toMatchObject({ calls: 1, errors: 1 });
  });

  test("slow model falls back after the time limit", async () => {
    // The reply would come after 5 s, long after LLM_QUERY_PATTERNS_TIMEOUT_MS of 1 s.
    nextReply = fakeReplies.slow(5000, fakeReplies.json({ patterns: ["%key late"] }));
    const { queryPatterns } = await createJob();
    expect(queryPatterns).toEqual(["%key", "%key publisher isbn", "%key book"]);
  });

  test("server errors fall back instead of failing the request", async () => {
    nextReply = fakeReplies.status(503);
    const { queryPatterns } = await createJob();
    expect(queryPatterns).toEqual(["%key", "%key publisher isbn", "%key book"]);
  });
});

describe("row history", () => {
  test("events store the latest history and the rows API serves it", async () => {
    nextReply = fakeReplies.json({ patterns: ["%key"] });
    const { id } = await createJob();
    await waitAdmitted(id);

    await applyEventBatch(pool, [event(id, "DECISION_MADE")]);
    expect(await storedHistory(id)).toBeNull();

    await applyEventBatch(pool, [event(id, "ENRICHED", { history: [attempt(0, 0.4)] })]);
    expect(await storedHistory(id)).toEqual([attempt(0, 0.4)]);

    await applyEventBatch(pool, [
      event(id, "COMPLETED", {
        round: 1,
        cells: { publisher: foundCell("Saltmarsh Books") },
        history: [attempt(0, 0.4), attempt(1, 0.9)],
      }),
    ]);
    expect(await storedHistory(id)).toEqual([attempt(0, 0.4), attempt(1, 0.9)]);

    const page = (await getJson(stack.url, `/v1/jobs/${id}/rows`)).body;
    expect(() => rowsPageSchema.parse(page)).not.toThrow();
    expect(page.rows[0].history).toEqual([
      { ...attempt(0, 0.4), at: "2025-01-02T03:04:05.000Z" },
      { ...attempt(1, 0.9), at: "2025-01-02T03:04:06.000Z" },
    ]);
  });

  test("row without history shows an empty list", async () => {
    nextReply = fakeReplies.json({ patterns: ["%key"] });
    const { id } = await createJob();
    const page = (await getJson(stack.url, `/v1/jobs/${id}/rows`)).body;
    expect(page.rows[0].history).toEqual([]);
  });

  test("retry clears the failed admission's history", async () => {
    nextReply = fakeReplies.json({ patterns: ["%key"] });
    const { id } = await createJob();
    await waitAdmitted(id);
    await applyEventBatch(pool, [event(id, "ENRICHED", { history: [attempt(0, 0.2)] })]);
    // The FAILED event carries no history, so the stored one stays until the retry.
    await applyEventBatch(pool, [event(id, "FAILED", { error: "crawl failed" })]);
    expect(await storedHistory(id)).toEqual([attempt(0, 0.2)]);

    const response = await fetch(`${stack.url}/v1/jobs/${id}/retry`, { method: "POST" });
    expect(response.status).toBe(202);
    expect(await storedHistory(id)).toBeNull();
  });
});

describe("token usage", () => {
  test("job usage sums tokens per provider", async () => {
    nextReply = fakeReplies.status(400, "bad request");
    const { id } = await createJob(2);
    await waitAdmitted(id);
    const llm = (promptTokens: number, completionTokens: number) => ({
      provider: "llm",
      calls: 1,
      cached: 0,
      errors: 0,
      promptTokens,
      completionTokens,
    });
    await applyEventBatch(pool, [
      event(id, "DECISION_MADE", {
        usage: [llm(300, 20), { provider: "serper", calls: 1, cached: 0, errors: 0 }],
      }),
      { ...event(id, "COMPLETED", { usage: [llm(1200, 90)] }), rowIndex: 1 },
    ]);

    const job = (await getJson(stack.url, `/v1/jobs/${id}`)).body;
    expect(() => jobViewSchema.parse(job)).not.toThrow();
    // The failed query-pattern request counts one call and one error, without tokens.
    expect(job.usage.llm).toEqual({
      calls: 3,
      cached: 0,
      errors: 1,
      prompt_tokens: 1500,
      completion_tokens: 110,
    });
    expect(job.usage.serper).toEqual({
      calls: 1,
      cached: 0,
      errors: 0,
      prompt_tokens: 0,
      completion_tokens: 0,
    });
  });

  test("refinement rounds count their usage once", async () => {
    nextReply = fakeReplies.json({ patterns: ["%key"] });
    const { id } = await createJob();
    await waitAdmitted(id);
    const serper = [{ provider: "serper", calls: 1, cached: 0, errors: 0 }];
    await applyEventBatch(pool, [
      event(id, "SERP_FETCHED", { usage: serper }),
      event(id, "ENRICHED", { usage: [] }),
    ]);
    // Round 1 ranks below ENRICHED, so the row's stage stays, but its search was made.
    await applyEventBatch(pool, [event(id, "SERP_FETCHED", { round: 1, usage: serper })]);
    // A repeated event counts nothing more.
    await applyEventBatch(pool, [event(id, "SERP_FETCHED", { round: 1, usage: serper })]);
    await applyEventBatch(pool, [
      event(id, "SERP_FETCHED", { round: 1, usage: serper }),
      event(id, "COMPLETED", { round: 1, usage: serper }),
      event(id, "COMPLETED", { round: 1, usage: serper }),
    ]);

    const stored = await stack.db.query("select stage from rows where job_id = $1 and row_index = 0", [id]);
    expect(stored.rows[0].stage).toBe("COMPLETED");
    const job = (await getJson(stack.url, `/v1/jobs/${id}`)).body;
    expect(job.usage.serper.calls).toBe(3);
  });

  test("usage stored without token counters stays readable", async () => {
    nextReply = fakeReplies.json({ patterns: ["%key"] });
    const { id } = await createJob();
    await stack.db.query(
      `update jobs set usage = '{"serper.calls": 4, "serper.cached": 2, "serper.errors": 1}' where id = $1`,
      [id],
    );
    const job = (await getJson(stack.url, `/v1/jobs/${id}`)).body;
    expect(job.usage).toEqual({
      serper: { calls: 4, cached: 2, errors: 1, prompt_tokens: 0, completion_tokens: 0 },
    });
  });
});

import type { RowEvent } from "@ampledata/shared";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { applyEventBatch } from "../src/index.ts";
import {
  foundCell,
  getJson,
  kvSpec,
  postJson,
  publishEvent,
  startTestStack,
  type TestStack,
  waitFor,
} from "./support.ts";

let stack: TestStack;
let pool: pg.Pool;
beforeAll(async () => {
  stack = await startTestStack();
  pool = new pg.Pool({ connectionString: stack.config.DATABASE_URL, max: 2 });
});
afterAll(async () => {
  await pool?.end();
  await stack?.close();
});

async function createJob(rows: number): Promise<string> {
  const response = await postJson(stack.url, {
    rows: Array.from({ length: rows }, (_, index) => ({ title: `Book ${index}` })),
    key_columns: ["title"],
    columns: [
      { name: "publisher", type: "string" },
      { name: "year", type: "number" },
    ],
  });
  expect(response.status).toBe(202);
  const jobId = response.body.id as string;
  await waitFor("rows admitted", async () => {
    const result = await stack.db.query(
      "select count(*)::integer as n from rows where job_id = $1 and admitted_at is null",
      [jobId],
    );
    return result.rows[0].n === 0;
  });
  return jobId;
}

function event(
  jobId: string,
  rowIndex: number,
  stage: RowEvent["stage"],
  extra: Partial<RowEvent> = {},
): RowEvent {
  return {
    v: 1,
    jobId,
    rowIndex,
    stage,
    at: Date.now(),
    attempt: 1,
    admission: 1,
    round: 0,
    error: null,
    ...extra,
  };
}

async function storedRow(jobId: string, rowIndex: number) {
  const result = await stack.db.query(
    `select stage, admission, cells, "values", attempts, error, stage_times, updated_at from rows
     where job_id = $1 and row_index = $2`,
    [jobId, rowIndex],
  );
  return result.rows[0];
}

async function storedCounts(jobId: string) {
  const job = await stack.db.query("select counts from jobs where id = $1", [jobId]);
  const actual = await stack.db.query(
    "select stage, count(*)::integer as n from rows where job_id = $1 group by stage",
    [jobId],
  );
  return {
    kept: job.rows[0].counts,
    actual: Object.fromEntries(actual.rows.map((row) => [row.stage, row.n])),
  };
}

describe("applyEventBatch", () => {
  test("never moves a stage backwards", async () => {
    const jobId = await createJob(2);
    const first = await applyEventBatch(pool, [event(jobId, 0, "CRAWLED")]);
    expect(first.applied).toBe(1);
    const second = await applyEventBatch(pool, [
      event(jobId, 0, "SERP_FETCHED"),
      event(jobId, 0, "DECISION_MADE"),
    ]);
    expect(second).toMatchObject({ applied: 0, ignored: 2 });
    expect((await storedRow(jobId, 0)).stage).toBe("CRAWLED");
  });

  test("terminal stage is final for an admission", async () => {
    const jobId = await createJob(1);
    await applyEventBatch(pool, [event(jobId, 0, "COMPLETED", { cells: { publisher: foundCell("Ace") } })]);
    const later = await applyEventBatch(pool, [event(jobId, 0, "FAILED", { error: "extract: timeout" })]);
    expect(later).toMatchObject({ applied: 0, ignored: 1 });
    const row = await storedRow(jobId, 0);
    expect(row.stage).toBe("COMPLETED");
    expect(row.error).toBeNull();
    expect(row.values).toEqual({ publisher: "Ace" });
  });

  test("repeated event changes nothing", async () => {
    const jobId = await createJob(1);
    const completed = event(jobId, 0, "ENRICHED", { cells: { year: foundCell(1965) }, attempt: 2 });
    expect((await applyEventBatch(pool, [completed])).applied).toBe(1);
    const before = await storedRow(jobId, 0);
    const repeat = await applyEventBatch(pool, [completed, completed]);
    expect(repeat).toMatchObject({ applied: 0, ignored: 2 });
    expect(await storedRow(jobId, 0)).toEqual(before);
  });

  test("ignores an earlier admission", async () => {
    const jobId = await createJob(1);
    await stack.db.query("update rows set admission = 2 where job_id = $1", [jobId]);
    const stale = await applyEventBatch(pool, [event(jobId, 0, "COMPLETED", { admission: 1 })]);
    expect(stale).toMatchObject({ applied: 0, ignored: 1 });
    expect((await storedRow(jobId, 0)).stage).toBe("PENDING");
    const current = await applyEventBatch(pool, [event(jobId, 0, "SERP_FETCHED", { admission: 2 })]);
    expect(current.applied).toBe(1);
  });

  test("merges one row's events in a batch", async () => {
    const jobId = await createJob(1);
    const start = Date.now();
    const result = await applyEventBatch(pool, [
      event(jobId, 0, "ENRICHED", { at: start + 30, cells: { publisher: foundCell("Chilton") }, attempt: 3 }),
      event(jobId, 0, "SERP_FETCHED", { at: start + 10 }),
      event(jobId, 0, "DECISION_MADE", { at: start + 20 }),
      event(jobId, 0, "COMPLETED", { at: start + 40, cells: { year: foundCell(1965) } }),
    ]);
    expect(result).toMatchObject({ applied: 1, ignored: 0, finishedRows: 1 });
    const row = await storedRow(jobId, 0);
    expect(row.stage).toBe("COMPLETED");
    expect(row.attempts).toBe(3);
    expect(row.values).toEqual({ publisher: "Chilton", year: 1965 });
    expect(row.cells.publisher).toEqual(foundCell("Chilton"));
    expect(Object.keys(row.stage_times).sort()).toEqual([
      "COMPLETED",
      "DECISION_MADE",
      "ENRICHED",
      "PENDING",
      "SERP_FETCHED",
    ]);
    expect(row.stage_times.SERP_FETCHED).toBe(new Date(start + 10).toISOString());
  });

  test("counts unknown jobs and rows", async () => {
    const jobId = await createJob(1);
    const result = await applyEventBatch(pool, [
      event(jobId, 5, "COMPLETED"),
      event("00000000-0000-4000-8000-000000000000", 0, "COMPLETED"),
      event("not-a-uuid", 0, "COMPLETED"),
    ]);
    expect(result).toMatchObject({ applied: 0, unknownRow: 3 });
  });

  test("stage counts follow every change", async () => {
    const jobId = await createJob(4);
    await applyEventBatch(pool, [
      event(jobId, 0, "SERP_FETCHED"),
      event(jobId, 1, "COMPLETED"),
      event(jobId, 2, "FAILED", { error: "crawl: blocked" }),
    ]);
    await applyEventBatch(pool, [event(jobId, 0, "CRAWLED"), event(jobId, 1, "SERP_FETCHED")]);
    const { kept, actual } = await storedCounts(jobId);
    expect(kept).toEqual(actual);
    expect(kept).toEqual({ CRAWLED: 1, COMPLETED: 1, FAILED: 1, PENDING: 1 });
  });
});

describe("through the gateway-state consumer", () => {
  test("job completes when every row is terminal", async () => {
    const jobId = await createJob(3);
    await publishEvent(stack.js, {
      jobId,
      rowIndex: 0,
      stage: "COMPLETED",
      cells: { publisher: foundCell("Ace") },
    });
    await publishEvent(stack.js, {
      jobId,
      rowIndex: 1,
      stage: "FAILED",
      error: "serp: provider answered 500",
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await getJson(stack.url, `/v1/jobs/${jobId}`)).body.status).toBe("RUNNING");

    await publishEvent(stack.js, { jobId, rowIndex: 2, stage: "CANCELLED", error: "job cancelled" });
    await waitFor(
      "job completed",
      async () => (await getJson(stack.url, `/v1/jobs/${jobId}`)).body.status === "COMPLETED",
    );
    const job = (await getJson(stack.url, `/v1/jobs/${jobId}`)).body;
    expect(job.rows).toMatchObject({
      total: 3,
      done: 1,
      failed: 1,
      cancelled: 1,
      finished: 3,
      in_progress: 0,
    });
    expect(job.timings.finished_at).not.toBeNull();
    expect(job.eta_seconds).toBe(0);
    await waitFor(
      "KV spec completed",
      async () => (await kvSpec(stack.bucket, jobId))?.status === "COMPLETED",
    );
  });

  test("job whose rows all failed completes", async () => {
    const jobId = await createJob(2);
    for (const rowIndex of [0, 1]) {
      await publishEvent(stack.js, { jobId, rowIndex, stage: "FAILED", error: "extract: no page" });
    }
    await waitFor(
      "job completed",
      async () => (await getJson(stack.url, `/v1/jobs/${jobId}`)).body.status === "COMPLETED",
    );
    expect((await getJson(stack.url, `/v1/jobs/${jobId}`)).body.rows).toMatchObject({ done: 0, failed: 2 });
  });

  test("invalid event does not block the stream", async () => {
    const jobId = await createJob(1);
    await stack.js.publish("events.rows.extract", new TextEncoder().encode("{not json"));
    await publishEvent(stack.js, {
      jobId,
      rowIndex: 0,
      stage: "COMPLETED",
      usage: [{ provider: "sandbox", calls: 2, cached: 1, errors: 0 }],
    });
    await waitFor("row completed", async () => (await storedRow(jobId, 0)).stage === "COMPLETED");
    await waitFor("invalid event logged", () =>
      stack.logs.lines.some((line) => line.msg === "dropping an invalid row event"),
    );
    const job = (await getJson(stack.url, `/v1/jobs/${jobId}`)).body;
    expect(job.usage).toEqual({
      sandbox: { calls: 2, cached: 1, errors: 0, prompt_tokens: 0, completion_tokens: 0 },
    });
  });
});

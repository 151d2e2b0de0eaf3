import { decodeMessage, type RowWork, rowWorkSchema, STREAMS } from "@ampledata/shared";
import { afterAll, beforeAll, expect, test } from "vitest";
import {
  foundCell,
  getJson,
  type Json,
  kvSpec,
  pipelineMessages,
  postJson,
  publishEvent,
  startTestStack,
  type TestStack,
  waitFor,
} from "./support.ts";

const WINDOW = 10;

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({
    JOB_WINDOW_ROWS: String(WINDOW),
    ADMISSION_TICK_MS: "50",
    CANCEL_WAIT_MS: "500",
  });
});
afterAll(async () => {
  await stack?.close();
});

async function createJob(rows: number): Promise<string> {
  const response = await postJson(stack.url, {
    rows: Array.from({ length: rows }, (_, index) => ({ title: `Book ${index}` })),
    key_columns: ["title"],
    columns: [{ name: "publisher", type: "string" }],
  });
  expect(response.status).toBe(202);
  return response.body.id as string;
}

async function post(path: string): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${stack.url}${path}`, { method: "POST" });
  return { status: response.status, body: await response.json() };
}

/** Takes every message now on pipeline.serp through the durable serp consumer, acking each. */
async function takeSerpMessages(): Promise<RowWork[]> {
  const consumer = await stack.js.consumers.get(STREAMS.pipeline, "serp");
  const taken: RowWork[] = [];
  while ((await pipelineMessages(stack)) > 0) {
    const batch = await consumer.fetch({ max_messages: 100, expires: 1000 });
    for await (const message of batch) {
      taken.push(decodeMessage(rowWorkSchema, message.data, "serp"));
      await message.ackAck();
    }
  }
  return taken;
}

test("cancel stops admission and cancels waiting rows", async () => {
  const jobId = await createJob(100);
  await waitFor("window filled", async () => (await pipelineMessages(stack)) === WINDOW);

  const started = Date.now();
  const cancelled = await post(`/v1/jobs/${jobId}/cancel`);
  expect(cancelled.status).toBe(200);
  expect(cancelled.body.status).toBe("CANCELLED");
  // No stage worker runs here, so the admitted rows cannot stop and the wait runs out.
  expect(cancelled.body.stopped).toBe(false);
  expect(Date.now() - started).toBeGreaterThanOrEqual(500);
  expect(cancelled.body.rows.counts).toMatchObject({ PENDING: WINDOW, CANCELLED: 100 - WINDOW });
  expect((await kvSpec(stack.bucket, jobId))?.status).toBe("CANCELLED");

  const waiting = await stack.db.query(
    "select count(*)::integer as n from rows where job_id = $1 and admitted_at is null and stage <> 'CANCELLED'",
    [jobId],
  );
  expect(waiting.rows[0].n).toBe(0);

  // Several admission ticks later nothing more was published for the job.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const taken = await takeSerpMessages();
  expect(taken).toHaveLength(WINDOW);
  expect(taken.every((work) => work.jobId === jobId)).toBe(true);

  // Stages report the in-flight rows as CANCELLED; the export then shows every row cancelled.
  for (const work of taken) {
    await publishEvent(stack.js, {
      jobId,
      rowIndex: work.rowIndex,
      stage: "CANCELLED",
      error: "job cancelled",
    });
  }
  await waitFor("in-flight rows cancelled", async () => {
    const job = await getJson(stack.url, `/v1/jobs/${jobId}`);
    return job.body.rows.cancelled === 100;
  });
  expect((await getJson(stack.url, `/v1/jobs/${jobId}`)).body.status).toBe("CANCELLED");

  const again = await post(`/v1/jobs/${jobId}/cancel`);
  expect(again.status).toBe(200);
  expect(again.body.status).toBe("CANCELLED");
  expect(again.body.stopped).toBe(true);
});

test("cancel of unknown or completed jobs", async () => {
  const unknown = await post("/v1/jobs/6a2f41a3-c54c-4b1e-9f0e-7d4b5a3c2d10/cancel");
  expect(unknown.status).toBe(404);
  expect(unknown.body).toEqual({
    error: "not_found",
    message: "job 6a2f41a3-c54c-4b1e-9f0e-7d4b5a3c2d10 not found",
  });

  const completed = await postJson(stack.url, {
    rows: [{ title: "Dune", year: "1965" }],
    key_columns: ["title"],
    columns: [{ name: "year", type: "number", mode: "impute" }],
  });
  const conflict = await post(`/v1/jobs/${completed.body.id}/cancel`);
  expect(conflict.status).toBe(409);
  expect(conflict.body.error).toBe("conflict");
  expect(conflict.body.message).toContain("COMPLETED");
});

test("retry re-admits failed rows with admission 2", async () => {
  const jobId = await createJob(3);
  await waitFor("rows admitted", async () => (await pipelineMessages(stack)) === 3);
  const first = await takeSerpMessages();
  expect(first.map((work) => work.admission)).toEqual([1, 1, 1]);

  await publishEvent(stack.js, { jobId, rowIndex: 0, stage: "FAILED", error: "crawl: every page blocked" });
  await publishEvent(stack.js, {
    jobId,
    rowIndex: 1,
    stage: "COMPLETED",
    cells: { publisher: foundCell("Ace") },
  });
  await publishEvent(stack.js, { jobId, rowIndex: 2, stage: "FAILED", error: "extract: timed out" });
  await waitFor(
    "job completed",
    async () => (await getJson(stack.url, `/v1/jobs/${jobId}`)).body.status === "COMPLETED",
  );

  const retried = await post(`/v1/jobs/${jobId}/retry`);
  expect(retried.status).toBe(202);
  expect(retried.body.retried).toBe(2);
  expect(retried.body.job.status).toBe("RUNNING");
  expect(retried.body.job.rows.counts).toMatchObject({ PENDING: 2, COMPLETED: 1 });
  expect((await kvSpec(stack.bucket, jobId))?.status).toBe("RUNNING");

  await waitFor("failed rows published again", async () => (await pipelineMessages(stack)) === 2);
  const second = await takeSerpMessages();
  expect(second.map((work) => [work.rowIndex, work.admission]).sort()).toEqual([
    [0, 2],
    [2, 2],
  ]);
  const rows = await stack.db.query(
    "select row_index, stage, admission, error from rows where job_id = $1 order by row_index",
    [jobId],
  );
  expect(rows.rows).toEqual([
    { row_index: 0, stage: "PENDING", admission: 2, error: null },
    { row_index: 1, stage: "COMPLETED", admission: 1, error: null },
    { row_index: 2, stage: "PENDING", admission: 2, error: null },
  ]);

  // A late event of the first admission is ignored; the second admission's events apply.
  await publishEvent(stack.js, { jobId, rowIndex: 0, stage: "FAILED", admission: 1, error: "late" });
  await publishEvent(stack.js, {
    jobId,
    rowIndex: 0,
    stage: "COMPLETED",
    admission: 2,
    cells: { publisher: foundCell("Gollancz") },
  });
  await publishEvent(stack.js, {
    jobId,
    rowIndex: 2,
    stage: "COMPLETED",
    admission: 2,
    cells: { publisher: foundCell("Ace") },
  });
  await waitFor(
    "job completed again",
    async () => (await getJson(stack.url, `/v1/jobs/${jobId}`)).body.status === "COMPLETED",
  );
  const job = (await getJson(stack.url, `/v1/jobs/${jobId}`)).body;
  expect(job.rows).toMatchObject({ done: 3, failed: 0 });

  const nothing = await post(`/v1/jobs/${jobId}/retry`);
  expect(nothing.status).toBe(409);
  expect(nothing.body.message).toContain("no FAILED rows");
});

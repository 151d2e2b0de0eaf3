import { afterAll, beforeAll, expect, test } from "vitest";
import { jobViewSchema, rowsPageSchema } from "../src/http/schemas.ts";
import {
  foundCell,
  getJson,
  postJson,
  publishEvent,
  startTestStack,
  type TestStack,
  waitFor,
} from "./support.ts";

let stack: TestStack;
let jobIds: string[] = [];
beforeAll(async () => {
  stack = await startTestStack();
  jobIds = [];
  for (const name of ["first", "second", "third"]) {
    const created = await postJson(stack.url, {
      name,
      rows: [{ title: "A" }, { title: "B" }, { title: "C" }],
      key_columns: ["title"],
      columns: [{ name: "publisher", type: "string" }],
    });
    jobIds.push(created.body.id);
  }
});
afterAll(async () => {
  await stack?.close();
});

test("job list pages newest first", async () => {
  const page = await getJson(stack.url, "/v1/jobs?limit=2&offset=0");
  expect(page.status).toBe(200);
  expect(page.body.total).toBe(3);
  expect(page.body.jobs.map((job: { name: string }) => job.name)).toEqual(["third", "second"]);
  const next = await getJson(stack.url, "/v1/jobs?limit=2&offset=2");
  expect(next.body.jobs.map((job: { name: string }) => job.name)).toEqual(["first"]);
  for (const job of page.body.jobs) {
    expect(() => jobViewSchema.parse(job)).not.toThrow();
  }
});

test("invalid query parameters", async () => {
  const response = await getJson(stack.url, "/v1/jobs?limit=0&status=DONE");
  expect(response.status).toBe(400);
  expect(response.body.error).toBe("invalid_request");
  expect(response.body.problems.map((problem: { field: string }) => problem.field).sort()).toEqual([
    "limit",
    "status",
  ]);
});

test("unknown job is a 404 naming the id", async () => {
  for (const id of ["3b241101-e2bb-4255-8caf-4136c566a962", "no-such-job"]) {
    for (const path of [
      `/v1/jobs/${id}`,
      `/v1/jobs/${id}/rows`,
      `/v1/jobs/${id}/results.csv`,
      `/v1/jobs/${id}/events`,
    ]) {
      const response = await getJson(stack.url, path);
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ error: "not_found", message: `job ${id} not found` });
    }
  }
  const route = await getJson(stack.url, "/v2/nothing");
  expect(route.status).toBe(404);
  expect(route.body.error).toBe("not_found");
});

test("rows filter by stage and page", async () => {
  const jobId = jobIds[0]!;
  await publishEvent(stack.js, {
    jobId,
    rowIndex: 1,
    stage: "COMPLETED",
    cells: { publisher: foundCell("Ace") },
    attempt: 2,
  });
  await waitFor(
    "row completed",
    async () => (await getJson(stack.url, `/v1/jobs/${jobId}`)).body.rows.done === 1,
  );
  const completed = await getJson(stack.url, `/v1/jobs/${jobId}/rows?stage=COMPLETED`);
  expect(completed.status).toBe(200);
  expect(() => rowsPageSchema.parse(completed.body)).not.toThrow();
  expect(completed.body.total).toBe(1);
  expect(completed.body.rows).toHaveLength(1);
  expect(completed.body.rows[0]).toMatchObject({
    index: 1,
    key: { title: "B" },
    stage: "COMPLETED",
    attempts: 2,
    values: { publisher: "Ace" },
    cells: {
      publisher: { confidence: 0.9, reason: "stated on the page", sources: ["http://127.0.0.1/page"] },
    },
    error: null,
  });
  const paged = await getJson(stack.url, `/v1/jobs/${jobId}/rows?offset=1&limit=1`);
  expect(paged.body.rows.map((row: { index: number }) => row.index)).toEqual([1]);
  expect(paged.body.total).toBe(3);
});

test("progress events until the job ends", async () => {
  const jobId = jobIds[2]!;
  const response = await fetch(`${stack.url}/v1/jobs/${jobId}/events`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/event-stream");
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const readUntil = async (marker: string) => {
    while (!text.includes(marker)) {
      const { value, done } = await reader.read();
      if (done) {
        break;
      }
      text += value;
    }
  };
  await readUntil("event: progress");
  for (const rowIndex of [0, 1, 2]) {
    await publishEvent(stack.js, {
      jobId,
      rowIndex,
      stage: "COMPLETED",
      cells: { publisher: foundCell("Ace") },
    });
  }
  await readUntil("event: end");
  const { done } = await reader.read();
  expect(done).toBe(true);
  const end = text.split("event: end\ndata: ")[1]!.split("\n")[0]!;
  expect(JSON.parse(end)).toMatchObject({ id: jobId, status: "COMPLETED", rows: { done: 3 } });
});

test("openapi, health and dashboard", async () => {
  const openapi = await getJson(stack.url, "/openapi.json");
  expect(openapi.body.openapi).toBe("3.1.0");
  expect(Object.keys(openapi.body.paths)).toEqual(
    expect.arrayContaining([
      "/v1/jobs",
      "/v1/jobs/{id}",
      "/v1/jobs/{id}/rows",
      "/v1/jobs/{id}/results.jsonl",
    ]),
  );
  expect(openapi.body.components.schemas.CreateJobRequest.properties.columns).toBeDefined();

  expect((await getJson(stack.url, "/healthz")).status).toBe(200);
  expect(await getJson(stack.url, "/readyz")).toEqual({ status: 200, body: { status: "ready" } });

  const dashboard = await fetch(`${stack.url}/`);
  expect(dashboard.headers.get("content-type")).toContain("text/html");
  expect(await dashboard.text()).toContain("/v1/jobs?limit=50");
});

test("metrics expose requests, jobs, rows and admission", async () => {
  const response = await fetch(`${stack.url}/metrics`);
  const text = await response.text();
  expect(text).toMatch(/ampledata_http_requests_total\{[^}]*route="\/v1\/jobs"[^}]*\} \d+/);
  expect(text).toMatch(/ampledata_jobs\{status="RUNNING",service="ampledata-gateway"\} \d+/);
  expect(text).toMatch(/ampledata_rows\{stage="COMPLETED",service="ampledata-gateway"\} [1-9]/);
  expect(text).toMatch(/ampledata_admitted_rows_total\{service="ampledata-gateway"\} [1-9]/);
});

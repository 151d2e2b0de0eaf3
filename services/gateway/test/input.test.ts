import { afterAll, beforeAll, expect, test } from "vitest";
import {
  getJson,
  kvSpec,
  pipelineMessages,
  postCsv,
  postJson,
  startTestStack,
  type TestStack,
  waitFor,
} from "./support.ts";

let stack: TestStack;
beforeAll(async () => {
  // A long tick and no stage workers keep rows where creation left them.
  stack = await startTestStack({ ADMISSION_TICK_MS: "60000" });
});
afterAll(async () => {
  await stack?.close();
});

async function storedRows(jobId: string) {
  const result = await stack.db.query(
    "select row_index, key, input, wanted, stage, cells from rows where job_id = $1 order by row_index",
    [jobId],
  );
  return result.rows;
}

test("CSV with BOM, CRLF and quoted newlines is stored exactly", async () => {
  const csv =
    "\uFEFFtitle,author,note\r\n" +
    'Dune,Frank Herbert,"first line\r\nsecond line"\r\n' +
    '"Children of Dune","Herbert, Frank","she said ""no"""\r\n' +
    "Émile,Rousseau, spaced \r\n";
  const response = await postCsv(stack.url, csv, {
    key_columns: JSON.stringify(["title", "author"]),
    columns: JSON.stringify([{ name: "publisher", type: "string", description: "the book's publisher" }]),
    key_description: "book title and author",
  });
  expect(response.status).toBe(202);
  const jobId = response.body.id as string;

  const job = await stack.db.query(
    "select input_columns, source_format, name, row_count from jobs where id = $1",
    [jobId],
  );
  expect(job.rows[0]).toEqual({
    input_columns: ["title", "author", "note"],
    source_format: "csv",
    name: "input.csv",
    row_count: 3,
  });
  const rows = await storedRows(jobId);
  expect(rows.map((row) => row.input)).toEqual([
    ["Dune", "Frank Herbert", "first line\r\nsecond line"],
    ["Children of Dune", "Herbert, Frank", 'she said "no"'],
    ["Émile", "Rousseau", " spaced "],
  ]);
  expect(rows.map((row) => row.key)).toEqual([
    ["Dune", "Frank Herbert"],
    ["Children of Dune", "Herbert, Frank"],
    ["Émile", "Rousseau"],
  ]);
  expect(rows.map((row) => row.row_index)).toEqual([0, 1, 2]);
});

test("JSON rows: key order, typed cells and KV spec", async () => {
  const response = await postJson(stack.url, {
    name: "books",
    rows: [
      { title: "Dune", year: 1965, in_print: true, isbn: null },
      { title: "Emma", isbn: "978-0141439587" },
    ],
    key_columns: ["title"],
    key_description: "book title",
    columns: [
      { name: "publisher", type: "string" },
      { name: "isbn", type: "string", mode: "impute" },
      { name: "publication_date", type: "date" },
    ],
    priority: 8,
    max_urls: 4,
    max_rounds: 1,
  });
  expect(response.status).toBe(202);
  expect(response.body.query_patterns).toEqual(["%key", "%key publisher isbn", "%key book"]);
  const jobId = response.body.id as string;

  const rows = await storedRows(jobId);
  expect(rows[0].input).toEqual(["Dune", "1965", "true", ""]);
  expect(rows[1].input).toEqual(["Emma", "", "", "978-0141439587"]);
  // isbn is imputed only where the input has none.
  expect(rows[0].wanted).toEqual(["publisher", "isbn", "publication_date"]);
  expect(rows[1].wanted).toEqual(["publisher", "publication_date"]);
  expect(rows[1].cells.isbn).toMatchObject({ value: "978-0141439587", outcome: "skipped" });

  const spec = await kvSpec(stack.bucket, jobId);
  expect(spec).toEqual({
    v: 1,
    jobId,
    // RUNNING once admission has published the first rows.
    status: expect.stringMatching(/^(PENDING|RUNNING)$/),
    keyColumns: ["title"],
    keyDescription: "book title",
    columns: [
      { name: "publisher", type: "string", mode: "enrich" },
      { name: "isbn", type: "string", mode: "impute" },
      { name: "publication_date", type: "date", mode: "enrich" },
    ],
    queryPatterns: ["%key", "%key publisher isbn", "%key book"],
    maxUrls: 4,
    maxRounds: 1,
  });
  const view = await getJson(stack.url, `/v1/jobs/${jobId}`);
  expect(view.body).toMatchObject({
    name: "books",
    priority: 8,
    input_columns: ["title", "year", "in_print", "isbn"],
  });
});

test("row with nothing wanted completes at creation", async () => {
  // Jobs of the earlier tests are admitted by now: their 5 rows are all that pipeline.serp holds.
  await waitFor("earlier rows admitted", async () => (await pipelineMessages(stack)) === 5);
  const response = await postJson(stack.url, {
    rows: [{ title: "Dune", year: "1965" }],
    key_columns: ["title"],
    columns: [{ name: "year", type: "number", mode: "impute" }],
  });
  expect(response.status).toBe(202);
  expect(response.body.status).toBe("COMPLETED");
  const [row] = await storedRows(response.body.id);
  expect(row.stage).toBe("COMPLETED");
  expect(row.wanted).toEqual([]);
  expect(row.cells.year).toEqual({
    value: 1965,
    outcome: "skipped",
    confidence: 1,
    reason: expect.any(String),
    sources: [],
    evidence: null,
  });
  expect((await kvSpec(stack.bucket, response.body.id))?.status).toBe("COMPLETED");
  const stored = await stack.db.query("select admitted_at from rows where job_id = $1", [response.body.id]);
  expect(stored.rows[0].admitted_at).toBeNull();
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(await pipelineMessages(stack)).toBe(5);
});

test("multipart spec part and row_limit", async () => {
  const spec = JSON.stringify({
    key_columns: ["title"],
    columns: [{ name: "publisher", type: "string" }],
    row_limit: 2,
  });
  const response = await postCsv(stack.url, "title\nA\nB\nC\nD\n", { spec, priority: "9" }, "books.csv");
  expect(response.status).toBe(202);
  expect(response.body.row_count).toBe(2);
  const job = await getJson(stack.url, `/v1/jobs/${response.body.id}`);
  expect(job.body).toMatchObject({ row_limit: 2, priority: 9, name: "books.csv" });
  expect((await storedRows(response.body.id)).map((row) => row.input)).toEqual([["A"], ["B"]]);
});

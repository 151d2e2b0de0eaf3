import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, expect, test } from "vitest";
import { escapeFormula } from "../src/index.ts";
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
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.close();
});

async function fetchText(path: string) {
  const response = await fetch(`${stack.url}${path}`);
  return { status: response.status, type: response.headers.get("content-type"), text: await response.text() };
}

const COLUMNS = [
  { name: "publisher", type: "string" },
  { name: "year", type: "number", mode: "impute" },
  { name: "tags", type: "list" },
];

async function finishedJob(): Promise<string> {
  const created = await postJson(stack.url, {
    rows: [
      { title: "Dune", author: "Frank Herbert", year: "", note: "=SUM(A1:A2)" },
      { title: "Emma", author: "Jane Austen", year: "1815", note: "-5" },
      { title: "@risk", author: "+Someone", year: "", note: "plain" },
    ],
    key_columns: ["title", "author"],
    columns: COLUMNS,
  });
  expect(created.status).toBe(202);
  const jobId = created.body.id as string;
  await publishEvent(stack.js, {
    jobId,
    rowIndex: 0,
    stage: "COMPLETED",
    cells: {
      publisher: foundCell("Chilton Books", "http://127.0.0.1/dune"),
      year: foundCell(1965, "http://127.0.0.1/dune"),
      tags: foundCell(["science fiction", "desert"], "http://127.0.0.1/dune-tags"),
    },
  });
  await publishEvent(stack.js, {
    jobId,
    rowIndex: 1,
    stage: "COMPLETED",
    cells: {
      publisher: {
        value: null,
        outcome: "not_found",
        confidence: 0,
        reason: "no page names it",
        sources: [],
        evidence: null,
      },
      tags: foundCell(["romance"]),
    },
  });
  await publishEvent(stack.js, {
    jobId,
    rowIndex: 2,
    stage: "FAILED",
    error: "=serp: provider answered 500",
  });
  await waitFor(
    "job completed",
    async () => (await getJson(stack.url, `/v1/jobs/${jobId}`)).body.status === "COMPLETED",
  );
  return jobId;
}

test("JSONL export follows the contract", async () => {
  const jobId = await finishedJob();
  const response = await fetchText(`/v1/jobs/${jobId}/results.jsonl`);
  expect(response.status).toBe(200);
  expect(response.type).toContain("application/x-ndjson");
  const lines = response.text
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line));
  expect(lines).toHaveLength(3);
  expect(lines.map((line) => line.row)).toEqual([0, 1, 2]);
  for (const line of lines) {
    expect(Object.keys(line)).toEqual(["row", "key", "input", "status", "values", "cells", "error"]);
  }
  expect(lines[0]).toEqual({
    row: 0,
    key: { title: "Dune", author: "Frank Herbert" },
    input: { title: "Dune", author: "Frank Herbert", year: "", note: "=SUM(A1:A2)" },
    status: "COMPLETED",
    values: { publisher: "Chilton Books", year: 1965, tags: ["science fiction", "desert"] },
    cells: {
      publisher: {
        outcome: "found",
        confidence: 0.9,
        reason: "stated on the page",
        sources: ["http://127.0.0.1/dune"],
        evidence: "the value is Chilton Books",
      },
      year: {
        outcome: "found",
        confidence: 0.9,
        reason: "stated on the page",
        sources: ["http://127.0.0.1/dune"],
        evidence: "the value is 1965",
      },
      tags: {
        outcome: "found",
        confidence: 0.9,
        reason: "stated on the page",
        sources: ["http://127.0.0.1/dune-tags"],
        evidence: "the value is science fiction,desert",
      },
    },
    error: null,
  });
  // Row 1: the impute column had a value, so its cell is "skipped" with the input value.
  expect(lines[1].values).toEqual({ publisher: null, year: 1815, tags: ["romance"] });
  expect(lines[1].cells.year).toMatchObject({ outcome: "skipped", confidence: 1 });
  expect(lines[1].cells.publisher).toMatchObject({ outcome: "not_found" });
  expect(lines[2]).toMatchObject({
    status: "FAILED",
    values: { publisher: null, year: null, tags: null },
    cells: {},
    error: "=serp: provider answered 500",
  });
});

test("CSV export has the contract's columns and escapes formulas", async () => {
  const jobId = await finishedJob();
  const response = await fetchText(`/v1/jobs/${jobId}/results.csv`);
  expect(response.status).toBe(200);
  expect(response.type).toContain("text/csv");
  const records = parse(response.text) as string[][];
  expect(records[0]).toEqual([
    "title",
    "author",
    "year",
    "note",
    "publisher",
    "tags",
    "publisher_confidence",
    "publisher_source",
    "year_confidence",
    "year_source",
    "tags_confidence",
    "tags_source",
    "status",
    "error",
  ]);
  expect(records.slice(1)).toEqual([
    [
      "Dune",
      "Frank Herbert",
      "1965",
      "'=SUM(A1:A2)",
      "Chilton Books",
      "science fiction; desert",
      "0.9",
      "http://127.0.0.1/dune",
      "0.9",
      "http://127.0.0.1/dune",
      "0.9",
      "http://127.0.0.1/dune-tags",
      "COMPLETED",
      "",
    ],
    [
      "Emma",
      "Jane Austen",
      "1815",
      "'-5",
      "",
      "romance",
      "0",
      "",
      "1",
      "",
      "0.9",
      "http://127.0.0.1/page",
      "COMPLETED",
      "",
    ],
    [
      "'@risk",
      "'+Someone",
      "",
      "plain",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "FAILED",
      "'=serp: provider answered 500",
    ],
  ]);
});

test("formula escaping", () => {
  for (const text of ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"]) {
    expect(escapeFormula(text)).toBe(`'${text}`);
  }
  for (const text of ["plain", "1-2", "a=b", ""]) {
    expect(escapeFormula(text)).toBe(text);
  }
});

test("unfinished job exports current stages", async () => {
  const created = await postJson(stack.url, {
    rows: [{ title: "A" }, { title: "B" }, { title: "C" }],
    key_columns: ["title"],
    columns: [{ name: "publisher", type: "string" }],
  });
  const jobId = created.body.id as string;
  await publishEvent(stack.js, {
    jobId,
    rowIndex: 0,
    stage: "COMPLETED",
    cells: { publisher: foundCell("Ace") },
  });
  await publishEvent(stack.js, { jobId, rowIndex: 1, stage: "CRAWLED" });
  await waitFor(
    "events applied",
    async () => (await getJson(stack.url, `/v1/jobs/${jobId}`)).body.rows.counts.CRAWLED === 1,
  );
  const running = (await fetchText(`/v1/jobs/${jobId}/results.jsonl`)).text
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line).status);
  expect(running).toEqual(["COMPLETED", "CRAWLED", "PENDING"]);

  await fetch(`${stack.url}/v1/jobs/${jobId}/cancel`, { method: "POST" });
  const cancelled = (await fetchText(`/v1/jobs/${jobId}/results.jsonl`)).text
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line));
  expect(cancelled.map((line) => line.status)).toEqual(["COMPLETED", "CANCELLED", "CANCELLED"]);
  expect(cancelled[1].error).toBe("job cancelled while the row was in flight");
});

test("export of a large job streams every row in order", async () => {
  const rows = Array.from({ length: 2500 }, (_, index) => ({ title: `Book ${index}`, year: "2000" }));
  const created = await postJson(stack.url, {
    rows,
    key_columns: ["title"],
    columns: [{ name: "year", type: "number", mode: "impute" }],
  });
  expect(created.body.status).toBe("COMPLETED");
  const lines = (await fetchText(`/v1/jobs/${created.body.id}/results.jsonl`)).text.trimEnd().split("\n");
  expect(lines).toHaveLength(2500);
  expect(lines.map((line) => JSON.parse(line).row)).toEqual(rows.map((_, index) => index));
  const csv = parse((await fetchText(`/v1/jobs/${created.body.id}/results.csv`)).text) as string[][];
  expect(csv).toHaveLength(2501);
  expect(csv[2500]![0]).toBe("Book 2499");
});

import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import {
  countJobs,
  type Json,
  kvKeys,
  postCsv,
  postJson,
  startTestStack,
  type TestStack,
} from "./support.ts";

const MAX_UPLOAD_BYTES = 65_536;
const MAX_ROWS = 100;

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({
    MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
    MAX_ROWS_PER_JOB: String(MAX_ROWS),
  });
});
afterAll(async () => {
  await stack?.close();
});

// A rejected request must leave nothing behind, in Postgres or in the jobs bucket.
afterEach(async () => {
  expect(await countJobs(stack.db)).toEqual({ jobs: 0, rows: 0 });
  expect(await kvKeys(stack.bucket)).toEqual([]);
});

const columns = JSON.stringify([{ name: "publisher", type: "string" }]);
const keyColumns = JSON.stringify(["title"]);

function expectInvalid(response: { status: number; body: Json }) {
  expect(response.status).toBe(400);
  expect(response.body.error).toBe("invalid_request");
  expect(typeof response.body.message).toBe("string");
  expect(Array.isArray(response.body.problems)).toBe(true);
  return response.body.problems as { field?: string; line?: number; message: string }[];
}

describe("JSON body", () => {
  test("missing key column", async () => {
    const problems = expectInvalid(
      await postJson(stack.url, {
        rows: [{ name: "Dune" }],
        key_columns: ["title"],
        columns: [{ name: "publisher", type: "string" }],
      }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]!.field).toBe("key_columns[0]");
    expect(problems[0]!.message).toContain('"title"');
  });

  test("unknown column type", async () => {
    const problems = expectInvalid(
      await postJson(stack.url, {
        rows: [{ title: "Dune" }],
        key_columns: ["title"],
        columns: [{ name: "publisher", type: "text" }],
      }),
    );
    expect(problems).toEqual([{ field: "columns[0].type", message: expect.stringContaining('"text"') }]);
  });

  test("empty and duplicate column names", async () => {
    const problems = expectInvalid(
      await postJson(stack.url, {
        rows: [{ title: "Dune" }],
        key_columns: ["title"],
        columns: [
          { name: "", type: "string" },
          { name: "year", type: "number" },
          { name: "year", type: "number" },
          { name: "title", type: "string" },
          { name: "status", type: "string" },
        ],
      }),
    );
    expect(problems.map((problem) => problem.field)).toEqual([
      "columns[0].name",
      "columns[2].name",
      "columns[3].name",
      "columns[4].name",
    ]);
    expect(problems[0]!.message).toContain("empty");
    expect(problems[1]!.message).toContain("twice");
    expect(problems[2]!.message).toContain("key column");
    expect(problems[3]!.message).toContain("reserved");
  });

  test("every problem listed at once", async () => {
    const problems = expectInvalid(
      await postJson(stack.url, {
        rows: [{ title: "Dune" }, { title: "" }, "not an object"],
        key_columns: [],
        columns: [{ name: "publisher", type: "text", mode: "guess" }],
        priority: 11,
        colour: "red",
      }),
    );
    const fields = problems.map((problem) => problem.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        "rows[2]",
        "key_columns",
        "columns[0].type",
        "columns[0].mode",
        "priority",
        "colour",
      ]),
    );
  });

  test("empty key value", async () => {
    const problems = expectInvalid(
      await postJson(stack.url, {
        rows: [{ title: "Dune" }, { title: "  " }],
        key_columns: ["title"],
        columns: [{ name: "publisher", type: "string" }],
      }),
    );
    expect(problems).toEqual([{ field: "rows[1]", message: expect.stringContaining("empty") }]);
  });

  test("missing and empty rows", async () => {
    const base = { key_columns: ["title"], columns: [{ name: "publisher", type: "string" }] };
    expect(expectInvalid(await postJson(stack.url, base))[0]!.field).toBe("rows");
    expect(expectInvalid(await postJson(stack.url, { ...base, rows: [] }))[0]!.field).toBe("rows");
  });

  test("too many rows", async () => {
    const rows = Array.from({ length: MAX_ROWS + 1 }, (_, index) => ({ title: `Book ${index}` }));
    const problems = expectInvalid(
      await postJson(stack.url, {
        rows,
        key_columns: ["title"],
        columns: [{ name: "publisher", type: "string" }],
      }),
    );
    expect(problems[0]!.message).toContain(`${MAX_ROWS}`);
    expect(problems[0]!.message).toContain("MAX_ROWS_PER_JOB");
  });

  test("body over the size limit", async () => {
    const rows = Array.from({ length: 50 }, () => ({ title: "x".repeat(2000) }));
    const response = await postJson(stack.url, {
      rows,
      key_columns: ["title"],
      columns: [{ name: "publisher", type: "string" }],
    });
    expect(response.status).toBe(413);
    expect(response.body.error).toBe("payload_too_large");
    expect(response.body.message).toContain(String(MAX_UPLOAD_BYTES));
  });

  test("malformed JSON and wrong content type", async () => {
    const malformed = await fetch(`${stack.url}/v1/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"rows": [',
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: string }).error).toBe("invalid_request");

    const text = await fetch(`${stack.url}/v1/jobs`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "title\nDune\n",
    });
    expect(text.status).toBe(415);
    const body = (await text.json()) as { error: string; message: string };
    expect(body.error).toBe("unsupported_media_type");
    expect(body.message).toContain("text/plain");
  });
});

describe("CSV upload", () => {
  test("missing key column in the header", async () => {
    const problems = expectInvalid(
      await postCsv(stack.url, "name,year\nDune,1965\n", { key_columns: keyColumns, columns }),
    );
    expect(problems).toEqual([
      { field: "key_columns[0]", message: expect.stringContaining('"name", "year"') },
    ]);
  });

  test("empty file", async () => {
    for (const file of ["", "\uFEFF", "\n\n"]) {
      const problems = expectInvalid(await postCsv(stack.url, file, { key_columns: keyColumns, columns }));
      expect(problems).toEqual([{ field: "file", message: expect.stringContaining("empty") }]);
    }
  });

  test("header without rows", async () => {
    const problems = expectInvalid(
      await postCsv(stack.url, "title,year\r\n", { key_columns: keyColumns, columns }),
    );
    expect(problems[0]!.message).toContain("no data rows");
  });

  test("duplicate and empty headers", async () => {
    const problems = expectInvalid(
      await postCsv(stack.url, "title,year,,year\nDune,1965,x,1965\n", { key_columns: keyColumns, columns }),
    );
    expect(problems).toHaveLength(2);
    expect(problems.every((problem) => problem.line === 1)).toBe(true);
    expect(problems[0]!.message).toContain("column 3 has no name");
    expect(problems[1]!.message).toContain('"year" twice');
  });

  test("ragged rows name their lines", async () => {
    // Row 2 spans lines 3-4, so the ragged rows start on lines 5 and 7 (line 6 is blank).
    const csv = 'title,year\nDune,1965\n"Children\nof Dune",1976\nEmperor\n\nHeretics,1984,extra\n';
    const problems = expectInvalid(await postCsv(stack.url, csv, { key_columns: keyColumns, columns }));
    expect(problems.map((problem) => problem.line)).toEqual([5, 7]);
    expect(problems[0]!.message).toContain("row has 1 field, but");
    expect(problems[1]!.message).toContain("3 fields");
  });

  test("non-UTF-8 file", async () => {
    const latin1 = Buffer.concat([
      Buffer.from("title\nDune\nLes Mis"),
      Buffer.from([0xe9]),
      Buffer.from("rables\n"),
    ]);
    const problems = expectInvalid(await postCsv(stack.url, latin1, { key_columns: keyColumns, columns }));
    expect(problems).toEqual([{ line: 3, message: expect.stringContaining("UTF-8") }]);
  });

  test("unclosed quote", async () => {
    const problems = expectInvalid(
      await postCsv(stack.url, 'title\nDune\n"Children of Dune\n', { key_columns: keyColumns, columns }),
    );
    expect(problems[0]!.message).toContain("not valid CSV");
  });

  test("file over the size limit", async () => {
    const csv = `title\n${"Dune\n".repeat(MAX_UPLOAD_BYTES / 5 + 10)}`;
    const response = await postCsv(stack.url, csv, { key_columns: keyColumns, columns });
    expect(response.status).toBe(413);
    expect(response.body.error).toBe("payload_too_large");
    expect(response.body.message).toContain(String(MAX_UPLOAD_BYTES));
  });

  test("too many rows", async () => {
    const csv = `title\n${Array.from({ length: MAX_ROWS + 1 }, (_, index) => `Book ${index}`).join("\n")}\n`;
    const problems = expectInvalid(await postCsv(stack.url, csv, { key_columns: keyColumns, columns }));
    expect(problems).toEqual([{ field: "file", message: expect.stringContaining("MAX_ROWS_PER_JOB") }]);
  });

  test("invalid form fields and missing file", async () => {
    const problems = expectInvalid(
      await postCsv(stack.url, undefined, {
        key_columns: keyColumns,
        columns: "[{name: publisher}]",
        priority: "high",
      }),
    );
    const fields = problems.map((problem) => problem.field);
    expect(fields).toEqual(expect.arrayContaining(["columns", "file", "priority"]));
  });

  test("unknown column type in a spec part", async () => {
    const spec = JSON.stringify({ key_columns: ["title"], columns: [{ name: "year", type: "integer" }] });
    const problems = expectInvalid(await postCsv(stack.url, "title\nDune\n", { spec }));
    expect(problems).toEqual([{ field: "columns[0].type", message: expect.stringContaining('"integer"') }]);
  });
});

import { describe, expect, it } from "vitest";
import { formatApiError, type JobView, parseColumnSpec, renderProgress } from "../src/index.ts";

describe("parseColumnSpec", () => {
  it("reads name, type and a description with colons", () => {
    expect(parseColumnSpec("founded:date:Year the company was founded: first filing", new Set())).toEqual({
      name: "founded",
      type: "date",
      description: "Year the company was founded: first filing",
      mode: "enrich",
    });
  });

  it("marks imputed columns", () => {
    expect(parseColumnSpec("phone:string", new Set(["phone"])).mode).toBe("impute");
  });

  it("rejects an unknown type naming it and the choices", () => {
    expect(() => parseColumnSpec("price:money", new Set())).toThrow(
      'invalid --column "price:money": unknown type "money"; use one of string, number, boolean, date, url, email, list',
    );
  });

  it("rejects a missing type and an empty name", () => {
    expect(() => parseColumnSpec("price", new Set())).toThrow("the type is missing");
    expect(() => parseColumnSpec(":string", new Set())).toThrow("the name is empty");
  });
});

describe("formatApiError", () => {
  it("lists every problem as the API words it", () => {
    const text = formatApiError(400, {
      error: "invalid_request",
      message: "the job is invalid",
      problems: [
        { field: "key_columns", message: "column isbn is not in the header" },
        { line: 7, message: "has 3 fields, the header has 4" },
      ],
    });
    expect(text).toBe(
      "the job is invalid\n  - key_columns: column isbn is not in the header\n  - line 7: has 3 fields, the header has 4",
    );
  });

  it("falls back to the status for an empty body", () => {
    expect(formatApiError(502, "")).toBe("request failed with status 502");
  });
});

describe("renderProgress", () => {
  it("shows the bar, counts per stage, rate and ETA", () => {
    const job = {
      id: "j1",
      name: null,
      status: "RUNNING",
      rows: {
        total: 10,
        counts: { PENDING: 2, SERP_FETCHED: 1, CRAWLED: 2, COMPLETED: 4, FAILED: 1 },
        done: 4,
        failed: 1,
        cancelled: 0,
        finished: 5,
      },
      rows_per_second: 2.5,
      eta_seconds: 2,
      usage: {},
      cost_usd: null,
      timings: { created_at: "", started_at: null, finished_at: null, elapsed_seconds: 2 },
    } satisfies JobView;
    expect(renderProgress(job, 10)).toBe(
      "[#####.....] 5/10 | done 4 | failed 1 | pending 2 · searched 1 · crawled 2 | 2.5 rows/s | ETA 2s | RUNNING",
    );
  });
});

import { describe, expect, it } from "vitest";
import {
  decodeMessage,
  encodeMessage,
  InvalidMessageError,
  MESSAGE_VERSION,
  rowStageRank,
  rowWorkSchema,
} from "../src/index.ts";

const encoder = new TextEncoder();

describe("message codec", () => {
  it("round-trips a row and fills defaults", () => {
    const data = encodeMessage(
      rowWorkSchema,
      {
        v: MESSAGE_VERSION,
        jobId: "j1",
        rowIndex: 0,
        key: { title: "Dune" },
        input: { title: "Dune" },
        wanted: ["isbn"],
      },
      "serp",
    );
    const row = decodeMessage(rowWorkSchema, data, "serp");
    expect(row.round).toBe(0);
    expect(row.cells).toEqual({});
  });

  it("names the invalid field", () => {
    const data = encoder.encode(
      JSON.stringify({ v: 1, jobId: "j1", rowIndex: -1, key: {}, input: {}, wanted: [] }),
    );
    expect(() => decodeMessage(rowWorkSchema, data, "serp")).toThrow(/invalid serp message: rowIndex: /);
  });

  it("rejects a body that is not JSON", () => {
    expect(() => decodeMessage(rowWorkSchema, encoder.encode("{oops"), "crawl")).toThrow(InvalidMessageError);
  });

  it("rejects an unknown message version", () => {
    const data = encoder.encode(
      JSON.stringify({ v: 2, jobId: "j1", rowIndex: 0, key: {}, input: {}, wanted: [] }),
    );
    expect(() => decodeMessage(rowWorkSchema, data, "crawl")).toThrow(/v: /);
  });
});

describe("rowStageRank", () => {
  it("orders stages and ranks terminal stages highest", () => {
    expect(rowStageRank("PENDING")).toBeLessThan(rowStageRank("SERP_FETCHED"));
    expect(rowStageRank("ENRICHED")).toBeLessThan(rowStageRank("COMPLETED"));
    expect(rowStageRank("FAILED")).toBe(rowStageRank("COMPLETED"));
    expect(rowStageRank("CANCELLED")).toBe(rowStageRank("COMPLETED"));
  });
});

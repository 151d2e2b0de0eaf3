import type { Cell, CellOutcome } from "@ampledata/shared";
import { describe, expect, it } from "vitest";
import { worthAnotherRound } from "../src/handler.ts";

function cell(outcome: CellOutcome, confidence: number): Cell {
  return {
    value: outcome === "found" ? "x" : null,
    outcome,
    confidence,
    reason: "test",
    sources: [],
    evidence: null,
  };
}

describe("worthAnotherRound", () => {
  const threshold = 0.6;

  it.each([
    ["found", 0.9, false],
    ["found", 0.4, true],
    ["not_found", 0, true],
    ["blocked", 0, true],
    ["ambiguous", 0.5, true],
    ["invalid", 0, true],
    ["skipped", 1, false],
    ["error", 0, false],
  ] as const)("%s at %s gives %s", (outcome, confidence, expected) => {
    expect(worthAnotherRound(cell(outcome, confidence), threshold)).toBe(expected);
  });

  it("searches again for a column without a cell", () => {
    expect(worthAnotherRound(undefined, threshold)).toBe(true);
  });
});

import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Cell, ColumnType } from "@ampledata/shared";
import { describe, expect, it } from "vitest";
import { extractFromPages } from "../src/index.ts";
import { column, corpusDir, textPage } from "./helpers.ts";

/**
 * The prose-facts corpus: short pages of prose about fictional companies and people, each with
 * the values a reader would take from it. Rules: a literal, null (the page does not say it),
 * contains, between [min, max], prefix (dates), one_of with an optional max_confidence.
 */
const casesFile = path.join(corpusDir, "prose-facts", "cases.jsonl");

type Rule =
  | null
  | string
  | number
  | boolean
  | { contains: string }
  | { between: [number, number] }
  | { prefix: string }
  | { one_of: (string | number)[]; max_confidence?: number };

interface ProseCase {
  id: string;
  entity: string;
  key_description: string;
  columns: { name: string; type: ColumnType }[];
  text: string;
  expected: Record<string, Rule>;
}

function loadCases(): ProseCase[] {
  if (!existsSync(casesFile)) return [];
  return readFileSync(casesFile, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as ProseCase);
}

function checkRule(name: string, cell: Cell | undefined, rule: Rule): void {
  expect(cell, `cell ${name}`).toBeDefined();
  const value = cell!.outcome === "found" || cell!.outcome === "ambiguous" ? cell!.value : null;
  if (rule === null) {
    expect(value, `${name} must stay empty (${cell!.reason})`).toBeNull();
    return;
  }
  if (typeof rule !== "object") {
    expect(value, `${name}: ${cell!.reason}`).toBe(rule);
    return;
  }
  if ("contains" in rule) {
    expect(String(value), `${name}: ${cell!.reason}`).toContain(rule.contains);
  } else if ("between" in rule) {
    expect(typeof value, `${name}: ${cell!.reason}`).toBe("number");
    expect(value as number).toBeGreaterThanOrEqual(rule.between[0]);
    expect(value as number).toBeLessThanOrEqual(rule.between[1]);
  } else if ("prefix" in rule) {
    expect(
      String(value).startsWith(rule.prefix),
      `${name}: got ${JSON.stringify(value)} (${cell!.reason})`,
    ).toBe(true);
  } else {
    expect(rule.one_of, `${name}: ${cell!.reason}`).toContain(value);
    if (rule.max_confidence !== undefined) expect(cell!.confidence).toBeLessThan(rule.max_confidence);
  }
}

// Cases the extractor is known to get wrong, with the reason, so the passing count stays honest.
const KNOWN_FAILURES = new Map<string, string>();

describe.skipIf(!existsSync(casesFile))("prose-facts corpus", () => {
  const cases = loadCases();

  it("has the twelve cases", () => {
    expect(cases).toHaveLength(12);
  });

  for (const testCase of cases) {
    const run = KNOWN_FAILURES.has(testCase.id) ? it.fails : it;
    run(testCase.id, () => {
      const page = textPage(testCase.text, `https://facts.example/${testCase.id}`);
      const cells = extractFromPages({
        entity: { key: { name: testCase.entity }, description: testCase.key_description },
        columns: testCase.columns.map((spec) => column(spec.name, spec.type)),
        pages: [page],
      });
      for (const [name, rule] of Object.entries(testCase.expected)) checkRule(name, cells[name], rule);
    });
  }
});

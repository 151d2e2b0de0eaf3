import type { ColumnSpec } from "@ampledata/shared";
import { expect, test } from "vitest";
import { buildQueryPatterns } from "../src/index.ts";

function columns(...names: string[]): ColumnSpec[] {
  return names.map((name) => ({ name, type: "string", mode: "enrich" }));
}

test("book columns make two patterns", () => {
  expect(buildQueryPatterns(columns("publisher", "isbn_13", "publication_date"))).toEqual([
    "%key",
    "%key publisher isbn",
  ]);
});

test("first pattern is always the plain key", () => {
  for (const names of [["name"], ["ceo", "revenue", "headquarters", "founded_year", "website", "phone"]]) {
    expect(buildQueryPatterns(columns(...names))[0]).toBe("%key");
  }
});

test("generic column names add no pattern", () => {
  expect(buildQueryPatterns(columns("name", "date", "url"))).toEqual(["%key"]);
});

test("related words stay in one query", () => {
  const patterns = buildQueryPatterns(
    columns("email", "phone_number", "ceo_name", "headquarters_city", "founder", "annual_revenue"),
  );
  expect(patterns).toHaveLength(3);
  expect(patterns[1]).toBe("%key email phone");
  expect(patterns[2]).toBe("%key ceo founder");
});

test("key description adds its noun when there is room", () => {
  expect(buildQueryPatterns(columns("publisher"), "book title")).toEqual([
    "%key",
    "%key publisher",
    "%key book",
  ]);
  expect(buildQueryPatterns(columns("author"), "author name")).toEqual(["%key", "%key author"]);
});

test("camel case and spaces split into words", () => {
  expect(buildQueryPatterns(columns("publicationDate", "Page Count"))).toEqual([
    "%key",
    "%key publication page",
  ]);
});

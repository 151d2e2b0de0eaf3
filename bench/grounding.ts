/**
 * Grounding over the heuristic extractor's own values: how many right values `groundCells` keeps,
 * caps or drops, and how many wrong values it catches, on the swde-books, articles and
 * prose-facts corpora.
 *
 *   node --conditions=development bench/grounding.ts [--limit N] [--show]
 *
 * The corpus is read from ../shared/corpus beside the repository, or from AMPLEDATA_CORPUS_DIR.
 * `--show` prints every value that grounding changed.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { analyzeHtml, coerceValue, decodeHtml, extractFromPages, groundCells } from "@ampledata/extraction";
import type { Cell, ColumnSpec, ColumnType, PageContent } from "@ampledata/shared";

const repoRoot = path.resolve(import.meta.dirname, "..");
const corpusDir = process.env.AMPLEDATA_CORPUS_DIR ?? path.resolve(repoRoot, "../shared/corpus");
const { values: options } = parseArgs({
  options: { limit: { type: "string" }, show: { type: "boolean", default: false } },
});
const limit = options.limit === undefined ? Number.POSITIVE_INFINITY : Number(options.limit);

type Verdict = "kept" | "capped" | "dropped";
interface Outcome {
  corpus: string;
  column: string;
  right: boolean;
  verdict: Verdict;
  detail: string;
}

const outcomes: Outcome[] = [];
let groundingMs = 0;

function fold(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/\s+/g, " ")
    .trim();
}

function valueText(cell: Cell | undefined): string | undefined {
  if (cell === undefined || cell.value === null) return undefined;
  if (cell.outcome !== "found" && cell.outcome !== "ambiguous") return undefined;
  return Array.isArray(cell.value) ? cell.value.join("; ") : String(cell.value);
}

function verdictOf(before: Cell, after: Cell): Verdict {
  if (valueText(after) === undefined) return "dropped";
  return after.confidence < before.confidence ? "capped" : "kept";
}

/** Grounds the cells against the page and records, for each value, whether it was right and what grounding did. */
function record(
  corpus: string,
  id: string,
  cells: Record<string, Cell>,
  page: PageContent,
  isRight: (column: string, value: string) => boolean,
): void {
  const started = performance.now();
  const grounded = groundCells(cells, [page]);
  groundingMs += performance.now() - started;
  for (const [column, cell] of Object.entries(cells)) {
    const before = valueText(cell);
    if (before === undefined) continue;
    const after = grounded[column]!;
    const verdict = verdictOf(cell, after);
    outcomes.push({
      corpus,
      column,
      right: isRight(column, before),
      verdict,
      detail: `${id} ${column} ${JSON.stringify(before)}: ${after.reason} [evidence ${JSON.stringify(cell.evidence)}]`,
    });
  }
}

interface SwdeTruth {
  site: string;
  page: string;
  url: string;
  title: string;
  authors: string[];
  publisher: string | null;
  isbn_13: string | null;
  publication_date: string | null;
}

/** Values and quotes taken from the previous book's page, to count how many invented values grounding catches. */
const tampered: { column: string; kind: string; verdict: Verdict }[] = [];

function tamper(
  previous: { cells: Record<string, Cell> } | undefined,
  cells: Record<string, Cell>,
  page: PageContent,
): void {
  if (previous === undefined) return;
  for (const [column, cell] of Object.entries(cells)) {
    const other = previous.cells[column];
    if (other === undefined || other.value === null || cell.value === null) continue;
    if (JSON.stringify(other.value).toLowerCase() === JSON.stringify(cell.value).toLowerCase()) continue;
    const variants: [string, Cell][] = [
      ["other value, own quote", { ...cell, value: other.value }],
      ["other value and quote", { ...cell, value: other.value, evidence: other.evidence }],
    ];
    for (const [kind, variant] of variants) {
      const after = groundCells({ [column]: variant }, [page])[column]!;
      const verdict = verdictOf(variant, after);
      tampered.push({ column, kind, verdict });
    }
  }
}

function runSwde(): void {
  const dir = path.join(corpusDir, "swde-books");
  const truth = readFileSync(path.join(dir, "groundtruth.jsonl"), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as SwdeTruth)
    .slice(0, limit);
  const columns: ColumnSpec[] = [
    { name: "author", type: "string", mode: "enrich" },
    { name: "authors", type: "list", mode: "enrich" },
    { name: "publisher", type: "string", mode: "enrich" },
    { name: "isbn_13", type: "string", mode: "enrich" },
    { name: "publication_date", type: "date", mode: "enrich" },
  ];
  let previous: { cells: Record<string, Cell> } | undefined;
  for (const item of truth) {
    const html = decodeHtml(readFileSync(path.join(dir, "pages", item.site, `${item.page}.htm`)));
    const url = /<base href="([^"]+)"/.exec(html.slice(0, 500))?.[1] ?? item.url;
    const page = analyzeHtml(html, { url });
    const cells = extractFromPages({ entity: { key: { title: item.title } }, columns, pages: [page] });
    record("swde-books", item.page, cells, page, (column, value) => {
      if (column === "author") return item.authors.some((name) => fold(name) === fold(value));
      if (column === "authors") {
        return value.split("; ").every((part) => item.authors.some((name) => fold(name) === fold(part)));
      }
      if (column === "publisher") return item.publisher !== null && fold(item.publisher) === fold(value);
      if (column === "isbn_13") return value.replace(/-/g, "") === item.isbn_13;
      const expected =
        item.publication_date === null ? undefined : coerceValue("date", item.publication_date);
      return expected?.ok === true && value.startsWith(String(expected.value));
    });
    tamper(previous, cells, page);
    previous = { cells };
  }
}

function runArticles(): void {
  const dir = path.join(corpusDir, "articles");
  const folders = readdirSync(dir)
    .filter((name) => existsSync(path.join(dir, name, "source.html")))
    .sort()
    .slice(0, limit);
  const columns: ColumnSpec[] = [
    { name: "title", type: "string", mode: "enrich" },
    { name: "author", type: "string", mode: "enrich" },
    { name: "published_date", type: "date", mode: "enrich" },
    { name: "site_name", type: "string", mode: "enrich" },
  ];
  for (const folder of folders) {
    const url = `http://${folder}.articles.test/`;
    const truth = JSON.parse(
      readFileSync(path.join(dir, folder, "expected-metadata.json"), "utf8"),
    ) as Record<string, string | null>;
    const page = analyzeHtml(decodeHtml(readFileSync(path.join(dir, folder, "source.html"))), { url });
    const cells = extractFromPages({ entity: { key: { url } }, columns, pages: [page] });
    const expectedOf: Record<string, string | null | undefined> = {
      title: truth.title,
      author: truth.byline,
      published_date: truth.publishedTime,
      site_name: truth.siteName,
    };
    record("articles", folder, cells, page, (column, value) => {
      const expected = expectedOf[column];
      if (expected === null || expected === undefined) return false;
      if (column === "published_date") return value.slice(0, 10) === expected.slice(0, 10);
      return (
        fold(value) === fold(expected) ||
        fold(expected).includes(fold(value)) ||
        fold(value).includes(fold(expected))
      );
    });
  }
}

interface ProseCase {
  id: string;
  entity: string;
  key_description: string;
  columns: { name: string; type: ColumnType }[];
  text: string;
  expected: Record<string, unknown>;
}

function runProseFacts(): void {
  const file = path.join(corpusDir, "prose-facts", "cases.jsonl");
  if (!existsSync(file)) return;
  const cases = readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as ProseCase)
    .slice(0, limit);
  for (const testCase of cases) {
    const url = `https://facts.example/${testCase.id}`;
    const body = testCase.text
      .split(/\n\s*\n/)
      .map((paragraph) => `<p>${paragraph.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</p>`)
      .join("\n");
    const page = analyzeHtml(`<!doctype html><html><head><title></title></head><body>${body}</body></html>`, {
      url,
    });
    const cells = extractFromPages({
      entity: { key: { name: testCase.entity }, description: testCase.key_description },
      columns: testCase.columns.map((spec) => ({
        name: spec.name,
        type: spec.type,
        mode: "enrich" as const,
      })),
      pages: [page],
    });
    record("prose-facts", testCase.id, cells, page, (column, value) =>
      proseRight(testCase.expected[column], value),
    );
  }
}

function proseRight(rule: unknown, value: string): boolean {
  if (rule === null || rule === undefined) return false;
  if (typeof rule !== "object") return String(rule) === value;
  const object = rule as Record<string, unknown>;
  if (typeof object.contains === "string") return value.includes(object.contains);
  if (Array.isArray(object.between)) {
    const [low, high] = object.between as [number, number];
    return Number(value) >= low && Number(value) <= high;
  }
  if (typeof object.prefix === "string") return value.startsWith(object.prefix);
  if (Array.isArray(object.one_of)) return object.one_of.map(String).includes(value);
  return false;
}

if (!existsSync(corpusDir)) {
  console.error(
    `corpus not found at ${corpusDir}; set AMPLEDATA_CORPUS_DIR to the folder that holds swde-books/`,
  );
  process.exit(1);
}
runSwde();
runArticles();
runProseFacts();

console.log(
  "| corpus | column | values | right | right kept | right capped | right dropped | wrong | wrong capped | wrong dropped |",
);
console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
const groups = new Map<string, Outcome[]>();
for (const outcome of outcomes) {
  const key = `${outcome.corpus} | ${outcome.column}`;
  groups.set(key, [...(groups.get(key) ?? []), outcome]);
}
for (const [key, rows] of groups) {
  const right = rows.filter((row) => row.right);
  const wrong = rows.filter((row) => !row.right);
  const count = (list: Outcome[], verdict: Verdict) => list.filter((row) => row.verdict === verdict).length;
  console.log(
    `| ${key} | ${rows.length} | ${right.length} | ${count(right, "kept")} | ${count(right, "capped")} | ${count(right, "dropped")} | ${wrong.length} | ${count(wrong, "capped")} | ${count(wrong, "dropped")} |`,
  );
}
console.log("\nswde-books values replaced by the previous page's value for the same column:\n");
console.log("| column | replaced | kept | capped | dropped |");
console.log("| --- | ---: | ---: | ---: | ---: |");
for (const kind of ["other value, own quote", "other value and quote"]) {
  for (const column of [...new Set(tampered.map((row) => row.column))]) {
    const rows = tampered.filter((row) => row.kind === kind && row.column === column);
    const count = (verdict: Verdict) => rows.filter((row) => row.verdict === verdict).length;
    console.log(
      `| ${column} (${kind}) | ${rows.length} | ${count("kept")} | ${count("capped")} | ${count("dropped")} |`,
    );
  }
}
console.log(`\nGrounding took ${groundingMs.toFixed(0)} ms for ${outcomes.length} values.`);
if (options.show) {
  for (const outcome of outcomes.filter((row) => row.verdict !== "kept")) {
    console.log(
      `${outcome.right ? "RIGHT" : "WRONG"} ${outcome.verdict}: ${outcome.corpus} ${outcome.detail}`,
    );
  }
}

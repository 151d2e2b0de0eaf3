/**
 * Extraction accuracy on the archived web corpora: per-column precision, recall and F1 on the
 * SWDE book pages, per-column accuracy on the news articles, and a calibration table (confidence
 * bucket vs share of right values) for each.
 *
 *   node --conditions=development bench/accuracy.ts [--corpus swde|articles|all] [--limit N] [--errors]
 *
 * The corpus is read from ../shared/corpus beside the repository, or from AMPLEDATA_CORPUS_DIR.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { analyzeHtml, coerceValue, decodeHtml, extractFromPages } from "@ampledata/extraction";
import type { Cell, ColumnSpec } from "@ampledata/shared";

const repoRoot = path.resolve(import.meta.dirname, "..");
const corpusDir = process.env.AMPLEDATA_CORPUS_DIR ?? path.resolve(repoRoot, "../shared/corpus");

const { values: options } = parseArgs({
  options: {
    corpus: { type: "string", default: "all" },
    limit: { type: "string" },
    errors: { type: "boolean", default: false },
  },
});
const limit = options.limit === undefined ? Number.POSITIVE_INFINITY : Number(options.limit);

interface Scored {
  column: string;
  predicted: boolean;
  expected: boolean;
  correct: boolean;
  confidence: number;
  detail: string;
}

const CALIBRATION_BUCKETS = [0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01];

function fold(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/\s+/g, " ")
    .trim();
}

function isoPrefix(value: string): string | undefined {
  const coerced = coerceValue("date", value);
  return coerced.ok && typeof coerced.value === "string" ? coerced.value : undefined;
}

function cellText(cell: Cell | undefined): string | undefined {
  if (cell === undefined || cell.value === null || (cell.outcome !== "found" && cell.outcome !== "ambiguous"))
    return undefined;
  return Array.isArray(cell.value) ? cell.value.join("; ") : String(cell.value);
}

function printCalibration(rows: Scored[]): void {
  console.log("| confidence | values | right | accuracy |");
  console.log("| --- | ---: | ---: | ---: |");
  for (let index = 0; index < CALIBRATION_BUCKETS.length - 1; index += 1) {
    const low = CALIBRATION_BUCKETS[index]!;
    const high = CALIBRATION_BUCKETS[index + 1]!;
    const bucket = rows.filter((row) => row.predicted && row.confidence >= low && row.confidence < high);
    const right = bucket.filter((row) => row.correct).length;
    const label = high > 1 ? `${low.toFixed(1)}-1.0` : `${low.toFixed(1)}-${high.toFixed(1)}`;
    console.log(
      `| ${label} | ${bucket.length} | ${right} | ${bucket.length === 0 ? "-" : percent(right / bucket.length)} |`,
    );
  }
  const confident = rows.filter((row) => row.predicted && row.confidence >= 0.8);
  const right = confident.filter((row) => row.correct).length;
  console.log(
    `\nValues with confidence >= 0.8: ${confident.length}, right ${right} (${percent(right / Math.max(1, confident.length))}).\n`,
  );
}

function percent(ratio: number): string {
  return `${(100 * ratio).toFixed(1)}%`;
}

function printErrors(rows: Scored[]): void {
  if (!options.errors) return;
  for (const row of rows.filter((item) => (item.predicted || item.expected) && !item.correct)) {
    console.log(`  ${row.column}: ${row.detail}`);
  }
}

function runSwde(): Scored[] {
  const dir = path.join(corpusDir, "swde-books");
  const truth = readFileSync(path.join(dir, "groundtruth.jsonl"), "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as SwdeTruth)
    .slice(0, limit);
  const columns: ColumnSpec[] = [
    { name: "author", type: "string", mode: "enrich" },
    { name: "publisher", type: "string", mode: "enrich" },
    { name: "isbn_13", type: "string", mode: "enrich" },
    { name: "publication_date", type: "date", mode: "enrich" },
  ];
  const rows: Scored[] = [];
  let anyAuthorRight = 0;
  const started = performance.now();

  for (const item of truth) {
    const file = path.join(dir, "pages", item.site, `${item.page}.htm`);
    const bytes = readFileSync(file);
    const html = decodeHtml(bytes);
    const url = /<base href="([^"]+)"/.exec(html.slice(0, 500))?.[1] ?? item.url;
    const page = analyzeHtml(html, { url });
    const cells = extractFromPages({ entity: { key: { title: item.title } }, columns, pages: [page] });

    const author = cellText(cells.author);
    const firstAuthor = item.authors[0];
    rows.push(
      score(
        `author ${item.page}`,
        "author",
        cells.author,
        firstAuthor,
        (value, expected) => fold(value) === fold(expected),
      ),
    );
    if (author !== undefined && item.authors.some((name) => fold(name) === fold(author))) anyAuthorRight += 1;
    rows.push(
      score(
        `publisher ${item.page}`,
        "publisher",
        cells.publisher,
        item.publisher,
        (value, expected) => fold(value) === fold(expected),
      ),
    );
    rows.push(
      score(
        `isbn_13 ${item.page}`,
        "isbn_13",
        cells.isbn_13,
        item.isbn_13,
        (value, expected) => value.replace(/-/g, "") === expected,
      ),
    );
    rows.push(
      score(
        `publication_date ${item.page}`,
        "publication_date",
        cells.publication_date,
        item.publication_date,
        (value, expected) => {
          const wanted = isoPrefix(expected);
          return wanted !== undefined && value.slice(0, wanted.length) === wanted;
        },
      ),
    );
  }
  const elapsed = performance.now() - started;

  console.log(`## SWDE books (${truth.length} pages, ${(elapsed / truth.length).toFixed(1)} ms per page)\n`);
  console.log("| column | expected | predicted | right | precision | recall | F1 |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const column of columns.map((spec) => spec.name)) {
    const subset = rows.filter((row) => row.column === column);
    const expected = subset.filter((row) => row.expected).length;
    const predicted = subset.filter((row) => row.predicted).length;
    const right = subset.filter((row) => row.correct).length;
    const precision = right / Math.max(1, predicted);
    const recall = right / Math.max(1, expected);
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    console.log(
      `| ${column} | ${expected} | ${predicted} | ${right} | ${percent(precision)} | ${percent(recall)} | ${f1.toFixed(3)} |`,
    );
  }
  console.log(
    `\nAuthor is scored against the first labelled author; ${anyAuthorRight} of ${truth.length} values equal one of the labelled authors.\n`,
  );
  printCalibration(rows);
  printErrors(rows);
  return rows;
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

function score(
  detail: string,
  column: string,
  cell: Cell | undefined,
  expected: string | null | undefined,
  same: (value: string, expected: string) => boolean,
): Scored {
  const value = cellText(cell);
  const hasExpected = expected !== null && expected !== undefined && expected !== "";
  const correct = value !== undefined && hasExpected && same(value, expected);
  return {
    column,
    predicted: value !== undefined,
    expected: hasExpected,
    correct,
    confidence: cell?.confidence ?? 0,
    detail: `${detail}: got ${JSON.stringify(value ?? null)} (${cell?.confidence ?? 0}, ${cell?.reason ?? "no cell"}), expected ${JSON.stringify(expected ?? null)}`,
  };
}

interface ArticleTruth {
  title: string | null;
  byline: string | null;
  siteName: string | null;
  publishedTime: string | null;
}

function runArticles(): Scored[] {
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
  const rows: Scored[] = [];
  const failures: string[] = [];
  const started = performance.now();

  for (const folder of folders) {
    const url = `http://${folder}.articles.test/`;
    const truth = JSON.parse(
      readFileSync(path.join(dir, folder, "expected-metadata.json"), "utf8"),
    ) as ArticleTruth;
    try {
      const page = analyzeHtml(decodeHtml(readFileSync(path.join(dir, folder, "source.html"))), { url });
      if (page.text.trim() === "") failures.push(`${folder}: empty main text`);
      if (page.title.trim() === "") failures.push(`${folder}: empty title`);
      const cells = extractFromPages({ entity: { key: { url } }, columns, pages: [page] });
      const loose = (value: string, expected: string) =>
        fold(value) === fold(expected) ||
        fold(expected).includes(fold(value)) ||
        fold(value).includes(fold(expected));
      rows.push(score(folder, "title", cells.title, truth.title, loose));
      rows.push(score(folder, "author", cells.author, truth.byline, loose));
      rows.push(
        score(
          folder,
          "published_date",
          cells.published_date,
          truth.publishedTime,
          (value, expected) => value.slice(0, 10) === expected.slice(0, 10),
        ),
      );
      rows.push(score(folder, "site_name", cells.site_name, truth.siteName, loose));
    } catch (error) {
      failures.push(`${folder}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const elapsed = performance.now() - started;

  console.log(
    `## Articles (${folders.length} pages, ${(elapsed / folders.length).toFixed(1)} ms per page)\n`,
  );
  console.log(
    `Pages with an exception, empty main text or empty title: ${failures.length}${failures.length > 0 ? ` (${failures.join("; ")})` : ""}.\n`,
  );
  console.log("| column | expected | right | accuracy | filled where none expected |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  for (const column of columns.map((spec) => spec.name)) {
    const subset = rows.filter((row) => row.column === column);
    const expected = subset.filter((row) => row.expected);
    const right = expected.filter((row) => row.correct).length;
    const extra = subset.filter((row) => !row.expected && row.predicted).length;
    console.log(
      `| ${column} | ${expected.length} | ${right} | ${percent(right / Math.max(1, expected.length))} | ${extra} |`,
    );
  }
  console.log(
    "\nA value is right when, after case folding, it equals the expected value or one contains the other; dates compare on YYYY-MM-DD.\n",
  );
  printCalibration(rows.filter((row) => row.expected));
  printErrors(rows);
  return rows;
}

if (!existsSync(corpusDir)) {
  console.error(
    `corpus not found at ${corpusDir}; set AMPLEDATA_CORPUS_DIR to the folder that holds swde-books/ and articles/`,
  );
  process.exit(1);
}
if (options.corpus === "all" || options.corpus === "swde") runSwde();
if (options.corpus === "all" || options.corpus === "articles") runArticles();

/**
 * Search quality of the sandbox web over swde-books: for each of the 400 labelled book pages, the
 * query "<title> <first author>" should rank that page first.
 *
 *   node --conditions=development bench/search-quality.ts [--corpus DIR ...] [--show-misses]
 *
 * The index contains swde-books plus every extra --corpus, so distractor pages can be added. Exits
 * with status 1 when the page is first for under 90% of queries or in the top 10 for under 98%.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { createSearchIndex, loadCorpora, resolveSharedCorpusDir } from "@ampledata/sandbox-web";

interface GroundTruth {
  url: string;
  title: string;
  authors: string[];
}

const TOP1_TARGET = 0.9;
const TOP10_TARGET = 0.98;

const { values } = parseArgs({
  options: {
    corpus: { type: "string", multiple: true, default: [] },
    "show-misses": { type: "boolean", default: false },
  },
});

const swdeDir = resolveSharedCorpusDir("swde-books");
const corpora = await loadCorpora([swdeDir, ...(values.corpus ?? [])]);
const pages = corpora.flatMap((corpus) => corpus.pages);
const index = createSearchIndex(pages);

const rows = (await readFile(path.join(swdeDir, "groundtruth.jsonl"), "utf8"))
  .trim()
  .split("\n")
  .map((line) => JSON.parse(line) as GroundTruth);

// Pages that share their title and first author (two editions of one book) make the query ambiguous.
const queryCounts = new Map<string, number>();
for (const row of rows) {
  const query = `${row.title} ${row.authors[0] ?? ""}`.trim();
  queryCounts.set(query, (queryCounts.get(query) ?? 0) + 1);
}

let top1 = 0;
let top10 = 0;
let reciprocalRankSum = 0;
const misses: string[] = [];
for (const row of rows) {
  const query = `${row.title} ${row.authors[0] ?? ""}`.trim();
  const results = index.search(query, 10);
  const rank = results.hits.findIndex((hit) => hit.url === row.url) + 1;
  if (rank === 1) {
    top1 += 1;
  }
  if (rank >= 1) {
    top10 += 1;
    reciprocalRankSum += 1 / rank;
  }
  if (rank !== 1) {
    const ambiguous = (queryCounts.get(query) ?? 0) > 1 ? " (ambiguous: same title and author)" : "";
    misses.push(
      `rank ${rank || ">10"}: "${query}"${ambiguous} -> first: ${results.hits[0]?.title ?? "nothing"}`,
    );
  }
}

const ambiguousQueries = [...queryCounts.values()]
  .filter((count) => count > 1)
  .reduce((sum, count) => sum + count, 0);
const summary = {
  corpora: corpora.map((corpus) => `${path.basename(corpus.dir)} (${corpus.pages.length} pages)`),
  queries: rows.length,
  top1: `${top1}/${rows.length} (${percent(top1 / rows.length)})`,
  top10: `${top10}/${rows.length} (${percent(top10 / rows.length)})`,
  meanReciprocalRank: Number((reciprocalRankSum / rows.length).toFixed(4)),
  ambiguousQueries,
};
console.log(JSON.stringify(summary, null, 2));
if (values["show-misses"]) {
  console.log(misses.join("\n"));
}

if (top1 / rows.length < TOP1_TARGET || top10 / rows.length < TOP10_TARGET) {
  console.error(
    `Below target: top 1 must reach ${percent(TOP1_TARGET)} and top 10 ${percent(TOP10_TARGET)}.`,
  );
  process.exitCode = 1;
}

function percent(value: number): string {
  return `${(value * 100).toFixed(2)}%`;
}

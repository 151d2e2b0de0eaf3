/**
 * Speed of the sandbox web over the whole shared corpus (swde-books and articles): how long the
 * corpus takes to load and index, and how long one search takes, called in process and through
 * the Serper-compatible HTTP API.
 *
 *   node --conditions=development bench/search.ts [--corpus DIR ...]
 *
 * Queries: "<title> <first author>" for each swde-books page and the title of each article, run
 * once each after a warm-up. Latencies include snippet selection.
 */
import { readdir, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createSearchIndex, loadCorpora, resolveSharedCorpusDir, startSandbox } from "@ampledata/sandbox-web";

const WARM_UP_QUERIES = 20;
const RESULTS_PER_QUERY = 10;
const API_KEY = "bench-key";

const { values } = parseArgs({ options: { corpus: { type: "string", multiple: true, default: [] } } });
const swdeDir = resolveSharedCorpusDir("swde-books");
const articlesDir = resolveSharedCorpusDir("articles");
const corpusDirs = values.corpus?.length ? values.corpus : [swdeDir, articlesDir];

const queries = await buildQueries();

// Load and index in process, timing each step.
let started = performance.now();
const corpora = await loadCorpora(corpusDirs);
const loadMs = performance.now() - started;
const pages = corpora.flatMap((corpus) => corpus.pages);
started = performance.now();
const index = createSearchIndex(pages);
const indexMs = performance.now() - started;

for (const query of queries.slice(0, WARM_UP_QUERIES)) {
  index.search(query, RESULTS_PER_QUERY);
}
const inProcess: number[] = [];
for (const query of queries) {
  const queryStarted = performance.now();
  index.search(query, RESULTS_PER_QUERY);
  inProcess.push(performance.now() - queryStarted);
}

// The same queries through a running sandbox, the way a search provider calls it.
started = performance.now();
const sandbox = await startSandbox({ corpora: corpusDirs, apiKey: API_KEY });
const startMs = performance.now() - started;
const overHttp: number[] = [];
try {
  for (const [position, query] of queries.entries()) {
    const queryStarted = performance.now();
    const response = await fetch(`${sandbox.url}/search`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": API_KEY },
      body: JSON.stringify({ q: query, num: RESULTS_PER_QUERY }),
      signal: AbortSignal.timeout(10_000),
    });
    await response.json();
    if (position >= WARM_UP_QUERIES || queries.length <= WARM_UP_QUERIES) {
      overHttp.push(performance.now() - queryStarted);
    }
  }
} finally {
  await sandbox.stop();
}

console.log(
  JSON.stringify(
    {
      machine: `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? "unknown CPU"}, Node ${process.version}`,
      corpora: corpora.map((corpus) => `${path.basename(corpus.dir)} (${corpus.pages.length} pages)`),
      pages: pages.length,
      loadMs: Math.round(loadMs),
      indexMs: Math.round(indexMs),
      sandboxStartMs: Math.round(startMs),
      queries: queries.length,
      inProcessMs: summarize(inProcess),
      httpMs: summarize(overHttp),
    },
    null,
    2,
  ),
);

async function buildQueries(): Promise<string[]> {
  const list: string[] = [];
  const groundTruth = await readFile(path.join(swdeDir, "groundtruth.jsonl"), "utf8");
  for (const line of groundTruth.trim().split("\n")) {
    const row = JSON.parse(line) as { title: string; authors: string[] };
    list.push(`${row.title} ${row.authors[0] ?? ""}`.trim());
  }
  for (const entry of await readdir(articlesDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) {
      continue;
    }
    const metadataFile = path.join(articlesDir, entry.name, "expected-metadata.json");
    const metadata = JSON.parse(await readFile(metadataFile, "utf8").catch(() => "{}")) as { title?: string };
    if (metadata.title) {
      list.push(metadata.title);
    }
  }
  return list;
}

function summarize(samples: number[]): Record<string, number> {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (fraction: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
  const round = (value: number): number => Math.round(value * 100) / 100;
  return { median: round(at(0.5)), p90: round(at(0.9)), p99: round(at(0.99)), max: round(sorted.at(-1)!) };
}

// `pnpm demo [--corpus DIR] [--rows N] [--out FILE]` brings up the local stack, the sandbox web over
// a corpus in the swde-books layout, and the five services. It then submits a job built from the
// corpus' groundtruth.jsonl, shows progress, writes the results and prints the accuracy per column.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  ApiClient,
  downloadExport,
  exportFormatOf,
  ProgressPrinter,
  submitJob,
  watchJob,
} from "@ampledata/cli";
import { resolveSharedCorpusDir, startSandbox } from "@ampledata/sandbox-web";
import { BOOK_COLUMNS, bookInputCsv, formatScores, loadBookTruth, scoreExport } from "./groundtruth.ts";
import { repoRoot, startPipeline } from "./pipeline.ts";
import { DEFAULT_DATABASE_URL, DEFAULT_NATS_URL, ensureStack } from "./stack.ts";

const USAGE = `usage: pnpm demo [--corpus DIR] [--rows N] [--out FILE.jsonl|FILE.csv] [--serve]

  --corpus DIR  corpus in the swde-books layout (pages/ and groundtruth.jsonl)
  --rows N      rows to submit (default 20)
  --out FILE    where to write the results (default demo-results.jsonl)
  --serve       start everything and keep it running for the ampledata command, without a job`;

function readOptions() {
  const { values } = parseArgs({
    options: {
      corpus: { type: "string" },
      rows: { type: "string", default: "20" },
      out: { type: "string", default: "demo-results.jsonl" },
      help: { type: "boolean", default: false },
      serve: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const rows = Number(values.rows);
  if (!Number.isInteger(rows) || rows < 1) {
    throw new Error(
      `--rows must be a whole number of at least 1, got ${JSON.stringify(values.rows)}\n${USAGE}`,
    );
  }
  exportFormatOf(values.out);
  return { corpus: values.corpus, rows, out: resolve(values.out), serve: values.serve };
}

/** Picks the corpus: --corpus, else ../shared/corpus/swde-books when present, else the bundled example. */
function chooseCorpus(given: string | undefined): string {
  if (given) {
    const dir = resolve(given);
    if (!existsSync(join(dir, "groundtruth.jsonl"))) {
      throw new Error(`--corpus ${dir} has no groundtruth.jsonl; give a folder in the swde-books layout`);
    }
    return dir;
  }
  const shared = resolveSharedCorpusDir("swde-books");
  return existsSync(join(shared, "groundtruth.jsonl"))
    ? shared
    : join(repoRoot, "tools/sandbox-web/fixtures/books");
}

async function main(): Promise<void> {
  const options = readOptions();
  const corpus = chooseCorpus(options.corpus);
  const natsUrl = process.env.NATS_URL ?? DEFAULT_NATS_URL;
  const databaseUrl = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  await ensureStack(natsUrl, databaseUrl);

  const books = loadBookTruth(corpus).slice(0, options.rows);
  console.log(`demo: corpus ${corpus}, ${books.length} rows`);
  const apiKey = "demo-key";
  const sandbox = await startSandbox({ corpora: [corpus], host: "127.0.0.1", port: 0, apiKey });
  console.log(`demo: sandbox web with ${sandbox.pages} pages at ${sandbox.url}`);
  const logDir = join(repoRoot, ".stack", "logs", new Date().toISOString().replace(/[:.]/g, "-"));
  const pipeline = await startPipeline({
    natsUrl,
    databaseUrl,
    sandboxUrl: sandbox.url,
    sandboxApiKey: apiKey,
    logDir,
  });
  console.log(`demo: services started (logs in ${logDir}), gateway at ${pipeline.gatewayUrl}`);

  const stopAll = async () => {
    await pipeline.stop();
    await sandbox.stop();
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      console.log(`\ndemo: ${signal}, stopping the services`);
      void stopAll().then(() => process.exit(130));
    });
  }

  if (options.serve) {
    console.log(
      [
        "demo: serving until Ctrl-C. In another terminal, for example:",
        `  export AMPLEDATA_URL=${pipeline.gatewayUrl}`,
        "  pnpm -s ampledata enrich books.csv --key title --key author --column 'publisher:string:Publisher of the book'",
        `  dashboard: ${pipeline.gatewayUrl}/`,
      ].join("\n"),
    );
    await new Promise(() => {});
  }

  try {
    const inputDir = mkdtempSync(join(tmpdir(), "ampledata-demo-"));
    const input = join(inputDir, "books.csv");
    writeFileSync(input, bookInputCsv(books));
    const api = new ApiClient(pipeline.gatewayUrl);
    const submitted = await submitJob(api, input, {
      keyColumns: ["title", "author"],
      keyDescription: "book",
      columns: BOOK_COLUMNS.map((column) => ({ ...column, mode: "enrich" as const })),
    });
    console.log(`demo: job ${submitted.id}, queries ${JSON.stringify(submitted.query_patterns)}`);
    const printer = new ProgressPrinter(process.stdout);
    const job = await watchJob(api, submitted.id, (snapshot) => printer.update(snapshot));
    printer.finish();
    console.log(
      `demo: job ${job.status}: ${job.rows.done} completed, ${job.rows.failed} failed in ${job.timings.elapsed_seconds ?? "?"} s`,
    );
    await downloadExport(api, job.id, exportFormatOf(options.out), options.out);
    console.log(`demo: results written to ${options.out}`);

    const jsonl = join(inputDir, "results.jsonl");
    await downloadExport(api, job.id, "jsonl", jsonl);
    const exported = readFileSync(jsonl, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { row: number; values: Record<string, unknown> });
    console.log(formatScores(scoreExport(books, exported)));
  } finally {
    await stopAll();
  }
}

main().catch((error: unknown) => {
  console.error(`demo: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

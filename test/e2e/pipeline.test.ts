// End to end: the five services as separate processes, a private NATS server, a database of its
// own on the local PostgreSQL, and the sandbox web over the swde-books corpus standing in for the
// internet. The search client and the crawler reach the sandbox through configuration only.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { ApiClient, type JobView, submitJob } from "@ampledata/cli";
import { resolveSharedCorpusDir, type Sandbox, startSandbox } from "@ampledata/sandbox-web";
import { startTestNatsServer, type TestNatsServer } from "@ampledata/shared/testing";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BOOK_COLUMNS,
  type BookTruth,
  bookInputCsv,
  loadBookTruth,
  scoreExport,
} from "../../scripts/groundtruth.ts";
import { type RunningPipeline, repoRoot, startPipeline } from "../../scripts/pipeline.ts";
import { createTestDatabase, readRowEvents, type TestDatabase, waitFor, writeTempFile } from "./support.ts";

const corpus = resolveSharedCorpusDir("swde-books");
const hasCorpus = existsSync(join(corpus, "groundtruth.jsonl"));
const API_KEY = "e2e-key";
const TERMINAL = new Set(["COMPLETED", "FAILED", "CANCELLED"]);
const run = promisify(execFile);

let nats: TestNatsServer;
let database: TestDatabase;
let sandbox: Sandbox;
let pipeline: RunningPipeline;
let api: ApiClient;
let books: BookTruth[];
const logDir = join(repoRoot, ".stack", "logs", `e2e-${Date.now()}`);

/** Trace id per row of a job, from a service's "message handled" log lines. */
function traceIdsByRow(service: string, jobId: string): Map<number, string> {
  const byRow = new Map<number, string>();
  for (const line of readFileSync(join(logDir, `${service}.log`), "utf8").split("\n")) {
    if (!line.includes(jobId) || !line.includes('"message handled"')) {
      continue;
    }
    const entry = JSON.parse(line) as { rowKey: number; traceId?: string };
    if (entry.traceId) {
      byRow.set(entry.rowKey, entry.traceId);
    }
  }
  return byRow;
}

async function job(id: string): Promise<JobView> {
  return api.request<JobView>("GET", `/v1/jobs/${id}`);
}

async function submitBooks(rows: BookTruth[], extra: { priority?: number } = {}): Promise<string> {
  const file = writeTempFile("books.csv", bookInputCsv(rows));
  const submitted = await submitJob(api, file, {
    keyColumns: ["title", "author"],
    keyDescription: "book",
    columns: BOOK_COLUMNS.map((column) => ({ ...column, mode: "enrich" as const })),
    ...extra,
  });
  return submitted.id;
}

async function waitFinished(id: string, timeoutMs: number): Promise<JobView> {
  let last: JobView | undefined;
  await waitFor(
    `job ${id} to finish`,
    async () => {
      last = await job(id);
      return last.status === "COMPLETED" || last.status === "CANCELLED";
    },
    timeoutMs,
  );
  return last!;
}

describe.skipIf(!hasCorpus && process.env.CI === undefined)(
  "pipeline end to end",
  { timeout: 300_000 },
  () => {
    beforeAll(async () => {
      books = loadBookTruth(corpus);
      nats = await startTestNatsServer();
      database = await createTestDatabase();
      sandbox = await startSandbox({
        corpora: [corpus, join(repoRoot, "tools/sandbox-web/fixtures/books")],
        host: "127.0.0.1",
        port: 0,
        apiKey: API_KEY,
      });
      pipeline = await startPipeline({
        natsUrl: nats.url,
        databaseUrl: database.url,
        sandboxUrl: sandbox.url,
        sandboxApiKey: API_KEY,
        logDir,
        env: {
          // The global cap equals one job's window, so a large job could hold every slot: only
          // round-robin admission lets a job submitted after it through.
          gateway: {
            JOB_WINDOW_ROWS: "20",
            MAX_IN_FLIGHT_ROWS: "20",
            ADMISSION_TICK_MS: "200",
            PROVIDER_PRICES_USD: "serper=0.001,http=0.0001",
          },
        },
      });
      api = new ApiClient(pipeline.gatewayUrl);
    }, 120_000);

    afterAll(async () => {
      await pipeline?.stop();
      await sandbox?.stop();
      await database?.drop();
      await nats?.stop();
    }, 60_000);

    it("enriches 60 rows with the expected accuracy and exports", async () => {
      const sample = books.slice(0, 60);
      const id = await submitBooks(sample);
      const finished = await waitFinished(id, 240_000);

      expect(finished.status).toBe("COMPLETED");
      expect(finished.rows.total).toBe(60);
      expect(finished.rows.finished).toBe(60);

      // Every row reached exactly one terminal event.
      const terminal = (await readRowEvents(nats.url)).filter(
        (event) => event.jobId === id && TERMINAL.has(event.stage),
      );
      const perRow = new Map<number, number>();
      for (const event of terminal) {
        perRow.set(event.rowIndex, (perRow.get(event.rowIndex) ?? 0) + 1);
      }
      expect(perRow.size).toBe(60);
      expect([...perRow.values()].every((count) => count === 1)).toBe(true);

      // JSONL export: one object per input row, in input order, with per-cell evidence.
      const jsonl = await (await api.send("GET", `/v1/jobs/${id}/results.jsonl`)).text();
      const records = jsonl
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line));
      expect(records).toHaveLength(60);
      records.forEach((record, index) => {
        expect(record.row).toBe(index);
        expect(record.key).toEqual({ title: sample[index]!.title, author: sample[index]!.authors[0] ?? "" });
        expect(Object.keys(record.input)).toEqual([
          "title",
          "author",
          "publisher",
          "isbn_13",
          "publication_date",
        ]);
        expect(["COMPLETED", "FAILED", "CANCELLED"]).toContain(record.status);
        expect(Object.keys(record.values).sort()).toEqual(["isbn_13", "publication_date", "publisher"]);
        for (const cell of Object.values(record.cells) as Record<string, unknown>[]) {
          expect(["found", "not_found", "blocked", "ambiguous", "invalid", "skipped", "error"]).toContain(
            cell.outcome,
          );
          expect(cell.confidence).toBeGreaterThanOrEqual(0);
          expect(cell.confidence).toBeLessThanOrEqual(1);
          expect(typeof cell.reason).toBe("string");
          expect(Array.isArray(cell.sources)).toBe(true);
          expect(cell.evidence === null || typeof cell.evidence === "string").toBe(true);
        }
        expect(record.error === null || typeof record.error === "string").toBe(true);
      });
      const found = records.flatMap(
        (record) => Object.values(record.cells) as { outcome: string; sources: string[] }[],
      );
      expect(found.filter((cell) => cell.outcome === "found").every((cell) => cell.sources.length > 0)).toBe(
        true,
      );

      // Accuracy against the labelled ground truth.
      const scores = Object.fromEntries(
        scoreExport(sample, records).map((score) => [score.column, score.accuracy]),
      );
      expect(scores.isbn_13).toBeGreaterThanOrEqual(0.95);
      expect(scores.publisher).toBeGreaterThanOrEqual(0.85);
      expect(scores.publication_date).toBeGreaterThanOrEqual(0.8);

      // CSV export: input columns, requested columns, confidence and source per column, status, error.
      const csv = await (await api.send("GET", `/v1/jobs/${id}/results.csv`)).text();
      const table = parse(csv, { columns: false, bom: true }) as string[][];
      expect(table[0]).toEqual([
        "title",
        "author",
        "publisher",
        "isbn_13",
        "publication_date",
        "publisher_confidence",
        "publisher_source",
        "isbn_13_confidence",
        "isbn_13_source",
        "publication_date_confidence",
        "publication_date_source",
        "status",
        "error",
      ]);
      expect(table).toHaveLength(61);
      expect(table[1]![0]).toBe(sample[0]!.title);
      expect(table[1]![3]).toBe(records[0].values.isbn_13 ?? "");

      // One trace per row, continued by every stage.
      const serpTraces = traceIdsByRow("serp", id);
      const extractTraces = traceIdsByRow("extract", id);
      expect(serpTraces.size).toBe(60);
      expect(new Set(serpTraces.values()).size).toBe(60);
      for (const [row, traceId] of extractTraces) {
        expect(serpTraces.get(row)).toBe(traceId);
      }
      expect(extractTraces.size).toBeGreaterThan(0);

      // The job's cost is its provider calls times the configured prices.
      const serper = finished.usage.serper;
      const http = finished.usage.http;
      expect(serper?.calls).toBeGreaterThan(0);
      expect(http?.calls).toBeGreaterThan(0);
      expect(finished.cost_usd).toBeCloseTo(serper!.calls * 0.001 + http!.calls * 0.0001, 6);
    });

    it("answers a repeated job from the caches", async () => {
      const counters = async () =>
        (await (await fetch(`${sandbox.url}/__sandbox/counters`)).json()) as ReturnType<Sandbox["counters"]>;
      const rows = books.slice(320, 380);
      const first = await waitFinished(await submitBooks(rows), 240_000);
      expect(first.rows.done).toBe(60);
      expect(first.usage.serper?.calls).toBeGreaterThan(0);

      const before = await counters();
      const id = await submitBooks(rows);
      const finished = await waitFinished(id, 240_000);
      const after = await counters();

      expect(finished.rows.done).toBe(60);
      expect(after.byRoute.search).toBe(before.byRoute.search);
      expect(after.byRoute.page).toBe(before.byRoute.page);
      expect(after.byRoute.robots).toBe(before.byRoute.robots);
      expect(finished.usage.serper?.cached).toBeGreaterThan(0);
      expect(finished.usage.serper?.calls ?? 0).toBe(0);
      expect(finished.cost_usd).toBe(0);
    });

    it("runs the ampledata command from submit to CSV", async () => {
      const input = writeTempFile("few.csv", bookInputCsv(books.slice(60, 65)));
      const out = join(dirname(input), "few-out.csv");
      const { stderr } = await run(
        process.execPath,
        [
          "--conditions=development",
          join(repoRoot, "packages/cli/src/main.ts"),
          "--gateway",
          pipeline.gatewayUrl,
          "enrich",
          input,
          "--key",
          "title",
          "--key",
          "author",
          "--column",
          "isbn_13:string:ISBN-13 of the book",
          "--out",
          out,
        ],
        { timeout: 120_000 },
      );
      expect(stderr).toMatch(/submitted job [0-9a-f-]{36} with 5 rows/);
      expect(stderr).toContain("5/5 rows completed");
      const table = parse(readFileSync(out, "utf8"), { columns: true, bom: true }) as Record<
        string,
        string
      >[];
      expect(table).toHaveLength(5);
      expect(table.map((row) => row.isbn_13)).toEqual(books.slice(60, 65).map((book) => book.isbn_13 ?? ""));
    });

    it("shows an API validation error as the API words it", async () => {
      const input = writeTempFile("bad.csv", "title,author\nDune,Frank Herbert\n");
      const failure = await run(
        process.execPath,
        [
          "--conditions=development",
          join(repoRoot, "packages/cli/src/main.ts"),
          "--gateway",
          pipeline.gatewayUrl,
          "enrich",
          input,
          "--key",
          "isbn",
          "--column",
          "publisher:string",
        ],
        { timeout: 60_000 },
      ).catch((error: { code: number; stderr: string }) => error);
      expect((failure as { code: number }).code).toBe(1);
      expect((failure as { stderr: string }).stderr).toMatch(/^ampledata: .*\n.*isbn/s);
    });

    it("stops searching and crawling for a cancelled job", async () => {
      // Slow pages keep rows in flight when the cancel arrives.
      sandbox.setFaults([{ route: "page", kind: "latency", ms: 400 }]);
      try {
        const id = await submitBooks(books.slice(100, 300));
        await waitFor(
          "rows in flight",
          async () => ((await job(id)).rows.counts.DECISION_MADE ?? 0) > 0,
          60_000,
        );

        const cancelled = await api.request<JobView & { stopped: boolean }>("POST", `/v1/jobs/${id}/cancel`);
        expect(cancelled.status).toBe("CANCELLED");
        expect(cancelled.stopped).toBe(true);
        // Read the counters through the sandbox's own HTTP endpoint: the request queues behind every
        // request that reached the sandbox before the cancel returned, so those are all counted.
        const afterCancel = (await (await fetch(`${sandbox.url}/__sandbox/counters`)).json()) as ReturnType<
          Sandbox["counters"]
        >;

        await waitFor(
          "every row to end",
          async () => {
            const view = await job(id);
            return view.rows.finished === view.rows.total;
          },
          60_000,
        );
        await new Promise((resolve) => setTimeout(resolve, 1500));
        const later = sandbox.counters();
        expect(later.byRoute.search).toBe(afterCancel.byRoute.search);
        expect(later.byRoute.page).toBe(afterCancel.byRoute.page);

        const view = await job(id);
        expect(view.status).toBe("CANCELLED");
        expect(view.rows.cancelled).toBeGreaterThan(0);
        expect(view.rows.done + view.rows.failed + view.rows.cancelled).toBe(200);
      } finally {
        sandbox.setFaults([]);
      }
    });

    it("finishes a small job before a large one is half done", async () => {
      const large: BookTruth[] = [];
      for (let index = 0; large.length < 1000; index += 1) {
        large.push(books[index % books.length]!);
      }
      const largeId = await submitBooks(large);
      await waitFor("the large job to start", async () => (await job(largeId)).rows.finished > 0, 60_000);
      const smallId = await submitBooks(books.slice(300, 310));

      const small = await waitFinished(smallId, 120_000);
      const largeAtThatPoint = await job(largeId);
      await api.request("POST", `/v1/jobs/${largeId}/cancel`);

      expect(small.status).toBe("COMPLETED");
      expect(small.rows.done + small.rows.failed).toBe(10);
      expect(largeAtThatPoint.rows.finished).toBeLessThan(500);
    });
  },
);

// Re-running rows must cost no search or page request: both handlers read the JetStream KV caches.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Sandbox, startSandbox } from "@ampledata/sandbox-web";
import { createSerpHandler, SearchCache, SerperClient } from "@ampledata/serp";
import { createLogger, createMetrics, type JobSpec, MESSAGE_VERSION, type RowWork } from "@ampledata/shared";
import { startTestNatsServer, type TestNatsServer } from "@ampledata/shared/testing";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AddressGuard,
  createCrawlHandler,
  HostLimiters,
  HttpFetcher,
  PageCache,
  RobotsPolicy,
} from "../src/index.ts";
import { captureLogs } from "./context.ts";

const fixtureCorpus = fileURLToPath(new URL("../../../tools/sandbox-web/fixtures/books", import.meta.url));
const titles = readFileSync(`${fixtureCorpus}/groundtruth.jsonl`, "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line) => (JSON.parse(line) as { title: string }).title);

const job: JobSpec = {
  v: MESSAGE_VERSION,
  jobId: "cache-rerun",
  status: "RUNNING",
  keyColumns: ["title"],
  keyDescription: "book",
  columns: [
    { name: "publisher", type: "string", mode: "enrich" },
    { name: "publication_date", type: "date", mode: "enrich" },
  ],
  queryPatterns: ["%key", "%key publisher"],
  maxUrls: 2,
  maxRounds: 1,
};

let nats: TestNatsServer;
let connection: Awaited<ReturnType<typeof connect>>;
let sandbox: Sandbox;
const logger = createLogger("test-cache", "silent");

beforeAll(async () => {
  nats = await startTestNatsServer();
  connection = await connect({ servers: nats.url, noAsyncTraces: true });
  sandbox = await startSandbox({ corpora: [fixtureCorpus], host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await connection?.drain();
  await sandbox?.stop();
  await nats?.stop();
});

function context() {
  return {
    job,
    signal: new AbortController().signal,
    logger: createLogger("test-cache", "silent", captureLogs().stream),
    deliveryCount: 1,
    finalAttempt: false,
  };
}

/**
 * Runs every fixture row through serp and crawl with handlers, caches and robots.txt state made
 * fresh, as a new process would have them. Returns the usage both stages reported.
 */
async function runRows() {
  const metrics = createMetrics("test-cache");
  const search = new SerperClient({
    baseUrl: sandbox.url,
    apiKey: undefined,
    timeoutMs: 5000,
    userAgent: "test",
  });
  const fetcher = new HttpFetcher({
    proxyUrl: sandbox.url,
    deadlineMs: 5000,
    maxBodyBytes: 1024 * 1024,
    maxRedirects: 5,
    userAgent: "AmpleData/0.1 (test)",
    guard: new AddressGuard({ allowHosts: ["127.0.0.1"], allowCidrs: [] }),
  });
  const limiters = new HostLimiters({ perHostConcurrency: 2, delayMs: 0 });
  const serp = createSerpHandler({
    config: { QUERY_CONCURRENCY: 2, MAX_RESULTS: 5, SEARCH_RETRIES: 0, REFINE_CONFIDENCE: 0.6 },
    providers: [search],
    metrics,
    cache: await SearchCache.open(connection, { ttlMs: 600_000, metrics, logger }),
  });
  const crawl = createCrawlHandler({
    config: { CRAWL_PAGE_CONCURRENCY: 2, CRAWL_RETRIES: 0, CRAWL_MAX_CONTENT_CHARS: 200_000 },
    fetcher,
    metrics,
    limiters,
    robots: new RobotsPolicy({
      source: fetcher,
      userAgent: "AmpleData/0.1 (test)",
      ttlMs: 600_000,
      limiters,
      logger,
    }),
    cache: await PageCache.open(connection, { ttlMs: 600_000, metrics, logger }),
  });
  const usage = [];
  const pages: string[] = [];
  try {
    for (const [rowIndex, title] of titles.entries()) {
      const row: RowWork = {
        v: MESSAGE_VERSION,
        jobId: job.jobId,
        rowIndex,
        key: { title },
        input: { title },
        admission: 1,
        round: 0,
        wanted: ["publisher", "publication_date"],
        cells: {},
      };
      const searched = await serp(row, context());
      const results = searched.next!.work.search!.results.slice(0, 2);
      const decided: RowWork = {
        ...searched.next!.work,
        decision: {
          missing: row.wanted,
          urls: results.map((result) => ({ url: result.url, reason: "top 2" })),
        },
      };
      const crawled = await crawl(decided, context());
      usage.push(...(searched.usage ?? []), ...(crawled.usage ?? []));
      pages.push(...(crawled.next!.work.pages ?? []).map((page) => `${page.url} ${page.title}`));
    }
  } finally {
    limiters.close();
    await search.close();
    await fetcher.close();
  }
  return { usage, pages };
}

function total(usage: { provider: string; calls: number; cached: number }[], provider: string) {
  const entries = usage.filter((entry) => entry.provider === provider);
  return {
    calls: entries.reduce((sum, entry) => sum + entry.calls, 0),
    cached: entries.reduce((sum, entry) => sum + entry.cached, 0),
  };
}

describe("caches over the fixture corpus", () => {
  it("re-runs every row without a request to the sandbox", async () => {
    expect(titles).toHaveLength(10);
    const first = await runRows();
    const before = sandbox.counters();
    expect(before.byRoute.search).toBe(20);
    expect(before.byRoute.page).toBeGreaterThanOrEqual(10);
    expect(total(first.usage, "serper").calls).toBe(20);

    sandbox.resetCounters();
    const again = await runRows();
    const after = sandbox.counters();
    expect(after.byRoute.search).toBe(0);
    expect(after.byRoute.page).toBe(0);
    expect(after.byRoute.robots).toBe(0);
    expect(again.pages).toEqual(first.pages);
    expect(total(again.usage, "serper")).toEqual({ calls: 0, cached: 20 });
    const firstPages = total(first.usage, "http");
    expect(total(again.usage, "http")).toEqual({ calls: 0, cached: firstPages.calls + firstPages.cached });
  });
});

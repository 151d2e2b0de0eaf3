import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { createLogger, createMetrics, TransientError } from "@ampledata/shared";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createCrawlHandler, HttpFetcher, RobotsPolicy, type RobotsUsage } from "../src/index.ts";
import { crawlRow, stageContext } from "./context.ts";
import { loopbackGuard } from "./guards.ts";
import { LEDGER_HTML } from "./page-server.ts";

/** What the robots server answers for /robots.txt, changed by each test. */
let robots: { status: number; body: string } = { status: 200, body: "" };
const hits = new Map<string, number>();
let server: Server;
let base: string;
let fetcher: HttpFetcher;
const logger = createLogger("test-crawl", "silent");
const signal = new AbortController().signal;
const usage = (): RobotsUsage => ({ calls: 0, cached: 0, errors: 0 });

beforeAll(async () => {
  server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (path === "/robots.txt") {
      response.writeHead(robots.status, { "content-type": "text/plain" });
      response.end(robots.body);
      return;
    }
    response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    response.end(LEDGER_HTML);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fetcher = new HttpFetcher({
    deadlineMs: 1000,
    maxBodyBytes: 1024 * 1024,
    maxRedirects: 5,
    userAgent: "AmpleData/0.1 (test)",
    guard: loopbackGuard(),
  });
});

afterEach(() => {
  hits.clear();
});

afterAll(async () => {
  await fetcher.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function policy(userAgent = "AmpleData/0.1 (test)", ttlMs = 60_000): RobotsPolicy {
  return new RobotsPolicy({ source: fetcher, userAgent, ttlMs, logger });
}

describe("robots.txt policy", () => {
  it("disallows a path for the crawler's group", async () => {
    robots = {
      status: 200,
      body: "User-agent: AmpleData\nDisallow: /private/\n\nUser-agent: *\nDisallow: /",
    };
    const rules = policy();
    expect(await rules.check(`${base}/books/1`, signal, usage())).toEqual({ allowed: true });
    const verdict = await rules.check(`${base}/private/1`, signal, usage());
    expect(verdict).toEqual({
      allowed: false,
      reason: `disallowed by robots.txt of ${new URL(base).host} for user agent AmpleData/0.1 (test)`,
    });
    const other = await policy("OtherBot/2").check(`${base}/books/1`, signal, usage());
    expect(other.allowed).toBe(false);
  });

  it("allows everything when robots.txt is missing", async () => {
    robots = { status: 404, body: "not found" };
    expect(await policy().check(`${base}/anything`, signal, usage())).toEqual({ allowed: true });
  });

  it("disallows the host while robots.txt answers 5xx", async () => {
    robots = { status: 503, body: "unavailable" };
    const counts = usage();
    const error = await policy()
      .check(`${base}/books/1`, signal, counts)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toContain("HTTP 503");
    expect(counts).toEqual({ calls: 1, cached: 0, errors: 1 });
  });

  it("keeps robots.txt for its TTL", async () => {
    robots = { status: 200, body: "User-agent: *\nDisallow: /private/" };
    const rules = policy("AmpleData/0.1", 150);
    const counts = usage();
    await Promise.all([rules.check(`${base}/a`, signal, counts), rules.check(`${base}/b`, signal, counts)]);
    await rules.check(`${base}/c`, signal, counts);
    expect(hits.get("/robots.txt")).toBe(1);
    expect(counts).toEqual({ calls: 1, cached: 2, errors: 0 });

    await sleep(200);
    await rules.check(`${base}/d`, signal, counts);
    expect(hits.get("/robots.txt")).toBe(2);
  });
});

describe("crawl handler with robots.txt", () => {
  it("records a disallowed page as blocked without fetching it", async () => {
    robots = { status: 200, body: "User-agent: *\nDisallow: /private/" };
    const handler = createCrawlHandler({
      config: { CRAWL_PAGE_CONCURRENCY: 2, CRAWL_RETRIES: 0, CRAWL_MAX_CONTENT_CHARS: 200_000 },
      fetcher,
      metrics: createMetrics("test-crawl"),
      robots: policy(),
    });
    const result = await handler(
      crawlRow([`${base}/books/ledger`, `${base}/private/ledger`]),
      stageContext(),
    );

    expect(result.next?.work.pages?.map((page) => page.url)).toEqual([`${base}/books/ledger`]);
    expect(result.next?.work.pageFailures).toEqual([
      {
        url: `${base}/private/ledger`,
        outcome: "blocked",
        reason: `disallowed by robots.txt of ${new URL(base).host} for user agent AmpleData/0.1 (test)`,
      },
    ]);
    expect(hits.get("/private/ledger")).toBeUndefined();
    expect(result.usage).toEqual([
      { provider: "http", calls: 1, cached: 0, errors: 0 },
      { provider: "robots", calls: 1, cached: 1, errors: 0 },
    ]);
  });

  it("hands the row back when robots.txt is unavailable", async () => {
    robots = { status: 500, body: "error" };
    const handler = createCrawlHandler({
      config: { CRAWL_PAGE_CONCURRENCY: 2, CRAWL_RETRIES: 0, CRAWL_MAX_CONTENT_CHARS: 200_000 },
      fetcher,
      metrics: createMetrics("test-crawl"),
      robots: policy(),
    });
    await expect(handler(crawlRow([`${base}/books/ledger`]), stageContext())).rejects.toBeInstanceOf(
      TransientError,
    );
    expect(hits.get("/books/ledger")).toBeUndefined();
  });
});

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createMetrics } from "@ampledata/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCrawlHandler, HostLimiters, HttpFetcher } from "../src/index.ts";
import { crawlRow, stageContext } from "./context.ts";
import { loopbackGuard } from "./guards.ts";

const USER_AGENT = "AmpleData-policy-test/2 (+https://example.test/bot)";
const DELAY_MS = 300;

interface Seen {
  path: string;
  userAgent: string | undefined;
  startedAt: number;
}

let server: Server;
let base: string;
const seen: Seen[] = [];
let running = 0;
let highestRunning = 0;

beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push({ path: request.url ?? "", userAgent: request.headers["user-agent"], startedAt: Date.now() });
    running += 1;
    highestRunning = Math.max(highestRunning, running);
    // Respond after a short while, so overlapping requests would show as running together.
    setTimeout(() => {
      running -= 1;
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      response.end(
        "<html><head><title>The Lighthouse Ledger</title></head><body><p>Publisher: Saltmarsh Books</p></body></html>",
      );
    }, 50);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("crawl handler policies", () => {
  it("sends the configured user agent and spaces requests per host", async () => {
    const fetcher = new HttpFetcher({
      deadlineMs: 5000,
      maxBodyBytes: 1024 * 1024,
      maxRedirects: 5,
      userAgent: USER_AGENT,
      guard: loopbackGuard(),
    });
    const limiters = new HostLimiters({ perHostConcurrency: 1, delayMs: DELAY_MS });
    try {
      const handler = createCrawlHandler({
        config: { CRAWL_PAGE_CONCURRENCY: 3, CRAWL_RETRIES: 0, CRAWL_MAX_CONTENT_CHARS: 200_000 },
        fetcher,
        limiters,
        metrics: createMetrics("test-crawl-policies"),
      });
      const result = await handler(crawlRow([`${base}/a`, `${base}/b`, `${base}/c`]), stageContext());

      expect(result.next?.work.pages).toHaveLength(3);
      expect(seen.map((request) => request.path).sort()).toEqual(["/a", "/b", "/c"]);
      for (const request of seen) {
        expect(request.userAgent).toBe(USER_AGENT);
      }
      expect(highestRunning).toBe(1);
      const starts = seen.map((request) => request.startedAt).sort((a, b) => a - b);
      for (let index = 1; index < starts.length; index += 1) {
        // The limiter spaces request starts by DELAY_MS; arrival times at the server also carry
        // connection set-up and event-loop delays, so half the delay is the bound. Unspaced
        // requests arrive within a few milliseconds of each other.
        expect(starts[index]! - starts[index - 1]!).toBeGreaterThanOrEqual(DELAY_MS / 2);
      }
    } finally {
      await fetcher.close();
      limiters.close();
    }
  });
});

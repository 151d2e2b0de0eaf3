import { fileURLToPath } from "node:url";
import { type Sandbox, startSandbox } from "@ampledata/sandbox-web";
import { createMetrics, TransientError } from "@ampledata/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CrawlHandlerDependencies,
  createCrawlHandler,
  HttpFetcher,
  serializedChars,
} from "../src/index.ts";
import { captureLogs, crawlRow, stageContext } from "./context.ts";
import { loopbackGuard } from "./guards.ts";
import { type PageServer, startPageServer } from "./page-server.ts";

const fixtureCorpus = fileURLToPath(new URL("../../../tools/sandbox-web/fixtures/books", import.meta.url));
const config = { CRAWL_PAGE_CONCURRENCY: 3, CRAWL_RETRIES: 1, CRAWL_MAX_CONTENT_CHARS: 200_000 };

let server: PageServer;
let fetcher: HttpFetcher;
let dependencies: CrawlHandlerDependencies;

beforeAll(async () => {
  server = await startPageServer();
  fetcher = new HttpFetcher({
    deadlineMs: 500,
    maxBodyBytes: 1024 * 1024,
    maxRedirects: 5,
    userAgent: "AmpleData-test/1",
    guard: loopbackGuard(),
  });
  dependencies = {
    config,
    fetcher,
    metrics: createMetrics("test-crawl"),
    retryPolicy: { minDelayMs: 10, maxDelayMs: 20 },
  };
});

afterAll(async () => {
  await fetcher.close();
  await server.stop();
});

const at = (path: string) => `${server.url}${path}`;

describe("crawl handler", () => {
  it("reads good pages and records the others as page failures", async () => {
    const urls = [
      "/ledger",
      "/cp1252",
      "/redirect/2",
      "/missing",
      "/forbidden",
      "/pdf",
      "/captcha",
      "/login",
    ].map(at);
    const result = await createCrawlHandler(dependencies)(crawlRow(urls), stageContext());

    expect(result.rowStage).toBe("CRAWLED");
    expect(result.next?.stage).toBe("extract");
    const pages = result.next?.work.pages ?? [];
    expect(pages.map((page) => page.url)).toEqual([at("/ledger"), at("/cp1252"), at("/redirect/2")]);
    expect(pages[2]?.finalUrl).toBe(at("/ledger"));
    expect(pages[0]?.labelValues).toContainEqual({ label: "Publisher", value: "Saltmarsh Books" });

    const failures = result.next?.work.pageFailures ?? [];
    expect(failures.map((failure) => [failure.url, failure.outcome])).toEqual([
      [at("/missing"), "error"],
      [at("/forbidden"), "blocked"],
      [at("/pdf"), "error"],
      [at("/captcha"), "blocked"],
      [at("/login"), "blocked"],
    ]);
    expect(failures[0]?.reason).toContain("HTTP 404");
    expect(failures[3]?.reason).toContain("CAPTCHA");
    expect(failures[4]?.reason).toContain("login wall");
  });

  it("decodes a windows-1252 page", async () => {
    const result = await createCrawlHandler(dependencies)(crawlRow([at("/cp1252")]), stageContext());
    const page = result.next?.work.pages?.[0];
    expect(page?.title).toBe("Café Müller");
    expect(page?.text).toContain("€ 12");
    expect(page?.text).toContain("“Grüß Gott”");
  });

  it("reads plain text and JSON responses", async () => {
    const result = await createCrawlHandler(dependencies)(
      crawlRow([at("/notes.txt"), at("/record.json")]),
      stageContext(),
    );
    const pages = result.next?.work.pages ?? [];
    expect(pages).toHaveLength(2);
    expect(pages[0]?.text).toContain("The Lighthouse Ledger <draft>");
    expect(pages[1]?.text).toContain('"publisher":"Saltmarsh Books"');
  });

  it("retries a 503 in process and logs the retry", async () => {
    server.hits.delete("/flaky");
    const logs = captureLogs();
    const result = await createCrawlHandler(dependencies)(crawlRow([at("/flaky")]), stageContext(logs));
    expect(result.next?.work.pages).toHaveLength(1);
    expect(result.usage).toEqual([{ provider: "http", calls: 2, cached: 0, errors: 1 }]);
    expect(logs.lines.some((line) => line.level === 40 && line.msg === "http request failed, retrying")).toBe(
      true,
    );
  });

  it("throws TransientError when every page failed transiently", async () => {
    const error = await createCrawlHandler(dependencies)(
      crawlRow([at("/always-503"), at("/slow")]),
      stageContext(),
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toContain("HTTP 503");
    expect((error as Error).message).toContain("timed out after 500 ms");
  });

  it("forwards when only some pages failed transiently", async () => {
    const result = await createCrawlHandler(dependencies)(
      crawlRow([at("/always-503"), at("/missing")]),
      stageContext(),
    );
    expect(result.next?.work.pages).toEqual([]);
    expect(result.next?.work.pageFailures?.map((failure) => failure.outcome)).toEqual(["error", "error"]);
  });

  it("keeps the row's page content under the budget", async () => {
    const small = { ...dependencies, config: { ...config, CRAWL_MAX_CONTENT_CHARS: 6000 } };
    const result = await createCrawlHandler(small)(
      crawlRow([at("/big"), at("/ledger"), at("/notes.txt")]),
      stageContext(),
    );
    const pages = result.next?.work.pages ?? [];
    expect(pages).toHaveLength(3);
    const total = pages.reduce((sum, page) => sum + serializedChars(page), 0);
    expect(total).toBeLessThanOrEqual(6000);
    expect(pages[0]?.truncated).toBe(true);
    expect(pages[1]?.truncated).toBe(false);
    expect(pages[1]?.labelValues).toContainEqual({ label: "Publisher", value: "Saltmarsh Books" });
  });

  it("forwards a row without URLs unchanged", async () => {
    const result = await createCrawlHandler(dependencies)(crawlRow([]), stageContext());
    expect(result.next?.work.pages).toEqual([]);
    expect(result.next?.work.pageFailures).toEqual([]);
  });

  it("stops on cancellation without a page failure", async () => {
    const controller = new AbortController();
    const pending = createCrawlHandler(dependencies)(
      crawlRow([at("/slow")]),
      stageContext(captureLogs(), controller.signal),
    );
    setTimeout(() => controller.abort(new Error("job cancelled")), 50);
    const error = await pending.catch((caught: unknown) => caught);
    expect(error).not.toBeInstanceOf(TransientError);
    expect(error).toBeInstanceOf(Error);
  });
});

describe("crawl through the sandbox proxy", () => {
  let sandbox: Sandbox;
  let proxied: HttpFetcher;

  beforeAll(async () => {
    sandbox = await startSandbox({ corpora: [fixtureCorpus], host: "127.0.0.1", port: 0 });
    proxied = new HttpFetcher({
      proxyUrl: sandbox.url,
      deadlineMs: 2000,
      maxBodyBytes: 1024 * 1024,
      maxRedirects: 5,
      userAgent: "AmpleData-test/1",
      guard: loopbackGuard(),
    });
  });

  afterAll(async () => {
    await proxied.close();
    await sandbox.stop();
  });

  it("fetches corpus pages and decodes their charset", async () => {
    const handler = createCrawlHandler({ ...dependencies, fetcher: proxied });
    const row = crawlRow(
      [
        "http://shop.quillandpage.test/livres/cartographers-winter",
        "http://shop.quillandpage.test/no-such-book",
      ],
      { title: "A Cartographer’s Winter" },
    );
    const result = await handler(row, stageContext());
    const page = result.next?.work.pages?.[0];
    expect(page?.title).toContain("A Cartographer’s Winter – Inès Valcourt");
    expect(page?.labelValues).toContainEqual({ label: "Publisher", value: "Northwind House" });
    expect(result.next?.work.pageFailures).toEqual([
      {
        url: "http://shop.quillandpage.test/no-such-book",
        outcome: "error",
        reason: "http://shop.quillandpage.test/no-such-book responded with HTTP 404",
      },
    ]);
    expect(sandbox.counters().byRoute.page).toBe(2);
  });
});

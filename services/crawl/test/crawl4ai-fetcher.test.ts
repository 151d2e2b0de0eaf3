import { PermanentError, TransientError } from "@ampledata/shared";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FakeApi, startFakeApi } from "../../serp/test/fake-api.ts";
import {
  AddressGuard,
  Crawl4aiFetcher,
  type LookupFunction,
  PageFailureError,
  readPage,
} from "../src/index.ts";
import { LEDGER_HTML } from "./page-server.ts";

const lookup: LookupFunction = async (hostname) => {
  const table: Record<string, string> = { "books.test": "93.184.216.34", "intranet.test": "10.1.1.1" };
  const address = table[hostname];
  if (address === undefined) {
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
  }
  return [{ address, family: 4 }];
};

/** A Crawl4AI `/crawl` response for one URL, in the server's wire format. */
function crawled(url: string, overrides: Record<string, unknown> = {}): unknown {
  return {
    success: true,
    results: [
      {
        url,
        success: true,
        status_code: 200,
        html: LEDGER_HTML,
        cleaned_html: "<div>cleaned</div>",
        markdown: {
          raw_markdown: "# The Lighthouse Ledger",
          markdown_with_citations: "",
          references_markdown: "",
        },
        metadata: { title: "The Lighthouse Ledger" },
        response_headers: { "Content-Type": "text/html; charset=utf-8" },
        error_message: "",
        ...overrides,
      },
    ],
    server_processing_time_s: 1.2,
  };
}

let fake: FakeApi;
let fetcher: Crawl4aiFetcher;
const signal = new AbortController().signal;

beforeAll(async () => {
  fake = await startFakeApi((request) => ({
    body: crawled((JSON.parse(request.body) as { urls: string[] }).urls[0]!),
  }));
  fetcher = new Crawl4aiFetcher({
    baseUrl: fake.url,
    apiToken: "c4a-token",
    deadlineMs: 2000,
    maxBodyBytes: 1024 * 1024,
    userAgent: "AmpleData-test/1",
    guard: new AddressGuard({ allowHosts: [], allowCidrs: [], lookup }),
  });
});

afterEach(() => {
  fake.received.length = 0;
  fake.queue.length = 0;
});

afterAll(async () => {
  await fetcher.close();
  await fake.stop();
});

async function failure(url: string): Promise<unknown> {
  return fetcher.fetch(url, signal).then(
    () => new Error(`${url} was expected to fail`),
    (error: unknown) => error,
  );
}

describe("Crawl4AI fetcher", () => {
  it("posts the URL with the crawler config and token", async () => {
    await fetcher.fetch("http://books.test/ledger", signal);
    const request = fake.received.at(-1)!;
    expect(request.method).toBe("POST");
    expect(request.path).toBe("/crawl");
    expect(request.headers.authorization).toBe("Bearer c4a-token");
    const body = JSON.parse(request.body);
    expect(body.urls).toEqual(["http://books.test/ledger"]);
    expect(body.crawler_config).toEqual({
      type: "CrawlerRunConfig",
      params: { cache_mode: "bypass", stream: false, page_timeout: 2000 },
    });
    expect(body.browser_config.params.user_agent).toBe("AmpleData-test/1");
  });

  it("reads the rendered HTML as a page", async () => {
    const fetched = await fetcher.fetch("http://books.test/ledger", signal);
    expect(fetched.status).toBe(200);
    expect(fetched.contentType).toBe("text/html; charset=utf-8");
    const read = readPage({
      fetched,
      columns: [],
      entity: { key: { title: "The Lighthouse Ledger" } },
      maxChars: 10_000,
    });
    expect("page" in read && read.page.labelValues).toContainEqual({
      label: "Publisher",
      value: "Saltmarsh Books",
    });
  });

  it("keeps the final URL of a redirect", async () => {
    fake.queue.push({
      body: crawled("http://books.test/old", { redirected_url: "http://books.test/ledger" }),
    });
    expect((await fetcher.fetch("http://books.test/old", signal)).finalUrl).toBe("http://books.test/ledger");
  });

  it("maps the page's status", async () => {
    fake.queue.push({
      body: crawled("http://books.test/missing", { success: false, status_code: 404, html: "" }),
    });
    const missing = await failure("http://books.test/missing");
    expect(missing).toBeInstanceOf(PageFailureError);
    expect((missing as Error).message).toContain("HTTP 404");

    fake.queue.push({
      body: crawled("http://books.test/down", { success: false, status_code: 503, html: "" }),
    });
    expect(await failure("http://books.test/down")).toBeInstanceOf(TransientError);
  });

  it("treats a browser failure as transient", async () => {
    fake.queue.push({
      body: crawled("http://books.test/ledger", {
        success: false,
        status_code: null,
        html: "",
        error_message: "Page.goto: Timeout 2000ms exceeded.",
      }),
    });
    const error = await failure("http://books.test/ledger");
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toContain("Timeout 2000ms exceeded");
  });

  it("names CRAWL4AI_API_TOKEN on 401", async () => {
    fake.queue.push({ status: 401, body: { detail: "Invalid or missing token" } });
    const error = await failure("http://books.test/ledger");
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).not.toBeInstanceOf(PageFailureError);
    expect((error as Error).message).toContain("CRAWL4AI_API_TOKEN");
  });

  it("retries a server error", async () => {
    fake.queue.push({ status: 500, body: { detail: "Internal Server Error" } });
    expect(await failure("http://books.test/ledger")).toBeInstanceOf(TransientError);
  });

  it("refuses a private host without asking the server", async () => {
    const error = await failure("http://intranet.test/admin");
    expect(error).toBeInstanceOf(PageFailureError);
    expect((error as PageFailureError).outcome).toBe("blocked");
    expect(fake.received).toHaveLength(0);
  });
});

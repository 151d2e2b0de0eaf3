import { ThrottledError, TransientError } from "@ampledata/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpFetcher, PageFailureError } from "../src/index.ts";
import { loopbackGuard } from "./guards.ts";
import { type PageServer, startPageServer } from "./page-server.ts";

let server: PageServer;
let fetcher: HttpFetcher;
const signal = new AbortController().signal;

beforeAll(async () => {
  server = await startPageServer();
  fetcher = new HttpFetcher({
    deadlineMs: 500,
    maxBodyBytes: 64 * 1024,
    maxRedirects: 5,
    userAgent: "AmpleData-test/1",
    guard: loopbackGuard(),
  });
});

afterAll(async () => {
  await fetcher.close();
  await server.stop();
});

async function failure(path: string): Promise<unknown> {
  return fetcher.fetch(`${server.url}${path}`, signal).then(
    () => new Error(`${path} was expected to fail`),
    (error: unknown) => error,
  );
}

describe("HTTP fetcher", () => {
  it("fetches a page with its status and content type", async () => {
    const page = await fetcher.fetch(`${server.url}/ledger#details`, signal);
    expect(page.status).toBe(200);
    expect(page.finalUrl).toBe(`${server.url}/ledger`);
    expect(page.contentType).toBe("text/html; charset=utf-8");
    expect(Buffer.from(page.body).toString("utf8")).toContain("Saltmarsh Books");
    expect(page.truncated).toBe(false);
  });

  it("follows a redirect chain to the final URL", async () => {
    const page = await fetcher.fetch(`${server.url}/redirect/4`, signal);
    expect(page.url).toBe(`${server.url}/redirect/4`);
    expect(page.finalUrl).toBe(`${server.url}/ledger`);
  });

  it("gives up after five redirects", async () => {
    const error = await failure("/redirect/5");
    expect(error).toBeInstanceOf(PageFailureError);
    expect((error as Error).message).toContain("redirected more than 5 times");
    expect(await failure("/loop")).toBeInstanceOf(PageFailureError);
  });

  it("rejects redirects to other schemes and without Location", async () => {
    expect((await failure("/to-ftp")) as Error).toHaveProperty(
      "message",
      expect.stringContaining("not an http(s) URL"),
    );
    expect((await failure("/no-location")) as Error).toHaveProperty(
      "message",
      expect.stringContaining("without a Location"),
    );
  });

  it("classifies 404 and 410 as errors", async () => {
    for (const path of ["/missing", "/gone"]) {
      const error = await failure(path);
      expect(error).toBeInstanceOf(PageFailureError);
      expect((error as PageFailureError).outcome).toBe("error");
    }
  });

  it("classifies 403 and 451 as blocked", async () => {
    for (const path of ["/forbidden", "/legal"]) {
      const error = await failure(path);
      expect(error).toBeInstanceOf(PageFailureError);
      expect((error as PageFailureError).outcome).toBe("blocked");
    }
  });

  it("rejects a content type it cannot read", async () => {
    const error = await failure("/pdf");
    expect(error).toBeInstanceOf(PageFailureError);
    expect((error as Error).message).toContain("application/pdf");
  });

  it("accepts plain text and JSON", async () => {
    expect((await fetcher.fetch(`${server.url}/notes.txt`, signal)).status).toBe(200);
    expect((await fetcher.fetch(`${server.url}/record.json`, signal)).status).toBe(200);
  });

  it("stops reading an oversized body at the cap", async () => {
    const page = await fetcher.fetch(`${server.url}/big`, signal);
    expect(page.body.byteLength).toBe(64 * 1024);
    expect(page.truncated).toBe(true);
  });

  it("times out a slow page as transient", async () => {
    const error = await failure("/slow");
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toContain("timed out after 500 ms");
  });

  it("classifies 5xx as transient and 429 as throttled", async () => {
    expect(await failure("/always-503")).toBeInstanceOf(TransientError);
    server.hits.delete("/throttled");
    const throttled = await failure("/throttled");
    expect(throttled).toBeInstanceOf(ThrottledError);
    expect((throttled as ThrottledError).retryAfterMs).toBe(1000);
  });

  it("rejects URLs that are not http(s)", async () => {
    await expect(fetcher.fetch("file:///etc/hostname", signal)).rejects.toBeInstanceOf(PageFailureError);
  });

  it("classifies a refused connection as transient", async () => {
    await expect(fetcher.fetch("http://127.0.0.1:1/", signal)).rejects.toBeInstanceOf(TransientError);
  });

  it("passes a cancellation through unchanged", async () => {
    const controller = new AbortController();
    const pending = fetcher.fetch(`${server.url}/slow`, controller.signal);
    controller.abort(new Error("job cancelled"));
    const error = await pending.catch((caught: unknown) => caught);
    expect(error).not.toBeInstanceOf(TransientError);
    expect(error).not.toBeInstanceOf(PageFailureError);
  });
});

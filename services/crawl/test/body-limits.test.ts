import { TransientError } from "@ampledata/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpFetcher, PageFailureError } from "../src/index.ts";
import { loopbackGuard } from "./guards.ts";
import { decompressionBomb, LEDGER_HTML, type PageServer, startPageServer } from "./page-server.ts";

let server: PageServer;
let fetcher: HttpFetcher;
const signal = new AbortController().signal;
const MAX_BODY = 256 * 1024;

beforeAll(async () => {
  server = await startPageServer();
  decompressionBomb();
  fetcher = new HttpFetcher({
    deadlineMs: 700,
    maxBodyBytes: MAX_BODY,
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

describe("compressed bodies", () => {
  it.each(["/gzip", "/brotli", "/deflate", "/deflate-raw"])("decodes %s", async (path) => {
    const page = await fetcher.fetch(`${server.url}${path}`, signal);
    expect(Buffer.from(page.body).toString("utf8")).toBe(LEDGER_HTML);
    expect(page.truncated).toBe(false);
  });

  it("cuts a decompression bomb at the cap", async () => {
    const page = await fetcher.fetch(`${server.url}/bomb`, signal);
    expect(page.body.byteLength).toBe(MAX_BODY);
    expect(page.truncated).toBe(true);
  });

  it("fails on a corrupt gzip body", async () => {
    const error = await failure("/corrupt-gzip");
    expect(error).toBeInstanceOf(PageFailureError);
    expect((error as Error).message).toContain("corrupt");
  });

  it("fails on an unknown content encoding", async () => {
    const error = await failure("/zstd");
    expect(error).toBeInstanceOf(PageFailureError);
    expect((error as Error).message).toContain("unsupported content encoding zstd");
  });
});

describe("page limits", () => {
  it("fails a PDF with a clear reason", async () => {
    const error = await failure("/pdf");
    expect(error).toBeInstanceOf(PageFailureError);
    expect((error as Error).message).toContain("unsupported content type application/pdf");
    expect((error as PageFailureError).cacheable).toBe(true);
  });

  it("counts the body against the page deadline", async () => {
    const error = await failure("/slow-body");
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toContain("timed out after 700 ms (CRAWL_PAGE_DEADLINE_MS)");
  });
});

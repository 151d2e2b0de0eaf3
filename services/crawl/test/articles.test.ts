// Crawls every page of the shared articles corpus through the sandbox web with the real fetcher.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  ARTICLES_HOST_SUFFIX,
  resolveSharedCorpusDir,
  type Sandbox,
  startSandbox,
} from "@ampledata/sandbox-web";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AddressGuard, analyzeFetched, HttpFetcher } from "../src/index.ts";

const corpusDir = resolveSharedCorpusDir("articles");
const available = existsSync(corpusDir);
const folders = available
  ? readdirSync(corpusDir).filter((name) => existsSync(join(corpusDir, name, "source.html")))
  : [];

let sandbox: Sandbox;
let fetcher: HttpFetcher;

// Skipped without the shared corpus, except in CI, where its absence must fail.
describe.skipIf(!available && !process.env.CI)("crawl of the articles corpus", () => {
  beforeAll(async () => {
    sandbox = await startSandbox({ corpora: [corpusDir], host: "127.0.0.1", port: 0 });
    fetcher = new HttpFetcher({
      proxyUrl: sandbox.url,
      deadlineMs: 10_000,
      maxBodyBytes: 5 * 1024 * 1024,
      maxRedirects: 5,
      userAgent: "AmpleData-test/1",
      guard: new AddressGuard({ allowHosts: ["127.0.0.1"], allowCidrs: [] }),
    });
  }, 60_000);

  afterAll(async () => {
    await fetcher?.close();
    await sandbox?.stop();
  });

  it("finds all 39 article pages", () => {
    expect(folders).toHaveLength(39);
  });

  it.each(folders)("reads %s", async (folder) => {
    const host = `${folder.toLowerCase().replace(/[^a-z0-9-]/g, "-")}.${ARTICLES_HOST_SUFFIX}`;
    const fetched = await fetcher.fetch(`http://${host}/`, new AbortController().signal);
    const { page } = analyzeFetched(fetched);
    const html = readFileSync(join(corpusDir, folder, "source.html"), "utf8");

    expect(page.text.trim().length).toBeGreaterThan(200);
    expect(page.title.trim()).not.toBe("");
    if (/<script[^>]+application\/ld\+json/i.test(html)) {
      expect(page.jsonLd.length).toBeGreaterThan(0);
    }
    if (/<meta[^>]+property=["']og:title/i.test(html)) {
      expect(page.meta["og:title"]).toBeTruthy();
    }
  });
});

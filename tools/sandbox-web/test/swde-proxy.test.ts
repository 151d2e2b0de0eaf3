import { readFile } from "node:fs/promises";
import path from "node:path";
import type { ProxyAgent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../src/index.ts";
import { createProxyAgent, fetchViaProxy, SKIP_SHARED_CORPUS, SWDE_DIR } from "./helpers.ts";

interface GroundTruth {
  page: string;
  site: string;
  url: string;
}

/** Returns every 20th labelled page, so the sample spans the corpus and is the same on every run. */
async function samplePages(count: number): Promise<GroundTruth[]> {
  const lines = (await readFile(path.join(SWDE_DIR, "groundtruth.jsonl"), "utf8")).trim().split("\n");
  const rows = lines.map((line) => JSON.parse(line) as GroundTruth);
  const step = Math.floor(rows.length / count);
  return Array.from({ length: count }, (_, index) => rows[index * step]!);
}

describe.skipIf(SKIP_SHARED_CORPUS)("replay proxy over swde-books", () => {
  let sandbox: Sandbox;
  let agent: ProxyAgent;

  beforeAll(async () => {
    sandbox = await startSandbox({ corpora: [SWDE_DIR], seed: 1 });
    agent = createProxyAgent(sandbox.url);
  });

  afterAll(async () => {
    await agent?.close();
    await sandbox?.stop();
  });

  it("loads all 400 pages", () => {
    expect(sandbox.pages).toBe(400);
  });

  it("serves 20 sampled pages at their base href", async () => {
    const sample = await samplePages(20);
    expect(sample).toHaveLength(20);
    for (const row of sample) {
      const file = path.join(SWDE_DIR, "pages", row.site, `${row.page}.htm`);
      const expected = await readFile(file);
      const firstLine = expected.toString("utf8").split("\n")[0]!;
      expect(firstLine).toContain(`<base href="${row.url}"`);

      const fetched = await fetchViaProxy(agent, row.url);
      expect(fetched.status, row.url).toBe(200);
      expect(fetched.headers["content-type"], row.url).toBe("text/html; charset=utf-8");
      expect(fetched.body.equals(expected), `body of ${row.url} differs from ${file}`).toBe(true);
    }
  });

  it("answers 404 for an unknown URL", async () => {
    const fetched = await fetchViaProxy(agent, "http://www.booksamillion.com/product/0000000000000");
    expect(fetched.status).toBe(404);
    expect(fetched.body.toString()).toContain("not in the sandbox corpus");
  });

  it("answers 404 for an unknown host", async () => {
    const fetched = await fetchViaProxy(agent, "http://unknown-host.test/");
    expect(fetched.status).toBe(404);
  });

  it("finds a page by host case, port and trailing slash", async () => {
    const url = "http://www.booksamillion.com/product/9780316125581";
    const variants = [
      "http://WWW.BooksAMillion.com/product/9780316125581",
      "http://www.booksamillion.com:80/product/9780316125581",
      "http://www.booksamillion.com/product/9780316125581/",
    ];
    const expected = (await fetchViaProxy(agent, url)).body;
    for (const variant of variants) {
      const fetched = await fetchViaProxy(agent, variant);
      expect(fetched.status, variant).toBe(200);
      expect(fetched.body.equals(expected), variant).toBe(true);
    }
  });

  it("answers HEAD with headers only", async () => {
    const fetched = await fetchViaProxy(agent, "http://www.booksamillion.com/product/9780316125581", {
      method: "HEAD",
    });
    expect(fetched.status).toBe(200);
    expect(Number(fetched.headers["content-length"])).toBeGreaterThan(1000);
    expect(fetched.body.length).toBe(0);
  });

  it("counts page requests by route and host", async () => {
    sandbox.resetCounters();
    await fetchViaProxy(agent, "http://www.booksamillion.com/product/9780316125581");
    await fetchViaProxy(agent, "http://www.booksamillion.com/robots.txt");
    await fetchViaProxy(agent, "http://other.test/missing");

    const counters = sandbox.counters();
    expect(counters.total).toBe(3);
    expect(counters.byRoute.page).toBe(2);
    expect(counters.byRoute.robots).toBe(1);
    expect(counters.byRoute.search).toBe(0);
    expect(counters.byHost).toEqual({ "www.booksamillion.com": 2, "other.test": 1 });

    sandbox.resetCounters();
    expect(sandbox.counters().total).toBe(0);
    expect(sandbox.counters().byHost).toEqual({});
  });
});

import { readFile } from "node:fs/promises";
import path from "node:path";
import iconv from "iconv-lite";
import { type ProxyAgent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadCorpus, type Sandbox, startSandbox } from "../src/index.ts";
import { createProxyAgent, FIXTURE_BOOKS_DIR, fetchViaProxy, postJson } from "./helpers.ts";

interface GroundTruth {
  url: string;
  title: string;
  authors: string[];
}

async function readGroundTruth(): Promise<GroundTruth[]> {
  const text = await readFile(path.join(FIXTURE_BOOKS_DIR, "groundtruth.jsonl"), "utf8");
  return text
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as GroundTruth);
}

describe("fixture corpus in the manifest layout", () => {
  let sandbox: Sandbox;
  let agent: ProxyAgent;

  beforeAll(async () => {
    sandbox = await startSandbox({ corpora: [FIXTURE_BOOKS_DIR] });
    agent = createProxyAgent(sandbox.url);
  });

  afterAll(async () => {
    await agent?.close();
    await sandbox?.stop();
  });

  it("loads every manifest entry", async () => {
    const manifest = JSON.parse(await readFile(path.join(FIXTURE_BOOKS_DIR, "manifest.json"), "utf8"));
    const corpus = await loadCorpus(FIXTURE_BOOKS_DIR);
    expect(corpus.layout).toBe("manifest");
    expect(corpus.pages).toHaveLength(Object.keys(manifest).length);
    expect(sandbox.pages).toBe(corpus.pages.length);
  });

  it("serves each ground-truth page with its file's bytes", async () => {
    const manifest: Record<string, string> = JSON.parse(
      await readFile(path.join(FIXTURE_BOOKS_DIR, "manifest.json"), "utf8"),
    );
    const rows = await readGroundTruth();
    expect(rows.length).toBeGreaterThanOrEqual(8);
    for (const row of rows) {
      const file = manifest[row.url];
      expect(file, `${row.url} is missing from manifest.json`).toBeDefined();
      const fetched = await fetchViaProxy(agent, row.url);
      expect(fetched.status, row.url).toBe(200);
      expect(fetched.body.equals(await readFile(path.join(FIXTURE_BOOKS_DIR, file!))), row.url).toBe(true);
    }
  });

  it("serves a windows-1252 page with its declared charset", async () => {
    const fetched = await fetchViaProxy(agent, "http://shop.quillandpage.test/livres/cartographers-winter");
    expect(fetched.headers["content-type"]).toBe("text/html; charset=windows-1252");
    expect(iconv.decode(fetched.body, "windows-1252")).toContain("Inès Valcourt");
  });

  it("detects windows-1252 on a page that declares no charset", async () => {
    const fetched = await fetchViaProxy(agent, "http://shop.quillandpage.test/authors/ines-valcourt");
    expect(fetched.headers["content-type"]).toBe("text/html; charset=windows-1252");
  });

  it("serves a page whose URL has a query string", async () => {
    const fetched = await fetchViaProxy(agent, "http://www.lanternpress.test/catalog?q=harbor");
    expect(fetched.status).toBe(200);
    expect(fetched.body.toString()).toContain("results for");
    expect((await fetchViaProxy(agent, "http://www.lanternpress.test/catalog?q=rain")).status).toBe(404);
  });

  it("ranks each fixture book first for its title and first author", async () => {
    for (const row of await readGroundTruth()) {
      const results = sandbox.search(`${row.title} ${row.authors[0]}`, 10);
      expect(results.hits[0]?.url, row.title).toBe(row.url);
    }
  });

  it("decodes windows-1252 text for the index", () => {
    const results = sandbox.search("Cartographer Inès Valcourt", 3);
    expect(results.hits[0]?.title).toBe("A Cartographer’s Winter – Inès Valcourt – Quill & Page");
  });

  it("answers 405 for a POST to a proxied page", async () => {
    const proxied = await request("http://www.lanternpress.test/books/glass-harbor", {
      method: "POST",
      dispatcher: agent,
      body: "x",
      signal: AbortSignal.timeout(5000),
    });
    expect(proxied.statusCode).toBe(405);
    expect(proxied.headers.allow).toBe("GET, HEAD");
    await proxied.body.dump();
  });
});

describe("robots.txt", () => {
  let sandbox: Sandbox;
  let agent: ProxyAgent;

  beforeAll(async () => {
    sandbox = await startSandbox({
      corpora: [FIXTURE_BOOKS_DIR],
      robots: { "books.harborlight.test": "User-agent: *\nDisallow: /books/\n" },
    });
    agent = createProxyAgent(sandbox.url);
  });

  afterAll(async () => {
    await agent?.close();
    await sandbox?.stop();
  });

  it("allows everything by default", async () => {
    const fetched = await fetchViaProxy(agent, "http://www.northwindreads.test/robots.txt");
    expect(fetched.status).toBe(200);
    expect(fetched.headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(fetched.body.toString()).toBe("User-agent: *\nDisallow:\n");
  });

  it("serves an archived robots.txt", async () => {
    const fetched = await fetchViaProxy(agent, "http://www.lanternpress.test/robots.txt");
    expect(fetched.body.toString()).toBe("User-agent: *\nDisallow: /drafts/\n");
  });

  it("serves a robots.txt given at start", async () => {
    const fetched = await fetchViaProxy(agent, "http://books.harborlight.test/robots.txt");
    expect(fetched.body.toString()).toBe("User-agent: *\nDisallow: /books/\n");
  });

  it("changes a host's robots.txt with setRobots", async () => {
    sandbox.setRobots("www.northwindreads.test", "User-agent: *\nDisallow: /private");
    expect((await fetchViaProxy(agent, "http://www.northwindreads.test/robots.txt")).body.toString()).toBe(
      "User-agent: *\nDisallow: /private",
    );
    sandbox.setRobots("www.northwindreads.test", undefined);
    expect((await fetchViaProxy(agent, "http://www.northwindreads.test/robots.txt")).body.toString()).toBe(
      "User-agent: *\nDisallow:\n",
    );
  });

  it("sets robots.txt for every host with *", async () => {
    sandbox.setRobots("*", "User-agent: *\nDisallow: /\n");
    try {
      expect((await fetchViaProxy(agent, "http://any-host.test/robots.txt")).body.toString()).toBe(
        "User-agent: *\nDisallow: /\n",
      );
      // A host's own rule still wins.
      expect(
        (await fetchViaProxy(agent, "http://books.harborlight.test/robots.txt")).body.toString(),
      ).toContain("/books/");
    } finally {
      sandbox.setRobots("*", undefined);
    }
  });

  it("changes robots.txt through the control endpoint", async () => {
    const { status } = await postJson(`${sandbox.url}/__sandbox/robots`, {
      host: "shop.quillandpage.test",
      body: "User-agent: *\nDisallow: /livres/\n",
    });
    expect(status).toBe(200);
    expect(
      (await fetchViaProxy(agent, "http://shop.quillandpage.test/robots.txt")).body.toString(),
    ).toContain("/livres/");
  });

  it("counts robots.txt requests under the robots route", async () => {
    sandbox.resetCounters();
    await fetchViaProxy(agent, "http://www.lanternpress.test/robots.txt");
    const counters = sandbox.counters();
    expect(counters.byRoute.robots).toBe(1);
    expect(counters.byRoute.page).toBe(0);
    expect(counters.byHost["www.lanternpress.test"]).toBe(1);
  });
});

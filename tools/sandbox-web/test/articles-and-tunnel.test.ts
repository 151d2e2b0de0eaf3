import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { ProxyAgent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../src/index.ts";
import {
  ARTICLES_DIR,
  createProxyAgent,
  FIXTURE_BOOKS_DIR,
  fetchViaProxy,
  SKIP_SHARED_CORPUS,
} from "./helpers.ts";

describe.skipIf(SKIP_SHARED_CORPUS)("articles layout", () => {
  let sandbox: Sandbox;
  let agent: ProxyAgent;

  beforeAll(async () => {
    sandbox = await startSandbox({ corpora: [ARTICLES_DIR] });
    agent = createProxyAgent(sandbox.url);
  });

  afterAll(async () => {
    await agent?.close();
    await sandbox?.stop();
  });

  it("serves every folder at http://<folder>.articles.test/", async () => {
    const folders = (await readdir(ARTICLES_DIR, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
    expect(folders.length).toBeGreaterThan(30);
    expect(sandbox.pages).toBe(folders.length);

    for (const folder of folders) {
      const url = `http://${folder}.articles.test/`;
      const fetched = await fetchViaProxy(agent, url);
      expect(fetched.status, url).toBe(200);
      expect(fetched.headers["content-type"], url).toMatch(/^text\/html; charset=/);
      const expected = await readFile(path.join(ARTICLES_DIR, folder, "source.html"));
      expect(fetched.body.equals(expected), `body of ${url}`).toBe(true);
    }
  });

  it("serves an article without the trailing slash", async () => {
    expect((await fetchViaProxy(agent, "http://bbc-1.articles.test")).status).toBe(200);
  });

  it("finds an article by words of its title", async () => {
    const metadata = JSON.parse(
      await readFile(path.join(ARTICLES_DIR, "lwn-1", "expected-metadata.json"), "utf8"),
    );
    const results = sandbox.search(metadata.title, 5);
    expect(results.hits.map((hit) => hit.url)).toContain("http://lwn-1.articles.test/");
  });
});

describe("CONNECT tunnels", () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ corpora: [FIXTURE_BOOKS_DIR] });
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  it("serves plain http through a tunnel to port 80", async () => {
    const agent = new ProxyAgent({ uri: sandbox.url, proxyTunnel: true });
    try {
      const fetched = await fetchViaProxy(agent, "http://www.lanternpress.test/books/glass-harbor");
      expect(fetched.status).toBe(200);
      expect(fetched.body.toString()).toContain("Glass Harbor");
    } finally {
      await agent.close();
    }
  });

  it("answers 501 to a tunnel for https", async () => {
    sandbox.resetCounters();
    const agent = new ProxyAgent(sandbox.url);
    try {
      const attempt = request("https://www.lanternpress.test/books/glass-harbor", {
        dispatcher: agent,
        signal: AbortSignal.timeout(5000),
      });
      await expect(attempt).rejects.toThrow(/501/);
    } finally {
      await agent.close();
    }
    expect(sandbox.counters().byHost["www.lanternpress.test"]).toBe(1);
  });

  it("keeps serving after a rejected tunnel", async () => {
    const agent = createProxyAgent(sandbox.url);
    try {
      expect((await fetchViaProxy(agent, "http://www.lanternpress.test/books/glass-harbor")).status).toBe(
        200,
      );
    } finally {
      await agent.close();
    }
  });
});

import { readFile } from "node:fs/promises";
import { connect } from "node:net";
import path from "node:path";
import { fetch, type ProxyAgent, request } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FaultConfigError, type Sandbox, startSandbox } from "../src/index.ts";
import { createProxyAgent, FIXTURE_BOOKS_DIR, fetchViaProxy, getJson, postJson } from "./helpers.ts";

const PAGE_URL = "http://www.lanternpress.test/books/glass-harbor";
const PAGE_FILE = path.join(FIXTURE_BOOKS_DIR, "lanternpress/0003.html");
const OTHER_URL = "http://books.harborlight.test/books/copper-beekeeper";

/** Sends one proxied GET over a raw socket and returns every byte the server sent before closing. */
function rawProxyGet(sandboxPort: number, url: string): Promise<{ head: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = connect(sandboxPort, "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.setTimeout(5000, () => socket.destroy(new Error(`no answer from the sandbox for ${url}`)));
    socket.on("connect", () => {
      socket.write(`GET ${url} HTTP/1.1\r\nHost: ${new URL(url).host}\r\nConnection: close\r\n\r\n`);
    });
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const all = Buffer.concat(chunks);
      const split = all.indexOf("\r\n\r\n");
      resolve({ head: all.subarray(0, split).toString("latin1"), body: all.subarray(split + 4) });
    });
  });
}

describe("fault injection", () => {
  let sandbox: Sandbox;
  let agent: ProxyAgent;
  let pageBytes: Buffer;

  beforeAll(async () => {
    sandbox = await startSandbox({ corpora: [FIXTURE_BOOKS_DIR], seed: 7, apiKey: "test-key" });
    agent = createProxyAgent(sandbox.url);
    pageBytes = await readFile(PAGE_FILE);
  });

  afterEach(() => {
    sandbox.setFaults([]);
    sandbox.resetCounters();
  });

  afterAll(async () => {
    await agent?.close();
    await sandbox?.stop();
  });

  it("latency delays matching requests by a fixed time", async () => {
    sandbox.setFaults([{ kind: "latency", ms: 150, path: "/books/glass-harbor" }]);
    const started = performance.now();
    const fetched = await fetchViaProxy(agent, PAGE_URL);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(fetched.body.equals(pageBytes)).toBe(true);

    await fetchViaProxy(agent, OTHER_URL);
    expect(sandbox.counters().faults).toEqual({ "1-latency": 1 });
  });

  it("latency draws from a uniform range", async () => {
    sandbox.setFaults([{ id: "uniform", kind: "latency", minMs: 60, maxMs: 90 }]);
    const started = performance.now();
    expect((await fetchViaProxy(agent, PAGE_URL)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    expect(sandbox.counters().faults).toEqual({ uniform: 1 });
  });

  it("error rate repeats for one seed", async () => {
    const faults = [{ kind: "error" as const, status: 503, rate: 0.5 }];
    const runStatuses = async (): Promise<number[]> => {
      sandbox.setFaults(faults);
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 20; attempt += 1) {
        statuses.push((await fetchViaProxy(agent, PAGE_URL)).status);
      }
      return statuses;
    };

    const first = await runStatuses();
    const second = await runStatuses();
    expect(second).toEqual(first);
    expect(first.filter((status) => status === 503).length).toBeGreaterThan(2);
    expect(first.filter((status) => status === 200).length).toBeGreaterThan(2);
    expect(new Set(first)).toEqual(new Set([200, 503]));
  });

  it("rate-limit answers 429 with Retry-After", async () => {
    sandbox.setFaults([{ kind: "rate-limit", retryAfterS: 7 }]);
    const fetched = await fetchViaProxy(agent, PAGE_URL);
    expect(fetched.status).toBe(429);
    expect(fetched.headers["retry-after"]).toBe("7");
  });

  it("times limits a fault to the first matching requests", async () => {
    sandbox.setFaults([{ kind: "error", status: 502, times: 2 }]);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 4; attempt += 1) {
      statuses.push((await fetchViaProxy(agent, PAGE_URL)).status);
    }
    expect(statuses).toEqual([502, 502, 200, 200]);
    expect(sandbox.faults()[0]!.applied).toBe(2);
  });

  it("hang holds the request until the client gives up", async () => {
    sandbox.setFaults([{ kind: "hang" }]);
    await expect(fetchViaProxy(agent, PAGE_URL, { timeoutMs: 300 })).rejects.toThrow();
    expect(sandbox.counters().byRoute.page).toBe(1);
    sandbox.setFaults([]);
    expect((await fetchViaProxy(agent, PAGE_URL)).status).toBe(200);
  });

  it("slow-body trickles the body in chunks", async () => {
    sandbox.setFaults([{ kind: "slow-body", chunkBytes: 200, intervalMs: 25 }]);
    const chunks = Math.ceil(pageBytes.length / 200);
    const started = performance.now();
    const fetched = await fetchViaProxy(agent, PAGE_URL);
    expect(performance.now() - started).toBeGreaterThanOrEqual((chunks - 1) * 25 * 0.9);
    expect(fetched.body.equals(pageBytes)).toBe(true);
  });

  it("reset closes the connection before any response", async () => {
    sandbox.setFaults([{ kind: "reset" }]);
    await expect(fetchViaProxy(agent, PAGE_URL)).rejects.toThrow();
    sandbox.setFaults([]);
    expect((await fetchViaProxy(agent, PAGE_URL)).status).toBe(200);
  });

  it("reset after some bytes breaks the body", async () => {
    sandbox.setFaults([{ kind: "reset", afterBytes: 100 }]);
    const response = await request(PAGE_URL, { dispatcher: agent, signal: AbortSignal.timeout(5000) });
    expect(response.statusCode).toBe(200);
    await expect(response.body.arrayBuffer()).rejects.toThrow();
  });

  it("truncate sends fewer bytes than Content-Length", async () => {
    sandbox.setFaults([{ kind: "truncate", bytes: 300 }]);
    const { head, body } = await rawProxyGet(sandbox.port, PAGE_URL);
    expect(head).toMatch(new RegExp(`content-length: ${pageBytes.length}`, "i"));
    expect(body.length).toBe(300);
    expect(body.equals(pageBytes.subarray(0, 300))).toBe(true);

    const response = await request(PAGE_URL, { dispatcher: agent, signal: AbortSignal.timeout(5000) });
    await expect(response.body.arrayBuffer()).rejects.toThrow();
  });

  it("truncate defaults to half the body", async () => {
    sandbox.setFaults([{ kind: "truncate" }]);
    const { body } = await rawProxyGet(sandbox.port, PAGE_URL);
    expect(body.length).toBe(Math.floor(pageBytes.length / 2));
  });

  it("wrong-content-type replaces the Content-Type header", async () => {
    sandbox.setFaults([{ kind: "wrong-content-type", contentType: "image/png" }]);
    const fetched = await fetchViaProxy(agent, PAGE_URL);
    expect(fetched.headers["content-type"]).toBe("image/png");
    expect(fetched.body.equals(pageBytes)).toBe(true);
  });

  it("oversized pads the body to the configured size", async () => {
    const size = 2 * 1024 * 1024;
    sandbox.setFaults([{ kind: "oversized", bytes: size }]);
    const fetched = await fetchViaProxy(agent, PAGE_URL);
    expect(Number(fetched.headers["content-length"])).toBe(size);
    expect(fetched.body.length).toBe(size);
    expect(fetched.body.subarray(0, pageBytes.length).equals(pageBytes)).toBe(true);
  });

  it("oversized without a length sends a chunked body", async () => {
    sandbox.setFaults([{ kind: "oversized", bytes: 300_000, announceLength: false }]);
    const fetched = await fetchViaProxy(agent, PAGE_URL);
    expect(fetched.headers["content-length"]).toBeUndefined();
    expect(fetched.headers["transfer-encoding"]).toBe("chunked");
    expect(fetched.body.length).toBe(300_000);
  });

  it("redirect sends N hops before the real page", async () => {
    sandbox.setFaults([{ kind: "redirect", hops: 3, status: 301 }]);
    let url = PAGE_URL;
    const statuses: number[] = [];
    for (let hop = 0; hop < 4; hop += 1) {
      const fetched = await fetchViaProxy(agent, url);
      statuses.push(fetched.status);
      if (fetched.status !== 301) {
        expect(fetched.body.equals(pageBytes)).toBe(true);
        break;
      }
      url = new URL(String(fetched.headers.location), url).href;
    }
    expect(statuses).toEqual([301, 301, 301, 200]);

    const followed = await fetch(PAGE_URL, { dispatcher: agent, signal: AbortSignal.timeout(5000) });
    expect(followed.status).toBe(200);
    expect(followed.redirected).toBe(true);
    expect(Buffer.from(await followed.arrayBuffer()).equals(pageBytes)).toBe(true);
  });

  it("redirect-loop never reaches the page", async () => {
    sandbox.setFaults([{ kind: "redirect-loop", length: 2 }]);
    const first = await fetchViaProxy(agent, PAGE_URL);
    expect(first.status).toBe(302);
    const second = await fetchViaProxy(agent, String(first.headers.location));
    expect(second.status).toBe(302);
    expect(normalize(String(second.headers.location))).toBe(normalize(PAGE_URL));

    await expect(fetch(PAGE_URL, { dispatcher: agent, signal: AbortSignal.timeout(5000) })).rejects.toThrow();
  });

  it("host and path globs select the requests", async () => {
    sandbox.setFaults([
      { kind: "error", status: 500, host: "*.harborlight.test", path: "/books/**" },
      { kind: "error", status: 418, host: "www.lanternpress.test", path: "/books/glass-*" },
    ]);
    expect((await fetchViaProxy(agent, OTHER_URL)).status).toBe(500);
    expect((await fetchViaProxy(agent, "http://books.harborlight.test/books/tidal-archive")).status).toBe(
      500,
    );
    expect((await fetchViaProxy(agent, PAGE_URL)).status).toBe(418);
    expect((await fetchViaProxy(agent, "http://www.lanternpress.test/books/lighthouse-ledger")).status).toBe(
      200,
    );
    expect(
      (await fetchViaProxy(agent, "http://blog.harborlight.test/2023/favourite-books-of-the-season/")).status,
    ).toBe(200);
  });

  it("latency adds up with another fault", async () => {
    sandbox.setFaults([
      { kind: "latency", ms: 80 },
      { kind: "error", status: 504 },
    ]);
    const started = performance.now();
    expect((await fetchViaProxy(agent, PAGE_URL)).status).toBe(504);
    expect(performance.now() - started).toBeGreaterThanOrEqual(75);
    expect(sandbox.counters().faults).toEqual({ "1-latency": 1, "2-error": 1 });
  });

  it("search faults answer the search API in Serper's error shape", async () => {
    sandbox.setFaults([{ kind: "rate-limit", route: "search", retryAfterS: 2 }]);
    const { status, headers, json } = await postJson(
      `${sandbox.url}/search`,
      { q: "Glass Harbor" },
      { "X-API-KEY": "test-key" },
    );
    expect(status).toBe(429);
    expect(headers["retry-after"]).toBe("2");
    expect(json).toEqual({ message: expect.any(String), statusCode: 429 });
    expect((await fetchViaProxy(agent, PAGE_URL)).status).toBe(200);
  });

  it("search faults with times fail twice then succeed", async () => {
    sandbox.setFaults([{ kind: "error", route: "search", status: 500, times: 2 }]);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 3; attempt += 1) {
      statuses.push(
        (await postJson(`${sandbox.url}/search`, { q: "Glass Harbor" }, { "X-API-KEY": "test-key" })).status,
      );
    }
    expect(statuses).toEqual([500, 500, 200]);
    expect(sandbox.counters().byRoute.search).toBe(3);
  });

  it("search redirect reaches the results after the hops", async () => {
    sandbox.setFaults([{ kind: "redirect", route: "search", hops: 2, status: 307 }]);
    const followed = await fetch(`${sandbox.url}/search?q=Glass+Harbor&format=json`, {
      signal: AbortSignal.timeout(5000),
    });
    expect(followed.status).toBe(200);
    expect(followed.redirected).toBe(true);
    const answer = (await followed.json()) as { query: string };
    expect(answer.query).toBe("Glass Harbor");
  });

  it("setFaults rejects an invalid fault", () => {
    expect(() => sandbox.setFaults([{ kind: "latency" } as never])).toThrow(FaultConfigError);
    expect(() => sandbox.setFaults([{ kind: "explode" } as never])).toThrow(FaultConfigError);
    expect(() => sandbox.setFaults([{ kind: "error", rate: 2 }])).toThrow(/rate/);
  });
});

describe("control endpoint", () => {
  let sandbox: Sandbox;
  let agent: ProxyAgent;

  beforeAll(async () => {
    sandbox = await startSandbox({ corpora: [FIXTURE_BOOKS_DIR], faults: [{ kind: "error", status: 503 }] });
    agent = createProxyAgent(sandbox.url);
  });

  afterAll(async () => {
    await agent?.close();
    await sandbox?.stop();
  });

  it("starts with the faults given to startSandbox", async () => {
    expect((await fetchViaProxy(agent, PAGE_URL)).status).toBe(503);
  });

  it("sets, lists and clears faults", async () => {
    const set = await postJson(`${sandbox.url}/__sandbox/faults`, {
      faults: [{ id: "teapot", kind: "error", status: 418, path: "/books/glass-harbor" }],
    });
    expect(set.status).toBe(200);
    expect((await fetchViaProxy(agent, PAGE_URL)).status).toBe(418);

    const listed = await getJson(`${sandbox.url}/__sandbox/faults`);
    expect(listed.json).toEqual({
      faults: [
        expect.objectContaining({ id: "teapot", kind: "error", status: 418, applied: 1, route: "page" }),
      ],
    });

    const cleared = await request(`${sandbox.url}/__sandbox/faults`, {
      method: "DELETE",
      signal: AbortSignal.timeout(5000),
    });
    expect(cleared.statusCode).toBe(200);
    await cleared.body.dump();
    expect((await fetchViaProxy(agent, PAGE_URL)).status).toBe(200);
  });

  it("accepts a bare fault list", async () => {
    const set = await postJson(`${sandbox.url}/__sandbox/faults`, [{ kind: "rate-limit" }]);
    expect(set.status).toBe(200);
    expect((await fetchViaProxy(agent, PAGE_URL)).status).toBe(429);
    await postJson(`${sandbox.url}/__sandbox/faults`, []);
  });

  it("rejects an invalid fault with 400 and keeps the old ones", async () => {
    await postJson(`${sandbox.url}/__sandbox/faults`, [{ kind: "error", status: 500 }]);
    const rejected = await postJson(`${sandbox.url}/__sandbox/faults`, [{ kind: "redirect", hops: 0 }]);
    expect(rejected.status).toBe(400);
    expect((rejected.json as { message: string }).message).toContain("hops");
    expect((await fetchViaProxy(agent, PAGE_URL)).status).toBe(500);
    await postJson(`${sandbox.url}/__sandbox/faults`, []);
  });

  it("reads and resets the counters", async () => {
    await postJson(`${sandbox.url}/__sandbox/reset`, {});
    await fetchViaProxy(agent, PAGE_URL);
    await fetchViaProxy(agent, PAGE_URL);

    const read = await getJson(`${sandbox.url}/__sandbox/counters`);
    expect(read.status).toBe(200);
    const counters = read.json as {
      total: number;
      byRoute: Record<string, number>;
      byHost: Record<string, number>;
    };
    // The reset request itself was counted before the counters were cleared, the read after.
    expect(counters.byRoute.page).toBe(2);
    expect(counters.byRoute.control).toBe(1);
    expect(counters.byHost).toEqual({ "www.lanternpress.test": 2 });

    const reset = await postJson(`${sandbox.url}/__sandbox/reset`, {});
    expect((reset.json as { total: number }).total).toBe(0);
  });

  it("answers 404 for an unknown control path", async () => {
    const { status } = await getJson(`${sandbox.url}/__sandbox/nothing`);
    expect(status).toBe(404);
  });

  it("reports health with the page count", async () => {
    const { json } = await getJson(`${sandbox.url}/__sandbox/health`);
    expect(json).toEqual({ status: "ok", pages: sandbox.pages });
  });
});

describe("sandbox lifecycle", () => {
  it("closes hung requests", async () => {
    const sandbox = await startSandbox({ corpora: [FIXTURE_BOOKS_DIR], faults: [{ kind: "hang" }] });
    const agent = createProxyAgent(sandbox.url);
    try {
      const pending = fetchViaProxy(agent, PAGE_URL, { timeoutMs: 20_000 });
      // Wait until the sandbox has received the request, so stop() finds it open.
      for (let attempt = 0; attempt < 100 && sandbox.counters().byRoute.page === 0; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(sandbox.counters().byRoute.page).toBe(1);

      await sandbox.stop();
      const error = await pending.then(
        () => undefined,
        (reason: unknown) => reason as Error,
      );
      expect(error).toBeInstanceOf(Error);
      expect(error?.name).not.toBe("TimeoutError");
    } finally {
      await agent.close();
      await sandbox.stop();
    }
  });

  it("reports a port already in use", async () => {
    const first = await startSandbox({ corpora: [FIXTURE_BOOKS_DIR] });
    try {
      await expect(startSandbox({ corpora: [FIXTURE_BOOKS_DIR], port: first.port })).rejects.toMatchObject({
        name: "SandboxError",
        code: "LISTEN_FAILED",
      });
    } finally {
      await first.stop();
    }
  });

  it("rejects invalid faults at start", async () => {
    await expect(
      startSandbox({ corpora: [FIXTURE_BOOKS_DIR], faults: [{ kind: "nope" } as never] }),
    ).rejects.toThrow(FaultConfigError);
  });
});

function normalize(url: string): string {
  const parsed = new URL(url);
  parsed.searchParams.delete("sandbox-hop");
  return parsed.href;
}

import { createLogger, createMetrics, PermanentError, type RowWork, TransientError } from "@ampledata/shared";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  BraveClient,
  createSerpHandler,
  ProviderCooldowns,
  SerperClient,
  type SerpHandlerDependencies,
} from "../src/index.ts";
import { bookJob, bookRow, captureLogs, stageContext } from "./context.ts";
import { braveWeb, type FakeApi, startFakeApi } from "./fake-api.ts";
import { type FakeSerper, organic, startFakeSerper } from "./fake-serper.ts";

let fake: FakeSerper;
let braveFake: FakeApi;
let provider: SerperClient;
let brave: BraveClient;
let dependencies: SerpHandlerDependencies;

const config = { QUERY_CONCURRENCY: 2, MAX_RESULTS: 3, SEARCH_RETRIES: 2, REFINE_CONFIDENCE: 0.6 };

beforeAll(async () => {
  fake = await startFakeSerper((query) => ({
    body: query.endsWith("publisher")
      ? organic(["http://shop.test/ledger", "http://news.test/review", "http://c.test/3"], "Second")
      : organic(["http://www.lanternpress.test/books/lighthouse-ledger", "http://shop.test/ledger/"]),
  }));
  braveFake = await startFakeApi(() => ({
    body: braveWeb(["http://brave.test/ledger", "http://shop.test/ledger"]),
  }));
  provider = new SerperClient({ baseUrl: fake.url, apiKey: "test-key", timeoutMs: 2000, userAgent: "test" });
  brave = new BraveClient({
    baseUrl: braveFake.url,
    apiKey: "brave-key",
    timeoutMs: 2000,
    userAgent: "test",
  });
  dependencies = {
    config,
    providers: [provider],
    metrics: createMetrics("test-serp"),
    retryPolicy: { minDelayMs: 10, maxDelayMs: 20 },
  };
});

afterEach(() => {
  fake.received.length = 0;
  fake.queue.length = 0;
  braveFake.received.length = 0;
  braveFake.queue.length = 0;
});

afterAll(async () => {
  await provider.close();
  await brave.close();
  await fake.stop();
  await braveFake.stop();
});

describe("serp handler", () => {
  it("runs the queries and forwards merged results to decision", async () => {
    const handler = createSerpHandler(dependencies);
    const result = await handler(bookRow(), stageContext(bookJob()));

    expect(fake.received.map((request) => request.body.q).sort()).toEqual([
      "The Lighthouse Ledger Mara Quillfeather",
      "The Lighthouse Ledger Mara Quillfeather publisher",
    ]);
    expect(fake.received.every((request) => request.body.num === 3)).toBe(true);
    expect(result.rowStage).toBe("SERP_FETCHED");
    expect(result.next?.stage).toBe("decision");
    const search = result.next?.work.search;
    expect(search?.provider).toBe("serper");
    expect(search?.queries).toHaveLength(2);
    expect(search?.results.map((item) => item.url)).toEqual([
      "http://www.lanternpress.test/books/lighthouse-ledger",
      "http://shop.test/ledger",
      "http://news.test/review",
    ]);
    expect(search?.results.map((item) => item.position)).toEqual([1, 2, 3]);
    expect(result.usage).toEqual([{ provider: "serper", calls: 2, cached: 0, errors: 0 }]);
  });

  it("keeps the row's other fields when forwarding", async () => {
    const row: RowWork = bookRow({ rowIndex: 7, admission: 2, input: { title: "x", note: "keep me" } });
    const result = await createSerpHandler(dependencies)(row, stageContext(bookJob()));
    expect(result.next?.work.rowIndex).toBe(7);
    expect(result.next?.work.admission).toBe(2);
    expect(result.next?.work.input).toEqual({ title: "x", note: "keep me" });
  });

  it("waits for Retry-After after a 429 and then succeeds", async () => {
    fake.queue.push({ status: 429, headers: { "retry-after": "1" }, body: { message: "Too many requests" } });
    const logs = captureLogs();
    const job = bookJob({ queryPatterns: ["%key"] });
    const result = await createSerpHandler(dependencies)(bookRow(), stageContext(job, { logs }));

    expect(fake.received).toHaveLength(2);
    expect(fake.received[1]!.at - fake.received[0]!.at).toBeGreaterThanOrEqual(900);
    expect(result.next?.work.search?.results.length).toBeGreaterThan(0);
    expect(result.usage?.[0]).toMatchObject({ calls: 2, errors: 1 });
    const retry = logs.lines.find((line) => line.msg === "serper request failed, retrying");
    expect(retry?.level).toBe(40);
    expect(retry?.query).toBe("The Lighthouse Ledger Mara Quillfeather");
  });

  it("retries a 500 in process and then succeeds", async () => {
    fake.queue.push({ status: 500, body: "internal error" });
    const job = bookJob({ queryPatterns: ["%key"] });
    const result = await createSerpHandler(dependencies)(bookRow(), stageContext(job));
    expect(fake.received).toHaveLength(2);
    expect(result.next?.work.search?.results).toHaveLength(2);
  });

  it("fails the row at once on 401", async () => {
    fake.queue.push({ status: 401, body: { message: "Unauthorized.", statusCode: 401 } });
    const job = bookJob({ queryPatterns: ["%key"] });
    const error = await createSerpHandler(dependencies)(bookRow(), stageContext(job)).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toMatch(/serper.*SERPER_API_KEY/);
    expect((error as PermanentError).code).toBe("PROVIDER_AUTH");
    expect(fake.received).toHaveLength(1);
  });

  it("fails the row at once on a body that is not JSON", async () => {
    fake.queue.push({ status: 200, body: "not json {" });
    const job = bookJob({ queryPatterns: ["%key"] });
    const error = await createSerpHandler(dependencies)(bookRow(), stageContext(job)).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(PermanentError);
    expect(fake.received).toHaveLength(1);
  });

  it("hands the row back for redelivery when retries run out", async () => {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      fake.queue.push({ status: 502, body: "bad gateway" });
    }
    const job = bookJob({ queryPatterns: ["%key"] });
    const error = await createSerpHandler(dependencies)(bookRow(), stageContext(job)).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(TransientError);
    expect(fake.received).toHaveLength(3);
  });

  it("uses the queries that succeeded on the final attempt", async () => {
    const failing = { status: 503, body: "unavailable" };
    // One slot: the first query takes all three failing responses, and the second query succeeds.
    fake.queue.push(failing, failing, failing);
    const handler = createSerpHandler({ ...dependencies, config: { ...config, QUERY_CONCURRENCY: 1 } });
    const logs = captureLogs();
    const result = await handler(bookRow(), stageContext(bookJob(), { finalAttempt: true, logs }));
    expect(result.next?.work.search?.results.map((item) => item.url)).toEqual([
      "http://shop.test/ledger",
      "http://news.test/review",
      "http://c.test/3",
    ]);
    expect(logs.lines.some((line) => line.level === 40 && String(line.msg).includes("final attempt"))).toBe(
      true,
    );
  });

  it("stops when the job is cancelled", async () => {
    fake.queue.push({ delayMs: 1500, body: organic(["http://a.test/"]) });
    const controller = new AbortController();
    const job = bookJob({ queryPatterns: ["%key"] });
    const pending = createSerpHandler(dependencies)(
      bookRow(),
      stageContext(job, { signal: controller.signal }),
    );
    setTimeout(() => controller.abort(new Error("job cancelled")), 100);
    await expect(pending).rejects.toThrow();
    expect(fake.received).toHaveLength(1);
  });
});

describe("serp handler with fallback providers", () => {
  const oneQuery = bookJob({ queryPatterns: ["%key"] });
  const chained = () => ({ ...dependencies, providers: [provider, brave] });

  it("falls back to brave when serper has no credits", async () => {
    fake.queue.push({ status: 400, body: { message: "Not enough credits", statusCode: 400 } });
    const logs = captureLogs();
    const result = await createSerpHandler(chained())(bookRow(), stageContext(oneQuery, { logs }));

    expect(result.next?.work.search?.provider).toBe("brave");
    expect(result.next?.work.search?.results.map((item) => item.url)).toEqual([
      "http://brave.test/ledger",
      "http://shop.test/ledger",
    ]);
    expect(fake.received).toHaveLength(1);
    expect(braveFake.received).toHaveLength(1);
    expect(result.usage).toEqual([
      { provider: "serper", calls: 1, cached: 0, errors: 1 },
      { provider: "brave", calls: 1, cached: 0, errors: 0 },
    ]);
    expect(logs.lines.some((line) => line.msg === "serper failed for the row")).toBe(true);
  });

  it("falls back when retries of a 503 run out", async () => {
    fake.queue.push(...Array.from({ length: 3 }, () => ({ status: 503, body: "unavailable" })));
    const result = await createSerpHandler(chained())(bookRow(), stageContext(oneQuery));
    expect(fake.received).toHaveLength(3);
    expect(result.next?.work.search?.provider).toBe("brave");
  });

  it("names every provider and key when all refuse", async () => {
    fake.queue.push({ status: 401, body: { message: "Unauthorized.", statusCode: 401 } });
    braveFake.queue.push({ status: 401, body: { type: "ErrorResponse", error: { code: "UNAUTHORIZED" } } });
    const error = await createSerpHandler(chained())(bookRow(), stageContext(oneQuery)).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).code).toBe("PROVIDER_AUTH");
    expect((error as Error).message).toContain("every search provider failed");
    expect((error as Error).message).toContain("SERPER_API_KEY");
    expect((error as Error).message).toContain("BRAVE_API_KEY");
  });

  it("hands the row back when one failure was transient", async () => {
    fake.queue.push({ status: 401, body: { message: "Unauthorized.", statusCode: 401 } });
    braveFake.queue.push(...Array.from({ length: 3 }, () => ({ status: 502, body: "bad gateway" })));
    const error = await createSerpHandler(chained())(bookRow(), stageContext(oneQuery)).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toMatch(/serper: .*SERPER_API_KEY.*; brave: .*502/);
  });

  it("skips a refused provider for the cool-down", async () => {
    const cooldowns = new ProviderCooldowns(60_000, createLogger("test-serp", "silent"));
    const handler = createSerpHandler({ ...chained(), cooldowns });
    fake.queue.push({ status: 403, body: { message: "Forbidden", statusCode: 403 } });

    const first = await handler(bookRow(), stageContext(oneQuery));
    const second = await handler(bookRow({ rowIndex: 1 }), stageContext(oneQuery));

    expect(first.next?.work.search?.provider).toBe("brave");
    expect(second.next?.work.search?.provider).toBe("brave");
    expect(fake.received).toHaveLength(1);
    expect(second.usage).toEqual([{ provider: "brave", calls: 1, cached: 0, errors: 0 }]);
    expect(cooldowns.isCoolingDown("serper")).toBe(true);
  });

  it("tries a cooling provider when it is the only one", async () => {
    const cooldowns = new ProviderCooldowns(60_000, createLogger("test-serp", "silent"));
    const handler = createSerpHandler({ ...dependencies, cooldowns });
    fake.queue.push({ status: 401, body: { message: "Unauthorized.", statusCode: 401 } });
    await expect(handler(bookRow(), stageContext(oneQuery))).rejects.toBeInstanceOf(PermanentError);
    const result = await handler(bookRow(), stageContext(oneQuery));
    expect(result.next?.work.search?.provider).toBe("serper");
    expect(fake.received).toHaveLength(2);
  });
});

import { createLogger, createMetrics, type ServiceMetrics } from "@ampledata/shared";
import { startTestNatsServer, type TestNatsServer } from "@ampledata/shared/testing";
import { jetstreamManager } from "@nats-io/jetstream";
import { nanos } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createSerpHandler,
  normalizeQuery,
  SEARCH_CACHE_BUCKET,
  SearchCache,
  SerperClient,
  searchCacheKey,
} from "../src/index.ts";
import { bookJob, bookRow, stageContext } from "./context.ts";
import { type FakeSerper, organic, startFakeSerper } from "./fake-serper.ts";

let nats: TestNatsServer;
let connection: Awaited<ReturnType<typeof connect>>;
let fake: FakeSerper;
let provider: SerperClient;
const logger = createLogger("test-serp", "silent");
const config = { QUERY_CONCURRENCY: 2, MAX_RESULTS: 3, SEARCH_RETRIES: 0, REFINE_CONFIDENCE: 0.6 };

beforeAll(async () => {
  nats = await startTestNatsServer();
  connection = await connect({ servers: nats.url, noAsyncTraces: true });
  fake = await startFakeSerper((query) => ({
    body: organic([`http://a.test/${encodeURIComponent(query)}`]),
  }));
  provider = new SerperClient({ baseUrl: fake.url, apiKey: "k", timeoutMs: 2000, userAgent: "test" });
});

afterAll(async () => {
  await provider?.close();
  await fake?.stop();
  await connection?.drain();
  await nats?.stop();
});

async function lookups(metrics: ServiceMetrics): Promise<Record<string, number>> {
  const metric = await metrics.cacheLookups.get();
  return Object.fromEntries(metric.values.map((value) => [String(value.labels.result), value.value]));
}

describe("search cache", () => {
  it("answers a re-run row without a request", async () => {
    const metrics = createMetrics("test-serp");
    const cache = await SearchCache.open(connection, { ttlMs: 60_000, metrics, logger });
    const handler = createSerpHandler({ config, providers: [provider], metrics, cache });
    fake.received.length = 0;

    const first = await handler(bookRow(), stageContext(bookJob()));
    expect(fake.received).toHaveLength(2);
    expect(first.usage).toEqual([{ provider: "serper", calls: 2, cached: 0, errors: 0 }]);

    const again = await handler(bookRow(), stageContext(bookJob()));
    expect(fake.received).toHaveLength(2);
    expect(again.usage).toEqual([{ provider: "serper", calls: 0, cached: 2, errors: 0 }]);
    expect(again.next?.work.search).toEqual(first.next?.work.search);
    expect(await lookups(metrics)).toEqual({ miss: 2, hit: 2 });
  });

  it("keys by provider and normalised query", () => {
    expect(normalizeQuery("  Glass   HARBOR\t")).toBe("glass harbor");
    expect(searchCacheKey("serper", "Glass Harbor", 10)).toBe(
      searchCacheKey("serper", " glass  harbor ", 10),
    );
    expect(searchCacheKey("serper", "glass harbor", 10)).not.toBe(
      searchCacheKey("brave", "glass harbor", 10),
    );
    expect(searchCacheKey("serper", "glass harbor", 10)).toMatch(/^serper\.[0-9a-f]{64}$/);
  });

  it("sets the bucket's max_age to the TTL", async () => {
    const metrics = createMetrics("test-serp");
    await SearchCache.open(connection, { ttlMs: 60_000, metrics, logger });
    await SearchCache.open(connection, { ttlMs: 120_000, metrics, logger });
    const jsm = await jetstreamManager(connection);
    const info = await jsm.streams.info(`KV_${SEARCH_CACHE_BUCKET}`);
    expect(info.config.max_age).toBe(nanos(120_000));
  });

  it("is disabled by a TTL of 0", async () => {
    const metrics = createMetrics("test-serp");
    expect(await SearchCache.open(connection, { ttlMs: 0, metrics, logger })).toBeUndefined();
  });
});

import { PermanentError, ThrottledError, TransientError } from "@ampledata/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BraveClient, ProviderUnavailableError } from "../src/index.ts";
import { braveError, braveWeb, type FakeApi, startFakeApi } from "./fake-api.ts";

let fake: FakeApi;
let client: BraveClient;
const signal = new AbortController().signal;

beforeAll(async () => {
  fake = await startFakeApi(() => ({ body: braveWeb(["http://a.test/1", "http://b.test/2"]) }));
  client = new BraveClient({
    baseUrl: fake.url,
    apiKey: "brave-token",
    timeoutMs: 500,
    userAgent: "test-agent",
  });
});

afterAll(async () => {
  await client.close();
  await fake.stop();
});

async function failure(): Promise<unknown> {
  return client.search({ query: "x", num: 10, signal }).catch((caught: unknown) => caught);
}

describe("Brave client", () => {
  it("sends q, count and the subscription token", async () => {
    await client.search({ query: "glass harbor", num: 7, signal });
    const request = fake.received.at(-1)!;
    expect(request.method).toBe("GET");
    expect(request.path).toBe("/res/v1/web/search");
    expect(request.params.get("q")).toBe("glass harbor");
    expect(request.params.get("count")).toBe("7");
    expect(request.headers["x-subscription-token"]).toBe("brave-token");
    expect(request.headers.accept).toBe("application/json");
  });

  it("asks for at most 20 results", async () => {
    await client.search({ query: "x", num: 50, signal });
    expect(fake.received.at(-1)?.params.get("count")).toBe("20");
  });

  it("maps web results without highlight markup", async () => {
    const { results } = await client.search({ query: "x", num: 10, signal });
    expect(results).toEqual([
      {
        title: "Brave result 1",
        url: "http://a.test/1",
        snippet: "About http://a.test/1 & more",
        position: 1,
      },
      {
        title: "Brave result 2",
        url: "http://b.test/2",
        snippet: "About http://b.test/2 & more",
        position: 2,
      },
    ]);
  });

  it("reads the infobox and FAQ", async () => {
    fake.queue.push({
      body: {
        web: { results: [] },
        infobox: {
          results: [{ title: "Glass Harbor", long_desc: "A <strong>novel</strong>.", url: "http://i.test/" }],
        },
        faq: { results: [{ question: "Who wrote it?", answer: "Wendell Price", url: "http://f.test/" }] },
      },
    });
    const answer = await client.search({ query: "x", num: 10, signal });
    expect(answer.results).toEqual([]);
    expect(answer.knowledgePanel).toEqual({
      title: "Glass Harbor",
      description: "A novel.",
      url: "http://i.test/",
    });
    expect(answer.relatedQuestions).toEqual([
      { question: "Who wrote it?", snippet: "Wendell Price", url: "http://f.test/" },
    ]);
  });

  it("reads a response without web results", async () => {
    fake.queue.push({ body: { type: "search", query: { original: "x" } } });
    expect((await client.search({ query: "x", num: 10, signal })).results).toEqual([]);
  });

  it("names BRAVE_API_KEY on 401 and an invalid token", async () => {
    fake.queue.push(
      { status: 401, body: braveError(401, "UNAUTHORIZED", "Unauthorized") },
      {
        status: 422,
        body: braveError(422, "SUBSCRIPTION_TOKEN_INVALID", "The provided subscription token is invalid."),
      },
    );
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const error = await failure();
      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect((error as ProviderUnavailableError).reason).toBe("auth");
      expect((error as Error).message).toContain("brave");
      expect((error as Error).message).toContain("BRAVE_API_KEY");
    }
  });

  it("says the key variable is not set when no key was sent", async () => {
    const keyless = new BraveClient({
      baseUrl: fake.url,
      apiKey: undefined,
      timeoutMs: 500,
      userAgent: "test",
    });
    fake.queue.push({ status: 401, body: braveError(401, "UNAUTHORIZED", "Unauthorized") });
    const error = await keyless.search({ query: "x", num: 10, signal }).catch((caught: unknown) => caught);
    await keyless.close();
    expect(fake.received.at(-1)?.headers["x-subscription-token"]).toBeUndefined();
    expect((error as Error).message).toContain("BRAVE_API_KEY is not set");
  });

  it("waits for the per-second window on a rate limit", async () => {
    fake.queue.push({
      status: 429,
      headers: { "x-ratelimit-remaining": "0, 1500", "x-ratelimit-reset": "1, 1419704" },
      body: braveError(429, "RATE_LIMITED", "Request rate limit exceeded for plan."),
    });
    const error = await failure();
    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as ThrottledError).retryAfterMs).toBe(1000);
  });

  it("prefers Retry-After on a rate limit", async () => {
    fake.queue.push({
      status: 429,
      headers: { "retry-after": "2" },
      body: braveError(429, "RATE_LIMITED", "slow"),
    });
    expect(((await failure()) as ThrottledError).retryAfterMs).toBe(2000);
  });

  it("recognises a used-up monthly quota", async () => {
    fake.queue.push(
      {
        status: 429,
        headers: { "x-ratelimit-remaining": "1, 0", "x-ratelimit-reset": "1, 1419704" },
        body: braveError(429, "RATE_LIMITED", "Request rate limit exceeded for plan."),
      },
      { status: 429, body: braveError(429, "QUOTA_LIMITED", "Request quota limit exceeded for plan.") },
      { status: 402, body: braveError(402, "PAYMENT_REQUIRED", "Payment required") },
    );
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const error = await failure();
      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect((error as ProviderUnavailableError).reason).toBe("quota");
    }
  });

  it("classifies 5xx as transient and other 4xx as permanent", async () => {
    fake.queue.push({ status: 503, body: "unavailable" });
    expect(await failure()).toBeInstanceOf(TransientError);
    fake.queue.push({ status: 422, body: braveError(422, "VALIDATION", "count must be at most 20") });
    const rejected = await failure();
    expect(rejected).toBeInstanceOf(PermanentError);
    expect(rejected).not.toBeInstanceOf(ProviderUnavailableError);
    expect((rejected as Error).message).toContain("count must be at most 20");
  });
});

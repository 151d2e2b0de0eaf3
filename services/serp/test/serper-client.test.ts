import { PermanentError, ThrottledError, TransientError } from "@ampledata/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderUnavailableError, SerperClient } from "../src/index.ts";
import { type FakeSerper, organic, startFakeSerper } from "./fake-serper.ts";

let fake: FakeSerper;
let client: SerperClient;
const signal = new AbortController().signal;

beforeAll(async () => {
  fake = await startFakeSerper(() => ({ body: organic(["http://a.test/1", "http://b.test/2"]) }));
  client = new SerperClient({
    baseUrl: `${fake.url}/`,
    apiKey: "test-key",
    timeoutMs: 500,
    userAgent: "test",
  });
});

afterAll(async () => {
  await client.close();
  await fake.stop();
});

describe("Serper client", () => {
  it("sends the query, num and key and reads organic results", async () => {
    const { results } = await client.search({ query: "glass harbor", num: 7, signal });
    expect(fake.received.at(-1)?.body).toEqual({ q: "glass harbor", num: 7 });
    expect(fake.received.at(-1)?.apiKey).toBe("test-key");
    expect(results).toEqual([
      { title: "Result 1", url: "http://a.test/1", snippet: "Snippet of http://a.test/1", position: 1 },
      { title: "Result 2", url: "http://b.test/2", snippet: "Snippet of http://b.test/2", position: 2 },
    ]);
  });

  it("reads a response without organic results", async () => {
    fake.queue.push({ body: { searchParameters: { q: "x" } } });
    expect(await client.search({ query: "x", num: 10, signal })).toEqual({ results: [] });
  });

  it("reads the knowledge graph and people also ask", async () => {
    fake.queue.push({
      body: {
        organic: [],
        knowledgeGraph: {
          title: "Glass Harbor",
          type: "Novel",
          description: "A 2018 mystery novel.",
          descriptionLink: "http://wiki.test/Glass_Harbor",
          attributes: { Author: "Wendell Price", Pages: 312 },
        },
        peopleAlsoAsk: [
          { question: "Who wrote Glass Harbor?", snippet: "Wendell Price", link: "http://a.test/" },
        ],
      },
    });
    const answer = await client.search({ query: "glass harbor", num: 10, signal });
    expect(answer.knowledgePanel).toEqual({
      title: "Glass Harbor",
      description: "A 2018 mystery novel.",
      url: "http://wiki.test/Glass_Harbor",
      attributes: { Author: "Wendell Price", Pages: "312" },
    });
    expect(answer.relatedQuestions).toEqual([
      { question: "Who wrote Glass Harbor?", snippet: "Wendell Price", url: "http://a.test/" },
    ]);
  });

  it("raises ProviderUnavailableError when credits run out", async () => {
    fake.queue.push({ status: 400, body: { message: "Not enough credits", statusCode: 400 } });
    const error = await client.search({ query: "x", num: 10, signal }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect((error as ProviderUnavailableError).reason).toBe("quota");
    expect((error as Error).message).toContain("SERPER_API_KEY");
  });

  it("raises ThrottledError with Retry-After on 429", async () => {
    fake.queue.push({ status: 429, headers: { "retry-after": "3" }, body: { message: "slow down" } });
    const error = await client.search({ query: "x", num: 10, signal }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as ThrottledError).retryAfterMs).toBe(3000);
  });

  it("raises PermanentError naming the key variable on 401 and 403", async () => {
    for (const status of [401, 403]) {
      fake.queue.push({ status, body: { message: "Unauthorized", statusCode: status } });
      const error = await client.search({ query: "x", num: 10, signal }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ProviderUnavailableError);
      expect((error as PermanentError).code).toBe("PROVIDER_AUTH");
      expect((error as Error).message).toContain("serper");
      expect((error as Error).message).toContain("SERPER_API_KEY");
      expect((error as Error).message).toContain("missing or invalid");
    }
  });

  it("raises TransientError on 5xx", async () => {
    fake.queue.push({ status: 503, body: "upstream unavailable" });
    const error = await client.search({ query: "x", num: 10, signal }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toContain("503");
  });

  it("raises PermanentError on other 4xx", async () => {
    fake.queue.push({ status: 400, body: { message: "Query too long" } });
    const error = await client.search({ query: "x", num: 10, signal }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toContain("Query too long");
  });

  it("raises PermanentError on a body that is not JSON", async () => {
    fake.queue.push({ status: 200, body: "<html>maintenance</html>" });
    const error = await client.search({ query: "x", num: 10, signal }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).code).toBe("PROVIDER_RESPONSE_INVALID");
  });

  it("raises PermanentError on JSON of the wrong shape", async () => {
    fake.queue.push({ status: 200, body: { organic: [{ title: "no link" }] } });
    const error = await client.search({ query: "x", num: 10, signal }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toContain("organic.0.link");
  });

  it("raises TransientError on a late response", async () => {
    fake.queue.push({ delayMs: 2000, body: organic([]) });
    const error = await client.search({ query: "x", num: 10, signal }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toContain("timed out after 500 ms");
  });

  it("raises TransientError when nothing listens", async () => {
    const closed = new SerperClient({
      baseUrl: "http://127.0.0.1:1",
      apiKey: undefined,
      timeoutMs: 500,
      userAgent: "test",
    });
    const error = await closed.search({ query: "x", num: 10, signal }).catch((caught: unknown) => caught);
    await closed.close();
    expect(error).toBeInstanceOf(TransientError);
  });
});

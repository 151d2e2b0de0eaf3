import { PermanentError, ThrottledError, TransientError } from "@ampledata/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WikipediaClient } from "../src/index.ts";
import { type FakeApi, startFakeApi, wikipediaSearch } from "./fake-api.ts";

let fake: FakeApi;
let client: WikipediaClient;
const signal = new AbortController().signal;

beforeAll(async () => {
  fake = await startFakeApi(() => ({ body: wikipediaSearch(["Glass Harbor (novel)", "AC/DC"]) }));
  client = new WikipediaClient({
    baseUrl: fake.url,
    apiKey: undefined,
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

describe("Wikipedia client", () => {
  it("sends the MediaWiki search parameters", async () => {
    await client.search({ query: "glass harbor", num: 5, signal });
    const request = fake.received.at(-1)!;
    expect(request.path).toBe("/w/api.php");
    expect(Object.fromEntries(request.params)).toEqual({
      action: "query",
      list: "search",
      srsearch: "glass harbor",
      format: "json",
      srlimit: "5",
    });
    expect(request.headers["user-agent"]).toBe("test-agent");
  });

  it("links article URLs and strips snippet markup", async () => {
    const { results } = await client.search({ query: "glass harbor", num: 5, signal });
    expect(results).toEqual([
      {
        title: "Glass Harbor (novel)",
        url: `${fake.url}/wiki/Glass_Harbor_(novel)`,
        snippet: 'Glass Harbor (novel) is "notable"',
        position: 1,
      },
      { title: "AC/DC", url: `${fake.url}/wiki/AC/DC`, snippet: 'AC/DC is "notable"', position: 2 },
    ]);
  });

  it("percent-encodes titles outside ASCII", () => {
    expect(client.articleUrl("Café Müller")).toBe(`${fake.url}/wiki/Caf%C3%A9_M%C3%BCller`);
  });

  it("treats maxlag and ratelimited as throttling", async () => {
    fake.queue.push(
      {
        headers: { "retry-after": "3" },
        body: { error: { code: "maxlag", info: "Waiting for a database server" } },
      },
      { body: { error: { code: "ratelimited", info: "You've exceeded your rate limit." } } },
    );
    expect(((await failure()) as ThrottledError).retryAfterMs).toBe(3000);
    const throttled = await failure();
    expect(throttled).toBeInstanceOf(ThrottledError);
    expect((throttled as ThrottledError).retryAfterMs).toBe(5000);
  });

  it("fails permanently on other API errors", async () => {
    fake.queue.push({
      body: { error: { code: "srsearch-text-disabled", info: "Full text searching is disabled." } },
    });
    const error = await failure();
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toContain("srsearch-text-disabled");
  });

  it("classifies 5xx as transient", async () => {
    fake.queue.push({ status: 503, body: "Service Unavailable" });
    expect(await failure()).toBeInstanceOf(TransientError);
  });
});

import { PermanentError, ThrottledError, TransientError } from "@ampledata/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderUnavailableError, SearxngClient } from "../src/index.ts";
import { type FakeApi, searxngResults, startFakeApi } from "./fake-api.ts";

let fake: FakeApi;
let client: SearxngClient;
const signal = new AbortController().signal;

beforeAll(async () => {
  fake = await startFakeApi(() => ({
    body: searxngResults(["http://a.test/1", "http://b.test/2", "http://c.test/3"]),
  }));
  client = new SearxngClient({
    baseUrl: `${fake.url}/`,
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

describe("SearXNG client", () => {
  it("asks for the JSON format and maps results", async () => {
    const { results } = await client.search({ query: "glass harbor", num: 2, signal });
    const request = fake.received.at(-1)!;
    expect(request.path).toBe("/search");
    expect(request.params.get("q")).toBe("glass harbor");
    expect(request.params.get("format")).toBe("json");
    expect(request.headers["user-agent"]).toBe("test-agent");
    expect(results).toEqual([
      {
        title: "SearXNG result 1",
        url: "http://a.test/1",
        snippet: "Content of http://a.test/1",
        position: 1,
      },
      {
        title: "SearXNG result 2",
        url: "http://b.test/2",
        snippet: "Content of http://b.test/2",
        position: 2,
      },
    ]);
  });

  it("reads the first infobox", async () => {
    fake.queue.push({
      body: {
        results: [],
        infoboxes: [
          {
            infobox: "Glass Harbor",
            id: "http://wiki.test/Glass_Harbor",
            content: "A mystery novel.",
            urls: [{ title: "Wikipedia", url: "http://wiki.test/Glass_Harbor" }],
            attributes: [{ label: "Author", value: "Wendell Price" }],
          },
        ],
      },
    });
    const answer = await client.search({ query: "x", num: 10, signal });
    expect(answer.knowledgePanel).toEqual({
      title: "Glass Harbor",
      description: "A mystery novel.",
      url: "http://wiki.test/Glass_Harbor",
      attributes: { Author: "Wendell Price" },
    });
  });

  it("explains a 403 from an instance without the JSON format", async () => {
    fake.queue.push({
      status: 403,
      headers: { "content-type": "text/html" },
      body: "<h1>403 Forbidden</h1>",
    });
    const error = await failure();
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect((error as Error).message).toContain("searxng");
    expect((error as Error).message).toContain("SEARXNG_BASE_URL");
  });

  it("classifies a limiter 429, a 502 and a 400", async () => {
    fake.queue.push({ status: 429, headers: { "content-type": "text/html" }, body: "Too Many Requests" });
    expect(await failure()).toBeInstanceOf(ThrottledError);
    fake.queue.push({ status: 502, body: "Bad Gateway" });
    expect(await failure()).toBeInstanceOf(TransientError);
    fake.queue.push({ status: 400, body: "Bad Request" });
    expect(await failure()).toBeInstanceOf(PermanentError);
  });
});

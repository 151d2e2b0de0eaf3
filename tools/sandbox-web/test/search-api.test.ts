import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Sandbox, startSandbox } from "../src/index.ts";
import { getJson, postJson, REQUEST_TIMEOUT_MS, SKIP_SHARED_CORPUS, SWDE_DIR } from "./helpers.ts";

interface SerperAnswer {
  searchParameters: { q: string; type: string; num: number; engine: string; page?: number };
  organic: Array<{ title: string; link: string; snippet: string; position: number }>;
  credits: number;
}

interface SearxngAnswer {
  query: string;
  number_of_results: number;
  results: Array<{
    url: string;
    title: string;
    content: string;
    engine: string;
    score: number;
    position: number;
  }>;
}

const API_KEY = "test-key";
const BREE_TANNER_URL = "http://www.booksamillion.com/product/9780316125581";

describe.skipIf(SKIP_SHARED_CORPUS)("search API over swde-books", () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ corpora: [SWDE_DIR], apiKey: API_KEY });
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  it("answers Serper requests in Serper's shape", async () => {
    const query = "The Short Second Life of Bree Tanner Stephenie Meyer";
    const { status, json } = await postJson(
      `${sandbox.url}/search`,
      { q: query, num: 5 },
      { "X-API-KEY": API_KEY },
    );
    const answer = json as SerperAnswer;

    expect(status).toBe(200);
    expect(answer.searchParameters).toEqual({ q: query, type: "search", num: 5, engine: "google" });
    expect(answer.credits).toBe(1);
    expect(answer.organic).toHaveLength(5);
    expect(answer.organic[0]!.link).toBe(BREE_TANNER_URL);
    expect(answer.organic[0]!.title).toContain("The Short Second Life of Bree Tanner");
    expect(answer.organic.map((result) => result.position)).toEqual([1, 2, 3, 4, 5]);
  });

  it("takes snippets from the best-matching passage", async () => {
    const { json } = await postJson(
      `${sandbox.url}/search`,
      { q: "newborn vampire army Bree Tanner" },
      { "X-API-KEY": API_KEY },
    );
    const top = (json as SerperAnswer).organic[0]!;
    expect(top.link).toBe(BREE_TANNER_URL);
    expect(top.snippet.length).toBeLessThanOrEqual(200);
    expect(top.snippet.length).toBeGreaterThan(60);
    expect(top.snippet).toMatch(/newborn/i);
  });

  it("pages through results with page and num", async () => {
    const body = { q: "vampire", num: 3 };
    const first = (await postJson(`${sandbox.url}/search`, body, { "X-API-KEY": API_KEY }))
      .json as SerperAnswer;
    const second = (await postJson(`${sandbox.url}/search`, { ...body, page: 2 }, { "X-API-KEY": API_KEY }))
      .json as SerperAnswer;

    expect(second.searchParameters.page).toBe(2);
    expect(second.organic.map((result) => result.position)).toEqual([4, 5, 6]);
    const firstLinks = new Set(first.organic.map((result) => result.link));
    for (const result of second.organic) {
      expect(firstLinks.has(result.link)).toBe(false);
    }
  });

  it("answers a batch of queries with a list", async () => {
    const { status, json } = await postJson(
      `${sandbox.url}/search`,
      [{ q: "Game Over Fern Michaels" }, { q: "Dear John Nicholas Sparks", num: 2 }],
      { "X-API-KEY": API_KEY },
    );
    const answers = json as SerperAnswer[];
    expect(status).toBe(200);
    expect(answers).toHaveLength(2);
    expect(answers[0]!.searchParameters.q).toBe("Game Over Fern Michaels");
    expect(answers[1]!.organic).toHaveLength(2);
  });

  it("rejects a missing API key with 401", async () => {
    const { status, json } = await postJson(`${sandbox.url}/search`, { q: "Game Over" });
    expect(status).toBe(401);
    expect(json).toEqual({ message: expect.stringContaining("X-API-KEY"), statusCode: 401 });
  });

  it("rejects a wrong API key with 401", async () => {
    const { status, json } = await postJson(
      `${sandbox.url}/search`,
      { q: "Game Over" },
      { "X-API-KEY": "wrong" },
    );
    expect(status).toBe(401);
    expect((json as { statusCode: number }).statusCode).toBe(401);
  });

  it("rejects a request without q with 400", async () => {
    const { status, json } = await postJson(`${sandbox.url}/search`, { num: 3 }, { "X-API-KEY": API_KEY });
    expect(status).toBe(400);
    expect((json as { message: string }).message).toContain("q");
  });

  it("rejects a body that is not JSON with 400", async () => {
    const response = await request(`${sandbox.url}/search`, {
      method: "POST",
      headers: { "X-API-KEY": API_KEY, "content-type": "application/json" },
      body: "{not json",
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    expect(response.statusCode).toBe(400);
    await response.body.dump();
  });

  it("answers SearXNG requests in SearXNG's shape", async () => {
    const query = "Game Over Fern Michaels";
    const { status, json } = await getJson(
      `${sandbox.url}/search?q=${encodeURIComponent(query)}&format=json`,
    );
    const answer = json as SearxngAnswer;

    expect(status).toBe(200);
    expect(answer.query).toBe(query);
    expect(answer.number_of_results).toBeGreaterThan(10);
    expect(answer.results).toHaveLength(10);
    const top = answer.results[0]!;
    expect(top.title).toContain("Game Over");
    expect(top.url).toMatch(/^http:\/\/www\.booksamillion\.com\/product\//);
    expect(top.content.length).toBeGreaterThan(0);
    expect(top.engine).toBe("sandbox");
    expect(top.position).toBe(1);
    expect(top.score).toBeGreaterThan(answer.results[9]!.score);
  });

  it("rejects SearXNG requests without format=json", async () => {
    const { status } = await getJson(`${sandbox.url}/search?q=vampire`);
    expect(status).toBe(400);
  });

  it("counts search requests and queries", async () => {
    sandbox.resetCounters();
    await postJson(`${sandbox.url}/search`, { q: "vampire" }, { "X-API-KEY": API_KEY });
    await getJson(`${sandbox.url}/search?q=vampire&format=json`);
    await getJson(`${sandbox.url}/search?q=twilight&format=json`);

    const counters = sandbox.counters();
    expect(counters.byRoute.search).toBe(3);
    expect(counters.byRoute.page).toBe(0);
    expect(counters.byQuery).toEqual({ vampire: 2, twilight: 1 });
  });

  it("searches without HTTP through sandbox.search", () => {
    const results = sandbox.search("Dear John Nicholas Sparks", 3);
    expect(results.hits).toHaveLength(3);
    expect(results.hits[0]!.title).toContain("Dear John");
  });
});

// End to end with the language-model path. The five services run as separate processes with a
// private NATS server, a database of their own and the sandbox web over the fixture corpus.
// Gateway, decision and extract reach a fake OpenAI-compatible chat-completions server through
// LLM_BASE_URL. The fake model reads one value correctly and invents another, which grounding
// must reject before it reaches the results.
import { join } from "node:path";
import {
  type FakeLlmServer,
  type FakeReply,
  fakeReplies,
  type RecordedRequest,
  startFakeLlmServer,
} from "@ampledata/llm/testing";
import { type Sandbox, startSandbox } from "@ampledata/sandbox-web";
import { startTestNatsServer, type TestNatsServer } from "@ampledata/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningPipeline, repoRoot, startPipeline } from "../../scripts/pipeline.ts";
import { createTestDatabase, type TestDatabase, waitFor } from "./support.ts";

const SANDBOX_KEY = "e2e-llm-key";
const LLM_KEY = "e2e-llm-model-key";
const BOOK_URL = "http://www.lanternpress.test/books/lighthouse-ledger";
/** Text of the book page that the extraction prompt must carry inside its data block. */
const PAGE_TEXT = "Saltmarsh Books";
const INVENTED_TRANSLATOR = "Evelyn Marsh";

/** Token counts the fake model reports, per task, so the job's totals can be checked exactly. */
const TOKENS: Record<string, { promptTokens: number; completionTokens: number }> = {
  query_patterns: { promptTokens: 120, completionTokens: 12 },
  decide_from_snippets: { promptTokens: 450, completionTokens: 35 },
  extract_columns: { promptTokens: 1600, completionTokens: 70 },
};

let nats: TestNatsServer;
let database: TestDatabase;
let sandbox: Sandbox;
let model: FakeLlmServer;
let pipeline: RunningPipeline;

/** A node of a request's JSON Schema, as far as the script reads it. */
interface SchemaNode {
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  enum?: string[];
}

function requestSchema(request: RecordedRequest): { name: string; schema: SchemaNode } {
  const body = request.body as { response_format: { json_schema: { name: string; schema: SchemaNode } } };
  return body.response_format.json_schema;
}

function userMessage(request: RecordedRequest): string {
  const body = request.body as { messages: { role: string; content: string }[] };
  return body.messages.find((message) => message.role === "user")?.content ?? "";
}

/** Picks the book page from the URLs a schema allows, else the first one. */
function bookUrl(urls: string[] | undefined): string | null {
  return urls?.find((url) => url.includes("lighthouse-ledger")) ?? urls?.[0] ?? null;
}

/**
 * Replies by task. Decision reads nothing from the snippets and crawls the book page. Extraction
 * returns the publisher with a quote from the page and a translator the page never names.
 */
function reply(request: RecordedRequest): FakeReply {
  const { name, schema } = requestSchema(request);
  const usage = TOKENS[name];
  if (name === "query_patterns") return fakeReplies.json({ patterns: ["%key", "%key publisher"] }, { usage });

  if (name === "decide_from_snippets") {
    const columns = Object.keys(schema.properties?.values?.properties ?? {});
    const empty = { evidence: null, source: null, value: null, confidence: 0 };
    const url = bookUrl(schema.properties?.crawl?.items?.properties?.url?.enum);
    return fakeReplies.json(
      {
        values: Object.fromEntries(columns.map((column) => [column, empty])),
        crawl: url === null ? [] : [{ url, reason: "the shop's page about the book" }],
      },
      { usage },
    );
  }

  const columns = schema.properties?.columns?.properties ?? {};
  const findings: Record<string, unknown> = {};
  for (const [column, node] of Object.entries(columns)) {
    const url = bookUrl(node.properties?.sources?.items?.enum);
    if (column === "publisher") {
      findings[column] = {
        evidence: "Publisher: Saltmarsh Books",
        sources: url === null ? [] : [url],
        value: "Saltmarsh Books",
        confidence: 0.95,
        reason: "the details table names the publisher",
      };
    } else {
      findings[column] = {
        evidence: `Translated from the Danish by ${INVENTED_TRANSLATOR}`,
        sources: url === null ? [] : [url],
        value: INVENTED_TRANSLATOR,
        confidence: 0.9,
        reason: "the page credits the translator",
      };
    }
  }
  return fakeReplies.json({ columns: findings }, { usage });
}

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(`${pipeline.gatewayUrl}${path}`);
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

describe("pipeline with a language model", { timeout: 120_000 }, () => {
  beforeAll(async () => {
    nats = await startTestNatsServer();
    database = await createTestDatabase();
    sandbox = await startSandbox({
      corpora: [join(repoRoot, "tools/sandbox-web/fixtures/books")],
      host: "127.0.0.1",
      port: 0,
      apiKey: SANDBOX_KEY,
    });
    model = await startFakeLlmServer({ script: reply, apiKey: LLM_KEY });
    const llm = { LLM_BASE_URL: model.baseUrl, LLM_MODEL: "fake-model", LLM_API_KEY: LLM_KEY };
    pipeline = await startPipeline({
      natsUrl: nats.url,
      databaseUrl: database.url,
      sandboxUrl: sandbox.url,
      sandboxApiKey: SANDBOX_KEY,
      logDir: join(repoRoot, ".stack", "logs", `e2e-llm-${Date.now()}`),
      env: {
        gateway: { ...llm, ADMISSION_TICK_MS: "200" },
        decision: llm,
        extract: llm,
      },
    });
  }, 120_000);

  afterAll(async () => {
    await pipeline?.stop();
    await model?.close();
    await sandbox?.stop();
    await database?.drop();
    await nats?.stop();
  }, 60_000);

  it("keeps the grounded value and rejects the invented one", async () => {
    const created = await fetch(`${pipeline.gatewayUrl}/v1/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        rows: [{ title: "The Lighthouse Ledger" }],
        key_columns: ["title"],
        key_description: "book",
        columns: [
          { name: "publisher", type: "string" },
          { name: "translator", type: "string", description: "who translated the book" },
        ],
        max_rounds: 2,
      }),
    });
    expect(created.status).toBe(202);
    const { id, query_patterns: patterns } = (await created.json()) as {
      id: string;
      query_patterns: string[];
    };
    expect(patterns).toEqual(["%key", "%key publisher"]);

    type Usage = Record<
      string,
      { calls: number; errors: number; prompt_tokens: number; completion_tokens: number }
    >;
    let job: { status: string; usage: Usage } | undefined;
    await waitFor(
      "the job to complete",
      async () => {
        const view = await getJson<{ status: string; usage: Usage }>(`/v1/jobs/${id}`);
        job = view;
        return view.status === "COMPLETED";
      },
      60_000,
    );

    // Exported cells: the publisher is kept, the invented translator is rejected by grounding.
    const jsonl = await (await fetch(`${pipeline.gatewayUrl}/v1/jobs/${id}/results.jsonl`)).text();
    const [record] = jsonl
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    expect(record.status).toBe("COMPLETED");
    expect(record.values.publisher).toBe("Saltmarsh Books");
    expect(record.cells.publisher.outcome).toBe("found");
    expect(record.cells.publisher.sources).toContain(BOOK_URL);
    expect(record.cells.publisher.evidence).toBe("Publisher: Saltmarsh Books");
    expect(record.values.translator).toBeNull();
    expect(record.cells.translator.outcome).toBe("not_found");
    expect(record.cells.translator.reason).toContain(`evidence quote not found on ${BOOK_URL}`);

    // The rows API shows the rounds the row went through.
    const rows = await getJson<{
      rows: { history: { round: number; urls: string[]; confidence: Record<string, number> }[] }[];
    }>(`/v1/jobs/${id}/rows`);
    const history = rows.rows[0]?.history ?? [];
    expect(history.map((attempt) => attempt.round)).toEqual([0, 1]);
    expect(history[0]?.urls).toContain(BOOK_URL);
    expect(history[0]?.confidence.publisher).toBeGreaterThan(0.5);
    expect(history[0]?.confidence.translator).toBe(0);

    // The job's usage counts every model request's tokens.
    const requests = model.requests.filter((request) => request.path === "/v1/chat/completions");
    const expected = { prompt: 0, completion: 0 };
    for (const request of requests) {
      const tokens = TOKENS[requestSchema(request).name]!;
      expected.prompt += tokens.promptTokens;
      expected.completion += tokens.completionTokens;
    }
    expect(job?.usage.llm?.calls).toBe(requests.length);
    expect(job?.usage.llm?.errors).toBe(0);
    expect(job?.usage.llm?.prompt_tokens).toBe(expected.prompt);
    expect(job?.usage.llm?.completion_tokens).toBe(expected.completion);

    // Every extraction request carried the page text inside the data block, and nowhere else.
    const extractions = requests.filter((request) => requestSchema(request).name === "extract_columns");
    expect(extractions.length).toBeGreaterThan(0);
    for (const request of extractions) {
      const message = userMessage(request);
      const block = /<data-([0-9a-f]{12})>\n([\s\S]*)\n<\/data-\1>/.exec(message);
      expect(block).not.toBeNull();
      expect(block?.[2]).toContain(PAGE_TEXT);
      expect(message.replace(block?.[0] ?? "", "")).not.toContain(PAGE_TEXT);
      expect(request.headers.authorization).toBe(`Bearer ${LLM_KEY}`);
    }
  });
});

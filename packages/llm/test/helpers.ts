import type { ColumnSpec, ColumnType, PageContent } from "@ampledata/shared";
import { afterEach } from "vitest";
import { LlmClient, type LlmClientOptions } from "../src/index.ts";
import { type FakeLlmServer, type FakeLlmServerOptions, startFakeLlmServer } from "../src/testing/index.ts";

const servers: FakeLlmServer[] = [];
const clients: LlmClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** Starts a fake server that is closed after the test. */
export async function fakeServer(options: FakeLlmServerOptions = {}): Promise<FakeLlmServer> {
  const server = await startFakeLlmServer(options);
  servers.push(server);
  return server;
}

/** Creates a client of `server` with short backoff delays, closed after the test. */
export function clientFor(server: FakeLlmServer, overrides: Partial<LlmClientOptions> = {}): LlmClient {
  const client = new LlmClient({
    baseUrl: server.baseUrl,
    model: "fake-model-1",
    timeoutMs: 5000,
    maxTokens: 512,
    maxInputChars: 24_000,
    structuredOutput: "json_schema",
    retryPolicy: { minDelayMs: 5, maxDelayMs: 20 },
    ...overrides,
  });
  clients.push(client);
  return client;
}

export function column(name: string, type: ColumnType, description?: string): ColumnSpec {
  return description === undefined
    ? { name, type, mode: "enrich" }
    : { name, type, description, mode: "enrich" };
}

/** Builds a page as the crawler stores it, from plain text and optional fields. */
export function page(url: string, text: string, extra: Partial<PageContent> = {}): PageContent {
  return {
    url,
    finalUrl: url,
    status: 200,
    title: "",
    headings: [],
    text,
    jsonLd: [],
    meta: {},
    labelValues: [],
    truncated: false,
    ...extra,
  };
}

/** Reads the messages of a recorded request body. */
export function messagesOf(body: unknown): { role: string; content: string }[] {
  return (body as { messages: { role: string; content: string }[] }).messages;
}

/** A node of a JSON Schema, as far as the tests read it. */
export interface SchemaNode {
  type?: unknown;
  required?: string[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  enum?: unknown[];
}

/** Reads the JSON Schema of `response_format` in a recorded request body. */
export function responseSchemaOf(body: unknown): SchemaNode {
  return (body as { response_format: { json_schema: { schema: SchemaNode } } }).response_format.json_schema
    .schema;
}

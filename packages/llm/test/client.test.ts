import { createMetrics, PermanentError, ThrottledError, TransientError } from "@ampledata/shared";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { LlmAnswerInvalidError, LlmRefusalError } from "../src/index.ts";
import { fakeReplies } from "../src/testing/index.ts";
import { clientFor, fakeServer, messagesOf } from "./helpers.ts";

const bookSchema = z.object({ publisher: z.string().nullable(), pages: z.number().nullable() });
const request = (extra = {}) => ({
  name: "book_facts",
  schema: bookSchema,
  messages: [{ role: "user" as const, content: "Which publisher?" }],
  ...extra,
});

describe("LlmClient responses", () => {
  it("parses a valid JSON response", async () => {
    const server = await fakeServer({
      script: [fakeReplies.json({ publisher: "Fernleaf Editions", pages: 288 })],
    });
    const result = await clientFor(server).complete(request());
    expect(result.value).toEqual({ publisher: "Fernleaf Editions", pages: 288 });
    expect(result.model).toBe("fake-model-1");
    expect(server.requests).toHaveLength(1);
  });

  it("accepts JSON inside a json fence", async () => {
    const server = await fakeServer({
      script: [fakeReplies.json({ publisher: "Fernleaf Editions", pages: null }, { fence: true })],
    });
    const result = await clientFor(server).complete(request());
    expect(result.value).toEqual({ publisher: "Fernleaf Editions", pages: null });
  });

  it("repeats a malformed response once", async () => {
    const server = await fakeServer({
      script: [
        fakeReplies.text('{"publisher": "Fernleaf'),
        fakeReplies.json({ publisher: "Fernleaf", pages: 10 }),
      ],
    });
    const result = await clientFor(server).complete(request());
    expect(result.value.publisher).toBe("Fernleaf");
    expect(server.requests).toHaveLength(2);

    const repeated = messagesOf(server.requests[1]!.body);
    expect(repeated.at(-2)).toEqual({ role: "assistant", content: '{"publisher": "Fernleaf' });
    expect(repeated.at(-1)!.role).toBe("user");
    expect(repeated.at(-1)!.content).toContain("not valid JSON");
    expect(repeated.at(-1)!.content).not.toContain("Fernleaf");
  });

  it("names the field after two failures", async () => {
    const server = await fakeServer({
      script: [
        fakeReplies.text("not json at all"),
        fakeReplies.json({ publisher: "Fernleaf", pages: "288" }),
      ],
    });
    const error = await clientFor(server)
      .complete(request())
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LlmAnswerInvalidError);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as LlmAnswerInvalidError).field).toBe("pages");
    expect((error as Error).message).toContain("field pages");
    expect((error as LlmAnswerInvalidError).code).toBe("PROVIDER_RESPONSE_INVALID");
    expect(server.requests).toHaveLength(2);
  });

  it("fails after two malformed responses", async () => {
    const server = await fakeServer({ script: [fakeReplies.text("{"), fakeReplies.text("still {")] });
    const error = await clientFor(server)
      .complete(request())
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LlmAnswerInvalidError);
    expect((error as LlmAnswerInvalidError).field).toBe("(root)");
    expect((error as Error).message).toContain("not valid JSON");
  });

  it("names LLM_MAX_TOKENS when cut", async () => {
    const server = await fakeServer({
      script: [
        fakeReplies.text('{"publisher": "Fern', "length"),
        fakeReplies.text('{"publisher": "Fern', "length"),
      ],
    });
    const error = await clientFor(server)
      .complete(request())
      .catch((caught: unknown) => caught);
    expect((error as Error).message).toContain("LLM_MAX_TOKENS");
  });

  it("returns token counts summed over requests", async () => {
    const server = await fakeServer({
      script: [
        fakeReplies.json({ publisher: 7 }, { usage: { promptTokens: 120, completionTokens: 30 } }),
        fakeReplies.json(
          { publisher: "Fernleaf", pages: 1 },
          { usage: { promptTokens: 160, completionTokens: 12 } },
        ),
      ],
    });
    const result = await clientFor(server).complete(request());
    expect(result.usage).toEqual({ requests: 2, promptTokens: 280, completionTokens: 42 });
  });
});

describe("LlmClient request body", () => {
  it("carries the model and the JSON schema", async () => {
    const server = await fakeServer({ script: [fakeReplies.json({ publisher: null, pages: null })] });
    await clientFor(server, { apiKey: "test-key-1" }).complete(request());

    const sent = server.requests[0]!;
    expect(sent.path).toBe("/v1/chat/completions");
    expect(sent.headers.authorization).toBe("Bearer test-key-1");
    const body = sent.body as Record<string, unknown>;
    expect(body.model).toBe("fake-model-1");
    expect(body.max_tokens).toBe(512);
    expect(body.temperature).toBe(0);
    const format = body.response_format as { type: string; json_schema: Record<string, unknown> };
    expect(format.type).toBe("json_schema");
    expect(format.json_schema.name).toBe("book_facts");
    expect(format.json_schema.strict).toBe(true);
    expect(format.json_schema.schema).toMatchObject({
      type: "object",
      required: ["publisher", "pages"],
      additionalProperties: false,
      properties: { publisher: { type: ["string", "null"] }, pages: { type: ["number", "null"] } },
    });
  });

  it("writes the schema into the prompt for json_object", async () => {
    const server = await fakeServer({ script: [fakeReplies.json({ publisher: null, pages: null })] });
    await clientFor(server, { structuredOutput: "json_object" }).complete(request());

    const body = server.requests[0]!.body as Record<string, unknown>;
    expect(body.response_format).toEqual({ type: "json_object" });
    expect(messagesOf(body).at(-1)!.content).toContain('"publisher"');
    expect(server.requests[0]!.headers.authorization).toBeUndefined();
  });

  it("sends no response_format for none", async () => {
    const server = await fakeServer({ script: [fakeReplies.json({ publisher: null, pages: null })] });
    await clientFor(server, { structuredOutput: "none" }).complete(request());
    const body = server.requests[0]!.body as Record<string, unknown>;
    expect(body.response_format).toBeUndefined();
    expect(messagesOf(body).at(-1)!.content).toContain("JSON Schema");
  });
});

describe("LlmClient failures", () => {
  it("waits for Retry-After after a 429", async () => {
    const server = await fakeServer({
      script: [fakeReplies.throttled(1), fakeReplies.json({ publisher: "Fernleaf", pages: null })],
    });
    const started = performance.now();
    const result = await clientFor(server).complete(request());
    expect(result.value.publisher).toBe("Fernleaf");
    expect(server.requests).toHaveLength(2);
    // The backoff of the test client is at most 20 ms, so a wait this long comes from Retry-After.
    expect(performance.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("throws ThrottledError when 429 persists", async () => {
    const server = await fakeServer({ script: [fakeReplies.throttled(0), fakeReplies.throttled(0)] });
    const error = await clientFor(server, { retryPolicy: { retries: 1, minDelayMs: 5, maxDelayMs: 10 } })
      .complete(request())
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ThrottledError);
    expect(server.requests).toHaveLength(2);
  });

  it("retries a 500 then succeeds", async () => {
    const server = await fakeServer({
      script: [fakeReplies.status(500), fakeReplies.json({ publisher: "Fernleaf", pages: 1 })],
    });
    const result = await clientFor(server).complete(request());
    expect(result.value.pages).toBe(1);
    expect(server.requests).toHaveLength(2);
  });

  it("fails at once on 401 naming LLM_API_KEY", async () => {
    const server = await fakeServer({ apiKey: "right-key" });
    const error = await clientFor(server, { apiKey: "wrong-key" })
      .complete(request())
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).code).toBe("PROVIDER_AUTH");
    expect((error as Error).message).toContain("LLM_API_KEY");
    expect((error as Error).message).toContain(server.baseUrl);
    expect((error as Error).message).not.toContain("wrong-key");
    expect(server.requests).toHaveLength(1);
  });

  it("names LLM_BASE_URL on 404", async () => {
    const server = await fakeServer();
    const client = clientFor(server, { baseUrl: server.baseUrl.replace(/\/v1$/, "/v2") });
    const error = await client.complete(request()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toContain("LLM_BASE_URL");
  });

  it("times out a slow response", async () => {
    const server = await fakeServer({
      script: [fakeReplies.slow(3000, fakeReplies.json({ publisher: "late", pages: null }))],
    });
    const client = clientFor(server, { timeoutMs: 200, retryPolicy: { retries: 0 } });
    const error = await client.complete(request()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toContain("timed out after 200 ms");
    expect((error as Error).message).toContain("LLM_TIMEOUT_MS");
  });

  it("retries after a timeout", async () => {
    const server = await fakeServer({
      script: [
        fakeReplies.slow(3000, fakeReplies.json({ publisher: "late", pages: null })),
        fakeReplies.json({ publisher: "on time", pages: null }),
      ],
    });
    const result = await clientFor(server, { timeoutMs: 200 }).complete(request());
    expect(result.value.publisher).toBe("on time");
    expect(server.requests).toHaveLength(2);
  });

  it("raises LlmRefusalError on a refusal", async () => {
    const server = await fakeServer({ script: [fakeReplies.refusal("I can't help with that request.")] });
    const error = await clientFor(server)
      .complete(request())
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LlmRefusalError);
    expect((error as LlmRefusalError).refusal).toBe("I can't help with that request.");
    expect((error as LlmRefusalError).usage.requests).toBe(1);
    expect(server.requests).toHaveLength(1);
  });

  it("raises LlmRefusalError on content_filter", async () => {
    const server = await fakeServer({ script: [fakeReplies.contentFilter()] });
    const error = await clientFor(server)
      .complete(request())
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LlmRefusalError);
    expect((error as Error).message).toContain("content filter");
  });

  it("stops when the caller aborts", async () => {
    const server = await fakeServer({
      script: [fakeReplies.slow(3000, fakeReplies.json({ publisher: null, pages: null }))],
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await clientFor(server)
      .complete(request({ signal: controller.signal }))
      .catch((caught: unknown) => caught);
    expect(error).not.toBeInstanceOf(TransientError);
    expect((error as Error).name).toBe("AbortError");
    expect(server.requests).toHaveLength(1);
  });

  it("counts calls in the provider metrics", async () => {
    const server = await fakeServer({
      script: [fakeReplies.status(503), fakeReplies.json({ publisher: null, pages: null })],
    });
    const metrics = createMetrics("llm-test");
    await clientFor(server, { metrics }).complete(request());
    const calls = await metrics.providerCalls.get();
    const count = (outcome: string) =>
      calls.values.find((value) => value.labels.outcome === outcome && value.labels.provider === "llm")
        ?.value;
    expect(count("failed")).toBe(1);
    expect(count("ok")).toBe(1);
  });
});

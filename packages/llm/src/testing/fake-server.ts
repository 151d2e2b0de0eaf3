/**
 * A fake OpenAI-compatible chat-completions server for tests: it listens on 127.0.0.1, speaks the
 * real wire format, replies from a script and records every request it gets.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One scripted reply. Build replies with `fakeReplies`. */
export type FakeReply =
  | {
      kind: "completion";
      content: string | null;
      refusal?: string;
      finishReason?: string;
      /** Token counts to report; estimated from the text (4 characters a token) when unset. */
      usage?: { promptTokens: number; completionTokens: number };
      delayMs?: number;
    }
  | { kind: "status"; status: number; body: unknown; headers?: Record<string, string>; delayMs?: number };

export interface RecordedRequest {
  method: string;
  path: string;
  /** Request headers, lower-case names. */
  headers: Record<string, string | undefined>;
  /** The JSON body, or the raw text when it is not JSON. */
  body: unknown;
}

/** A queue of replies, or a function that picks the reply for each request (`index` counts from 0). */
export type FakeScript =
  | FakeReply[]
  | ((request: RecordedRequest, index: number) => FakeReply | Promise<FakeReply>);

export interface FakeLlmServerOptions {
  script?: FakeScript;
  /** When set, requests without `Authorization: Bearer <apiKey>` get HTTP 401. */
  apiKey?: string;
}

export interface FakeLlmServer {
  /** Base URL to configure as LLM_BASE_URL, such as http://127.0.0.1:40123/v1. */
  baseUrl: string;
  /** Every request received, in order, including the ones that got an error status. */
  requests: RecordedRequest[];
  /** Appends replies to the queue; only for a server started with a queue. */
  enqueue(...replies: FakeReply[]): void;
  close(): Promise<void>;
}

/** Builders of scripted replies. */
export const fakeReplies = {
  /** Builds a completion whose content is `value` as JSON, inside a ```json fence when `fence` is set. */
  json(
    value: unknown,
    options: { fence?: boolean; usage?: { promptTokens: number; completionTokens: number } } = {},
  ): FakeReply {
    const json = JSON.stringify(value);
    const content = options.fence === true ? `\`\`\`json\n${json}\n\`\`\`` : json;
    return options.usage === undefined
      ? { kind: "completion", content }
      : { kind: "completion", content, usage: options.usage };
  },
  /** Builds a completion with this content as is, such as malformed JSON. */
  text(content: string, finishReason = "stop"): FakeReply {
    return { kind: "completion", content, finishReason };
  },
  /** Builds a completion whose message carries a `refusal` and no content. */
  refusal(refusal: string): FakeReply {
    return { kind: "completion", content: null, refusal };
  },
  /** Builds a completion stopped by the provider's content filter (`finish_reason: "content_filter"`). */
  contentFilter(): FakeReply {
    return { kind: "completion", content: null, finishReason: "content_filter" };
  },
  /** Builds an HTTP 429 reply with `Retry-After: <seconds>`. */
  throttled(retryAfterSeconds: number): FakeReply {
    return {
      kind: "status",
      status: 429,
      headers: { "retry-after": String(retryAfterSeconds) },
      body: errorBody("Rate limit reached, retry later", "rate_limit_exceeded"),
    };
  },
  /** Builds an HTTP error reply with an OpenAI-style error body. */
  status(status: number, message = `fake status ${status}`): FakeReply {
    return {
      kind: "status",
      status,
      body: errorBody(message, status >= 500 ? "server_error" : "invalid_request_error"),
    };
  },
  /** Delays `reply` by `delayMs` milliseconds. */
  slow(delayMs: number, reply: FakeReply): FakeReply {
    return { ...reply, delayMs };
  },
};

/** Starts the fake server on a free port of 127.0.0.1. */
export async function startFakeLlmServer(options: FakeLlmServerOptions = {}): Promise<FakeLlmServer> {
  const script = options.script ?? [];
  const queue = Array.isArray(script) ? [...script] : undefined;
  const requests: RecordedRequest[] = [];

  const server = createServer((request, response) => {
    readBody(request)
      .then(async (text) => {
        const recorded = record(request, text);
        const index = requests.push(recorded) - 1;
        const reply = await pickReply(recorded, index);
        await sendReply(response, recorded, index, reply);
      })
      .catch((error: unknown) => {
        if (!response.headersSent)
          sendJson(response, 500, errorBody(`fake server failed: ${String(error)}`, "server_error"));
      });
  });

  const pickReply = async (recorded: RecordedRequest, index: number): Promise<FakeReply> => {
    if (recorded.method !== "POST" || recorded.path !== "/v1/chat/completions") {
      return {
        kind: "status",
        status: 404,
        body: errorBody(`unknown path ${recorded.method} ${recorded.path}`, "not_found"),
      };
    }
    if (options.apiKey !== undefined && recorded.headers.authorization !== `Bearer ${options.apiKey}`) {
      return {
        kind: "status",
        status: 401,
        body: errorBody("Incorrect API key provided", "invalid_api_key"),
      };
    }
    const invalid = invalidBody(recorded.body);
    if (invalid !== undefined)
      return { kind: "status", status: 400, body: errorBody(invalid, "invalid_request_error") };
    if (queue === undefined) return (script as Exclude<FakeScript, FakeReply[]>)(recorded, index);
    return (
      queue.shift() ?? {
        kind: "status",
        status: 400,
        body: errorBody(
          `fake server has no scripted reply left for request ${index + 1}`,
          "invalid_request_error",
        ),
      }
    );
  };

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    enqueue(...replies) {
      if (queue === undefined)
        throw new Error("enqueue needs a server started with a queue of replies, not a function");
      queue.push(...replies);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function sendReply(
  response: ServerResponse,
  request: RecordedRequest,
  index: number,
  reply: FakeReply,
): Promise<void> {
  if (reply.delayMs !== undefined && reply.delayMs > 0) {
    const delivered = await delay(reply.delayMs, response);
    if (!delivered) return;
  }
  if (reply.kind === "status") {
    sendJson(response, reply.status, reply.body, reply.headers);
    return;
  }
  const body = request.body as { model?: string; messages?: { content?: unknown }[] };
  const promptChars = (body.messages ?? []).reduce(
    (sum, message) => sum + String(message.content ?? "").length,
    0,
  );
  const usage = reply.usage ?? {
    promptTokens: Math.ceil(promptChars / 4),
    completionTokens: Math.ceil((reply.content ?? reply.refusal ?? "").length / 4),
  };
  sendJson(response, 200, {
    id: `chatcmpl-fake-${index + 1}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: body.model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: reply.content, refusal: reply.refusal ?? null },
        finish_reason: reply.finishReason ?? "stop",
      },
    ],
    usage: {
      prompt_tokens: usage.promptTokens,
      completion_tokens: usage.completionTokens,
      total_tokens: usage.promptTokens + usage.completionTokens,
    },
  });
}

// Resolves false when the client disconnects first, so a slow reply to a timed-out request is not sent.
function delay(ms: number, response: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(true), ms);
    response.once("close", () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

function invalidBody(body: unknown): string | undefined {
  if (body === null || typeof body !== "object") return "the request body is not a JSON object";
  const fields = body as { model?: unknown; messages?: unknown };
  if (typeof fields.model !== "string" || fields.model === "") return "model: a model name is required";
  if (!Array.isArray(fields.messages) || fields.messages.length === 0)
    return "messages: at least one message is required";
  return undefined;
}

function record(request: IncomingMessage, text: string): RecordedRequest {
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Kept as text: the reply will be a 400, as from a real server.
  }
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return { method: request.method ?? "", path: (request.url ?? "").split("?")[0] ?? "", headers, body };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(text);
}

function errorBody(message: string, type: string) {
  return { error: { message, type, param: null, code: type } };
}

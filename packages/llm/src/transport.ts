/** One HTTP request to `POST {baseUrl}/chat/completions`, with its status classified into the shared error types. */
import { PermanentError, parseRetryAfter, ThrottledError, TransientError } from "@ampledata/shared";
import { type Agent, request } from "undici";
import { z } from "zod";
import type { TokenUsage } from "./usage.ts";

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** The part of a chat completion the client reads. */
export interface ChatCompletion {
  content: string | null;
  refusal: string | null;
  finishReason: string | null;
  /** The model name the server reports, else the one requested. */
  model: string;
  usage: TokenUsage;
}

export interface TransportTarget {
  baseUrl: string;
  apiKey: string | undefined;
  timeoutMs: number;
  dispatcher: Agent;
}

const chatCompletionSchema = z.looseObject({
  model: z.string().optional(),
  choices: z
    .array(
      z.looseObject({
        message: z.looseObject({
          content: z.string().nullable().optional(),
          refusal: z.string().nullable().optional(),
        }),
        finish_reason: z.string().nullable().optional(),
      }),
    )
    .min(1),
  usage: z
    .looseObject({
      prompt_tokens: z.number().int().nonnegative().optional(),
      completion_tokens: z.number().int().nonnegative().optional(),
    })
    .nullable()
    .optional(),
});

const EXCERPT_CHARS = 300;

/**
 * Posts one chat-completions request. Throws ThrottledError on 429 (with Retry-After),
 * TransientError on 408, 5xx, timeouts and network failures, and PermanentError on other
 * statuses and on a body that is not a chat completion. An abort of `signal` is rethrown as is.
 */
export async function postChatCompletion(
  target: TransportTarget,
  body: Record<string, unknown>,
  signal: AbortSignal | undefined,
): Promise<ChatCompletion> {
  const endpoint = `${target.baseUrl}/chat/completions`;
  const timeout = AbortSignal.timeout(target.timeoutMs);
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  if (target.apiKey !== undefined) headers.authorization = `Bearer ${target.apiKey}`;

  let status: number;
  let retryAfter: string | undefined;
  let text: string;
  try {
    const response = await request(endpoint, {
      method: "POST",
      dispatcher: target.dispatcher,
      headers,
      body: JSON.stringify(body),
      signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
    });
    status = response.statusCode;
    const header = response.headers["retry-after"];
    retryAfter = Array.isArray(header) ? header[0] : header;
    text = await response.body.text();
  } catch (error) {
    if (signal?.aborted) throw error;
    if (timeout.aborted) {
      throw new TransientError(
        `language model request to ${endpoint} timed out after ${target.timeoutMs} ms; raise LLM_TIMEOUT_MS for slow models`,
        { cause: error },
      );
    }
    throw new TransientError(
      `language model request to ${endpoint} failed: ${(error as Error).message}; check LLM_BASE_URL and that the server is running`,
      { cause: error },
    );
  }

  checkStatus(target, endpoint, status, retryAfter, text);
  return readCompletion(endpoint, String(body.model), text);
}

function checkStatus(
  target: TransportTarget,
  endpoint: string,
  status: number,
  retryAfter: string | undefined,
  text: string,
): void {
  if (status >= 200 && status < 300) return;
  if (status === 429) {
    throw new ThrottledError(
      `language model at ${target.baseUrl} is rate limiting (HTTP 429): ${excerpt(text)}`,
      parseRetryAfter(retryAfter),
    );
  }
  if (status === 401 || status === 403) {
    const sent = target.apiKey === undefined ? "no API key was sent" : "the API key was rejected";
    throw new PermanentError(
      `language model provider at ${target.baseUrl} responded with HTTP ${status} (${sent}); set LLM_API_KEY to a key that this provider accepts`,
      { code: "PROVIDER_AUTH" },
    );
  }
  if (status === 408 || status >= 500) {
    throw new TransientError(`language model at ${endpoint} responded with HTTP ${status}: ${excerpt(text)}`);
  }
  let hint = "";
  if (status === 404) {
    hint =
      "; check LLM_BASE_URL (the path before /chat/completions, such as http://127.0.0.1:11434/v1) and LLM_MODEL";
  } else if (/response_format|json_schema/i.test(text)) {
    hint =
      "; the server may not support this response_format, so try LLM_STRUCTURED_OUTPUT=json_object or none";
  }
  throw new PermanentError(
    `language model at ${endpoint} rejected the request with HTTP ${status}: ${excerpt(text)}${hint}`,
  );
}

function readCompletion(endpoint: string, requestedModel: string, text: string): ChatCompletion {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new PermanentError(
      `language model at ${endpoint} responded with a body that is not JSON: ${excerpt(text)}`,
      {
        code: "PROVIDER_RESPONSE_INVALID",
        cause,
      },
    );
  }
  const parsed = chatCompletionSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PermanentError(
      `language model at ${endpoint} responded with JSON that is not a chat completion (${issue?.path.join(".") || "(root)"}: ${issue?.message}): ${excerpt(text)}`,
      { code: "PROVIDER_RESPONSE_INVALID" },
    );
  }
  const choice = parsed.data.choices[0]!;
  return {
    content: choice.message.content ?? null,
    refusal: choice.message.refusal ?? null,
    finishReason: choice.finish_reason ?? null,
    model: parsed.data.model ?? requestedModel,
    usage: {
      requests: 1,
      promptTokens: parsed.data.usage?.prompt_tokens ?? 0,
      completionTokens: parsed.data.usage?.completion_tokens ?? 0,
    },
  };
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat === "") return "(empty body)";
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS)}...` : flat;
}

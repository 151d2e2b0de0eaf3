/** Client of an OpenAI-compatible chat-completions endpoint that returns responses validated by a zod schema. */
import {
  isPermanent,
  type Logger,
  type RetryPolicy,
  retryTransient,
  type ServiceMetrics,
  SPAN_ATTRIBUTES,
  SpanKind,
  ThrottledError,
  withSpan,
} from "@ampledata/shared";
import { Agent } from "undici";
import type { z } from "zod";
import type { LlmSettings, StructuredOutput } from "./config.ts";
import { LlmAnswerInvalidError, LlmRefusalError } from "./errors.ts";
import { parseResponseContent, responseJsonSchema } from "./response-content.ts";
import { type ChatCompletion, type ChatMessage, postChatCompletion } from "./transport.ts";
import { addUsage, emptyUsage, type TokenUsage } from "./usage.ts";

/** Label of the client's calls in the provider metrics and spans. */
export const LLM_PROVIDER = "llm";
const AGENT_TIMEOUT_MARGIN_MS = 1000;

export interface LlmClientOptions {
  /** Base URL such as https://api.openai.com/v1; the client posts to `{baseUrl}/chat/completions`. */
  baseUrl: string;
  model: string;
  /** Sent as a bearer token when set. */
  apiKey?: string | undefined;
  /** Time limit of one HTTP request, in milliseconds. */
  timeoutMs: number;
  maxTokens: number;
  structuredOutput: StructuredOutput;
  /** Characters of page text the tasks send per call. */
  maxInputChars: number;
  /** Sampling temperature; 0 (the default) makes responses as repeatable as the server allows. */
  temperature?: number;
  /** Backoff of transient failures (429, 5xx, timeouts); DEFAULT_RETRY_POLICY where unset. */
  retryPolicy?: Partial<RetryPolicy>;
  logger?: Logger;
  metrics?: ServiceMetrics;
}

export interface CompletionRequest<S extends z.ZodType> {
  /** Name of the response schema, sent as `json_schema.name`: letters, digits, `_` and `-`. */
  name: string;
  schema: S;
  messages: ChatMessage[];
  signal?: AbortSignal;
}

export interface Completion<T> {
  value: T;
  /** Tokens of every request of this call that got a response, the repeat after an invalid response included. */
  usage: TokenUsage;
  /** The model that responded, as the server names it. */
  model: string;
}

/**
 * Sends chat-completions requests whose response must match a zod schema. Transient failures are
 * retried with `retryTransient`. A response that is not JSON or fails the schema is sent back to the
 * model once with the validation error, and a second failure throws LlmAnswerInvalidError.
 */
export class LlmClient {
  readonly model: string;
  readonly maxInputChars: number;
  readonly #options: LlmClientOptions;
  readonly #dispatcher: Agent;

  constructor(options: LlmClientOptions) {
    this.#options = { ...options, baseUrl: options.baseUrl.replace(/\/+$/, "") };
    this.model = options.model;
    this.maxInputChars = options.maxInputChars;
    // The per-request AbortSignal enforces timeoutMs and names LLM_TIMEOUT_MS in its error. The
    // agent's own limits sit a little later, so they only end requests the signal somehow missed.
    const agentTimeoutMs = options.timeoutMs + AGENT_TIMEOUT_MARGIN_MS;
    this.#dispatcher = new Agent({
      connectTimeout: agentTimeoutMs,
      headersTimeout: agentTimeoutMs,
      bodyTimeout: agentTimeoutMs,
    });
  }

  async complete<S extends z.ZodType>(request: CompletionRequest<S>): Promise<Completion<z.infer<S>>> {
    const usage = emptyUsage();
    let messages = this.#withSchemaInstructions(request);
    for (let attempt = 1; ; attempt += 1) {
      const completion = await this.#send(request, messages);
      addUsage(usage, completion.usage);
      checkRefusal(request.name, completion, usage);

      const parsed = parseResponseContent(request.schema, completion.content, completion.finishReason);
      if (parsed.ok) return { value: parsed.value, usage, model: completion.model };
      if (attempt >= 2) {
        throw new LlmAnswerInvalidError(
          `the language model's response to the ${request.name} request is still invalid after the validation error was sent back: field ${parsed.field}: ${parsed.problem} (${parsed.detail})`,
          parsed.field,
          usage,
        );
      }
      this.#options.logger?.warn(
        { provider: LLM_PROVIDER, task: request.name, field: parsed.field, problem: parsed.problem },
        "language model response is invalid, sending the request once more",
      );
      // The problem names fields and JSON errors only, so no page text reaches the user message.
      messages = [
        ...messages,
        { role: "assistant", content: completion.content ?? "" },
        {
          role: "user",
          content: `Your response is invalid: ${parsed.problem}. Reply again with only the JSON object that matches the schema.`,
        },
      ];
    }
  }

  /** Closes the client's connection pool; calls in flight fail. */
  async close(): Promise<void> {
    if (!this.#dispatcher.closed) await this.#dispatcher.close();
  }

  #withSchemaInstructions<S extends z.ZodType>(request: CompletionRequest<S>): ChatMessage[] {
    if (this.#options.structuredOutput === "json_schema") return request.messages;
    const schemaText = JSON.stringify(responseJsonSchema(request.schema));
    return [
      ...request.messages,
      {
        role: "system",
        content: `Reply with one JSON object, and nothing else, that matches this JSON Schema:\n${schemaText}`,
      },
    ];
  }

  #body<S extends z.ZodType>(
    request: CompletionRequest<S>,
    messages: ChatMessage[],
  ): Record<string, unknown> {
    const body: Record<string, unknown> = {
      model: this.#options.model,
      messages,
      max_tokens: this.#options.maxTokens,
      temperature: this.#options.temperature ?? 0,
    };
    if (this.#options.structuredOutput === "json_schema") {
      body.response_format = {
        type: "json_schema",
        json_schema: { name: request.name, schema: responseJsonSchema(request.schema), strict: true },
      };
    } else if (this.#options.structuredOutput === "json_object") {
      body.response_format = { type: "json_object" };
    }
    return body;
  }

  #send<S extends z.ZodType>(
    request: CompletionRequest<S>,
    messages: ChatMessage[],
  ): Promise<ChatCompletion> {
    const { logger, metrics, baseUrl } = this.#options;
    const body = this.#body(request, messages);
    const host = new URL(baseUrl).host;
    return retryTransient(
      async () => {
        const started = performance.now();
        let outcome = "ok";
        try {
          return await withSpan(
            `chat.completions ${host}`,
            { kind: SpanKind.CLIENT, attributes: { [SPAN_ATTRIBUTES.provider]: LLM_PROVIDER } },
            () =>
              postChatCompletion(
                {
                  baseUrl,
                  apiKey: this.#options.apiKey,
                  timeoutMs: this.#options.timeoutMs,
                  dispatcher: this.#dispatcher,
                },
                body,
                request.signal,
              ),
          );
        } catch (error) {
          outcome = callOutcome(error, request.signal);
          throw error;
        } finally {
          metrics?.providerCalls.inc({ provider: LLM_PROVIDER, outcome });
          metrics?.providerDuration.observe(
            { provider: LLM_PROVIDER, outcome },
            (performance.now() - started) / 1000,
          );
        }
      },
      {
        ...this.#options.retryPolicy,
        signal: request.signal,
        onRetry: ({ error, attempt, delayMs }) => {
          logger?.warn(
            { err: error, provider: LLM_PROVIDER, task: request.name, attempt, delayMs },
            "language model request failed, retrying",
          );
        },
      },
    );
  }
}

/** Creates a client from the LLM_* settings, or returns undefined when no language model is configured. */
export function createLlmClient(
  settings: LlmSettings | undefined,
  dependencies: { logger?: Logger; metrics?: ServiceMetrics; retryPolicy?: Partial<RetryPolicy> } = {},
): LlmClient | undefined {
  if (settings === undefined) return undefined;
  return new LlmClient({ ...settings, ...dependencies });
}

function checkRefusal(name: string, completion: ChatCompletion, usage: TokenUsage): void {
  const refusal = completion.refusal?.trim();
  if (refusal !== undefined && refusal !== "") {
    throw new LlmRefusalError(`the language model refused the ${name} request: ${refusal}`, refusal, usage);
  }
  if (completion.finishReason === "content_filter") {
    const description = "the provider's content filter stopped the response";
    throw new LlmRefusalError(
      `the language model refused the ${name} request: ${description}`,
      description,
      usage,
    );
  }
}

function callOutcome(error: unknown, signal: AbortSignal | undefined): string {
  if (signal?.aborted) return "cancelled";
  if (error instanceof ThrottledError) return "throttled";
  return isPermanent(error) ? "rejected" : "failed";
}

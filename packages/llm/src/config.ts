/** Language-model settings read from the environment. */
import { ConfigError, intVar, loadConfig } from "@ampledata/shared";
import { z } from "zod";

/**
 * The `response_format` of requests: `json_schema` sends the JSON Schema of the expected response as
 * `response_format` (OpenAI, vLLM, recent llama.cpp and Ollama). `json_object` requests only some
 * JSON object, and `none` sends no `response_format`, for servers that reject the field. In those
 * two modes the schema is written into the prompt instead.
 */
export const STRUCTURED_OUTPUT_MODES = ["json_schema", "json_object", "none"] as const;
export type StructuredOutput = (typeof STRUCTURED_OUTPUT_MODES)[number];

export const llmConfigShape = {
  /** Base URL of an OpenAI-compatible API, such as https://api.openai.com/v1; unset disables the language model. */
  LLM_BASE_URL: z
    .url({ protocol: /^https?$/, message: "expected an http(s) URL such as http://127.0.0.1:11434/v1" })
    .optional(),
  /** Model name sent with every request; required when LLM_BASE_URL is set. */
  LLM_MODEL: z.string().trim().min(1).optional(),
  /** Sent as `Authorization: Bearer <key>` when set. Local servers usually need none. */
  LLM_API_KEY: z.string().optional(),
  /** Time limit of one HTTP request, headers and body included, in milliseconds. */
  LLM_TIMEOUT_MS: intVar(60_000, 1000, 600_000),
  /** `max_tokens` of every request: the maximum response length, in tokens. */
  LLM_MAX_TOKENS: intVar(1024, 16, 65_536),
  /** Characters of page text sent per call, shared between the pages of the call. */
  LLM_MAX_INPUT_CHARS: intVar(24_000, 1000, 1_000_000),
  LLM_STRUCTURED_OUTPUT: z
    .enum(STRUCTURED_OUTPUT_MODES, { message: `expected one of ${STRUCTURED_OUTPUT_MODES.join(", ")}` })
    .default("json_schema"),
};

/** Settings of an enabled language model. */
export interface LlmSettings {
  baseUrl: string;
  model: string;
  apiKey: string | undefined;
  timeoutMs: number;
  maxTokens: number;
  maxInputChars: number;
  structuredOutput: StructuredOutput;
}

/**
 * Reads the LLM_* variables. Returns undefined when LLM_BASE_URL is unset, so the stages run on
 * the heuristic extractor. Throws ConfigError when a value is invalid or LLM_MODEL is missing.
 */
export function loadLlmSettings(
  env: Record<string, string | undefined> = process.env,
): LlmSettings | undefined {
  const config = loadConfig(llmConfigShape, env);
  if (config.LLM_BASE_URL === undefined) return undefined;
  if (config.LLM_MODEL === undefined) {
    throw new ConfigError(
      `invalid configuration:\n  LLM_MODEL: missing while LLM_BASE_URL is set (${config.LLM_BASE_URL})\n` +
        "Set LLM_MODEL to a model the server offers, or unset LLM_BASE_URL to run without a language model.",
    );
  }
  return {
    baseUrl: config.LLM_BASE_URL.replace(/\/+$/, ""),
    model: config.LLM_MODEL,
    apiKey: config.LLM_API_KEY,
    timeoutMs: config.LLM_TIMEOUT_MS,
    maxTokens: config.LLM_MAX_TOKENS,
    maxInputChars: config.LLM_MAX_INPUT_CHARS,
    structuredOutput: config.LLM_STRUCTURED_OUTPUT,
  };
}

import { loadLlmSettings } from "@ampledata/llm";
import { baseConfigShape, intVar, loadConfig } from "@ampledata/shared";
import { z } from "zod";

const fractionMessage = { message: "expected a number from 0 to 1" };

/** Environment variables of the extract service, on top of the ones every service reads. */
export const extractConfigShape = {
  ...baseConfigShape,
  /** Rows handled at once by this process. */
  CONCURRENCY: intVar(10, 1, 1000),
  /** A row goes round again while a wanted column lacks a found cell of at least this confidence. */
  REFINE_CONFIDENCE: z.coerce
    .number(fractionMessage)
    .min(0, fractionMessage)
    .max(1, fractionMessage)
    .default(0.6),
};

export type ExtractConfig = ReturnType<typeof loadExtractConfig>;

/**
 * Reads and validates the extract configuration, with the language-model settings (`LLM_*`) as
 * `llm`, undefined when LLM_BASE_URL is unset. Throws ConfigError naming each invalid variable.
 */
export function loadExtractConfig(env: Record<string, string | undefined> = process.env) {
  return { ...loadConfig(extractConfigShape, env), llm: loadLlmSettings(env) };
}

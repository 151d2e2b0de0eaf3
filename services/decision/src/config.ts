import { loadLlmSettings } from "@ampledata/llm";
import { baseConfigShape, intVar, loadConfig } from "@ampledata/shared";
import { z } from "zod";

const fractionMessage = { message: "expected a number from 0 to 1" };

/** Environment variables of the decision service, on top of the ones every service reads. */
export const decisionConfigShape = {
  ...baseConfigShape,
  /** Rows handled at once by this process. */
  CONCURRENCY: intVar(10, 1, 1000),
  /** A wanted column counts as filled once it has a found cell of at least this confidence. */
  DECISION_CONFIDENCE: z.coerce
    .number(fractionMessage)
    .min(0, fractionMessage)
    .max(1, fractionMessage)
    .default(0.8),
};

export type DecisionConfig = ReturnType<typeof loadDecisionConfig>;

/**
 * Reads and validates the decision configuration, with the language-model settings (`LLM_*`) as
 * `llm`, undefined when LLM_BASE_URL is unset. Throws ConfigError naming each invalid variable.
 */
export function loadDecisionConfig(env: Record<string, string | undefined> = process.env) {
  return { ...loadConfig(decisionConfigShape, env), llm: loadLlmSettings(env) };
}

import { baseConfigShape, intVar, loadConfig } from "@ampledata/shared";
import { z } from "zod";

/** Environment variables of the serp service, on top of the ones every service reads. */
export const serpConfigShape = {
  ...baseConfigShape,
  /** Rows handled at once by this process. */
  CONCURRENCY: intVar(20, 1, 1000),
  /** Search requests of one row running at once. */
  QUERY_CONCURRENCY: intVar(3, 1, 20),
  /** Base URL of a Serper-compatible search API; the client calls `POST {SERPER_BASE_URL}/search`. */
  SERPER_BASE_URL: z
    .url({ protocol: /^https?$/, message: "expected an http(s) URL such as https://google.serper.dev" })
    .default("https://google.serper.dev"),
  /** Sent as X-API-KEY; optional because a sandbox search API may accept requests without a key. */
  SERPER_API_KEY: z.string().min(1).optional(),
  /** Time limit of one search request, headers and body included, in milliseconds. */
  SEARCH_TIMEOUT_MS: intVar(10_000, 100, 120_000),
  /** In-process retries of a failed search request before the message goes back for redelivery. */
  SEARCH_RETRIES: intVar(2, 0, 10),
  /** Results kept per row after merging the row's queries; also the `num` asked of each query. */
  MAX_RESULTS: intVar(10, 1, 100),
  /** Cells below this confidence count as missing when refinement rounds pick their queries. */
  REFINE_CONFIDENCE: z.coerce
    .number({ message: "expected a number from 0 to 1" })
    .min(0, { message: "expected a number from 0 to 1" })
    .max(1, { message: "expected a number from 0 to 1" })
    .default(0.6),
};

export type SerpConfig = ReturnType<typeof loadSerpConfig>;

/** Reads and validates the serp configuration; throws ConfigError naming each invalid variable. */
export function loadSerpConfig(env: Record<string, string | undefined> = process.env) {
  return loadConfig(serpConfigShape, env);
}

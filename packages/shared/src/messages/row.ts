import { z } from "zod";
import { cellSchema, columnSpecSchema } from "./cells.ts";
import { pageContentSchema, pageFailureSchema, searchResultSchema } from "./pages.ts";

export const MESSAGE_VERSION = 1;

export const ROW_STAGES = [
  "PENDING",
  "SERP_FETCHED",
  "DECISION_MADE",
  "CRAWLED",
  "ENRICHED",
  "COMPLETED",
  "FAILED",
  "CANCELLED",
] as const;
export const rowStageSchema = z.enum(ROW_STAGES);
export type RowStage = z.infer<typeof rowStageSchema>;
export const TERMINAL_ROW_STAGES: readonly RowStage[] = ["COMPLETED", "FAILED", "CANCELLED"];

/** Rank of a row stage: the gateway never moves a row to a lower rank. Terminal stages share the top rank. */
export function rowStageRank(stage: RowStage): number {
  return TERMINAL_ROW_STAGES.includes(stage) ? ROW_STAGES.length : ROW_STAGES.indexOf(stage);
}

/** One search-and-extract round of a row, kept so a user can see how each value was reached. */
export const attemptSchema = z.object({
  round: z.number().int().nonnegative(),
  /** Search provider that returned the results, or null when the round made no search. */
  provider: z.string().nullable(),
  queries: z.array(z.string()),
  /** Pages crawled in the round. */
  urls: z.array(z.string()),
  /** Best confidence per column after the round (0 for a column still missing). */
  confidence: z.record(z.string(), z.number().min(0).max(1)),
  /** Milliseconds since the epoch when the round ended. */
  at: z.number().int(),
});
export type Attempt = z.infer<typeof attemptSchema>;

/**
 * One row travelling through the pipeline. Stages never read Postgres, so the message carries
 * everything later stages need; each stage fills in its own part and forwards the whole row.
 */
export const rowWorkSchema = z.object({
  v: z.literal(MESSAGE_VERSION),
  jobId: z.string().min(1),
  rowIndex: z.number().int().nonnegative(),
  /** Key column values, in the job's key column order. */
  key: z.record(z.string(), z.string()),
  /** Original cells of the input row. */
  input: z.record(z.string(), z.string()),
  /** How many times the gateway has admitted this row, from 1; a retry of a failed row admits it again. */
  admission: z.number().int().positive().default(1),
  /** Refinement round, from 0; each round runs serp -> extract once more with other queries. */
  round: z.number().int().nonnegative().default(0),
  /** Columns this row still has to fill; set by the gateway from the column modes. */
  wanted: z.array(z.string()),
  search: z
    .object({
      provider: z.string(),
      queries: z.array(z.string()),
      results: z.array(searchResultSchema),
    })
    .optional(),
  decision: z
    .object({
      missing: z.array(z.string()),
      urls: z.array(z.object({ url: z.string(), reason: z.string() })),
    })
    .optional(),
  pages: z.array(pageContentSchema).optional(),
  pageFailures: z.array(pageFailureSchema).optional(),
  /** Best cell per column found so far (from snippets, earlier rounds, or extraction). */
  cells: z.record(z.string(), cellSchema).default({}),
  /** Rounds finished so far; extract appends one per round. */
  history: z.array(attemptSchema).optional(),
});
export type RowWork = z.infer<typeof rowWorkSchema>;

export const rowEventSchema = z.object({
  v: z.literal(MESSAGE_VERSION),
  jobId: z.string().min(1),
  rowIndex: z.number().int().nonnegative(),
  stage: rowStageSchema,
  /** Milliseconds since the epoch when the stage finished. */
  at: z.number().int(),
  /** Delivery attempt of the message that produced the event (1 = first). */
  attempt: z.number().int().positive().default(1),
  /** Admission of the row the event belongs to; the gateway ignores events of an earlier admission. */
  admission: z.number().int().positive().default(1),
  round: z.number().int().nonnegative().default(0),
  cells: z.record(z.string(), cellSchema).optional(),
  error: z.string().max(2000).nullable().default(null),
  /** Provider calls made while handling this row at this stage, for cost accounting. */
  usage: z
    .array(
      z.object({
        provider: z.string(),
        calls: z.number().int(),
        cached: z.number().int(),
        errors: z.number().int(),
        /** Language-model tokens, for providers that bill by token. */
        promptTokens: z.number().int().nonnegative().optional(),
        completionTokens: z.number().int().nonnegative().optional(),
      }),
    )
    .optional(),
  /** The row's extraction attempts so far, sent with the final event. */
  history: z.array(z.lazy(() => attemptSchema)).optional(),
});
export type RowEvent = z.infer<typeof rowEventSchema>;

export const JOB_STATUSES = ["PENDING", "RUNNING", "CANCELLED", "COMPLETED"] as const;
export const jobStatusSchema = z.enum(JOB_STATUSES);
export type JobStatus = z.infer<typeof jobStatusSchema>;

/** Job spec that stages read from the `jobs` KV bucket: the job's columns, queries and cancellation state. */
export const jobSpecSchema = z.object({
  v: z.literal(MESSAGE_VERSION),
  jobId: z.string().min(1),
  status: jobStatusSchema,
  keyColumns: z.array(z.string()).min(1),
  keyDescription: z.string().optional(),
  columns: z.array(columnSpecSchema).min(1),
  /** Query patterns with `%key` standing for the row's key values joined by spaces. */
  queryPatterns: z.array(z.string()).min(1),
  maxUrls: z.number().int().positive().default(3),
  maxRounds: z.number().int().positive().default(2),
});
export type JobSpec = z.infer<typeof jobSpecSchema>;

/** The DLQ copy of a message whose last delivery attempt failed. */
export const deadLetterSchema = z.object({
  v: z.literal(MESSAGE_VERSION),
  stage: z.string(),
  subject: z.string(),
  deliveries: z.number().int(),
  error: z.string(),
  failedAt: z.number().int(),
  /** The original message body, kept verbatim (it may be invalid JSON). */
  payload: z.string(),
});
export type DeadLetter = z.infer<typeof deadLetterSchema>;

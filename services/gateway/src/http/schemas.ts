import { CELL_OUTCOMES, cellSchema, columnSpecSchema, JOB_STATUSES, ROW_STAGES } from "@ampledata/shared";
import { z } from "zod";
import { jobSettingsSchema } from "../jobs/request.ts";

/** Schemas of the HTTP API's bodies; the OpenAPI document is derived from them. */

export const problemSchema = z
  .object({
    field: z.string().optional().describe("JSON field path, such as columns[1].type"),
    line: z.int().optional().describe("CSV line number, from 1 for the header"),
    message: z.string(),
  })
  .describe("One problem of a rejected request");

export const errorBodySchema = z
  .object({
    error: z
      .string()
      .describe(
        "Stable code: invalid_request, not_found, conflict, payload_too_large, unsupported_media_type, unavailable, internal_error",
      ),
    message: z.string(),
    problems: z.array(problemSchema).optional().describe("Every problem found (invalid_request only)"),
  })
  .describe("The body of every error response");

export const createJobRequestSchema = jobSettingsSchema
  .extend({
    rows: z
      .array(z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])))
      .describe("Input rows as objects of column name to value"),
  })
  .describe("A job submitted as application/json");

const linksSchema = z.object({
  self: z.string(),
  rows: z.string(),
  events: z.string(),
  results_jsonl: z.string(),
  results_csv: z.string(),
  cancel: z.string(),
  retry: z.string(),
});

export const jobCreatedSchema = z.object({
  id: z.string().describe("Job id (UUID)"),
  status: z.enum(JOB_STATUSES),
  row_count: z.int(),
  query_patterns: z.array(z.string()),
  links: linksSchema,
});

const countsSchema = z.object(Object.fromEntries(ROW_STAGES.map((stage) => [stage, z.int()]))) as z.ZodObject<
  Record<(typeof ROW_STAGES)[number], z.ZodInt>
>;

export const jobViewSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  status: z.enum(JOB_STATUSES),
  priority: z.int(),
  key_columns: z.array(z.string()),
  key_description: z.string().nullable(),
  columns: z.array(columnSpecSchema),
  query_patterns: z.array(z.string()),
  max_urls: z.int(),
  max_rounds: z.int(),
  row_limit: z.int().nullable(),
  input_columns: z.array(z.string()),
  source_format: z.enum(["csv", "json"]),
  rows: z.object({
    total: z.int(),
    counts: countsSchema.describe("Rows per stage"),
    done: z.int().describe("Rows COMPLETED"),
    failed: z.int(),
    cancelled: z.int(),
    finished: z.int().describe("done + failed + cancelled"),
    in_progress: z.int(),
  }),
  progress: z.number().describe("Finished rows over all rows, 0 to 1"),
  rows_per_second: z.number().nullable().describe("Finished rows per second since the job started"),
  eta_seconds: z
    .number()
    .nullable()
    .describe("Seconds until every row is finished; 0 once finished, null if unknown"),
  usage: z
    .record(
      z.string(),
      z.object({
        calls: z.int(),
        cached: z.int(),
        errors: z.int(),
        prompt_tokens: z
          .int()
          .describe("Language-model prompt tokens; 0 for providers that do not bill by token"),
        completion_tokens: z.int().describe("Language-model completion tokens"),
      }),
    )
    .describe("Counters per provider, summed over the job's rows and its query patterns"),
  cost_usd: z
    .number()
    .nullable()
    .describe("Provider calls times PROVIDER_PRICES_USD, in US dollars; null when no price is configured"),
  timings: z.object({
    created_at: z.string(),
    started_at: z.string().nullable(),
    finished_at: z.string().nullable(),
    elapsed_seconds: z.number().nullable(),
  }),
});

export const jobWithLinksSchema = jobViewSchema.extend({ links: linksSchema });

export const jobListSchema = z.object({
  total: z.int(),
  offset: z.int(),
  limit: z.int(),
  jobs: z.array(jobWithLinksSchema),
});

export const rowViewSchema = z.object({
  index: z.int(),
  key: z.record(z.string(), z.string()),
  input: z.record(z.string(), z.string()),
  stage: z.enum(ROW_STAGES),
  admission: z.int(),
  attempts: z.int(),
  wanted: z.array(z.string()),
  values: z.record(z.string(), cellSchema.shape.value),
  cells: z.record(z.string(), cellSchema),
  error: z.string().nullable(),
  stage_times: z.record(z.string(), z.string()),
  history: z
    .array(
      z.object({
        round: z.int().describe("Refinement round, from 0"),
        provider: z
          .string()
          .nullable()
          .describe("Search provider that answered; null when the round made no search"),
        queries: z.array(z.string()),
        urls: z.array(z.string()).describe("URLs crawled in the round, failed fetches included"),
        confidence: z
          .record(z.string(), z.number())
          .describe("Best confidence per wanted column after the round; 0 for a column without a value"),
        at: z.string().describe("When the round ended"),
      }),
    )
    .describe("The row's search-and-extract rounds, oldest first; empty until the extract stage reports one"),
  admitted_at: z.string().nullable(),
  updated_at: z.string(),
  finished_at: z.string().nullable(),
});

export const rowsPageSchema = z.object({
  job_id: z.string(),
  stage: z.enum(ROW_STAGES).nullable(),
  total: z.int(),
  offset: z.int(),
  limit: z.int(),
  rows: z.array(rowViewSchema),
});

export const retryResultSchema = z.object({ retried: z.int(), job: jobWithLinksSchema });

export const exportRecordSchema = z
  .object({
    row: z.int().describe("Input row index, from 0"),
    key: z.record(z.string(), z.string()),
    input: z.record(z.string(), z.string()),
    status: z
      .string()
      .describe("COMPLETED, FAILED or CANCELLED; the current stage for rows of an unfinished job"),
    values: z.record(z.string(), cellSchema.shape.value),
    cells: z.record(
      z.string(),
      z.object({
        outcome: z.enum(CELL_OUTCOMES),
        confidence: z.number(),
        reason: z.string(),
        sources: z.array(z.string()),
        evidence: z.string().nullable(),
      }),
    ),
    error: z.string().nullable(),
  })
  .describe("One line of results.jsonl");

import { randomUUID } from "node:crypto";
import type { LlmClient } from "@ampledata/llm";
import {
  type Cell,
  type CellValue,
  type ColumnSpec,
  encodeMessage,
  jobSpecSchema,
  type Logger,
  MESSAGE_VERSION,
} from "@ampledata/shared";
import type { GatewayConfig } from "../config.ts";
import { type Pool, withTransaction } from "../db/pool.ts";
import { GatewayError } from "../errors.ts";
import { deleteJob, insertJob, type JobRecord, type NewRow, type StoredSpec } from "./job-store.ts";
import { jobQueryPatterns } from "./model-query-patterns.ts";
import { type JobSettings, toColumnSpecs } from "./request.ts";
import type { SpecBucket } from "./spec-bucket.ts";
import type { InputTable } from "./table.ts";

export interface CreateJobInput {
  settings: JobSettings;
  table: InputTable;
  sourceFormat: "csv" | "json";
  /** Job name when the settings give none, such as the uploaded file's name. */
  defaultName?: string;
}

/** Jobs with at least this many rows refresh the planner's statistics of the rows table. */
const ANALYZE_AFTER_ROWS = 5000;

/** Converts an input cell to the column's type where that is unambiguous, else keeps the text. */
function typedInputValue(text: string, type: ColumnSpec["type"]): CellValue {
  const trimmed = text.trim();
  if (type === "number" && /^-?\d+(\.\d+)?$/.test(trimmed)) {
    return Number(trimmed);
  }
  if (type === "boolean" && /^(true|false)$/i.test(trimmed)) {
    return trimmed.toLowerCase() === "true";
  }
  return text;
}

/**
 * Builds the stored row. `wanted` is every enrich column plus each impute column whose input cell
 * is empty or missing. An impute column that is not wanted gets a "skipped" cell with the input
 * value, and a row that wants nothing is COMPLETED at once and never published.
 */
export function buildRow(
  cells: string[],
  table: InputTable,
  keyColumns: string[],
  columns: ColumnSpec[],
): NewRow {
  const cellOf = (name: string) => {
    const position = table.columns.indexOf(name);
    return position < 0 ? "" : (cells[position] ?? "");
  };
  const wanted: string[] = [];
  const preset: Record<string, Cell> = {};
  for (const column of columns) {
    const inputValue = cellOf(column.name);
    if (column.mode === "enrich" || inputValue.trim() === "") {
      wanted.push(column.name);
    } else {
      preset[column.name] = {
        value: typedInputValue(inputValue, column.type),
        outcome: "skipped",
        confidence: 1,
        reason: "the input already has a value, and impute columns fill only empty cells",
        sources: [],
        evidence: null,
      };
    }
  }
  return {
    key: keyColumns.map(cellOf),
    input: table.columns.map((_, position) => cells[position] ?? ""),
    wanted,
    stage: wanted.length === 0 ? "COMPLETED" : "PENDING",
    cells: preset,
  };
}

export interface CreateJobDependencies {
  pool: Pool;
  specs: SpecBucket;
  logger: Logger;
  config: Pick<GatewayConfig, "LLM_QUERY_PATTERNS_TIMEOUT_MS">;
  /** Language-model client that writes the query patterns; undefined uses the heuristic patterns. */
  llm?: LlmClient | undefined;
}

/**
 * Stores a validated job and its rows in one transaction, then writes its spec to the `jobs` KV
 * bucket. When the bucket write fails the job is deleted again, so a failed request leaves nothing.
 * The query patterns come from the language model when one is configured, else from the
 * heuristic, and the model call's tokens start the job's usage.
 */
export async function createJob(
  dependencies: CreateJobDependencies,
  input: CreateJobInput,
): Promise<JobRecord> {
  const { settings, table } = input;
  const columns = toColumnSpecs(settings);
  const jobId = randomUUID();
  const queryPatterns = await jobQueryPatterns(
    {
      llm: dependencies.llm,
      logger: dependencies.logger,
      timeoutMs: dependencies.config.LLM_QUERY_PATTERNS_TIMEOUT_MS,
    },
    { jobId, keyColumns: settings.key_columns, keyDescription: settings.key_description, columns },
  );
  const spec: StoredSpec = {
    v: MESSAGE_VERSION,
    jobId,
    keyColumns: settings.key_columns,
    ...(settings.key_description === undefined ? {} : { keyDescription: settings.key_description }),
    columns,
    queryPatterns: queryPatterns.patterns,
    maxUrls: settings.max_urls,
    maxRounds: settings.max_rounds,
  };
  // Fails before anything is stored when the spec would not pass the stages' own validation.
  encodeMessage(jobSpecSchema, { ...spec, status: "PENDING" }, "job spec");

  const rows = table.rows.map((cells) => buildRow(cells, table, settings.key_columns, columns));
  const job = await withTransaction(dependencies.pool, (client) =>
    insertJob(client, {
      spec,
      name: settings.name ?? input.defaultName,
      priority: settings.priority,
      inputColumns: table.columns,
      sourceFormat: input.sourceFormat,
      rowLimit: settings.row_limit,
      rows,
      usage: queryPatterns.usage,
    }),
  );
  try {
    await dependencies.specs.put(spec, job.status);
  } catch (error) {
    // NOTE: an admission tick between the commit and this failure may already have published rows
    // of the job; stages then fail them for lack of a spec, and their events are ignored as unknown.
    await deleteJob(dependencies.pool, spec.jobId).catch((deleteError: unknown) =>
      dependencies.logger.error(
        { err: deleteError, jobId: spec.jobId },
        "deleting a job without a spec failed",
      ),
    );
    throw new GatewayError(
      "unavailable",
      503,
      `the job could not be registered with the pipeline (writing the jobs bucket failed); nothing was stored, try again`,
      { cause: error },
    );
  }
  if (job.rowCount >= ANALYZE_AFTER_ROWS) {
    // Until autovacuum analyzes the table, the planner estimates the new job at a handful of rows. It
    // then reads export pages by a bitmap scan and a sort over the whole job (EXPLAIN ANALYZE on
    // PostgreSQL 15 with 100,000 rows: 20 ms per page instead of 0.4 ms). So analyze now, off the request's path.
    void dependencies.pool
      .query("analyze rows")
      .catch((error: unknown) => dependencies.logger.warn({ err: error }, "analyzing the rows table failed"));
  }
  dependencies.logger.info(
    {
      jobId: spec.jobId,
      rows: job.rowCount,
      columns: columns.length,
      status: job.status,
      priority: job.priority,
    },
    "job created",
  );
  return job;
}

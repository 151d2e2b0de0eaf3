import { JOB_STATUSES, ROW_STAGES } from "@ampledata/shared";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { InvalidRequestError, NotFoundError, ProblemList } from "../errors.ts";
import { createJob } from "../jobs/create-job.ts";
import { cancelJob, retryJob, waitForRowsToStop } from "../jobs/job-actions.ts";
import { getJob, type JobRecord, listJobs } from "../jobs/job-store.ts";
import { toJobView } from "../jobs/job-view.ts";
import { readJsonTable } from "../jobs/json-input.ts";
import { formatPath, parseJobSettings } from "../jobs/request.ts";
import { listRows, type RowRecord } from "../jobs/row-store.ts";
import { checkTableAgainstSettings, type InputTable } from "../jobs/table.ts";
import type { AppDependencies } from "./app.ts";
import { readMultipartJob } from "./multipart-input.ts";

/** Links to a job's resources, returned with the job. */
export function jobLinks(jobId: string) {
  const base = `/v1/jobs/${jobId}`;
  return {
    self: base,
    rows: `${base}/rows`,
    events: `${base}/events`,
    results_jsonl: `${base}/results.jsonl`,
    results_csv: `${base}/results.csv`,
    cancel: `${base}/cancel`,
    retry: `${base}/retry`,
  };
}

/** Reads the job or throws a 404 naming the id. */
export async function requireJob(dependencies: AppDependencies, jobId: string): Promise<JobRecord> {
  const job = await getJob(dependencies.pool, jobId);
  if (job === undefined) {
    throw new NotFoundError(`job ${jobId} not found`);
  }
  return job;
}

/** Parses query parameters with `schema`, throwing a 400 that lists each invalid parameter. */
export function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.infer<S> {
  const result = schema.safeParse(query);
  if (!result.success) {
    throw new InvalidRequestError(
      "invalid query parameters",
      result.error.issues.map((issue) => ({ field: formatPath(issue.path), message: issue.message })),
    );
  }
  return result.data;
}

const pageLimit = (max: number, fallback: number) =>
  z.coerce
    .number()
    .int({ error: `must be a whole number from 1 to ${max}` })
    .min(1, { error: `must be a whole number from 1 to ${max}` })
    .max(max, { error: `must be a whole number from 1 to ${max}` })
    .default(fallback);
const pageOffset = z.coerce
  .number()
  .int({ error: "must be a whole number from 0" })
  .min(0, { error: "must be a whole number from 0" })
  .default(0);

export const listJobsQuerySchema = z.object({
  limit: pageLimit(200, 20),
  offset: pageOffset,
  status: z.enum(JOB_STATUSES, { error: `must be one of ${JOB_STATUSES.join(", ")}` }).optional(),
});

export const listRowsQuerySchema = z.object({
  limit: pageLimit(1000, 100),
  offset: pageOffset,
  stage: z.enum(ROW_STAGES, { error: `must be one of ${ROW_STAGES.join(", ")}` }).optional(),
});

/** A row as GET /v1/jobs/:id/rows returns it. */
export function toRowView(job: JobRecord, row: RowRecord) {
  return {
    index: row.rowIndex,
    key: Object.fromEntries(job.spec.keyColumns.map((name, position) => [name, row.key[position] ?? ""])),
    input: Object.fromEntries(job.inputColumns.map((name, position) => [name, row.input[position] ?? ""])),
    stage: row.stage,
    admission: row.admission,
    attempts: row.attempts,
    wanted: row.wanted,
    values: row.values,
    cells: row.cells,
    error: row.error,
    stage_times: row.stageTimes,
    history: (row.history ?? []).map((attempt) => ({ ...attempt, at: new Date(attempt.at).toISOString() })),
    admitted_at: row.admittedAt?.toISOString() ?? null,
    updated_at: row.updatedAt.toISOString(),
    finished_at: row.finishedAt?.toISOString() ?? null,
  };
}

export function registerJobRoutes(app: FastifyInstance, dependencies: AppDependencies): void {
  const { config } = dependencies;

  app.post("/v1/jobs", async (request, reply) => {
    const problems = new ProblemList();
    let settingsInput: unknown;
    let table: InputTable | undefined;
    let sourceFormat: "csv" | "json";
    let defaultName: string | undefined;
    if (request.isMultipart()) {
      sourceFormat = "csv";
      const form = await readMultipartJob(
        request,
        { maxRows: config.MAX_ROWS_PER_JOB, maxUploadBytes: config.MAX_UPLOAD_BYTES },
        problems,
      );
      settingsInput = form.settings;
      table = form.table;
      defaultName = form.fileName;
    } else {
      sourceFormat = "json";
      const body = request.body;
      if (body === null || typeof body !== "object" || Array.isArray(body)) {
        throw new InvalidRequestError("the request body must be a JSON object", [
          { field: "(body)", message: "must be a JSON object with rows, key_columns and columns" },
        ]);
      }
      const { rows, ...rest } = body as Record<string, unknown>;
      settingsInput = rest;
      const rowLimit = typeof rest.row_limit === "number" && rest.row_limit >= 1 ? rest.row_limit : undefined;
      table = readJsonTable(rows, { maxRows: config.MAX_ROWS_PER_JOB, rowLimit }, problems);
    }
    const settings = parseJobSettings(settingsInput, problems);
    if (settings !== undefined && table !== undefined) {
      checkTableAgainstSettings(table, settings, problems);
    }
    problems.throwIfAny();

    const job = await createJob(dependencies, {
      settings: settings!,
      table: table!,
      sourceFormat,
      defaultName,
    });
    dependencies.requestAdmission();
    const links = jobLinks(job.id);
    return reply.code(202).header("location", links.self).send({
      id: job.id,
      status: job.status,
      row_count: job.rowCount,
      query_patterns: job.spec.queryPatterns,
      links,
    });
  });

  app.get("/v1/jobs", async (request) => {
    const query = parseQuery(listJobsQuerySchema, request.query);
    const page = await listJobs(dependencies.pool, query);
    const now = new Date();
    return {
      total: page.total,
      offset: query.offset,
      limit: query.limit,
      jobs: page.jobs.map((job) => ({
        ...toJobView(job, now, config.PROVIDER_PRICES_USD),
        links: jobLinks(job.id),
      })),
    };
  });

  app.get<{ Params: { id: string } }>("/v1/jobs/:id", async (request) => {
    const job = await requireJob(dependencies, request.params.id);
    return { ...toJobView(job, new Date(), config.PROVIDER_PRICES_USD), links: jobLinks(job.id) };
  });

  app.get<{ Params: { id: string } }>("/v1/jobs/:id/rows", async (request) => {
    const query = parseQuery(listRowsQuerySchema, request.query);
    const job = await requireJob(dependencies, request.params.id);
    const rows = await listRows(dependencies.pool, job.id, query);
    const total = query.stage === undefined ? job.rowCount : (job.counts[query.stage] ?? 0);
    return {
      job_id: job.id,
      stage: query.stage ?? null,
      total,
      offset: query.offset,
      limit: query.limit,
      rows: rows.map((row) => toRowView(job, row)),
    };
  });

  app.post<{ Params: { id: string } }>("/v1/jobs/:id/cancel", async (request) => {
    const cancelled = await cancelJob(dependencies, request.params.id);
    // Respond once the rows in flight have stopped, so no provider call for the job starts after
    // the response. CANCEL_WAIT_MS bounds the wait, and `stopped` tells whether they all stopped.
    const stopped = await waitForRowsToStop(dependencies.pool, cancelled.id, config.CANCEL_WAIT_MS);
    const job = (await getJob(dependencies.pool, cancelled.id)) ?? cancelled;
    return { ...toJobView(job, new Date(), config.PROVIDER_PRICES_USD), stopped, links: jobLinks(job.id) };
  });

  app.post<{ Params: { id: string } }>("/v1/jobs/:id/retry", async (request, reply) => {
    const { job, retried } = await retryJob(dependencies, request.params.id);
    dependencies.requestAdmission();
    return reply.code(202).send({
      retried,
      job: { ...toJobView(job, new Date(), config.PROVIDER_PRICES_USD), links: jobLinks(job.id) },
    });
  });
}

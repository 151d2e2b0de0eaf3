import type { Cell, JobSpec, JobStatus, RowStage } from "@ampledata/shared";
import type { Pool, PoolClient } from "../db/pool.ts";

/** The JobSpec without its status, as stored in jobs.spec; the status lives in its own column. */
export type StoredSpec = Omit<JobSpec, "status">;

export interface JobRecord {
  id: string;
  name: string | null;
  status: JobStatus;
  priority: number;
  spec: StoredSpec;
  inputColumns: string[];
  sourceFormat: "csv" | "json";
  rowLimit: number | null;
  rowCount: number;
  counts: Partial<Record<RowStage, number>>;
  usage: Record<string, number>;
  costUsd: number | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
}

/** A row as inserted at job creation. */
export interface NewRow {
  key: string[];
  input: string[];
  wanted: string[];
  stage: RowStage;
  cells: Record<string, Cell>;
}

const JOB_COLUMNS = `id, name, status, priority, spec, input_columns, source_format, row_limit, row_count,
  counts, usage, cost_usd, created_at, started_at, finished_at, updated_at`;

// Rows per insert statement: one JSON parameter of this many rows stays a few megabytes.
const INSERT_CHUNK_ROWS = 5000;

function toJobRecord(row: Record<string, unknown>): JobRecord {
  return {
    id: row.id as string,
    name: row.name as string | null,
    status: row.status as JobStatus,
    priority: row.priority as number,
    spec: row.spec as StoredSpec,
    inputColumns: row.input_columns as string[],
    sourceFormat: row.source_format as "csv" | "json",
    rowLimit: row.row_limit as number | null,
    rowCount: row.row_count as number,
    counts: row.counts as JobRecord["counts"],
    usage: row.usage as Record<string, number>,
    costUsd: row.cost_usd === null ? null : Number(row.cost_usd),
    createdAt: row.created_at as Date,
    startedAt: row.started_at as Date | null,
    finishedAt: row.finished_at as Date | null,
    updatedAt: row.updated_at as Date,
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Tells whether `id` can be a job id (a UUID), so a malformed id is a 404 rather than a Postgres cast error. */
export function isJobId(id: string): boolean {
  return UUID.test(id);
}

/** Inserts a job and all its rows, in the caller's transaction. Rows that want nothing are inserted COMPLETED. */
export async function insertJob(
  client: PoolClient,
  job: {
    spec: StoredSpec;
    name: string | undefined;
    priority: number;
    inputColumns: string[];
    sourceFormat: "csv" | "json";
    rowLimit: number | undefined;
    rows: NewRow[];
    /** Counters the job's usage starts with, such as the tokens of its query patterns; none when absent. */
    usage?: Record<string, number>;
  },
): Promise<JobRecord> {
  const allFinished = job.rows.every((row) => row.stage !== "PENDING");
  await client.query(
    `insert into jobs (id, name, status, priority, spec, input_columns, source_format, row_limit, row_count,
       started_at, finished_at, usage)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9,
       case when $10::boolean then now() end, case when $10::boolean then now() end, $11)`,
    [
      job.spec.jobId,
      job.name ?? null,
      allFinished ? "COMPLETED" : "PENDING",
      job.priority,
      job.spec,
      job.inputColumns,
      job.sourceFormat,
      job.rowLimit ?? null,
      job.rows.length,
      allFinished,
      job.usage ?? {},
    ],
  );
  for (let start = 0; start < job.rows.length; start += INSERT_CHUNK_ROWS) {
    const chunk = job.rows.slice(start, start + INSERT_CHUNK_ROWS).map((row, offset) => ({
      i: start + offset,
      k: row.key,
      n: row.input,
      w: row.wanted,
      s: row.stage,
      c: row.cells,
      v: Object.fromEntries(Object.entries(row.cells).map(([name, cell]) => [name, cell.value])),
    }));
    // One multi-row insert per chunk; jsonb_to_recordset unpacks the rows sent as one JSON parameter.
    await client.query(
      `insert into rows (job_id, row_index, key, input, wanted, stage, cells, "values", stage_times, finished_at)
       select $1, r.i, r.k, r.n, r.w, r.s, r.c, r.v,
         jsonb_build_object(r.s, now()),
         case when r.s = 'PENDING' then null else now() end
       from jsonb_to_recordset($2::jsonb) as r(i integer, k jsonb, n jsonb, w jsonb, s text, c jsonb, v jsonb)`,
      [job.spec.jobId, JSON.stringify(chunk)],
    );
  }
  // Read the job after the rows, so its counts include what the insert trigger added.
  const stored = await client.query(`select ${JOB_COLUMNS} from jobs where id = $1`, [job.spec.jobId]);
  return toJobRecord(stored.rows[0]);
}

export async function deleteJob(pool: Pool, jobId: string): Promise<void> {
  await pool.query("delete from jobs where id = $1", [jobId]);
}

export async function getJob(
  db: Pool | PoolClient,
  jobId: string,
  forUpdate = false,
): Promise<JobRecord | undefined> {
  if (!isJobId(jobId)) {
    return undefined;
  }
  const result = await db.query(
    `select ${JOB_COLUMNS} from jobs where id = $1${forUpdate ? " for update" : ""}`,
    [jobId],
  );
  return result.rows[0] === undefined ? undefined : toJobRecord(result.rows[0]);
}

/** Jobs newest first, `limit` from `offset`, optionally of one status; `total` counts all that match. */
export async function listJobs(
  pool: Pool,
  options: { limit: number; offset: number; status?: JobStatus },
): Promise<{ total: number; jobs: JobRecord[] }> {
  const filter = options.status === undefined ? "" : "where status = $3";
  const parameters: unknown[] = [options.limit, options.offset];
  if (options.status !== undefined) {
    parameters.push(options.status);
  }
  const [page, total] = await Promise.all([
    pool.query(
      `select ${JOB_COLUMNS} from jobs ${filter} order by created_at desc, id limit $1 offset $2`,
      parameters,
    ),
    pool.query(
      `select count(*)::integer as total from jobs ${options.status === undefined ? "" : "where status = $1"}`,
      options.status === undefined ? [] : [options.status],
    ),
  ]);
  return { total: total.rows[0].total as number, jobs: page.rows.map(toJobRecord) };
}

/** Job counts by status, for metrics. */
export async function countJobsByStatus(pool: Pool): Promise<Record<string, number>> {
  const result = await pool.query("select status, count(*)::integer as n from jobs group by status");
  return Object.fromEntries(result.rows.map((row) => [row.status as string, row.n as number]));
}

/** Row counts by stage over all jobs, summed from jobs.counts, for metrics. */
export async function countRowsByStage(pool: Pool): Promise<Record<string, number>> {
  const result = await pool.query(
    "select key as stage, sum(value::bigint)::bigint as n from jobs, jsonb_each_text(counts) group by key",
  );
  return Object.fromEntries(result.rows.map((row) => [row.stage as string, Number(row.n)]));
}

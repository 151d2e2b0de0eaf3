import type { Logger } from "@ampledata/shared";
import { type Pool, withTransaction } from "../db/pool.ts";
import { ConflictError, GatewayError, NotFoundError } from "../errors.ts";
import { getJob, type JobRecord } from "./job-store.ts";
import type { SpecBucket } from "./spec-bucket.ts";

export interface JobActionDependencies {
  pool: Pool;
  specs: SpecBucket;
  logger: Logger;
}

/**
 * Cancels a job. The job and its rows that were never admitted become CANCELLED in Postgres. Then
 * the KV spec gets status CANCELLED, which makes stage workers abort the job's in-flight rows and
 * report them as CANCELLED events. Cancelling a cancelled job changes nothing in Postgres and
 * writes the KV spec again. A completed job cannot be cancelled. Returns the job as stored.
 */
export async function cancelJob(dependencies: JobActionDependencies, jobId: string): Promise<JobRecord> {
  const { pool, specs, logger } = dependencies;
  const outcome = await withTransaction(pool, async (client) => {
    const job = await getJob(client, jobId, true);
    if (job === undefined) {
      throw new NotFoundError(`job ${jobId} not found`);
    }
    if (job.status === "COMPLETED") {
      throw new ConflictError(`job ${jobId} is already COMPLETED, so it cannot be cancelled`);
    }
    if (job.status === "CANCELLED") {
      return { job, changed: false, rowsCancelled: 0 };
    }
    await client.query(
      "update jobs set status = 'CANCELLED', finished_at = now(), updated_at = now() where id = $1",
      [jobId],
    );
    const rows = await client.query(
      `update rows set stage = 'CANCELLED', error = 'job cancelled before the row was admitted',
         stage_times = stage_times || jsonb_build_object('CANCELLED', now()), updated_at = now(), finished_at = now()
       where job_id = $1 and admitted_at is null and stage = 'PENDING'`,
      [jobId],
    );
    return { job: (await getJob(client, jobId))!, changed: true, rowsCancelled: rows.rowCount ?? 0 };
  });
  // Written on every cancel, also a repeated one, so calling cancel again repairs a failed write.
  try {
    await specs.sync(jobId);
  } catch (error) {
    throw new GatewayError(
      "unavailable",
      503,
      `job ${jobId} is cancelled, but writing the jobs bucket failed, so stages may go on with its rows; call cancel again`,
      { cause: error },
    );
  }
  if (outcome.changed) {
    logger.info({ jobId, rowsCancelled: outcome.rowsCancelled }, "job cancelled");
  }
  return outcome.job;
}

/**
 * Waits until none of the job's admitted rows is still in flight, polling Postgres every 100 ms,
 * for at most `timeoutMs`. Stage workers end such rows with CANCELLED (or, for a row that was
 * already finishing, COMPLETED) events once they see the KV update. Returns whether they all ended.
 */
export async function waitForRowsToStop(pool: Pool, jobId: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await pool.query(
      `select count(*)::integer as in_flight from rows
       where job_id = $1 and admitted_at is not null and stage not in ('COMPLETED', 'FAILED', 'CANCELLED')`,
      [jobId],
    );
    if ((result.rows[0]?.in_flight as number) === 0) {
      return true;
    }
    if (Date.now() >= deadline) {
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Re-admits a job's FAILED rows: each gets admission + 1 and goes back to PENDING without its
 * error, history, counted usage events and the cells its failed admission produced (skipped
 * impute cells stay), and the job is RUNNING again. Events of the failed admission that arrive
 * later are ignored. Returns the job and the number of rows re-admitted; a job without failed
 * rows or a cancelled job is a conflict.
 */
export async function retryJob(
  dependencies: JobActionDependencies,
  jobId: string,
): Promise<{ job: JobRecord; retried: number }> {
  const { pool, specs, logger } = dependencies;
  const outcome = await withTransaction(pool, async (client) => {
    const job = await getJob(client, jobId, true);
    if (job === undefined) {
      throw new NotFoundError(`job ${jobId} not found`);
    }
    if (job.status === "CANCELLED") {
      throw new ConflictError(`job ${jobId} is CANCELLED; submit it again instead of retrying`);
    }
    const rows = await client.query(
      `update rows set
         admission = admission + 1, stage = 'PENDING', admitted_at = null, error = null, attempts = 0,
         cells = coalesce((select jsonb_object_agg(c.key, c.value) from jsonb_each(cells) as c
                           where not wanted ? c.key), '{}'::jsonb),
         "values" = coalesce((select jsonb_object_agg(v.key, v.value) from jsonb_each("values") as v
                              where not wanted ? v.key), '{}'::jsonb),
         stage_times = jsonb_build_object('PENDING', now()), history = null, usage_events = '{}',
         updated_at = now(), finished_at = null
       where job_id = $1 and stage = 'FAILED'`,
      [jobId],
    );
    const retried = rows.rowCount ?? 0;
    if (retried === 0) {
      throw new ConflictError(`job ${jobId} has no FAILED rows to retry`);
    }
    await client.query(
      "update jobs set status = 'RUNNING', finished_at = null, updated_at = now() where id = $1",
      [jobId],
    );
    return { job: (await getJob(client, jobId))!, retried };
  });
  await specs.syncLogged(jobId);
  logger.info({ jobId, retried: outcome.retried }, "failed rows re-admitted");
  return outcome;
}

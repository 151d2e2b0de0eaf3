import { ROW_STAGES, type RowEvent, rowStageRank } from "@ampledata/shared";
import { type Pool, withTransaction } from "../db/pool.ts";
import { isJobId } from "../jobs/job-store.ts";
import { type CurrentRow, reduceEvents, rowKey } from "./reduce.ts";
import { countUsage, usageByJob } from "./usage-events.ts";

export interface BatchResult {
  applied: number;
  ignored: number;
  unknownRow: number;
  /** Ids of the jobs this batch finished (every row terminal), for the KV status update. */
  completedJobs: string[];
  /** Rows that reached a terminal stage, so admission can refill windows. */
  finishedRows: number;
}

/** Stage -> rank, sent to Postgres so the SQL guard uses the same order as rowStageRank. */
const STAGE_RANKS = JSON.stringify(
  Object.fromEntries(ROW_STAGES.map((stage) => [stage, rowStageRank(stage)])),
);

/**
 * Applies a batch of row events in one transaction. Locks are taken jobs first, then rows, each
 * in id order, as in every gateway transaction, so concurrent writers queue instead of deadlocking.
 * The multi-row UPDATE repeats the reducer's rule as a SQL guard: a row moves only forward in
 * rank within its current admission. The usage of each round and stage of the admission is
 * added to the job once, by `countUsage`, also for events the stage rule ignores. Jobs whose rows
 * are now all terminal become COMPLETED.
 */
export async function applyEventBatch(pool: Pool, events: readonly RowEvent[]): Promise<BatchResult> {
  const known = events.filter((event) => isJobId(event.jobId));
  const malformedIds = events.length - known.length;
  if (known.length === 0) {
    return { applied: 0, ignored: 0, unknownRow: malformedIds, completedJobs: [], finishedRows: 0 };
  }
  const jobIds = [...new Set(known.map((event) => event.jobId))].sort();
  return withTransaction(pool, async (client) => {
    await client.query("select id from jobs where id = any($1::uuid[]) order by id for update", [jobIds]);
    const locked = await client.query(
      `select r.job_id, r.row_index, r.stage, r.admission, r.usage_events
       from rows r
       join unnest($1::uuid[], $2::integer[]) as e(job_id, row_index)
         on r.job_id = e.job_id and r.row_index = e.row_index
       order by r.job_id, r.row_index
       for update of r`,
      [known.map((event) => event.jobId), known.map((event) => event.rowIndex)],
    );
    const current = new Map<string, CurrentRow>(
      locked.rows.map((row) => [
        rowKey(row.job_id as string, row.row_index as number),
        {
          stage: row.stage,
          admission: row.admission,
          usageEvents: new Set(Object.keys(row.usage_events as Record<string, unknown>)),
        },
      ]),
    );
    const reduced = reduceEvents(known, current);
    const counted = countUsage(known, current);
    let applied = 0;
    if (reduced.updates.length > 0) {
      const updated = await client.query(
        `update rows r set
           stage = u.stage,
           cells = r.cells || u.cells,
           "values" = r."values" || coalesce(
             (select jsonb_object_agg(c.key, c.value -> 'value') from jsonb_each(u.cells) as c), '{}'::jsonb),
           attempts = greatest(r.attempts, u.attempt),
           error = u.error,
           stage_times = r.stage_times || u.stage_times,
           history = coalesce(u.history, r.history),
           updated_at = now(),
           finished_at = case when u.terminal then now() else r.finished_at end
         from jsonb_to_recordset($1::jsonb) as u(job_id uuid, row_index integer, stage text, admission integer,
           attempt integer, cells jsonb, error text, stage_times jsonb, terminal boolean, history jsonb)
         where r.job_id = u.job_id and r.row_index = u.row_index and r.admission = u.admission
           and ($2::jsonb ->> u.stage)::integer > ($2::jsonb ->> r.stage)::integer`,
        [
          JSON.stringify(
            reduced.updates.map((update) => ({
              job_id: update.jobId,
              row_index: update.rowIndex,
              stage: update.stage,
              admission: update.admission,
              attempt: update.attempt,
              cells: update.cells,
              error: update.error,
              stage_times: update.stageTimes,
              terminal: update.terminal,
              history: update.history,
            })),
          ),
          STAGE_RANKS,
        ],
      );
      applied = updated.rowCount ?? 0;
    }

    if (counted.length > 0) {
      await client.query(
        `update rows r set usage_events = r.usage_events || u.keys
         from jsonb_to_recordset($1::jsonb) as u(job_id uuid, row_index integer, admission integer, keys jsonb)
         where r.job_id = u.job_id and r.row_index = u.row_index and r.admission = u.admission`,
        [
          JSON.stringify(
            counted.map((row) => ({
              job_id: row.jobId,
              row_index: row.rowIndex,
              admission: row.admission,
              keys: Object.fromEntries(row.keys.map((key) => [key, true])),
            })),
          ),
        ],
      );
    }
    const usage = usageByJob(counted);
    if (usage.size > 0) {
      await client.query(
        `update jobs set usage = jsonb_add_counts(jobs.usage, u.delta)
         from jsonb_to_recordset($1::jsonb) as u(id uuid, delta jsonb) where jobs.id = u.id`,
        [JSON.stringify([...usage].map(([id, delta]) => ({ id, delta })))],
      );
    }

    const completed = await client.query(
      `update jobs set status = 'COMPLETED', started_at = coalesce(started_at, now()), finished_at = now(),
         updated_at = now()
       where id = any($1::uuid[]) and status in ('PENDING', 'RUNNING')
         and coalesce((counts ->> 'COMPLETED')::integer, 0) + coalesce((counts ->> 'FAILED')::integer, 0)
           + coalesce((counts ->> 'CANCELLED')::integer, 0) >= row_count
       returning id`,
      [jobIds],
    );
    return {
      applied,
      ignored: reduced.ignored + (reduced.updates.length - applied),
      unknownRow: reduced.unknownRow + malformedIds,
      completedJobs: completed.rows.map((row) => row.id as string),
      finishedRows: reduced.updates.filter((update) => update.terminal).length,
    };
  });
}

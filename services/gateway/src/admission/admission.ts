import {
  encodeMessage,
  type Logger,
  MESSAGE_VERSION,
  messageId,
  publishReliably,
  type RowWork,
  rowWorkSchema,
  SPAN_ATTRIBUTES,
  SpanKind,
  SUBJECTS,
  withSpan,
} from "@ampledata/shared";
import type { JetStreamClient } from "@nats-io/jetstream";
import { type Pool, withTransaction } from "../db/pool.ts";
import type { StoredSpec } from "../jobs/job-store.ts";
import type { SpecBucket } from "../jobs/spec-bucket.ts";
import type { GatewayMetrics } from "../metrics.ts";
import { allocateSlots, type Candidate, forgetInactive } from "./allocate.ts";

export interface AdmissionOptions {
  pool: Pool;
  js: JetStreamClient;
  specs: SpecBucket;
  logger: Logger;
  metrics: GatewayMetrics;
  /** Rows of one job in flight, at most (JOB_WINDOW_ROWS). */
  windowRows: number;
  /** Rows of all jobs in flight, at most (MAX_IN_FLIGHT_ROWS). */
  maxInFlightRows: number;
  /** Period of the pass when nothing requests one (ADMISSION_TICK_MS). */
  tickMs: number;
}

interface ActiveJob {
  id: string;
  status: "PENDING" | "RUNNING";
  priority: number;
  inFlight: number;
  /** Rows waiting for admission, counted up to the window size. */
  waiting: number;
}

// Publishes in flight at once while admitting one job's rows.
const PUBLISH_CONCURRENCY = 64;

/**
 * Publishes waiting rows to pipeline.serp without flooding it. Each job has at most `windowRows`
 * rows in flight (admitted and not finished), and all jobs together at most `maxInFlightRows`.
 * Free slots go to jobs by smooth weighted round-robin on their priority. A pass runs every
 * `tickMs`, and sooner when requested: after the state writer commits finished rows, after a job
 * is created or retried. Passes never overlap; requests during a pass cause one more pass.
 */
export class Admission {
  readonly #options: AdmissionOptions;
  readonly #credits = new Map<string, number>();
  #loop: Promise<void> | undefined;
  #stopped = false;
  #requested = false;
  #wake: (() => void) | undefined;

  constructor(options: AdmissionOptions) {
    this.#options = options;
  }

  start(): void {
    this.#loop = this.#run();
    this.#options.logger.info(
      {
        windowRows: this.#options.windowRows,
        maxInFlightRows: this.#options.maxInFlightRows,
        tickMs: this.#options.tickMs,
      },
      "admission started",
    );
  }

  /** Asks for a pass as soon as the current one (if any) ends. */
  request(): void {
    this.#requested = true;
    this.#wake?.();
  }

  /** Stops after the running pass; rows it did not reach wait in Postgres for the next start. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#loop;
    this.#options.logger.info("admission stopped");
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      this.#requested = false;
      let failed = false;
      try {
        const admitted = await this.runPass();
        this.#options.metrics.admissionPasses.inc({ outcome: admitted > 0 ? "admitted" : "idle" });
      } catch (error) {
        failed = true;
        this.#options.metrics.admissionPasses.inc({ outcome: "failed" });
        this.#options.logger.error({ err: error }, "admission pass failed; retrying on the next tick");
      }
      // After a failure wait for the tick even when a pass was requested, so an outage does not spin.
      if (this.#stopped || (this.#requested && !failed)) {
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.#options.tickMs);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  /** Runs one pass; returns the rows admitted. Exposed so tests can drive admission step by step. */
  async runPass(): Promise<number> {
    const { windowRows, maxInFlightRows } = this.#options;
    const active = await this.#activeJobs();
    forgetInactive(this.#credits, new Set(active.map((job) => job.id)));
    const inFlight = active.reduce((sum, job) => sum + job.inFlight, 0);
    const freeSlots = maxInFlightRows - inFlight;
    if (freeSlots <= 0) {
      return 0;
    }
    const candidates: Candidate[] = active.map((job) => ({
      jobId: job.id,
      weight: job.priority,
      capacity: Math.min(Math.max(0, windowRows - job.inFlight), job.waiting),
    }));
    const allocation = allocateSlots(candidates, freeSlots, this.#credits);
    let admitted = 0;
    for (const [jobId, rows] of allocation) {
      if (this.#stopped) {
        break;
      }
      admitted += await this.#admitRows(jobId, rows);
    }
    if (admitted > 0) {
      this.#options.logger.debug({ admitted, jobs: allocation.size }, "admission pass published rows");
    }
    return admitted;
  }

  async #activeJobs(): Promise<ActiveJob[]> {
    const result = await this.#options.pool.query(
      `select j.id, j.status, j.priority,
         (select count(*) from rows r
           where r.job_id = j.id and r.admitted_at is not null
             and r.stage not in ('COMPLETED', 'FAILED', 'CANCELLED'))::integer as in_flight,
         (select count(*) from (select 1 from rows r
           where r.job_id = j.id and r.admitted_at is null and r.stage = 'PENDING' limit $1) as w)::integer as waiting
       from jobs j
       where j.status in ('PENDING', 'RUNNING')
       order by j.created_at, j.id`,
      [this.#options.windowRows],
    );
    return result.rows.map((row) => ({
      id: row.id as string,
      status: row.status as ActiveJob["status"],
      priority: row.priority as number,
      inFlight: row.in_flight as number,
      waiting: row.waiting as number,
    }));
  }

  /**
   * Publishes up to `limit` waiting rows of one job in input order and marks them admitted, in one
   * transaction that first locks the job row (the order every gateway transaction takes locks in).
   * A publish failure rolls back, so the rows wait for the next pass. A row published before the
   * failure is published again with the same message id, and JetStream drops it as a duplicate.
   */
  async #admitRows(jobId: string, limit: number): Promise<number> {
    const { pool, metrics, logger } = this.#options;
    const outcome = await withTransaction(pool, async (client) => {
      const job = await client.query(
        "select status, spec, input_columns from jobs where id = $1 and status in ('PENDING', 'RUNNING') for update",
        [jobId],
      );
      const jobRow = job.rows[0];
      if (jobRow === undefined) {
        return undefined; // cancelled or finished since the pass began
      }

      const spec = jobRow.spec as StoredSpec;
      const inputColumns = jobRow.input_columns as string[];
      const waiting = await client.query(
        `select row_index, key, input, wanted, admission from rows
         where job_id = $1 and admitted_at is null and stage = 'PENDING'
         order by row_index limit $2 for update skip locked`,
        [jobId, limit],
      );
      if (waiting.rows.length === 0) {
        return undefined;
      }

      await withSpan("admit rows", { attributes: { "ampledata.job.id": jobId } }, async () => {
        for (let start = 0; start < waiting.rows.length; start += PUBLISH_CONCURRENCY) {
          await Promise.all(
            waiting.rows.slice(start, start + PUBLISH_CONCURRENCY).map((row) =>
              this.#publish(spec, inputColumns, {
                rowIndex: row.row_index as number,
                key: row.key as string[],
                input: row.input as string[],
                wanted: row.wanted as string[],
                admission: row.admission as number,
              }),
            ),
          );
        }
      });

      await client.query(
        "update rows set admitted_at = now() where job_id = $1 and row_index = any($2::integer[])",
        [jobId, waiting.rows.map((row) => row.row_index as number)],
      );
      const started = jobRow.status === "PENDING";
      if (started) {
        await client.query(
          "update jobs set status = 'RUNNING', started_at = coalesce(started_at, now()), updated_at = now() where id = $1",
          [jobId],
        );
      }
      return { count: waiting.rows.length, started };
    });
    if (outcome === undefined) {
      return 0;
    }
    metrics.admittedRows.inc(outcome.count);
    if (outcome.started) {
      logger.info({ jobId }, "job started");
      await this.#options.specs.syncLogged(jobId);
    }
    return outcome.count;
  }

  async #publish(
    spec: StoredSpec,
    inputColumns: string[],
    row: { rowIndex: number; key: string[]; input: string[]; wanted: string[]; admission: number },
  ): Promise<void> {
    const work: RowWork = {
      v: MESSAGE_VERSION,
      jobId: spec.jobId,
      rowIndex: row.rowIndex,
      key: Object.fromEntries(spec.keyColumns.map((name, position) => [name, row.key[position] ?? ""])),
      input: Object.fromEntries(inputColumns.map((name, position) => [name, row.input[position] ?? ""])),
      admission: row.admission,
      round: 0,
      wanted: row.wanted,
      cells: {},
    };
    // Each admitted row starts a trace of its own, which every stage continues through the
    // message headers, so one trace shows one row across all hops.
    await withSpan(
      `publish ${SUBJECTS.work("serp")}`,
      {
        root: true,
        kind: SpanKind.PRODUCER,
        attributes: { [SPAN_ATTRIBUTES.jobId]: spec.jobId, [SPAN_ATTRIBUTES.rowIndex]: row.rowIndex },
      },
      () =>
        publishReliably(this.#options.js, SUBJECTS.work("serp"), encodeMessage(rowWorkSchema, work, "serp"), {
          messageId: messageId(spec.jobId, row.rowIndex, "serp", row.admission, 0),
        }),
    );
  }
}

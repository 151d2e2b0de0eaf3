import {
  encodeMessage,
  type JobStatus,
  jobSpecSchema,
  type Logger,
  retryTransient,
  TransientError,
} from "@ampledata/shared";
import type { KV } from "@nats-io/kv";
import type { Pool } from "../db/pool.ts";
import type { StoredSpec } from "./job-store.ts";

/**
 * Writes job specs to the `jobs` KV bucket, which stage workers watch: they read a job's columns and
 * queries from it and abort a job's in-flight work when its status becomes CANCELLED. Postgres is
 * the record; the bucket is written only after the Postgres transaction has committed.
 */
export class SpecBucket {
  readonly #bucket: KV;
  readonly #pool: Pool;
  readonly #logger: Logger;
  /** The last status write of each job, so writes of one job run in order. */
  readonly #writes = new Map<string, Promise<void>>();

  constructor(bucket: KV, pool: Pool, logger: Logger) {
    this.#bucket = bucket;
    this.#pool = pool;
    this.#logger = logger;
  }

  /** Puts the spec with `status`, retrying transient NATS failures a few times. */
  async put(spec: StoredSpec, status: JobStatus): Promise<void> {
    const data = encodeMessage(jobSpecSchema, { ...spec, status }, "job spec");
    await retryTransient(
      async () => {
        try {
          await this.#bucket.put(spec.jobId, data);
        } catch (error) {
          throw new TransientError(
            `writing job ${spec.jobId} to the jobs bucket failed: ${(error as Error).message}`,
            { cause: error },
          );
        }
      },
      { retries: 4, minDelayMs: 200, maxDelayMs: 2000 },
    );
    this.#logger.debug({ jobId: spec.jobId, status }, "job spec written to the jobs bucket");
  }

  /**
   * Writes the job's status as Postgres has it now. Call it after each committed status change.
   * Writes of one job are queued and each reads Postgres when its turn comes, so a slow write of
   * an older status (RUNNING) can never land after a newer one (CANCELLED) and overwrite it.
   * NOTE: the queue is per process; two gateway replicas changing one job at once can still race.
   */
  sync(jobId: string): Promise<void> {
    const previous = this.#writes.get(jobId) ?? Promise.resolve();
    const write = previous
      .catch(() => undefined)
      .then(async () => {
        const result = await this.#pool.query("select spec, status from jobs where id = $1", [jobId]);
        const row = result.rows[0];
        if (row !== undefined) {
          await this.put(row.spec as StoredSpec, row.status as JobStatus);
        }
      });
    this.#writes.set(jobId, write);
    void write
      .finally(() => {
        if (this.#writes.get(jobId) === write) {
          this.#writes.delete(jobId);
        }
      })
      .catch(() => undefined);
    return write;
  }

  /** Like sync, but logs a failure instead of throwing, for callers whose change has already committed. */
  async syncLogged(jobId: string): Promise<boolean> {
    try {
      await this.sync(jobId);
      return true;
    } catch (error) {
      this.#logger.error(
        { err: error, jobId },
        "job status is stored in Postgres but not in the jobs bucket; stage workers see the old status",
      );
      return false;
    }
  }
}

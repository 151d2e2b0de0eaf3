import type { KV } from "@nats-io/kv";
import type { Logger } from "pino";
import { decodeMessage } from "../messages/codec.ts";
import { type JobSpec, jobSpecSchema } from "../messages/row.ts";

/**
 * Local view of the `jobs` KV bucket: job specs by id, kept current by a watch, and a signal per
 * job that aborts when the job is cancelled. Stages read job specs from here instead of Postgres.
 */
export class JobDirectory {
  readonly #bucket: KV;
  readonly #logger: Logger;
  readonly #specs = new Map<string, JobSpec>();
  /** Bucket revision of each cached spec, so a late watch update never replaces a newer direct read. */
  readonly #revisions = new Map<string, number>();
  readonly #cancellations = new Map<string, AbortController>();
  #stopWatch: (() => void) | undefined;

  constructor(bucket: KV, logger: Logger) {
    this.#bucket = bucket;
    this.#logger = logger;
  }

  /** Starts the watch; resolves once the bucket's current entries are loaded. */
  async start(): Promise<void> {
    const watch = await this.#bucket.watch();
    this.#stopWatch = () => watch.stop();
    let resolveLoaded: () => void = () => {};
    const loaded = new Promise<void>((resolve) => {
      resolveLoaded = resolve;
    });
    void (async () => {
      for await (const entry of watch) {
        if (entry.operation === "PUT") {
          this.#apply(entry.key, entry.value, entry.revision);
        } else {
          this.#specs.delete(entry.key);
        }
        if (entry.delta === 0) {
          resolveLoaded();
        }
      }
    })().catch((error: unknown) => this.#logger.error({ err: error }, "watching the jobs bucket failed"));
    // An empty bucket sends no entries, so do not wait for one.
    const status = await this.#bucket.status();
    if (status.values === 0) {
      resolveLoaded();
    }
    await loaded;
  }

  stop(): void {
    this.#stopWatch?.();
  }

  #apply(key: string, value: Uint8Array, revision: number): void {
    if ((this.#revisions.get(key) ?? 0) > revision) {
      return;
    }
    this.#revisions.set(key, revision);
    let spec: JobSpec;
    try {
      spec = decodeMessage(jobSpecSchema, value, "job spec");
    } catch (error) {
      this.#logger.error({ err: error, jobId: key }, "ignoring an invalid job spec in the jobs bucket");
      return;
    }
    this.#specs.set(key, spec);
    if (spec.status === "CANCELLED") {
      const controller = this.#cancellations.get(key) ?? new AbortController();
      this.#cancellations.set(key, controller);
      if (!controller.signal.aborted) {
        this.#logger.info({ jobId: key }, "job cancelled, aborting its in-flight work");
        controller.abort(new Error(`job ${key} was cancelled`));
      }
    }
  }

  /** Returns the job's spec, read through to the bucket when the watch has not delivered it yet. */
  async get(jobId: string): Promise<JobSpec | undefined> {
    const cached = this.#specs.get(jobId);
    if (cached) {
      return cached;
    }
    const entry = await this.#bucket.get(jobId);
    if (entry?.operation !== "PUT") {
      return undefined;
    }
    this.#apply(jobId, entry.value, entry.revision);
    return this.#specs.get(jobId);
  }

  /**
   * Reads the job's spec from the bucket itself, bypassing the watch. Workers call this before each
   * handler, so a row that starts after a cancel was stored never reaches a provider, however late
   * the watch delivers the update. It costs one KV read per message.
   */
  async getFresh(jobId: string): Promise<JobSpec | undefined> {
    const entry = await this.#bucket.get(jobId);
    if (entry?.operation !== "PUT") {
      return this.#specs.get(jobId);
    }
    this.#apply(jobId, entry.value, entry.revision);
    return this.#specs.get(jobId);
  }

  isCancelled(jobId: string): boolean {
    return this.#specs.get(jobId)?.status === "CANCELLED";
  }

  /** Returns a signal that aborts when the job is cancelled (already aborted if it is). */
  cancellationSignal(jobId: string): AbortSignal {
    let controller = this.#cancellations.get(jobId);
    if (!controller) {
      controller = new AbortController();
      this.#cancellations.set(jobId, controller);
      if (this.isCancelled(jobId)) {
        controller.abort(new Error(`job ${jobId} was cancelled`));
      }
    }
    return controller.signal;
  }
}

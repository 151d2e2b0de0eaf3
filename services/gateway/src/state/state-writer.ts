import {
  CONSUMERS,
  decodeMessage,
  type Logger,
  type RowEvent,
  rowEventSchema,
  STREAMS,
} from "@ampledata/shared";
import type { ConsumerMessages, JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { Pool } from "../db/pool.ts";
import type { SpecBucket } from "../jobs/spec-bucket.ts";
import type { GatewayMetrics } from "../metrics.ts";
import { applyEventBatch, type BatchResult } from "./apply-batch.ts";

export interface StateWriterOptions {
  js: JetStreamClient;
  pool: Pool;
  specs: SpecBucket;
  logger: Logger;
  metrics: GatewayMetrics;
  /** Events per transaction, at most (EVENT_BATCH_SIZE). */
  batchSize: number;
  /** Time a partial batch waits for more events, in milliseconds (EVENT_BATCH_WAIT_MS). */
  batchWaitMs: number;
  /** Called after each committed batch, e.g. to let admission refill the windows. */
  onCommitted?: (result: BatchResult) => void;
}

// Delay before a batch that failed to commit is delivered again, in milliseconds.
const RETRY_DELAY_MS = 1000;

/**
 * Applies row events from the durable `gateway-state` consumer on the EVENTS stream to Postgres.
 * Messages are collected into batches of up to `batchSize` or `batchWaitMs`. Each batch is applied
 * in one transaction and its messages are acked only after the commit. A failed batch is nak'ed
 * and delivered again, which is safe because applying an event twice changes nothing.
 */
export class StateWriter {
  readonly #options: StateWriterOptions;
  #messages: ConsumerMessages | undefined;
  #loop: Promise<void> | undefined;
  #buffer: JsMsg[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #stopping = false;

  constructor(options: StateWriterOptions) {
    this.#options = options;
  }

  get ready(): boolean {
    return this.#messages !== undefined && !this.#stopping;
  }

  async start(): Promise<void> {
    const { js, batchSize, logger } = this.#options;
    const consumer = await js.consumers.get(STREAMS.events, CONSUMERS.gatewayState);
    this.#messages = await consumer.consume({ max_messages: Math.min(1000, batchSize * 2) });
    this.#loop = this.#consume(this.#messages);
    logger.info({ batchSize, batchWaitMs: this.#options.batchWaitMs }, "state writer started");
  }

  /** Stops pulling, applies the events already received and waits for the last commit. */
  async stop(): Promise<void> {
    if (this.#stopping) {
      await this.#loop;
      return;
    }
    this.#stopping = true;
    await this.#messages?.close();
    await this.#loop;
    await this.#flush();
    this.#options.logger.info("state writer stopped");
  }

  async #consume(messages: ConsumerMessages): Promise<void> {
    for await (const message of messages) {
      this.#buffer.push(message);
      if (this.#buffer.length >= this.#options.batchSize) {
        await this.#flush();
      } else {
        this.#timer ??= setTimeout(() => void this.#flush(), this.#options.batchWaitMs);
      }
    }
  }

  /** Applies the buffered messages; flushes run one after another. */
  #flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#buffer;
    this.#buffer = [];
    this.#flushing = this.#flushing
      .then(() => (batch.length > 0 ? this.#apply(batch) : undefined))
      .catch((error: unknown) => {
        // #apply handles its own failures; this keeps the chain alive after an unexpected one.
        this.#options.logger.error({ err: error, events: batch.length }, "state writer batch failed");
      });
    return this.#flushing;
  }

  async #apply(batch: JsMsg[]): Promise<void> {
    const { pool, metrics, logger, specs } = this.#options;
    const events: RowEvent[] = [];
    const valid: JsMsg[] = [];
    for (const message of batch) {
      try {
        events.push(decodeMessage(rowEventSchema, message.data, "row event"));
        valid.push(message);
      } catch (error) {
        logger.error(
          { err: error, streamSequence: message.info.streamSequence },
          "dropping an invalid row event",
        );
        metrics.rowEvents.inc({ result: "invalid" });
        message.term();
      }
    }
    if (events.length === 0) {
      return;
    }
    const started = performance.now();
    let result: BatchResult;
    try {
      result = await applyEventBatch(pool, events);
    } catch (error) {
      metrics.eventBatchDuration.observe({ outcome: "failed" }, (performance.now() - started) / 1000);
      logger.error(
        { err: error, events: events.length, retryDelayMs: RETRY_DELAY_MS },
        "applying row events to Postgres failed; they will be delivered again",
      );
      for (const message of valid) {
        message.nak(RETRY_DELAY_MS);
      }
      return;
    }
    metrics.eventBatchDuration.observe({ outcome: "committed" }, (performance.now() - started) / 1000);
    for (const message of valid) {
      message.ack();
    }
    metrics.rowEvents.inc({ result: "applied" }, result.applied);
    metrics.rowEvents.inc({ result: "ignored" }, result.ignored);
    metrics.rowEvents.inc({ result: "unknown_row" }, result.unknownRow);
    if (result.unknownRow > 0) {
      logger.warn({ events: result.unknownRow }, "ignored row events of unknown jobs or rows");
    }
    logger.debug(
      { events: events.length, applied: result.applied, ignored: result.ignored },
      "row events applied",
    );
    for (const jobId of result.completedJobs) {
      logger.info({ jobId }, "job completed");
      await specs.syncLogged(jobId);
    }
    this.#options.onCommitted?.(result);
  }
}

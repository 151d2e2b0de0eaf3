import { type ConsumerMessages, type JetStreamClient, type JsMsg, jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import type { Logger } from "pino";
import {
  CancelledError,
  describeError,
  InvalidMessageError,
  isPermanent,
  ThrottledError,
} from "../errors.ts";
import type { Cell } from "../messages/cells.ts";
import { decodeMessage, encodeMessage } from "../messages/codec.ts";
import { type JobSpec, type RowEvent, type RowStage, type RowWork, rowWorkSchema } from "../messages/row.ts";
import { CONSUMERS, messageId, STREAMS, type Stage, SUBJECTS } from "../names.ts";
import type { ServiceMetrics } from "../telemetry/metrics.ts";
import { extractTraceContext, SPAN_ATTRIBUTES, SpanKind, traceIdOf, withSpan } from "../telemetry/tracing.ts";
import type { JobDirectory } from "./job-watch.ts";
import { publishDeadLetter, publishRowEvent, redeliveryDelayMs, salvageRowIdentity } from "./outcomes.ts";
import { publishReliably } from "./publish.ts";
import { Semaphore } from "./semaphore.ts";

export interface StageContext {
  job: JobSpec;
  /** Fires on job cancellation and when shutdown outlasts its grace period; pass it to every provider call. */
  signal: AbortSignal;
  logger: Logger;
  deliveryCount: number;
  /** True on the last delivery attempt: a failure now dead-letters the message. */
  finalAttempt: boolean;
}

export interface StageResult {
  /** Row stage reached, reported to the gateway on `events.rows.<stage>`. */
  rowStage: RowStage;
  /** Next stage and the row to send it; absent when this stage finished the row. */
  next?: { stage: Stage; work: RowWork };
  cells?: Record<string, Cell>;
  error?: string | null;
  usage?: RowEvent["usage"];
  /** The row's attempts, sent with the event that finishes the row. */
  history?: RowEvent["history"];
}

export type StageHandler = (work: RowWork, context: StageContext) => Promise<StageResult>;

export interface StageWorkerOptions {
  stage: Stage;
  connection: NatsConnection;
  jobs: JobDirectory;
  handler: StageHandler;
  /** Handlers running at once in this process. */
  concurrency: number;
  logger: Logger;
  metrics: ServiceMetrics;
  maxDeliver: number;
  ackWaitMs: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
}

/**
 * Runs a stage handler over the stage's durable pull consumer, with at most `concurrency` handlers
 * at once. Success acks after the next message and the row event are stored. A transient failure
 * naks with a growing delay. A permanent failure or the final attempt publishes a DLQ copy and a
 * FAILED event, then acks, so no message stays unacked forever.
 */
export class StageWorker {
  readonly #options: StageWorkerOptions;
  readonly #js: JetStreamClient;
  readonly #slots: Semaphore;
  readonly #shutdown = new AbortController();
  #messages: ConsumerMessages | undefined;
  #loop: Promise<void> | undefined;
  #stopping = false;
  #pendingTimer: NodeJS.Timeout | undefined;

  constructor(options: StageWorkerOptions) {
    this.#options = options;
    this.#js = jetstream(options.connection);
    this.#slots = new Semaphore(options.concurrency);
  }

  get ready(): boolean {
    return this.#messages !== undefined && !this.#stopping;
  }

  /** Handlers running now. */
  get running(): number {
    return this.#slots.used;
  }

  async start(): Promise<void> {
    const { stage, logger, concurrency } = this.#options;
    const consumer = await this.#js.consumers.get(STREAMS.pipeline, CONSUMERS.stage(stage));
    // Never consume({ callback }): a callback that throws stops the whole consumer.
    this.#messages = await consumer.consume({ max_messages: concurrency });
    this.#watchStatus(this.#messages);
    this.#loop = this.#consume(this.#messages);
    this.#pendingTimer = setInterval(() => void this.#reportBacklog(), 15_000);
    this.#pendingTimer.unref();
    logger.info({ stage, concurrency, maxDeliver: this.#options.maxDeliver }, "stage worker started");
  }

  /**
   * Drains: stops pulling, waits up to `graceMs` for running handlers, then aborts the rest, whose
   * messages are handed back for redelivery. Safe to call twice.
   */
  async stop(graceMs: number): Promise<void> {
    if (this.#stopping) {
      await this.#loop;
      return;
    }
    this.#stopping = true;
    clearInterval(this.#pendingTimer);
    const { logger, stage } = this.#options;
    logger.info({ stage, running: this.running, graceMs }, "stage worker draining");
    await this.#messages?.close();
    const finished = await this.#slots.idle(graceMs);
    if (!finished) {
      logger.warn({ stage, running: this.running }, "grace period over, aborting running handlers");
      this.#shutdown.abort(new Error("service is shutting down"));
      await this.#slots.idle(5000);
    }
    await this.#loop;
    logger.info({ stage }, "stage worker stopped");
  }

  async #consume(messages: ConsumerMessages): Promise<void> {
    for await (const message of messages) {
      // Keep the message alive from the moment it arrives: it may wait for a slot.
      const keepAlive = setInterval(
        () => message.working(),
        Math.max(500, Math.floor(this.#options.ackWaitMs / 3)),
      );
      if (this.#stopping) {
        clearInterval(keepAlive);
        message.nak();
        continue;
      }
      await this.#slots.acquire();
      if (this.#stopping) {
        clearInterval(keepAlive);
        this.#slots.release();
        message.nak();
        continue;
      }
      void this.#process(message)
        .catch((error: unknown) => {
          // #process handles every handler error; reaching here means NATS itself failed us.
          this.#options.logger.error(
            { err: error, stage: this.#options.stage },
            "message left unacknowledged",
          );
        })
        .finally(() => {
          clearInterval(keepAlive);
          this.#slots.release();
        });
    }
  }

  async #process(message: JsMsg): Promise<void> {
    const { stage, metrics, logger: rootLogger, maxDeliver } = this.#options;
    const deliveryCount = message.info.deliveryCount;
    const finalAttempt = deliveryCount >= maxDeliver;
    const started = performance.now();
    let work: RowWork;
    try {
      work = decodeMessage(rowWorkSchema, message.data, stage);
    } catch (error) {
      await this.#rejectInvalid(message, error as InvalidMessageError);
      return;
    }
    const parent = extractTraceContext(message.headers);
    await withSpan(
      `process ${SUBJECTS.work(stage)}`,
      {
        parent,
        kind: SpanKind.CONSUMER,
        attributes: {
          [SPAN_ATTRIBUTES.jobId]: work.jobId,
          [SPAN_ATTRIBUTES.rowIndex]: work.rowIndex,
          [SPAN_ATTRIBUTES.stage]: stage,
          [SPAN_ATTRIBUTES.deliveryCount]: deliveryCount,
          [SPAN_ATTRIBUTES.messagingSystem]: "nats",
          [SPAN_ATTRIBUTES.messagingDestination]: SUBJECTS.work(stage),
        },
      },
      async (span) => {
        const logger = rootLogger.child({
          jobId: work.jobId,
          rowKey: work.rowIndex,
          stage,
          deliveryCount,
          traceId: traceIdOf(span),
        });
        logger.debug("message received");
        const outcome = await this.#run(message, work, { logger, deliveryCount, finalAttempt });
        const seconds = (performance.now() - started) / 1000;
        metrics.messages.inc({ stage, outcome });
        metrics.stageDuration.observe({ stage, outcome }, seconds);
      },
    );
  }

  async #run(
    message: JsMsg,
    work: RowWork,
    base: { logger: Logger; deliveryCount: number; finalAttempt: boolean },
  ): Promise<string> {
    const { stage, jobs, handler, metrics } = this.#options;
    const { logger } = base;
    const job = await jobs.getFresh(work.jobId);
    if (!job) {
      await this.#fail(
        message,
        work,
        new InvalidMessageError(`job ${work.jobId} has no spec in the jobs bucket`),
        logger,
      );
      return "failed";
    }
    const jobSignal = jobs.cancellationSignal(work.jobId);
    if (jobSignal.aborted) {
      await this.#cancel(message, work, logger);
      return "cancelled";
    }
    const signal = AbortSignal.any([jobSignal, this.#shutdown.signal]);
    const started = performance.now();
    metrics.inFlight.inc({ stage });
    try {
      const result = await handler(work, { ...base, job, signal });
      await this.#forward(work, result, base.deliveryCount);
      message.ack();
      logger.info(
        { durationMs: Math.round(performance.now() - started), rowStage: result.rowStage },
        "message handled",
      );
      return "ok";
    } catch (error) {
      if (jobSignal.aborted || error instanceof CancelledError) {
        await this.#cancel(message, work, logger);
        return "cancelled";
      }
      if (this.#shutdown.signal.aborted) {
        message.nak();
        logger.warn({ err: error }, "handler aborted by shutdown, message released for redelivery");
        return "released";
      }
      if (isPermanent(error) || base.finalAttempt) {
        await this.#fail(message, work, error, logger);
        return "failed";
      }
      const delayMs =
        error instanceof ThrottledError && error.retryAfterMs !== undefined
          ? Math.min(error.retryAfterMs, this.#options.retryMaxDelayMs)
          : redeliveryDelayMs(
              base.deliveryCount,
              this.#options.retryBaseDelayMs,
              this.#options.retryMaxDelayMs,
            );
      message.nak(delayMs);
      metrics.retries.inc({ stage });
      logger.warn(
        { err: error, attempt: base.deliveryCount, delayMs },
        "handler failed, message will be retried",
      );
      return "retry";
    } finally {
      metrics.inFlight.dec({ stage });
    }
  }

  async #forward(work: RowWork, result: StageResult, deliveryCount: number): Promise<void> {
    const { stage } = this.#options;
    if (result.next) {
      const data = encodeMessage(rowWorkSchema, result.next.work, result.next.stage);
      await publishReliably(this.#js, SUBJECTS.work(result.next.stage), data, {
        messageId: messageId(
          work.jobId,
          work.rowIndex,
          result.next.stage,
          result.next.work.admission,
          result.next.work.round,
        ),
      });
    }
    await publishRowEvent(this.#js, stage, {
      jobId: work.jobId,
      rowIndex: work.rowIndex,
      stage: result.rowStage,
      cells: result.cells,
      error: result.error ?? null,
      usage: result.usage,
      history: result.history,
      attempt: deliveryCount,
      admission: work.admission,
      round: work.round,
    });
  }

  async #fail(message: JsMsg, work: RowWork, error: unknown, logger: Logger): Promise<void> {
    const { stage } = this.#options;
    await publishDeadLetter(this.#js, stage, message, error, logger);
    await publishRowEvent(this.#js, stage, {
      jobId: work.jobId,
      rowIndex: work.rowIndex,
      stage: "FAILED",
      error: `${stage}: ${describeError(error)}`,
      attempt: message.info.deliveryCount,
      admission: work.admission,
      round: work.round,
      cells: work.cells,
    });
    this.#options.metrics.deadLetters.inc({ stage });
    message.ack();
  }

  async #cancel(message: JsMsg, work: RowWork, logger: Logger): Promise<void> {
    await publishRowEvent(this.#js, this.#options.stage, {
      jobId: work.jobId,
      rowIndex: work.rowIndex,
      stage: "CANCELLED",
      error: "job cancelled",
      admission: work.admission,
      round: work.round,
    });
    message.ack();
    logger.info("row cancelled with its job");
  }

  async #rejectInvalid(message: JsMsg, error: InvalidMessageError): Promise<void> {
    const { stage, logger, metrics } = this.#options;
    await publishDeadLetter(this.#js, stage, message, error, logger);
    const identity = salvageRowIdentity(message.data);
    if (identity) {
      await publishRowEvent(this.#js, stage, {
        ...identity,
        stage: "FAILED",
        error: `${stage}: ${error.message}`,
      });
    }
    metrics.messages.inc({ stage, outcome: "invalid" });
    metrics.deadLetters.inc({ stage });
    // A bare term(): nats-server 2.9.10 ignores term with a reason and would redeliver.
    message.term();
  }

  #watchStatus(messages: ConsumerMessages): void {
    const { logger, stage } = this.#options;
    void (async () => {
      for await (const status of messages.status()) {
        if (
          status.type === "heartbeats_missed" ||
          status.type === "consumer_deleted" ||
          status.type === "consumer_not_found"
        ) {
          logger.warn({ stage, status }, "consumer status problem");
        }
      }
    })().catch((error: unknown) => logger.error({ err: error, stage }, "watching consumer status failed"));
  }

  async #reportBacklog(): Promise<void> {
    const { stage, metrics, logger } = this.#options;
    try {
      const consumer = await this.#js.consumers.get(STREAMS.pipeline, CONSUMERS.stage(stage));
      const info = await consumer.info();
      metrics.consumerPending.set({ consumer: stage }, info.num_pending);
      metrics.consumerAckPending.set({ consumer: stage }, info.num_ack_pending);
    } catch (error) {
      logger.debug({ err: error, stage }, "reading consumer backlog failed");
    }
  }
}

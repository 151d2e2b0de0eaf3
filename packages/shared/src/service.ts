import type { NatsConnection } from "@nats-io/nats-core";
import type { Logger } from "pino";
import type { BaseConfig } from "./config.ts";
import { createLogger } from "./logger.ts";
import type { Stage } from "./names.ts";
import { connectNats } from "./nats/connect.ts";
import { JobDirectory } from "./nats/job-watch.ts";
import { openJobsBucket, provisionJetStream } from "./nats/provision.ts";
import { type StageHandler, StageWorker } from "./nats/worker.ts";
import { type HealthServer, startHealthServer } from "./telemetry/health-server.ts";
import { createMetrics, type ServiceMetrics } from "./telemetry/metrics.ts";
import { startTracing, type Tracing } from "./telemetry/tracing.ts";

export interface StageServiceDependencies {
  connection: NatsConnection;
  logger: Logger;
  metrics: ServiceMetrics;
}

export interface StageServiceOptions {
  stage: Stage;
  config: BaseConfig;
  /** Handlers running at once in this process. */
  concurrency: number;
  /** Builds the handler from the live connection, logger and metrics; may return cleanup to run at stop. */
  createHandler: (
    dependencies: StageServiceDependencies,
  ) => Promise<{ handler: StageHandler; close?: () => Promise<void> }>;
  /** Log destination, for tests that parse the lines. */
  logDestination?: NodeJS.WritableStream;
}

export interface RunningService {
  healthPort: number;
  worker: StageWorker;
  logger: Logger;
  /** Drains and closes everything this service opened. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts a stage service: tracing, logger, metrics, NATS connection, JetStream provisioning, the
 * job directory, the stage worker and the health server. Whoever calls this owns the result and
 * must close it; `runUntilSignal` does so on SIGTERM and SIGINT.
 */
export async function startStageService(options: StageServiceOptions): Promise<RunningService> {
  const { stage, config } = options;
  const service = `ampledata-${stage}`;
  const tracing: Tracing = startTracing(service, config.OTEL_EXPORTER_OTLP_ENDPOINT);
  const logger = createLogger(service, config.LOG_LEVEL, options.logDestination);
  const metrics = createMetrics(service);
  logger.info({ stage, concurrency: options.concurrency }, "service starting");

  const connection = await connectNats(config.NATS_URL, service, logger);
  await provisionJetStream(connection, logger, {
    maxDeliver: config.MAX_DELIVER,
    ackWaitMs: config.ACK_WAIT_MS,
    maxAckPending: 1000,
  });
  const jobs = new JobDirectory(await openJobsBucket(connection), logger);
  await jobs.start();
  const { handler, close: closeHandler } = await options.createHandler({ connection, logger, metrics });
  const worker = new StageWorker({
    stage,
    connection,
    jobs,
    handler,
    concurrency: options.concurrency,
    logger,
    metrics,
    maxDeliver: config.MAX_DELIVER,
    ackWaitMs: config.ACK_WAIT_MS,
    retryBaseDelayMs: config.RETRY_BASE_DELAY_MS,
    retryMaxDelayMs: config.RETRY_MAX_DELAY_MS,
  });
  await worker.start();
  const health: HealthServer = await startHealthServer({
    host: config.HTTP_HOST,
    port: config.HTTP_PORT,
    registry: metrics.registry,
    logger,
    isReady: () => worker.ready && !connection.isClosed(),
  });

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      await worker.stop(config.SHUTDOWN_GRACE_MS);
      jobs.stop();
      await closeHandler?.();
      await connection.drain().catch((error: unknown) => logger.warn({ err: error }, "draining NATS failed"));
      await health.close();
      await tracing
        .shutdown()
        .catch((error: unknown) => logger.warn({ err: error }, "flushing traces failed"));
      logger.info({ stage }, "service stopped");
    })();
    return closing;
  };
  logger.info({ stage, healthPort: health.port }, "service started");
  return { healthPort: health.port, worker, logger, close };
}

/**
 * Closes the service on SIGTERM or SIGINT and exits; a second signal exits at once. An uncaught
 * exception or unhandled rejection logs and exits non-zero, so the orchestrator restarts the process.
 */
export function runUntilSignal(service: { close(): Promise<void>; logger: Logger }): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      service.logger.warn({ signal }, "second signal, exiting without draining");
      process.exit(1);
    }
    signalled = true;
    service.logger.info({ signal }, "shutdown requested");
    service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        service.logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  const onFatal = (error: unknown) => {
    service.logger.fatal({ err: error }, "uncaught error, exiting");
    process.exit(1);
  };
  process.on("uncaughtException", onFatal);
  process.on("unhandledRejection", onFatal);
}

/** Logs a start-up failure (such as invalid configuration) on stderr and exits with status 1. */
export function exitOnStartFailure(service: string, error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`${service}: failed to start: ${message}\n`);
  process.exit(1);
}

import type { AddressInfo } from "node:net";
import { createLlmClient } from "@ampledata/llm";
import {
  connectNats,
  createLogger,
  type Logger,
  openJobsBucket,
  provisionJetStream,
  startTracing,
} from "@ampledata/shared";
import { jetstream } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import type { FastifyInstance } from "fastify";
import { Admission } from "./admission/admission.ts";
import type { GatewayConfig } from "./config.ts";
import { migrateDatabase } from "./db/migrate.ts";
import { createPool, type Pool } from "./db/pool.ts";
import { buildApp } from "./http/app.ts";
import { SpecBucket } from "./jobs/spec-bucket.ts";
import { createGatewayMetrics } from "./metrics.ts";
import { StateWriter } from "./state/state-writer.ts";

export interface StartGatewayOptions {
  /** Log destination, for tests that read or silence the lines; stdout when absent. */
  logDestination?: NodeJS.WritableStream;
}

export interface RunningGateway {
  /** Base URL of the HTTP API, such as http://127.0.0.1:8080. */
  url: string;
  port: number;
  logger: Logger;
  /** Stops taking requests, ends event streams, stops admission, applies the events already received, then disconnects. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts the gateway: tracing, logger, NATS, JetStream provisioning, Postgres and its migrations,
 * the HTTP server, the state writer and admission. The caller must close the result, and main.ts
 * does so on SIGTERM and SIGINT.
 */
export async function startGateway(
  config: GatewayConfig,
  options: StartGatewayOptions = {},
): Promise<RunningGateway> {
  const tracing = startTracing("ampledata-gateway", config.OTEL_EXPORTER_OTLP_ENDPOINT);
  const logger = createLogger("ampledata-gateway", config.LOG_LEVEL, options.logDestination);
  logger.info({ host: config.GATEWAY_HOST, port: config.GATEWAY_PORT }, "gateway starting");

  let connection: NatsConnection | undefined;
  let pool: Pool | undefined;
  try {
    connection = await connectNats(config.NATS_URL, "ampledata-gateway", logger);
    await provisionJetStream(connection, logger, {
      maxDeliver: config.MAX_DELIVER,
      ackWaitMs: config.ACK_WAIT_MS,
      maxAckPending: 1000,
    });
    try {
      await migrateDatabase(config.DATABASE_URL, logger);
    } catch (error) {
      const where = config.DATABASE_URL.replace(/:[^:@/]*@/, ":***@");
      throw new Error(
        `cannot migrate the PostgreSQL database at ${where} (${(error as Error).message}); check that it runs and that DATABASE_URL is right`,
        { cause: error },
      );
    }
    pool = createPool(config.DATABASE_URL, config.DATABASE_POOL_SIZE, logger);
    await pool.query("select 1");
    return await startComponents(config, { logger, connection, pool, tracing });
  } catch (error) {
    await connection?.close().catch(() => undefined);
    await pool?.end().catch(() => undefined);
    await tracing.shutdown().catch(() => undefined);
    logger.error({ err: error }, "gateway failed to start");
    throw error;
  }
}

/** Closes the HTTP server, waiting up to `graceMs` for running requests (such as uploads) before cutting them off. */
async function closeHttp(app: FastifyInstance, graceMs: number, logger: Logger): Promise<void> {
  const closed = app
    .close()
    .catch((error: unknown) => logger.warn({ err: error }, "closing the HTTP server failed"));
  const timer = setTimeout(() => {
    logger.warn({ graceMs }, "requests still running after the grace period, closing their connections");
    app.server.closeAllConnections();
  }, graceMs);
  await closed;
  clearTimeout(timer);
}

async function startComponents(
  config: GatewayConfig,
  opened: {
    logger: Logger;
    connection: NatsConnection;
    pool: Pool;
    tracing: { shutdown(): Promise<void> };
  },
): Promise<RunningGateway> {
  const { logger, connection, pool, tracing } = opened;
  const js = jetstream(connection);
  const metrics = createGatewayMetrics(pool, logger);
  const specs = new SpecBucket(await openJobsBucket(connection), pool, logger);
  const shutdown = new AbortController();
  const llm = createLlmClient(config.llm, { logger });
  if (config.llm !== undefined) {
    logger.info(
      { model: config.llm.model, host: new URL(config.llm.baseUrl).host },
      "language model enabled for query patterns",
    );
  }
  const admission = new Admission({
    pool,
    js,
    specs,
    logger,
    metrics,
    windowRows: config.JOB_WINDOW_ROWS,
    maxInFlightRows: config.MAX_IN_FLIGHT_ROWS,
    tickMs: config.ADMISSION_TICK_MS,
  });
  const stateWriter = new StateWriter({
    js,
    pool,
    specs,
    logger,
    metrics,
    batchSize: config.EVENT_BATCH_SIZE,
    batchWaitMs: config.EVENT_BATCH_WAIT_MS,
    onCommitted: (result) => {
      if (result.finishedRows > 0) {
        admission.request();
      }
    },
  });

  const app = await buildApp({
    config,
    pool,
    specs,
    logger,
    metrics,
    requestAdmission: () => admission.request(),
    isReady: async () => {
      if (!stateWriter.ready || connection.isClosed() || shutdown.signal.aborted) {
        return false;
      }
      try {
        await pool.query("select 1");
        return true;
      } catch (error) {
        logger.warn({ err: error }, "readiness check failed: Postgres did not respond");
        return false;
      }
    },
    shutdownSignal: shutdown.signal,
    llm,
  });
  await app.listen({ host: config.GATEWAY_HOST, port: config.GATEWAY_PORT });
  await stateWriter.start();
  admission.start();

  const port = (app.server.address() as AddressInfo).port;
  const host =
    config.GATEWAY_HOST === "0.0.0.0" || config.GATEWAY_HOST === "::" ? "127.0.0.1" : config.GATEWAY_HOST;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      logger.info("gateway stopping");
      shutdown.abort();
      await closeHttp(app, config.SHUTDOWN_GRACE_MS, logger);
      await admission.stop();
      await stateWriter.stop();
      await llm
        ?.close()
        .catch((error: unknown) => logger.warn({ err: error }, "closing the language model client failed"));
      await connection.drain().catch((error: unknown) => logger.warn({ err: error }, "draining NATS failed"));
      await pool
        .end()
        .catch((error: unknown) => logger.warn({ err: error }, "closing the Postgres pool failed"));
      await tracing
        .shutdown()
        .catch((error: unknown) => logger.warn({ err: error }, "flushing traces failed"));
      logger.info("gateway stopped");
    })();
    return closing;
  };
  logger.info({ url, port }, "gateway started");
  return { url, port, logger, close };
}

import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import type { Logger } from "pino";

/**
 * Connects with the settings every service needs: unlimited reconnect attempts (the client's
 * default of 10 gives up after about 20-30 s of server downtime) and no async stack traces (the
 * client otherwise builds an Error on every publish, a large share of its CPU).
 */
export async function connectNats(url: string, name: string, logger: Logger): Promise<NatsConnection> {
  let connection: NatsConnection;
  try {
    connection = await connect({
      servers: url,
      name,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1000,
      noAsyncTraces: true,
    });
  } catch (error) {
    throw new Error(
      `cannot connect to NATS at ${url} (${(error as Error).message}); start nats-server with -js or fix NATS_URL`,
      { cause: error },
    );
  }
  logger.info({ server: connection.getServer(), name }, "connected to NATS");
  void (async () => {
    for await (const status of connection.status()) {
      if (status.type === "disconnect" || status.type === "error") {
        logger.warn(
          { status: status.type, server: "server" in status ? status.server : undefined },
          "NATS connection problem",
        );
      } else if (status.type === "reconnect") {
        logger.info({ server: status.server }, "reconnected to NATS");
      }
    }
  })();
  return connection;
}

import type { Logger } from "@ampledata/shared";
import pg from "pg";

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

/**
 * Creates the Postgres pool. An error on an idle client (the server restarted, a network cut) is
 * logged instead of crashing the process, and the pool replaces the client on the next checkout.
 */
export function createPool(databaseUrl: string, size: number, logger: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: size,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: "ampledata-gateway",
  });
  pool.on("error", (error) => logger.error({ err: error }, "idle Postgres connection failed"));
  return pool;
}

/** Runs `work` in one transaction: commits when it resolves, rolls back and rethrows when it throws. */
export async function withTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("begin");
    const result = await work(client);
    await client.query("commit");
    return result;
  } catch (error) {
    await client.query("rollback").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

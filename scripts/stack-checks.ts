import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import pg from "pg";

/** Returns undefined when NATS responds at `url` with JetStream enabled, else what is wrong. */
export async function checkNats(url: string): Promise<string | undefined> {
  let connection: Awaited<ReturnType<typeof connect>> | undefined;
  try {
    connection = await connect({ servers: url, reconnect: false, timeout: 1000 });
  } catch (error) {
    return `no response (${(error as Error).message})`;
  }
  try {
    const jsm = await jetstreamManager(connection, { timeout: 1000 });
    await jsm.getAccountInfo();
    return undefined;
  } catch (error) {
    return `JetStream is not enabled (${(error as Error).message}); start nats-server with -js`;
  } finally {
    await connection.close();
  }
}

/** Returns undefined when the PostgreSQL server of `url` responds (on its `postgres` database), else what is wrong. */
export async function checkDatabase(url: string): Promise<string | undefined> {
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("select 1");
    return undefined;
  } catch (error) {
    return `no response (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Creates the database named in `url` when it does not exist yet. */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new Error(
      `database name ${JSON.stringify(name)} in DATABASE_URL must be letters, digits and underscores`,
    );
  }
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    const existing = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (existing.rowCount === 0) {
      await client.query(`create database "${name}"`);
      console.log(`stack: created database ${name}`);
    }
  } finally {
    await client.end();
  }
}

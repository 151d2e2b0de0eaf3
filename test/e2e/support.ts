import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RowEvent, rowEventSchema, STREAMS, SUBJECTS } from "@ampledata/shared";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import pg from "pg";

const ADMIN_URL =
  process.env.AMPLEDATA_TEST_DATABASE_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Creates a database of its own for a test file on the local PostgreSQL; `drop()` removes it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `ampledata_e2e_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

export function writeTempFile(name: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), "ampledata-e2e-"));
  const file = join(dir, name);
  writeFileSync(file, content);
  return file;
}

/** Reads every row event stored in the EVENTS stream of the NATS server at `url`. */
export async function readRowEvents(url: string): Promise<RowEvent[]> {
  const connection = await connect({ servers: url });
  try {
    const js = jetstream(connection);
    const consumer = await js.consumers.get(STREAMS.events, { filter_subjects: SUBJECTS.rowEventsAll });
    const events: RowEvent[] = [];
    const messages = await consumer.fetch({ max_messages: 100_000, expires: 2000 });
    for await (const message of messages) {
      events.push(rowEventSchema.parse(message.json()));
      if (message.info.pending === 0) {
        break;
      }
    }
    return events;
  } finally {
    await connection.close();
  }
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

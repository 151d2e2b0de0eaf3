import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import {
  type Cell,
  decodeMessage,
  encodeMessage,
  type JobSpec,
  jobSpecSchema,
  MESSAGE_VERSION,
  messageId,
  openJobsBucket,
  publishReliably,
  type RowEvent,
  type RowWork,
  rowEventSchema,
  rowWorkSchema,
  STREAMS,
  SUBJECTS,
} from "@ampledata/shared";
import { startTestNatsServer, type TestNatsServer } from "@ampledata/shared/testing";
import { type ConsumerMessages, type JetStreamClient, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import pg from "pg";
import { type GatewayConfig, loadGatewayConfig, type RunningGateway, startGateway } from "../src/index.ts";

/** A parsed JSON response body. Tests check its fields with assertions, so it is typed loosely. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by assertions, not by types
export type Json = any;

const ADMIN_URL = process.env.AMPLEDATA_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** Creates a database of its own for one test file; `drop()` removes it. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `ampledata_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Collects log lines in memory, so tests stay quiet and can read what the gateway logged. */
export class LogCapture extends Writable {
  readonly lines: Record<string, unknown>[] = [];

  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    for (const line of chunk.toString().split("\n")) {
      if (line.trim() !== "") {
        this.lines.push(JSON.parse(line) as Record<string, unknown>);
      }
    }
    callback();
  }
}

export interface TestStack {
  gateway: RunningGateway;
  config: GatewayConfig;
  url: string;
  nats: TestNatsServer;
  connection: NatsConnection;
  js: JetStreamClient;
  bucket: KV;
  /** A pool of the test's own, for assertions on Postgres. */
  db: pg.Pool;
  logs: LogCapture;
  close(): Promise<void>;
}

/** Starts a private nats-server, a fresh database and the gateway on a free loopback port. */
export async function startTestStack(env: Record<string, string> = {}): Promise<TestStack> {
  const nats = await startTestNatsServer();
  const database = await createTestDatabase();
  const config = loadGatewayConfig({
    NATS_URL: nats.url,
    DATABASE_URL: database.url,
    GATEWAY_HOST: "127.0.0.1",
    GATEWAY_PORT: "0",
    LOG_LEVEL: "info",
    ADMISSION_TICK_MS: "200",
    EVENT_BATCH_WAIT_MS: "20",
    PROGRESS_INTERVAL_MS: "100",
    ...env,
  });
  const logs = new LogCapture();
  const gateway = await startGateway(config, { logDestination: logs });
  const connection = await connect({ servers: nats.url, noAsyncTraces: true });
  const db = new pg.Pool({ connectionString: database.url, max: 3 });
  db.on("error", () => undefined); // idle clients end when the database is dropped
  return {
    gateway,
    config,
    url: gateway.url,
    nats,
    connection,
    js: jetstream(connection),
    bucket: await openJobsBucket(connection),
    db,
    logs,
    close: async () => {
      await gateway.close();
      await connection.drain();
      await db.end();
      await database.drop();
      await nats.stop();
    },
  };
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${url}/v1/jobs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/** Posts a multipart job: `file` is the CSV content, and each field is sent as a form field. */
export async function postCsv(
  url: string,
  file: string | Uint8Array | undefined,
  fields: Record<string, string>,
  fileName = "input.csv",
): Promise<{ status: number; body: Json }> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    form.append(name, value);
  }
  if (file !== undefined) {
    form.append("file", new Blob([file], { type: "text/csv" }), fileName);
  }
  const response = await fetch(`${url}/v1/jobs`, { method: "POST", body: form });
  return { status: response.status, body: await response.json() };
}

export async function getJson(url: string, path: string): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${url}${path}`);
  return { status: response.status, body: await response.json() };
}

/** Messages stored on pipeline.serp now (admitted rows no stage has taken). */
export async function pipelineMessages(stack: TestStack): Promise<number> {
  const jsm = await jetstreamManager(stack.connection);
  const info = await jsm.streams.info(STREAMS.pipeline);
  return info.state.messages;
}

export async function countJobs(db: pg.Pool): Promise<{ jobs: number; rows: number }> {
  const jobs = await db.query("select count(*)::integer as n from jobs");
  const rows = await db.query("select count(*)::integer as n from rows");
  return { jobs: jobs.rows[0].n, rows: rows.rows[0].n };
}

export async function kvKeys(bucket: KV): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of await bucket.keys()) {
    keys.push(key);
  }
  return keys;
}

export async function kvSpec(bucket: KV, jobId: string): Promise<JobSpec | undefined> {
  const entry = await bucket.get(jobId);
  return entry?.operation === "PUT" ? decodeMessage(jobSpecSchema, entry.value, "job spec") : undefined;
}

/** Polls `check` every 25 ms until it returns true, failing after `timeoutMs` with `what`. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export function foundCell(value: Cell["value"], source = "http://127.0.0.1/page"): Cell {
  return {
    value,
    outcome: "found",
    confidence: 0.9,
    reason: "stated on the page",
    sources: [source],
    evidence: `the value is ${String(value)}`,
  };
}

/** Publishes a row event with its own message id, so JetStream's de-duplication does not hide a repeat. */
export async function publishEvent(
  js: JetStreamClient,
  event: Partial<RowEvent> & Pick<RowEvent, "jobId" | "rowIndex" | "stage">,
  id = `${event.jobId}:${event.rowIndex}:${event.stage}:${randomBytes(4).toString("hex")}`,
): Promise<void> {
  const full: RowEvent = {
    v: MESSAGE_VERSION,
    at: Date.now(),
    attempt: 1,
    admission: 1,
    round: 0,
    error: null,
    ...event,
  };
  await publishReliably(js, SUBJECTS.rowEvents("extract"), encodeMessage(rowEventSchema, full, "row event"), {
    messageId: id,
  });
}

/**
 * A stand-in for the stage services: consumes pipeline.serp through the durable `serp` consumer
 * and, for each row, publishes a COMPLETED event whose cells fill every wanted column with
 * `<column> of <key values>`. `onWork` is called with each message first, in delivery order.
 */
export class FakeStages {
  readonly received: RowWork[] = [];
  #messages: ConsumerMessages | undefined;
  #loop: Promise<void> | undefined;
  #paused = false;
  readonly #js: JetStreamClient;
  readonly #onWork: ((work: RowWork) => void) | undefined;

  constructor(js: JetStreamClient, onWork?: (work: RowWork) => void) {
    this.#js = js;
    this.#onWork = onWork;
  }

  async start(): Promise<void> {
    const consumer = await this.#js.consumers.get(STREAMS.pipeline, "serp");
    this.#messages = await consumer.consume({ max_messages: 20 });
    this.#loop = (async () => {
      for await (const message of this.#messages!) {
        while (this.#paused) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        const work = decodeMessage(rowWorkSchema, message.data, "serp");
        this.received.push(work);
        this.#onWork?.(work);
        const key = Object.values(work.key).join(" ");
        const cells = Object.fromEntries(work.wanted.map((name) => [name, foundCell(`${name} of ${key}`)]));
        await publishEvent(
          this.#js,
          {
            jobId: work.jobId,
            rowIndex: work.rowIndex,
            stage: "COMPLETED",
            admission: work.admission,
            cells,
          },
          messageId(work.jobId, work.rowIndex, "event-completed", work.admission, 0),
        );
        message.ack();
      }
    })();
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
  }

  async stop(): Promise<void> {
    this.#paused = false;
    await this.#messages?.close();
    await this.#loop;
  }
}

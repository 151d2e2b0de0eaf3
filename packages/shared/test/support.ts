import { type JetStreamClient, jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { pino } from "pino";
import {
  CONSUMERS,
  createMetrics,
  type DeadLetter,
  deadLetterSchema,
  encodeMessage,
  JobDirectory,
  type JobSpec,
  jobSpecSchema,
  MESSAGE_VERSION,
  messageId,
  openJobsBucket,
  provisionJetStream,
  publishReliably,
  type RowEvent,
  type RowWork,
  rowEventSchema,
  rowWorkSchema,
  STREAMS,
  type Stage,
  type StageHandler,
  StageWorker,
  SUBJECTS,
} from "../src/index.ts";

export const silentLogger = pino({ level: "silent" });

export interface Harness {
  connection: NatsConnection;
  js: JetStreamClient;
  jobs: JobDirectory;
  close(): Promise<void>;
}

export const TEST_CONSUMER_SETTINGS = { maxDeliver: 3, ackWaitMs: 2000, maxAckPending: 1000 };

export async function openHarness(url: string): Promise<Harness> {
  const connection = await connect({ servers: url, noAsyncTraces: true });
  await provisionJetStream(connection, silentLogger, TEST_CONSUMER_SETTINGS);
  const jobs = new JobDirectory(await openJobsBucket(connection), silentLogger);
  await jobs.start();
  return {
    connection,
    js: jetstream(connection),
    jobs,
    close: async () => {
      jobs.stop();
      await connection.drain();
    },
  };
}

export function jobSpec(jobId: string, status: JobSpec["status"] = "RUNNING"): JobSpec {
  return {
    v: MESSAGE_VERSION,
    jobId,
    status,
    keyColumns: ["title"],
    columns: [{ name: "publisher", type: "string", mode: "enrich" }],
    queryPatterns: ["%key publisher"],
    maxUrls: 3,
    maxRounds: 1,
  };
}

export async function putJob(connection: NatsConnection, spec: JobSpec): Promise<void> {
  const bucket = await openJobsBucket(connection);
  await bucket.put(spec.jobId, encodeMessage(jobSpecSchema, spec, "job spec"));
}

export function rowWork(jobId: string, rowIndex: number): RowWork {
  return {
    v: MESSAGE_VERSION,
    jobId,
    rowIndex,
    key: { title: `Book ${rowIndex}` },
    input: { title: `Book ${rowIndex}` },
    admission: 1,
    round: 0,
    wanted: ["publisher"],
    cells: {},
  };
}

export async function publishWork(
  js: JetStreamClient,
  stage: Stage,
  work: RowWork,
  id?: string,
): Promise<void> {
  await publishReliably(js, SUBJECTS.work(stage), encodeMessage(rowWorkSchema, work, stage), {
    messageId: id ?? messageId(work.jobId, work.rowIndex, stage, work.admission, work.round),
  });
}

export function startWorker(
  harness: Harness,
  stage: Stage,
  handler: StageHandler,
  concurrency = 4,
): StageWorker {
  return new StageWorker({
    stage,
    connection: harness.connection,
    jobs: harness.jobs,
    handler,
    concurrency,
    logger: silentLogger,
    metrics: createMetrics(`test-${stage}`),
    maxDeliver: TEST_CONSUMER_SETTINGS.maxDeliver,
    ackWaitMs: TEST_CONSUMER_SETTINGS.ackWaitMs,
    retryBaseDelayMs: 100,
    retryMaxDelayMs: 400,
  });
}

/** Reads every message stored on `subject` of `stream` right now, through an ordered consumer. */
export async function readStream(
  js: JetStreamClient,
  stream: string,
  subject: string,
): Promise<Uint8Array[]> {
  const consumer = await js.consumers.get(stream, { filter_subjects: subject });
  const out: Uint8Array[] = [];
  const messages = await consumer.fetch({ max_messages: 10_000, expires: 1000 });
  for await (const message of messages) {
    out.push(message.data);
    if (message.info.pending === 0) {
      break;
    }
  }
  return out;
}

export async function rowEvents(js: JetStreamClient): Promise<RowEvent[]> {
  const raw = await readStream(js, STREAMS.events, SUBJECTS.rowEventsAll);
  return raw.map((data) => rowEventSchema.parse(JSON.parse(new TextDecoder().decode(data))));
}

export async function deadLetters(js: JetStreamClient): Promise<DeadLetter[]> {
  const raw = await readStream(js, STREAMS.deadLetters, SUBJECTS.deadLettersAll);
  return raw.map((data) => deadLetterSchema.parse(JSON.parse(new TextDecoder().decode(data))));
}

/** Messages stored on `subject` of `stream` right now; works on work-queue streams, which reject ordered consumers. */
export async function countMessages(
  connection: NatsConnection,
  stream: string,
  subject: string,
): Promise<number> {
  const jsm = await jetstreamManager(connection);
  const info = await jsm.streams.info(stream, { subjects_filter: subject });
  return info.state.subjects?.[subject] ?? 0;
}

/** Unacknowledged and undelivered counts of a stage consumer. */
export async function consumerBacklog(connection: NatsConnection, stage: Stage) {
  const jsm = await jetstreamManager(connection);
  const info = await jsm.consumers.info(STREAMS.pipeline, CONSUMERS.stage(stage));
  return { pending: info.num_pending, ackPending: info.num_ack_pending, redelivered: info.num_redelivered };
}

/** Polls `check` every 50 ms until it returns true, failing after `timeoutMs` with `what`. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

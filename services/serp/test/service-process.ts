// Runs a stage service's real entry point in a child process against a private nats-server, for
// the process-level tests of all four stage services.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import {
  CONSUMERS,
  createLogger,
  decodeMessage,
  encodeMessage,
  type JobSpec,
  jobSpecSchema,
  messageId,
  openJobsBucket,
  provisionJetStream,
  publishReliably,
  type RowEvent,
  type RowStage,
  type RowWork,
  rowEventSchema,
  rowWorkSchema,
  STREAMS,
  type Stage,
  SUBJECTS,
} from "@ampledata/shared";
import { freePort } from "@ampledata/shared/testing";
import { type JetStreamClient, jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";

const servicesDir = fileURLToPath(new URL("../../", import.meta.url));

export interface ServiceProcess {
  child: ChildProcess;
  /** Everything the process wrote on stdout and stderr so far. */
  output(): string;
  stop(): Promise<void>;
}

/** Starts `services/<stage>/src/main.ts` and waits until its /readyz responds with 200. */
export async function startServiceProcess(
  stage: Stage,
  env: Record<string, string>,
): Promise<ServiceProcess> {
  const httpPort = await freePort();
  const child = spawn(process.execPath, ["--conditions=development", `${servicesDir}${stage}/src/main.ts`], {
    env: {
      ...process.env,
      HTTP_HOST: "127.0.0.1",
      HTTP_PORT: String(httpPort),
      SHUTDOWN_GRACE_MS: "2000",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`${stage} exited with status ${child.exitCode} while starting:\n${output}`);
    }
    const ready = await fetch(`http://127.0.0.1:${httpPort}/readyz`, {
      signal: AbortSignal.timeout(1000),
    }).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) {
      break;
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${stage} was not ready within 30 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, output: () => output, stop };
}

/** Runs a service that is expected to refuse to start; returns its exit status and stderr. */
export async function runFailedStart(
  stage: Stage,
  env: Record<string, string>,
): Promise<{ status: number | null; stderr: string }> {
  const child = spawn(process.execPath, ["--conditions=development", `${servicesDir}${stage}/src/main.ts`], {
    env: { ...process.env, NATS_URL: "nats://127.0.0.1:1", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  const [status] = (await once(child, "exit")) as [number | null];
  clearTimeout(timer);
  return { status, stderr };
}

export interface PipelineClient {
  connection: Awaited<ReturnType<typeof connect>>;
  js: JetStreamClient;
  putJob(spec: JobSpec): Promise<void>;
  publish(stage: Stage, work: RowWork): Promise<void>;
  /** Takes the next message waiting for `stage` from its durable consumer and acks it. */
  takeWork(stage: Stage, timeoutMs?: number): Promise<RowWork>;
  /** Waits for the first row event on `events.rows.<source>` of the given job (and stage, when given). */
  waitForEvent(
    source: Stage,
    jobId: string,
    options?: { stage?: RowStage; timeoutMs?: number },
  ): Promise<RowEvent>;
  /** Waits until `count` events of the job with the given row stage are on `events.rows.<source>`. */
  waitForEvents(
    source: Stage,
    jobId: string,
    stage: RowStage,
    count: number,
    timeoutMs?: number,
  ): Promise<RowEvent[]>;
  close(): Promise<void>;
}

/** Connects to the test server and creates the streams, consumers and jobs bucket as the services do. */
export async function openPipelineClient(url: string): Promise<PipelineClient> {
  const connection = await connect({ servers: url, noAsyncTraces: true });
  await provisionJetStream(connection, createLogger("test", "silent"));
  const js = jetstream(connection);
  const jobs = await openJobsBucket(connection);
  return {
    connection,
    js,
    putJob: async (spec) => {
      await jobs.put(spec.jobId, encodeMessage(jobSpecSchema, spec, "job spec"));
    },
    publish: async (stage, work) => {
      await publishReliably(js, SUBJECTS.work(stage), encodeMessage(rowWorkSchema, work, stage), {
        messageId: messageId(work.jobId, work.rowIndex, stage, work.admission, work.round),
      });
    },
    takeWork: async (stage, timeoutMs = 20_000) => {
      const consumer = await js.consumers.get(STREAMS.pipeline, CONSUMERS.stage(stage));
      const message = await consumer.next({ expires: timeoutMs });
      if (message === null) {
        throw new Error(`no message arrived on ${SUBJECTS.work(stage)} within ${timeoutMs} ms`);
      }
      message.ack();
      return decodeMessage(rowWorkSchema, message.data, stage);
    },
    waitForEvent: async (source, jobId, options = {}) => {
      const timeoutMs = options.timeoutMs ?? 20_000;
      const consumer = await js.consumers.get(STREAMS.events, {
        filter_subjects: SUBJECTS.rowEvents(source),
      });
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const message = await consumer.next({ expires: Math.max(1000, deadline - Date.now()) });
        if (message === null) {
          continue;
        }
        const event = decodeMessage(rowEventSchema, message.data, "row event");
        if (event.jobId === jobId && (options.stage === undefined || event.stage === options.stage)) {
          return event;
        }
      }
      throw new Error(
        `no ${options.stage ?? "row"} event of job ${jobId} arrived on ${SUBJECTS.rowEvents(source)} within ${timeoutMs} ms`,
      );
    },
    waitForEvents: async (source, jobId, stage, count, timeoutMs = 30_000) => {
      const consumer = await js.consumers.get(STREAMS.events, {
        filter_subjects: SUBJECTS.rowEvents(source),
      });
      const events: RowEvent[] = [];
      const deadline = Date.now() + timeoutMs;
      while (events.length < count && Date.now() < deadline) {
        const message = await consumer.next({ expires: Math.max(1000, deadline - Date.now()) });
        if (message === null) {
          continue;
        }
        const event = decodeMessage(rowEventSchema, message.data, "row event");
        if (event.jobId === jobId && event.stage === stage) {
          events.push(event);
        }
      }
      if (events.length < count) {
        throw new Error(
          `${events.length} of ${count} ${stage} events of job ${jobId} arrived on ${SUBJECTS.rowEvents(source)} within ${timeoutMs} ms`,
        );
      }
      return events;
    },
    close: async () => {
      await connection.drain();
    },
  };
}

import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { STREAMS } from "../src/index.ts";
import { startTestNatsServer, type TestNatsServer } from "../src/testing/index.ts";
import {
  consumerBacklog,
  type Harness,
  jobSpec,
  openHarness,
  publishWork,
  putJob,
  rowEvents,
  rowWork,
  startWorker,
  waitFor,
} from "./support.ts";

const workerScript = fileURLToPath(new URL("./fixtures/worker-process.ts", import.meta.url));
const provisionScript = fileURLToPath(new URL("./fixtures/provision-process.ts", import.meta.url));

interface Child {
  process: ChildProcess;
  lines: string[];
  stderr: () => string;
}

function spawnScript(script: string, env: Record<string, string>): Child {
  const child = spawn(process.execPath, ["--conditions=development", script], {
    env: { ...process.env, LOG_LEVEL: "silent", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let stderr = "";
  let partial = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    partial += chunk.toString();
    const parts = partial.split("\n");
    partial = parts.pop() ?? "";
    lines.push(...parts);
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return { process: child, lines, stderr: () => stderr };
}

let server: TestNatsServer;
let harness: Harness;
const children: ChildProcess[] = [];

beforeAll(async () => {
  server = await startTestNatsServer();
});

afterAll(async () => {
  await server.stop();
});

beforeEach(async () => {
  harness = await openHarness(server.url);
});

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await once(child, "exit");
    }
  }
  await harness.close();
});

function startWorkerProcess(env: Record<string, string>): Child {
  const child = spawnScript(workerScript, {
    NATS_URL: server.url,
    ACK_WAIT_MS: "2000",
    MAX_DELIVER: "3",
    SHUTDOWN_GRACE_MS: "10000",
    ...env,
  });
  children.push(child.process);
  return child;
}

describe("stage worker processes", () => {
  it("redelivers to another worker after a SIGKILL", async () => {
    const jobId = `killed-${Date.now()}`;
    await putJob(harness.connection, jobSpec(jobId));
    const doomed = startWorkerProcess({ HANDLER_DELAY_MS: "600000" });
    await waitFor("the worker to be ready", () => doomed.lines.some((line) => line.startsWith("ready")));
    await publishWork(harness.js, "crawl", rowWork(jobId, 0));
    await waitFor("the handler to start", () => doomed.lines.includes("started 0"));

    doomed.process.kill("SIGKILL");
    await once(doomed.process, "exit");

    const deliveries: number[] = [];
    const survivor = startWorker(harness, "crawl", async (_work, context) => {
      deliveries.push(context.deliveryCount);
      return { rowStage: "CRAWLED" };
    });
    await survivor.start();
    try {
      await waitFor("the redelivery", () => deliveries.length === 1, 10_000);
      expect(deliveries).toEqual([2]);
      await waitFor("the CRAWLED event", async () =>
        (await rowEvents(harness.js)).some((e) => e.jobId === jobId),
      );
    } finally {
      await survivor.stop(1000);
    }
  });

  it("loses no message when draining on SIGTERM", async () => {
    const jobId = `drained-${Date.now()}`;
    await putJob(harness.connection, jobSpec(jobId));
    const worker = startWorkerProcess({ HANDLER_DELAY_MS: "300" });
    await waitFor("the worker to be ready", () => worker.lines.some((line) => line.startsWith("ready")));
    const rows = 20;
    for (let row = 0; row < rows; row += 1) {
      await publishWork(harness.js, "crawl", rowWork(jobId, row));
    }
    await waitFor(
      "some rows to start",
      () => worker.lines.filter((line) => line.startsWith("started")).length >= 2,
    );

    worker.process.kill("SIGTERM");
    const [exitCode] = await once(worker.process, "exit");
    expect(exitCode).toBe(0);
    const startedInChild = worker.lines.filter((line) => line.startsWith("started")).length;
    const doneInChild = worker.lines.filter((line) => line.startsWith("done")).length;
    const rowsDoneInChild = new Set(
      worker.lines.filter((line) => line.startsWith("done")).map((line) => Number(line.split(" ")[1])),
    );
    // Every handler the drain let start also finished: nothing was cut off mid-way.
    expect(doneInChild).toBe(startedInChild);
    expect(doneInChild).toBeLessThan(rows);

    const finishedHere: number[] = [];
    const successor = startWorker(harness, "crawl", async (work) => {
      finishedHere.push(work.rowIndex);
      return { rowStage: "CRAWLED" };
    });
    await successor.start();
    try {
      await waitFor("every row's event", async () => {
        const events = (await rowEvents(harness.js)).filter((e) => e.jobId === jobId);
        return new Set(events.map((e) => e.rowIndex)).size === rows;
      });
      const events = (await rowEvents(harness.js)).filter((e) => e.jobId === jobId);
      expect(events.every((event) => event.stage === "CRAWLED")).toBe(true);
      // One event per row, and no row finished by the draining process was handled again. The
      // successor may see a released message twice (at-least-once), which the event id de-duplicates.
      expect(events).toHaveLength(rows);
      expect(finishedHere.filter((row) => rowsDoneInChild.has(row))).toEqual([]);
      expect(new Set([...finishedHere, ...rowsDoneInChild]).size).toBe(rows);
      await waitFor(
        "no unacked message",
        async () => (await consumerBacklog(harness.connection, "crawl")).ackPending === 0,
      );
    } finally {
      await successor.stop(1000);
    }
  });

  it("provisions the same layout from two processes at once", async () => {
    const jsm = await jetstreamManager(harness.connection);
    const before = await jsm.consumers.info(STREAMS.pipeline, "crawl");

    const first = spawnScript(provisionScript, { NATS_URL: server.url });
    const second = spawnScript(provisionScript, { NATS_URL: server.url });
    children.push(first.process, second.process);
    const [[firstCode], [secondCode]] = await Promise.all([
      once(first.process, "exit"),
      once(second.process, "exit"),
    ]);
    expect(firstCode, first.stderr()).toBe(0);
    expect(secondCode, second.stderr()).toBe(0);

    const streams = [];
    for await (const info of jsm.streams.list()) {
      streams.push(info.config.name);
    }
    expect(streams.sort()).toEqual(["DLQ", "EVENTS", "KV_jobs", "PIPELINE"]);
    const consumers = [];
    for await (const info of jsm.consumers.list(STREAMS.pipeline)) {
      consumers.push(info.name);
    }
    expect(consumers.sort()).toEqual(["crawl", "decision", "extract", "serp"]);
    const after = await jsm.consumers.info(STREAMS.pipeline, "crawl");
    expect(after.config.filter_subject).toBe(before.config.filter_subject);
    expect(after.config.durable_name).toBe("crawl");
  });

  it("stops at start when an environment variable is invalid", async () => {
    const child = startWorkerProcess({ MAX_DELIVER: "many" });
    const [exitCode] = await once(child.process, "exit");
    expect(exitCode).toBe(1);
    expect(child.stderr()).toContain("MAX_DELIVER: expected a whole number from 1 to 100");
    expect(child.stderr()).toContain('got "many"');
  });
});

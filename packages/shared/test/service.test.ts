import { PassThrough } from "node:stream";
import { jetstream } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  baseConfigShape,
  CONSUMERS,
  loadConfig,
  type RunningService,
  STREAMS,
  startStageService,
} from "../src/index.ts";
import { startTestNatsServer, type TestNatsServer } from "../src/testing/index.ts";
import { type Harness, jobSpec, openHarness, publishWork, putJob, rowWork, waitFor } from "./support.ts";

let server: TestNatsServer;
let harness: Harness;
let service: RunningService;
const logLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  server = await startTestNatsServer();
  harness = await openHarness(server.url);
  const destination = new PassThrough();
  destination.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n").filter(Boolean)) {
      logLines.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  service = await startStageService({
    stage: "serp",
    config: loadConfig(baseConfigShape, { NATS_URL: server.url, HTTP_HOST: "127.0.0.1", LOG_LEVEL: "debug" }),
    concurrency: 2,
    logDestination: destination,
    createHandler: async () => ({
      handler: async (work) => ({ rowStage: "SERP_FETCHED", next: { stage: "decision", work } }),
    }),
  });
});

afterAll(async () => {
  await service.close();
  await service.close();
  await harness.close();
  await server.stop();
});

describe("stage service", () => {
  it("serves health, readiness and metrics", async () => {
    const base = `http://127.0.0.1:${service.healthPort}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain("ampledata_messages_total");
    expect(metrics).toContain("process_cpu_seconds_total");
    expect((await fetch(`${base}/nothing`)).status).toBe(404);
  });

  it("carries the trace context to the next stage and into the logs", async () => {
    const jobId = `traced-${Date.now()}`;
    await putJob(harness.connection, jobSpec(jobId));
    await publishWork(harness.js, "serp", rowWork(jobId, 0));

    const consumer = await jetstream(harness.connection).consumers.get(
      STREAMS.pipeline,
      CONSUMERS.stage("decision"),
    );
    const message = await consumer.next({ expires: 5000 });
    expect(message).not.toBeNull();
    message!.ack();
    const traceparent = message!.headers?.get("traceparent") ?? "";
    expect(traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    expect(message!.headers?.get("Nats-Msg-Id")).toBe(`${jobId}:0:decision:1.0`);

    await waitFor("the handled log line", () =>
      logLines.some((line) => line.msg === "message handled" && line.jobId === jobId),
    );
    const handled = logLines.find((line) => line.msg === "message handled" && line.jobId === jobId)!;
    expect(handled.stage).toBe("serp");
    expect(handled.rowKey).toBe(0);
    expect(handled.traceId).toBe(traceparent.split("-")[1]);
    expect(typeof handled.durationMs).toBe("number");

    const metrics = await (await fetch(`http://127.0.0.1:${service.healthPort}/metrics`)).text();
    expect(metrics).toMatch(/ampledata_messages_total\{[^}]*stage="serp"[^}]*outcome="ok"[^}]*\} 1/);
  });
});

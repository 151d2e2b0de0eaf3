import { fileURLToPath } from "node:url";
import { type Sandbox, startSandbox } from "@ampledata/sandbox-web";
import { startTestNatsServer, type TestNatsServer } from "@ampledata/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bookJob, bookRow } from "./context.ts";
import {
  openPipelineClient,
  type PipelineClient,
  runFailedStart,
  type ServiceProcess,
  startServiceProcess,
} from "./service-process.ts";

const fixtureCorpus = fileURLToPath(new URL("../../../tools/sandbox-web/fixtures/books", import.meta.url));

let nats: TestNatsServer;
let sandbox: Sandbox;
let client: PipelineClient;
let service: ServiceProcess;

beforeAll(async () => {
  nats = await startTestNatsServer();
  sandbox = await startSandbox({
    corpora: [fixtureCorpus],
    host: "127.0.0.1",
    port: 0,
    apiKey: "sandbox-key",
  });
  client = await openPipelineClient(nats.url);
  service = await startServiceProcess("serp", {
    NATS_URL: nats.url,
    SERPER_BASE_URL: sandbox.url,
    SERPER_API_KEY: "sandbox-key",
    LOG_LEVEL: "info",
  });
});

afterAll(async () => {
  await service?.stop();
  await client?.close();
  await sandbox?.stop();
  await nats?.stop();
});

describe("serp service process", () => {
  it("searches the sandbox and forwards the row to decision", async () => {
    const job = bookJob({ jobId: "serp-process" });
    await client.putJob(job);
    await client.publish("serp", bookRow({ jobId: job.jobId }));

    const forwarded = await client.takeWork("decision");
    expect(forwarded.jobId).toBe(job.jobId);
    expect(forwarded.search?.provider).toBe("serper");
    expect(forwarded.search?.results[0]?.url).toBe("http://www.lanternpress.test/books/lighthouse-ledger");
    expect(sandbox.counters().byRoute.search).toBe(2);

    const event = await client.waitForEvent("serp", job.jobId);
    expect(event.stage).toBe("SERP_FETCHED");
    expect(event.usage).toEqual([{ provider: "serper", calls: 2, cached: 0, errors: 0 }]);
  });

  it("refuses to start with an invalid variable", async () => {
    const { status, stderr } = await runFailedStart("serp", { CONCURRENCY: "zero" });
    expect(status).toBe(1);
    expect(stderr).toContain("ampledata-serp: failed to start");
    expect(stderr).toContain("CONCURRENCY");
  });
});

import { fileURLToPath } from "node:url";
import { type Sandbox, startSandbox } from "@ampledata/sandbox-web";
import { startTestNatsServer, type TestNatsServer } from "@ampledata/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// The process harness is shared by the four stage services' tests and lives with serp's.
import {
  openPipelineClient,
  type PipelineClient,
  runFailedStart,
  type ServiceProcess,
  startServiceProcess,
} from "../../serp/test/service-process.ts";
import { crawlJob, crawlRow } from "./context.ts";

const fixtureCorpus = fileURLToPath(new URL("../../../tools/sandbox-web/fixtures/books", import.meta.url));

let nats: TestNatsServer;
let sandbox: Sandbox;
let client: PipelineClient;
let service: ServiceProcess;

beforeAll(async () => {
  nats = await startTestNatsServer();
  sandbox = await startSandbox({ corpora: [fixtureCorpus], host: "127.0.0.1", port: 0 });
  client = await openPipelineClient(nats.url);
  service = await startServiceProcess("crawl", {
    NATS_URL: nats.url,
    CRAWL_PROXY_URL: sandbox.url,
    CRAWL_ALLOW_HOSTS: "127.0.0.1",
    CRAWL_PER_HOST_DELAY_MS: "0",
  });
});

afterAll(async () => {
  await service?.stop();
  await client?.close();
  await sandbox?.stop();
  await nats?.stop();
});

describe("crawl service process", () => {
  it("crawls through the proxy and forwards pages to extract", async () => {
    const job = { ...crawlJob, jobId: "crawl-process" };
    await client.putJob(job);
    await client.publish("crawl", {
      ...crawlRow([
        "http://www.lanternpress.test/books/lighthouse-ledger",
        "http://www.lanternpress.test/books/missing",
      ]),
      jobId: job.jobId,
    });

    const forwarded = await client.takeWork("extract");
    expect(forwarded.pages?.map((page) => page.finalUrl)).toEqual([
      "http://www.lanternpress.test/books/lighthouse-ledger",
    ]);
    expect(forwarded.pages?.[0]?.labelValues).toContainEqual({
      label: "Publisher",
      value: "Saltmarsh Books",
    });
    expect(forwarded.pageFailures?.map((failure) => failure.outcome)).toEqual(["error"]);

    const event = await client.waitForEvent("crawl", job.jobId);
    expect(event.stage).toBe("CRAWLED");
    expect(event.usage?.[0]).toMatchObject({ provider: "http", calls: 2 });
    expect(event.usage?.[1]).toMatchObject({ provider: "robots", calls: 1 });
    expect(sandbox.counters().byRoute.robots).toBe(1);
  });

  it("refuses to start with a loopback proxy that is not allowlisted", async () => {
    const { status, stderr } = await runFailedStart("crawl", { CRAWL_PROXY_URL: sandbox.url });
    expect(status).toBe(1);
    expect(stderr).toContain("CRAWL_PROXY_URL");
    expect(stderr).toContain("CRAWL_ALLOW_HOSTS");
  });

  it("refuses to start with an invalid variable", async () => {
    const { status, stderr } = await runFailedStart("crawl", { CRAWL_PROXY_URL: "not a url" });
    expect(status).toBe(1);
    expect(stderr).toContain("ampledata-crawl: failed to start");
    expect(stderr).toContain("CRAWL_PROXY_URL");
  });
});

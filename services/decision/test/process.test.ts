import { MESSAGE_VERSION } from "@ampledata/shared";
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

let nats: TestNatsServer;
let client: PipelineClient;
let service: ServiceProcess;

beforeAll(async () => {
  nats = await startTestNatsServer();
  client = await openPipelineClient(nats.url);
  service = await startServiceProcess("decision", { NATS_URL: nats.url });
});

afterAll(async () => {
  await service?.stop();
  await client?.close();
  await nats?.stop();
});

describe("decision service process", () => {
  it("picks a page and forwards the row to crawl", async () => {
    const jobId = "decision-process";
    await client.putJob({
      v: MESSAGE_VERSION,
      jobId,
      status: "RUNNING",
      keyColumns: ["title"],
      columns: [{ name: "publisher", type: "string", mode: "enrich" }],
      queryPatterns: ["%key"],
      maxUrls: 2,
      maxRounds: 1,
    });
    await client.publish("decision", {
      v: MESSAGE_VERSION,
      jobId,
      rowIndex: 0,
      key: { title: "Glass Harbor" },
      input: { title: "Glass Harbor" },
      admission: 1,
      round: 0,
      wanted: ["publisher"],
      search: {
        provider: "serper",
        queries: ["Glass Harbor"],
        results: [
          {
            title: "Glass Harbor - Lantern Press",
            url: "http://www.lanternpress.test/books/glass-harbor",
            snippet: "A novel.",
            position: 1,
          },
        ],
      },
      cells: {},
    });

    const forwarded = await client.takeWork("crawl");
    expect(forwarded.decision?.missing).toEqual(["publisher"]);
    expect(forwarded.decision?.urls.map((entry) => entry.url)).toEqual([
      "http://www.lanternpress.test/books/glass-harbor",
    ]);

    const event = await client.waitForEvent("decision", jobId);
    expect(event.stage).toBe("DECISION_MADE");
  });

  it("refuses to start with an invalid variable", async () => {
    const { status, stderr } = await runFailedStart("decision", { DECISION_CONFIDENCE: "high" });
    expect(status).toBe(1);
    expect(stderr).toContain("ampledata-decision: failed to start");
    expect(stderr).toContain("DECISION_CONFIDENCE");
  });
});

import { MESSAGE_VERSION, type RowWork } from "@ampledata/shared";
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

const jobId = "extract-process";
const url = "http://www.lanternpress.test/books/lighthouse-ledger";

function work(round: number): RowWork {
  return {
    v: MESSAGE_VERSION,
    jobId,
    rowIndex: round,
    key: { title: "The Lighthouse Ledger" },
    input: { title: "The Lighthouse Ledger" },
    admission: 1,
    round,
    wanted: ["publisher", "isbn_13"],
    search: {
      provider: "serper",
      queries: ["The Lighthouse Ledger"],
      results: [{ title: "The Lighthouse Ledger", url, snippet: "", position: 1 }],
    },
    decision: { missing: ["publisher", "isbn_13"], urls: [{ url, reason: "test" }] },
    pages: [
      {
        url,
        finalUrl: url,
        status: 200,
        title: "The Lighthouse Ledger by Mara Quillfeather | Lantern Press",
        headings: ["The Lighthouse Ledger"],
        text: "The Lighthouse Ledger\nPublisher\nSaltmarsh Books",
        jsonLd: [],
        meta: {},
        labelValues: [{ label: "Publisher", value: "Saltmarsh Books" }],
        truncated: false,
      },
    ],
    pageFailures: [],
    cells: {},
  };
}

beforeAll(async () => {
  nats = await startTestNatsServer();
  client = await openPipelineClient(nats.url);
  await client.putJob({
    v: MESSAGE_VERSION,
    jobId,
    status: "RUNNING",
    keyColumns: ["title"],
    columns: [
      { name: "publisher", type: "string", mode: "enrich" },
      { name: "isbn_13", type: "string", mode: "enrich" },
    ],
    queryPatterns: ["%key"],
    maxUrls: 3,
    maxRounds: 2,
  });
  service = await startServiceProcess("extract", { NATS_URL: nats.url });
});

afterAll(async () => {
  await service?.stop();
  await client?.close();
  await nats?.stop();
});

describe("extract service process", () => {
  it("sends a row with a missing column back to serp", async () => {
    await client.publish("extract", work(0));
    const forwarded = await client.takeWork("serp");
    expect(forwarded.round).toBe(1);
    expect(forwarded.pages).toBeUndefined();
    expect(forwarded.cells.publisher?.value).toBe("Saltmarsh Books");

    const event = await client.waitForEvent("extract", jobId);
    expect(event.stage).toBe("ENRICHED");
    expect(event.cells?.publisher?.value).toBe("Saltmarsh Books");
  });

  it("completes the row on its last round", async () => {
    await client.publish("extract", work(1));
    const completed = await client.waitForEvent("extract", jobId, { stage: "COMPLETED" });
    expect(completed.cells?.publisher?.value).toBe("Saltmarsh Books");
    expect(completed.cells?.isbn_13?.outcome).toBe("not_found");
  });

  it("refuses to start with an invalid variable", async () => {
    const { status, stderr } = await runFailedStart("extract", { CONCURRENCY: "zero" });
    expect(status).toBe(1);
    expect(stderr).toContain("ampledata-extract: failed to start");
    expect(stderr).toContain("CONCURRENCY");
  });
});

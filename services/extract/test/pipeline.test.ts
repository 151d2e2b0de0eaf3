// All four stage services as separate processes, from serp to extract, over the sandbox web's
// fixture corpus: a row goes in on pipeline.serp and comes out as a COMPLETED event with cells.
import { fileURLToPath } from "node:url";
import { type Sandbox, startSandbox } from "@ampledata/sandbox-web";
import { MESSAGE_VERSION, type RowWork, type Stage } from "@ampledata/shared";
import { startTestNatsServer, type TestNatsServer } from "@ampledata/shared/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  openPipelineClient,
  type PipelineClient,
  type ServiceProcess,
  startServiceProcess,
} from "../../serp/test/service-process.ts";

const fixtureCorpus = fileURLToPath(new URL("../../../tools/sandbox-web/fixtures/books", import.meta.url));
const STAGES: Stage[] = ["serp", "decision", "crawl", "extract"];

let nats: TestNatsServer;
let sandbox: Sandbox;
let client: PipelineClient;
const services: ServiceProcess[] = [];

beforeAll(async () => {
  nats = await startTestNatsServer();
  sandbox = await startSandbox({
    corpora: [fixtureCorpus],
    host: "127.0.0.1",
    port: 0,
    apiKey: "sandbox-key",
  });
  client = await openPipelineClient(nats.url);
  const env: Record<Stage, Record<string, string>> = {
    serp: { SERPER_BASE_URL: sandbox.url, SERPER_API_KEY: "sandbox-key" },
    decision: {},
    crawl: { CRAWL_PROXY_URL: sandbox.url, CRAWL_ALLOW_HOSTS: "127.0.0.1", CRAWL_PER_HOST_DELAY_MS: "0" },
    extract: {},
  };
  const started = await Promise.all(
    STAGES.map((stage) => startServiceProcess(stage, { NATS_URL: nats.url, ...env[stage] })),
  );
  services.push(...started);
});

afterAll(async () => {
  await Promise.all(services.map((service) => service.stop()));
  await client?.close();
  await sandbox?.stop();
  await nats?.stop();
});

function row(jobId: string, rowIndex: number, title: string): RowWork {
  return {
    v: MESSAGE_VERSION,
    jobId,
    rowIndex,
    key: { title },
    input: { title },
    admission: 1,
    round: 0,
    wanted: ["publisher", "isbn_13", "publication_date"],
    cells: {},
  };
}

describe("stage services together", () => {
  it("enrich rows from the sandbox web", async () => {
    const jobId = "pipeline-books";
    await client.putJob({
      v: MESSAGE_VERSION,
      jobId,
      status: "RUNNING",
      keyColumns: ["title"],
      keyDescription: "book",
      columns: [
        { name: "publisher", type: "string", mode: "enrich" },
        { name: "isbn_13", type: "string", description: "ISBN-13", mode: "enrich" },
        { name: "publication_date", type: "date", mode: "enrich" },
      ],
      queryPatterns: ["%key"],
      maxUrls: 2,
      maxRounds: 1,
    });
    await client.publish("serp", row(jobId, 0, "The Lighthouse Ledger"));
    await client.publish("serp", row(jobId, 1, "A Cartographer’s Winter"));

    const events = await client.waitForEvents("extract", jobId, "COMPLETED", 2);
    const byRow = new Map(events.map((event) => [event.rowIndex, event.cells ?? {}]));

    expect(byRow.get(0)?.publisher?.value).toBe("Saltmarsh Books");
    expect(byRow.get(0)?.isbn_13?.value).toBe("9798204010017");
    expect(byRow.get(0)?.publication_date?.value).toBe("2019-03");
    expect(byRow.get(0)?.publisher?.sources).toContain(
      "http://www.lanternpress.test/books/lighthouse-ledger",
    );

    expect(byRow.get(1)?.publisher?.value).toBe("Northwind House");
    expect(byRow.get(1)?.isbn_13?.value).toBe("9798204010031");
    expect(byRow.get(1)?.publication_date?.value).toBe("2017-11");
  });
});

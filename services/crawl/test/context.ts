import { Writable } from "node:stream";
import {
  createLogger,
  type JobSpec,
  MESSAGE_VERSION,
  type RowWork,
  type StageContext,
} from "@ampledata/shared";

export function captureLogs(): { lines: Record<string, unknown>[]; stream: Writable } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  return { lines, stream };
}

export const crawlJob: JobSpec = {
  v: MESSAGE_VERSION,
  jobId: "job-crawl",
  status: "RUNNING",
  keyColumns: ["title"],
  columns: [
    { name: "publisher", type: "string", mode: "enrich" },
    { name: "publication_date", type: "date", mode: "enrich" },
  ],
  queryPatterns: ["%key"],
  maxUrls: 10,
  maxRounds: 1,
};

/** Builds a row on its way to crawl, with decision's chosen URLs. */
export function crawlRow(
  urls: string[],
  key: Record<string, string> = { title: "The Lighthouse Ledger" },
): RowWork {
  return {
    v: MESSAGE_VERSION,
    jobId: crawlJob.jobId,
    rowIndex: 1,
    key,
    input: { ...key },
    admission: 1,
    round: 0,
    wanted: ["publisher", "publication_date"],
    search: { provider: "serper", queries: [], results: [] },
    decision: {
      missing: ["publisher", "publication_date"],
      urls: urls.map((url) => ({ url, reason: "test" })),
    },
    cells: {},
  };
}

export function stageContext(
  logs = captureLogs(),
  signal: AbortSignal = new AbortController().signal,
): StageContext {
  return {
    job: crawlJob,
    signal,
    logger: createLogger("test-crawl", "debug", logs.stream),
    deliveryCount: 1,
    finalAttempt: false,
  };
}

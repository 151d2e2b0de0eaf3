import { Writable } from "node:stream";
import {
  createLogger,
  type JobSpec,
  MESSAGE_VERSION,
  type RowWork,
  type StageContext,
} from "@ampledata/shared";

export interface CapturedLogs {
  lines: Record<string, unknown>[];
  stream: Writable;
}

/** Creates a log destination that keeps every JSON line, for tests that check what was logged. */
export function captureLogs(): CapturedLogs {
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

export function bookJob(overrides: Partial<JobSpec> = {}): JobSpec {
  return {
    v: MESSAGE_VERSION,
    jobId: "job-serp",
    status: "RUNNING",
    keyColumns: ["title", "author"],
    keyDescription: "book",
    columns: [
      { name: "publisher", type: "string", mode: "enrich" },
      { name: "publication_date", type: "date", description: "first publication date", mode: "enrich" },
    ],
    queryPatterns: ["%key", "%key publisher"],
    maxUrls: 3,
    maxRounds: 2,
    ...overrides,
  };
}

export function bookRow(overrides: Partial<RowWork> = {}): RowWork {
  return {
    v: MESSAGE_VERSION,
    jobId: "job-serp",
    rowIndex: 0,
    key: { title: "The Lighthouse Ledger", author: "Mara Quillfeather" },
    input: { title: "The Lighthouse Ledger", author: "Mara Quillfeather" },
    admission: 1,
    round: 0,
    wanted: ["publisher", "publication_date"],
    cells: {},
    ...overrides,
  };
}

/** Builds a stage context as the stage worker does, with a log capture and an abortable signal. */
export function stageContext(
  job: JobSpec,
  options: { finalAttempt?: boolean; signal?: AbortSignal; logs?: CapturedLogs } = {},
): StageContext {
  const logs = options.logs ?? captureLogs();
  return {
    job,
    signal: options.signal ?? new AbortController().signal,
    logger: createLogger("test-serp", "debug", logs.stream),
    deliveryCount: options.finalAttempt ? 5 : 1,
    finalAttempt: options.finalAttempt ?? false,
  };
}

import { createWriteStream, existsSync, openAsBlob } from "node:fs";
import { extname, resolve } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ApiClient } from "./api-client.ts";
import type { CliColumn } from "./column-spec.ts";

/** The fields of a job view (GET /v1/jobs/:id) the command line reads. */
export interface JobView {
  id: string;
  name: string | null;
  status: "PENDING" | "RUNNING" | "CANCELLED" | "COMPLETED";
  rows: {
    total: number;
    counts: Record<string, number>;
    done: number;
    failed: number;
    cancelled: number;
    finished: number;
  };
  rows_per_second: number | null;
  eta_seconds: number | null;
  usage: Record<string, { calls: number; cached: number; errors: number }>;
  cost_usd: number | null;
  timings: {
    created_at: string;
    started_at: string | null;
    finished_at: string | null;
    elapsed_seconds: number | null;
  };
}

export interface SubmitOptions {
  keyColumns: string[];
  keyDescription?: string;
  columns: CliColumn[];
  rowLimit?: number;
  priority?: number;
  maxUrls?: number;
  maxRounds?: number;
}

export interface Submitted {
  id: string;
  row_count: number;
  query_patterns: string[];
}

export const EXPORT_FORMATS = ["jsonl", "csv"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

function settingsOf(options: SubmitOptions): Record<string, unknown> {
  return {
    key_columns: options.keyColumns,
    columns: options.columns,
    ...(options.keyDescription ? { key_description: options.keyDescription } : {}),
    ...(options.rowLimit !== undefined ? { row_limit: options.rowLimit } : {}),
    ...(options.priority !== undefined ? { priority: options.priority } : {}),
    ...(options.maxUrls !== undefined ? { max_urls: options.maxUrls } : {}),
    ...(options.maxRounds !== undefined ? { max_rounds: options.maxRounds } : {}),
  };
}

/**
 * Submits a table. A `.json` file (an array of row objects) goes as a JSON body. Anything else is
 * uploaded as CSV in a multipart form, settings first, so the gateway reads them before the rows.
 */
export async function submitJob(client: ApiClient, file: string, options: SubmitOptions): Promise<Submitted> {
  const settings = settingsOf(options);
  if (extname(file).toLowerCase() === ".json") {
    const { readFile } = await import("node:fs/promises");
    let rows: unknown;
    try {
      rows = JSON.parse(await readFile(file, "utf8"));
    } catch (error) {
      throw new Error(
        `cannot read ${file} as JSON (${(error as Error).message}); give an array of row objects`,
      );
    }
    return client.request<Submitted>("POST", "/v1/jobs", JSON.stringify({ ...settings, rows }), {
      "content-type": "application/json",
    });
  }
  const form = new FormData();
  form.set("spec", JSON.stringify(settings));
  const path = resolve(file);
  if (!existsSync(path)) {
    throw new Error(`file not found: ${path}`);
  }
  let blob: Blob;
  try {
    blob = await openAsBlob(path, { type: "text/csv" });
  } catch (error) {
    throw new Error(`cannot open ${path}: ${(error as Error).message}`);
  }
  form.set("file", blob, file.split("/").pop() ?? "input.csv");
  return client.request<Submitted>("POST", "/v1/jobs", form);
}

export function isFinished(job: JobView): boolean {
  return job.status === "COMPLETED" || job.status === "CANCELLED";
}

/** Polls the job every `intervalMs` and reports each snapshot until the job is finished or `signal` aborts. */
export async function watchJob(
  client: ApiClient,
  id: string,
  onProgress: (job: JobView) => void,
  options: { intervalMs?: number; signal?: AbortSignal } = {},
): Promise<JobView> {
  const intervalMs = options.intervalMs ?? 1000;
  for (;;) {
    const job = await client.request<JobView>("GET", `/v1/jobs/${encodeURIComponent(id)}`);
    onProgress(job);
    if (isFinished(job) || options.signal?.aborted) {
      return job;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export function exportFormatOf(path: string): ExportFormat {
  const extension = extname(path).toLowerCase().slice(1);
  if (extension === "jsonl" || extension === "csv") {
    return extension;
  }
  throw new Error(`cannot tell the export format of ${JSON.stringify(path)}: name the file .jsonl or .csv`);
}

/** Streams the job's results to `out` (a path), or to stdout when `out` is undefined. */
export async function downloadExport(
  client: ApiClient,
  id: string,
  format: ExportFormat,
  out?: string,
): Promise<void> {
  const response = await client.send("GET", `/v1/jobs/${encodeURIComponent(id)}/results.${format}`);
  if (!response.body) {
    throw new Error(`the gateway sent no body for the ${format} export of job ${id}`);
  }
  const source = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream);
  await pipeline(source, out ? createWriteStream(out) : process.stdout, { end: out !== undefined });
}

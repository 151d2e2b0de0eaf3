import { ROW_STAGES, type RowStage } from "@ampledata/shared";
import type { JobRecord } from "./job-store.ts";
import { type ProviderUsageView, usageView } from "./usage.ts";

/** A job as the HTTP API returns it (GET /v1/jobs/:id, list items, SSE progress snapshots). */
export interface JobView {
  id: string;
  name: string | null;
  status: JobRecord["status"];
  priority: number;
  key_columns: string[];
  key_description: string | null;
  columns: JobRecord["spec"]["columns"];
  query_patterns: string[];
  max_urls: number;
  max_rounds: number;
  row_limit: number | null;
  input_columns: string[];
  source_format: "csv" | "json";
  rows: {
    total: number;
    counts: Record<RowStage, number>;
    done: number;
    failed: number;
    cancelled: number;
    finished: number;
    in_progress: number;
  };
  /** Finished rows over all rows, 0 to 1. */
  progress: number;
  /** Finished rows per second since the job started; null before it starts. */
  rows_per_second: number | null;
  /** Seconds until every row is finished at the current rate; 0 once finished, null when unknown. */
  eta_seconds: number | null;
  usage: Record<string, ProviderUsageView>;
  cost_usd: number | null;
  timings: {
    created_at: string;
    started_at: string | null;
    finished_at: string | null;
    elapsed_seconds: number | null;
  };
}

/** Price of one provider call in US dollars, by provider name as reported in row events' usage. */
export type ProviderPrices = Readonly<Record<string, number>>;

/**
 * Sums calls times price over the providers that have a price. Cached answers cost nothing, and
 * tokens are not priced.
 * Returns null when no provider has a price, so "not priced" differs from "free".
 */
export function jobCostUsd(
  usage: Readonly<Record<string, { calls: number }>>,
  prices: ProviderPrices,
): number | null {
  if (Object.keys(prices).length === 0) {
    return null;
  }
  let total = 0;
  for (const [provider, counts] of Object.entries(usage)) {
    total += counts.calls * (prices[provider] ?? 0);
  }
  return Math.round(total * 1_000_000) / 1_000_000;
}

/** Converts a job to its API form, with counts, rate, ETA and cost computed at `now`. */
export function toJobView(job: JobRecord, now = new Date(), prices: ProviderPrices = {}): JobView {
  const counts = Object.fromEntries(ROW_STAGES.map((stage) => [stage, job.counts[stage] ?? 0])) as Record<
    RowStage,
    number
  >;
  const usage = usageView(job.usage);
  const done = counts.COMPLETED;
  const failed = counts.FAILED;
  const cancelled = counts.CANCELLED;
  const finished = done + failed + cancelled;

  const ended = job.status === "COMPLETED" || job.status === "CANCELLED";
  const elapsedMs =
    job.startedAt === null ? null : (job.finishedAt ?? now).getTime() - job.startedAt.getTime();
  const rate = elapsedMs === null || elapsedMs <= 0 ? null : finished / (elapsedMs / 1000);
  let eta: number | null = null;
  if (ended || finished === job.rowCount) {
    eta = 0;
  } else if (rate !== null && rate > 0) {
    eta = Math.round((job.rowCount - finished) / rate);
  }

  return {
    id: job.id,
    name: job.name,
    status: job.status,
    priority: job.priority,
    key_columns: job.spec.keyColumns,
    key_description: job.spec.keyDescription ?? null,
    columns: job.spec.columns,
    query_patterns: job.spec.queryPatterns,
    max_urls: job.spec.maxUrls,
    max_rounds: job.spec.maxRounds,
    row_limit: job.rowLimit,
    input_columns: job.inputColumns,
    source_format: job.sourceFormat,
    rows: {
      total: job.rowCount,
      counts,
      done,
      failed,
      cancelled,
      finished,
      in_progress: job.rowCount - finished,
    },
    progress: job.rowCount === 0 ? 1 : finished / job.rowCount,
    rows_per_second: rate === null ? null : Math.round(rate * 1000) / 1000,
    eta_seconds: eta,
    usage,
    cost_usd: jobCostUsd(usage, prices),
    timings: {
      created_at: job.createdAt.toISOString(),
      started_at: job.startedAt?.toISOString() ?? null,
      finished_at: job.finishedAt?.toISOString() ?? null,
      elapsed_seconds: elapsedMs === null ? null : Math.round(elapsedMs / 100) / 10,
    },
  };
}

import { createMetrics, JOB_STATUSES, type Logger, ROW_STAGES, type ServiceMetrics } from "@ampledata/shared";
import { Counter, Gauge, Histogram } from "prom-client";
import type { Pool } from "./db/pool.ts";
import { countJobsByStatus, countRowsByStage } from "./jobs/job-store.ts";

export const GATEWAY_METRIC_NAMES = {
  httpRequests: "ampledata_http_requests_total",
  httpDuration: "ampledata_http_request_duration_seconds",
  jobs: "ampledata_jobs",
  rows: "ampledata_rows",
  admittedRows: "ampledata_admitted_rows_total",
  admissionPasses: "ampledata_admission_passes_total",
  rowEvents: "ampledata_row_events_total",
  eventBatchDuration: "ampledata_event_batch_duration_seconds",
} as const;

export interface GatewayMetrics {
  service: ServiceMetrics;
  httpRequests: Counter<"method" | "route" | "status">;
  httpDuration: Histogram<"method" | "route">;
  admittedRows: Counter;
  admissionPasses: Counter<"outcome">;
  rowEvents: Counter<"result">;
  eventBatchDuration: Histogram<"outcome">;
}

/**
 * Creates the gateway's metrics on the shared service registry (process metrics included). The
 * job and row gauges are read from Postgres on each scrape; a failed read logs and keeps the last values.
 */
export function createGatewayMetrics(pool: Pool, logger: Logger): GatewayMetrics {
  const service = createMetrics("ampledata-gateway");
  const registers = [service.registry];
  new Gauge({
    name: GATEWAY_METRIC_NAMES.jobs,
    help: "Jobs by status, read from Postgres at scrape time",
    labelNames: ["status"],
    registers,
    async collect() {
      try {
        const counts = await countJobsByStatus(pool);
        for (const status of JOB_STATUSES) {
          this.set({ status }, counts[status] ?? 0);
        }
      } catch (error) {
        logger.warn({ err: error }, "reading job counts for metrics failed");
      }
    },
  });
  new Gauge({
    name: GATEWAY_METRIC_NAMES.rows,
    help: "Rows of all jobs by stage, read from Postgres at scrape time",
    labelNames: ["stage"],
    registers,
    async collect() {
      try {
        const counts = await countRowsByStage(pool);
        for (const stage of ROW_STAGES) {
          this.set({ stage }, counts[stage] ?? 0);
        }
      } catch (error) {
        logger.warn({ err: error }, "reading row counts for metrics failed");
      }
    },
  });
  return {
    service,
    httpRequests: new Counter({
      name: GATEWAY_METRIC_NAMES.httpRequests,
      help: "HTTP requests handled, by method, route pattern and status code",
      labelNames: ["method", "route", "status"],
      registers,
    }),
    httpDuration: new Histogram({
      name: GATEWAY_METRIC_NAMES.httpDuration,
      help: "HTTP request duration in seconds, by method and route pattern",
      labelNames: ["method", "route"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    admittedRows: new Counter({
      name: GATEWAY_METRIC_NAMES.admittedRows,
      help: "Rows published to pipeline.serp by admission",
      registers,
    }),
    admissionPasses: new Counter({
      name: GATEWAY_METRIC_NAMES.admissionPasses,
      help: "Admission passes, by outcome (admitted, idle, failed)",
      labelNames: ["outcome"],
      registers,
    }),
    rowEvents: new Counter({
      name: GATEWAY_METRIC_NAMES.rowEvents,
      help: "Row events read by the state writer, by result (applied, ignored, unknown_row, invalid)",
      labelNames: ["result"],
      registers,
    }),
    eventBatchDuration: new Histogram({
      name: GATEWAY_METRIC_NAMES.eventBatchDuration,
      help: "Time to apply one batch of row events to Postgres, in seconds, by outcome (committed, failed)",
      labelNames: ["outcome"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
  };
}

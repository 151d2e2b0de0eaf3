import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** Metric names, in one place so dashboards and code agree. */
export const METRIC_NAMES = {
  messages: "ampledata_messages_total",
  stageDuration: "ampledata_stage_duration_seconds",
  inFlight: "ampledata_in_flight_messages",
  retries: "ampledata_retries_total",
  deadLetters: "ampledata_dead_letters_total",
  consumerPending: "ampledata_consumer_pending_messages",
  consumerAckPending: "ampledata_consumer_ack_pending_messages",
  providerCalls: "ampledata_provider_calls_total",
  providerDuration: "ampledata_provider_call_duration_seconds",
  cacheLookups: "ampledata_cache_lookups_total",
} as const;

export interface ServiceMetrics {
  registry: Registry;
  messages: Counter<"stage" | "outcome">;
  stageDuration: Histogram<"stage" | "outcome">;
  inFlight: Gauge<"stage">;
  retries: Counter<"stage">;
  deadLetters: Counter<"stage">;
  consumerPending: Gauge<"consumer">;
  consumerAckPending: Gauge<"consumer">;
  providerCalls: Counter<"provider" | "outcome">;
  providerDuration: Histogram<"provider" | "outcome">;
  cacheLookups: Counter<"cache" | "result">;
}

/** Creates a registry of its own per service (no global default registry), with process metrics. */
export function createMetrics(service: string): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    messages: new Counter({
      name: METRIC_NAMES.messages,
      help: "Stage messages handled, by outcome (ok, retry, failed, cancelled, invalid, released)",
      labelNames: ["stage", "outcome"],
      registers,
    }),
    stageDuration: new Histogram({
      name: METRIC_NAMES.stageDuration,
      help: "Time a stage handler took, in seconds",
      labelNames: ["stage", "outcome"],
      buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    inFlight: new Gauge({
      name: METRIC_NAMES.inFlight,
      help: "Messages whose handler is running now",
      labelNames: ["stage"],
      registers,
    }),
    retries: new Counter({
      name: METRIC_NAMES.retries,
      help: "Messages handed back for redelivery after a transient failure",
      labelNames: ["stage"],
      registers,
    }),
    deadLetters: new Counter({
      name: METRIC_NAMES.deadLetters,
      help: "Messages copied to the DLQ stream after their final failure",
      labelNames: ["stage"],
      registers,
    }),
    consumerPending: new Gauge({
      name: METRIC_NAMES.consumerPending,
      help: "Messages waiting in the stream for this consumer (num_pending)",
      labelNames: ["consumer"],
      registers,
    }),
    consumerAckPending: new Gauge({
      name: METRIC_NAMES.consumerAckPending,
      help: "Messages delivered to this consumer and not yet acknowledged (num_ack_pending)",
      labelNames: ["consumer"],
      registers,
    }),
    providerCalls: new Counter({
      name: METRIC_NAMES.providerCalls,
      help: "External provider calls, by provider and outcome",
      labelNames: ["provider", "outcome"],
      registers,
    }),
    providerDuration: new Histogram({
      name: METRIC_NAMES.providerDuration,
      help: "External provider call latency, in seconds",
      labelNames: ["provider", "outcome"],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    cacheLookups: new Counter({
      name: METRIC_NAMES.cacheLookups,
      help: "Cache lookups, by cache and result (hit, miss)",
      labelNames: ["cache", "result"],
      registers,
    }),
  };
}

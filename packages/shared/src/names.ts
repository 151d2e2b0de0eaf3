/**
 * JetStream names shared by every service. They are what operators see in `nats stream ls`,
 * `nats consumer report PIPELINE` and `nats kv get jobs <id>`, so they change only with a migration.
 */

export const STAGES = ["serp", "decision", "crawl", "extract"] as const;
export type Stage = (typeof STAGES)[number];

export const STREAMS = {
  pipeline: "PIPELINE",
  events: "EVENTS",
  deadLetters: "DLQ",
} as const;

export const SUBJECTS = {
  pipelineAll: "pipeline.>",
  eventsAll: "events.>",
  rowEventsAll: "events.rows.>",
  deadLettersAll: "dlq.>",
  work: (stage: Stage) => `pipeline.${stage}`,
  rowEvents: (source: Stage | "gateway") => `events.rows.${source}`,
  deadLetter: (stage: Stage) => `dlq.${stage}`,
} as const;

/** Durable pull consumers: one per stage, shared by every replica of that stage. */
export const CONSUMERS = {
  stage: (stage: Stage) => stage,
  gatewayState: "gateway-state",
} as const;

export const KV_BUCKETS = {
  jobs: "jobs",
} as const;

export const HEADERS = {
  messageId: "Nats-Msg-Id",
  traceparent: "traceparent",
  tracestate: "tracestate",
  lastError: "Ampledata-Last-Error",
  sourceStage: "Ampledata-Stage",
} as const;

/**
 * `<job>:<row>:<stage>:<admission>.<round>`: the de-duplication id JetStream keys on within its
 * window. A re-published message of the same row, stage, admission and round is stored once.
 */
export function messageId(
  jobId: string,
  rowIndex: number,
  stage: string,
  admission: number,
  round: number,
): string {
  return `${jobId}:${rowIndex}:${stage}:${admission}.${round}`;
}

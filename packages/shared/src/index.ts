export type { BaseConfig } from "./config.ts";
export { baseConfigShape, booleanVar, intVar, LOG_LEVELS, loadConfig, urlVar } from "./config.ts";
export type { ErrorCode } from "./errors.ts";
export {
  AmpledataError,
  CancelledError,
  ConfigError,
  describeError,
  InvalidMessageError,
  isPermanent,
  PermanentError,
  parseRetryAfter,
  ThrottledError,
  TransientError,
} from "./errors.ts";
export type { Logger } from "./logger.ts";
export { createLogger } from "./logger.ts";
export type { Cell, CellOutcome, CellValue, ColumnSpec, ColumnType } from "./messages/cells.ts";
export {
  CELL_OUTCOMES,
  COLUMN_TYPES,
  cellSchema,
  columnModeSchema,
  columnSpecSchema,
  columnTypeSchema,
} from "./messages/cells.ts";
export { decodeMessage, describeIssues, encodeMessage } from "./messages/codec.ts";
export type { LabelValue, PageContent, PageFailure, SearchResult } from "./messages/pages.ts";
export {
  labelValueSchema,
  pageContentSchema,
  pageFailureSchema,
  searchResultSchema,
} from "./messages/pages.ts";
export type { Attempt, DeadLetter, JobSpec, JobStatus, RowEvent, RowStage, RowWork } from "./messages/row.ts";
export {
  attemptSchema,
  deadLetterSchema,
  JOB_STATUSES,
  jobSpecSchema,
  jobStatusSchema,
  MESSAGE_VERSION,
  ROW_STAGES,
  rowEventSchema,
  rowStageRank,
  rowStageSchema,
  rowWorkSchema,
  TERMINAL_ROW_STAGES,
} from "./messages/row.ts";
export type { Stage } from "./names.ts";
export { CONSUMERS, HEADERS, KV_BUCKETS, messageId, STAGES, STREAMS, SUBJECTS } from "./names.ts";
export { connectNats } from "./nats/connect.ts";
export { JobDirectory } from "./nats/job-watch.ts";
export type { KvJsonCacheOptions } from "./nats/kv-cache.ts";
export { cacheKey, KvJsonCache, MAX_ENTRY_BYTES } from "./nats/kv-cache.ts";
export { publishDeadLetter, publishRowEvent, redeliveryDelayMs } from "./nats/outcomes.ts";
export type { ConsumerSettings } from "./nats/provision.ts";
export {
  DEFAULT_CONSUMER_SETTINGS,
  gatewayConsumerConfig,
  openJobsBucket,
  provisionJetStream,
  STREAM_CONFIGS,
  stageConsumerConfig,
} from "./nats/provision.ts";
export type { PublishOptions } from "./nats/publish.ts";
export { publishReliably } from "./nats/publish.ts";
export { Semaphore } from "./nats/semaphore.ts";
export type { StageContext, StageHandler, StageResult, StageWorkerOptions } from "./nats/worker.ts";
export { StageWorker } from "./nats/worker.ts";
export type { ProviderCallOptions, ProviderUsage } from "./provider-call.ts";
export { callProvider } from "./provider-call.ts";
export type { RetryOptions, RetryPolicy } from "./retry.ts";
export { DEFAULT_RETRY_POLICY, isTransient, retryTransient } from "./retry.ts";
export type { RunningService, StageServiceDependencies, StageServiceOptions } from "./service.ts";
export { exitOnStartFailure, runUntilSignal, startStageService } from "./service.ts";
export type { HealthServer, HealthServerOptions } from "./telemetry/health-server.ts";
export { startHealthServer } from "./telemetry/health-server.ts";
export type { ServiceMetrics } from "./telemetry/metrics.ts";
export { createMetrics, METRIC_NAMES } from "./telemetry/metrics.ts";
export type { Tracing } from "./telemetry/tracing.ts";
export {
  extractTraceContext,
  getTracer,
  injectTraceContext,
  SPAN_ATTRIBUTES,
  SpanKind,
  startTracing,
  traceIdOf,
  withSpan,
} from "./telemetry/tracing.ts";

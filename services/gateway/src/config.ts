import { type LlmSettings, loadLlmSettings } from "@ampledata/llm";
import { baseConfigShape, intVar, loadConfig } from "@ampledata/shared";
import { z } from "zod";

const { NATS_URL, LOG_LEVEL, MAX_DELIVER, ACK_WAIT_MS, SHUTDOWN_GRACE_MS, OTEL_EXPORTER_OTLP_ENDPOINT } =
  baseConfigShape;

/**
 * Environment variables of the gateway. Each key is the variable name, so a config error names the
 * variable to fix. Defaults suit a development machine; services/gateway/.env.example lists them all.
 */
export const gatewayConfigShape = {
  NATS_URL,
  LOG_LEVEL,
  /** Delivery attempts of stage messages; the gateway provisions the consumers, so keep it equal to the stages'. */
  MAX_DELIVER,
  ACK_WAIT_MS,
  SHUTDOWN_GRACE_MS,
  OTEL_EXPORTER_OTLP_ENDPOINT,
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/, {
      message: "expected a PostgreSQL URL such as postgres://postgres@127.0.0.1:5432/ampledata",
    })
    .default("postgres://postgres@127.0.0.1:5432/ampledata"),
  /** Connections in the gateway's Postgres pool. */
  DATABASE_POOL_SIZE: intVar(10, 2, 200),
  GATEWAY_HOST: z.string().min(1).default("0.0.0.0"),
  GATEWAY_PORT: intVar(8080, 0, 65535),
  /** Largest accepted request body or uploaded file, in bytes (default 50 MiB). */
  MAX_UPLOAD_BYTES: intVar(50 * 1024 * 1024, 1024, 2 * 1024 * 1024 * 1024),
  /** Largest number of rows one job may have. */
  MAX_ROWS_PER_JOB: intVar(100_000, 1, 10_000_000),
  /** Rows of one job admitted to the pipeline and not yet finished, at most. */
  JOB_WINDOW_ROWS: intVar(50, 1, 100_000),
  /** Rows of all jobs admitted and not yet finished, at most. */
  MAX_IN_FLIGHT_ROWS: intVar(1000, 1, 1_000_000),
  /** Period of the admission pass that refills job windows, in milliseconds. */
  ADMISSION_TICK_MS: intVar(1000, 10, 600_000),
  /** Row events applied to Postgres in one transaction, at most; bounded by the consumer's 1000 unacked messages. */
  EVENT_BATCH_SIZE: intVar(500, 1, 1000),
  /** Time the state writer waits for a batch to fill before applying it, in milliseconds. */
  EVENT_BATCH_WAIT_MS: intVar(200, 1, 60_000),
  /**
   * Price of one call per provider in US dollars, as `provider=price` pairs separated by commas,
   * for example `serper=0.001,brave=0.003`. Provider names are those of the job's usage. Unset
   * leaves jobs' cost_usd null.
   */
  PROVIDER_PRICES_USD: z
    .string()
    .regex(/^\s*[a-z0-9_-]+\s*=\s*\d+(\.\d+)?\s*(,\s*[a-z0-9_-]+\s*=\s*\d+(\.\d+)?\s*)*$/i, {
      message: "expected provider=price pairs separated by commas, such as serper=0.001,brave=0.003",
    })
    .transform((text) =>
      Object.fromEntries(
        text.split(",").map((pair) => {
          const [name = "", price = "0"] = pair.split("=");
          return [name.trim().toLowerCase(), Number(price)];
        }),
      ),
    )
    .default({}),
  /**
   * Longest time POST /v1/jobs/:id/cancel waits for the job's rows in flight to stop before it
   * answers, in milliseconds; 0 answers at once.
   */
  CANCEL_WAIT_MS: intVar(10_000, 0, 600_000),
  /** Period of the progress snapshots on GET /v1/jobs/:id/events, in milliseconds. */
  PROGRESS_INTERVAL_MS: intVar(1000, 50, 600_000),
  /**
   * Maximum time in milliseconds that job creation waits for the language model's query patterns,
   * retries included, before it uses the heuristic patterns. Read only when LLM_BASE_URL is set.
   */
  LLM_QUERY_PATTERNS_TIMEOUT_MS: intVar(20_000, 100, 600_000),
};

export type GatewayConfig = Readonly<
  z.infer<z.ZodObject<typeof gatewayConfigShape>> & {
    /** Language-model settings from the LLM_* variables; undefined when LLM_BASE_URL is unset. */
    llm: LlmSettings | undefined;
  }
>;

/** Reads and validates the gateway's configuration; throws ConfigError naming each invalid variable. */
export function loadGatewayConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  return { ...loadConfig(gatewayConfigShape, env), llm: loadLlmSettings(env) };
}

import { z } from "zod";
import { ConfigError } from "./errors.ts";

/**
 * Reads a config object from environment variables. Each key of `shape` is the variable name, so an
 * error names exactly the variable to fix. Values are validated and coerced by the zod schema; the
 * result is frozen so nothing changes configuration after start.
 */
export function loadConfig<S extends z.ZodRawShape>(
  shape: S,
  env: Record<string, string | undefined> = process.env,
): Readonly<z.infer<z.ZodObject<S>>> {
  const schema = z.object(shape);
  const picked: Record<string, string | undefined> = {};
  for (const name of Object.keys(shape)) {
    const value = env[name];
    picked[name] = value === "" ? undefined : value;
  }
  const result = schema.safeParse(picked);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const name = String(issue.path[0] ?? "(unknown)");
      const given = picked[name];
      const shown = given === undefined ? "not set" : `got ${JSON.stringify(given)}`;
      return `  ${name}: ${issue.message} (${shown})`;
    });
    throw new ConfigError(
      `invalid configuration:\n${lines.join("\n")}\nFix these environment variables and start again.`,
    );
  }
  return Object.freeze(result.data);
}

/** Integer environment variable with bounds, e.g. `intVar(20, 1, 1000)`; the message names the accepted range. */
export function intVar(defaultValue: number, min: number, max: number) {
  return z.coerce
    .number({ message: `expected a whole number from ${min} to ${max}` })
    .int({ message: `expected a whole number from ${min} to ${max}` })
    .min(min, { message: `expected a whole number from ${min} to ${max}` })
    .max(max, { message: `expected a whole number from ${min} to ${max}` })
    .default(defaultValue);
}

export function urlVar(defaultValue?: string) {
  const url = z.url({ message: "expected a URL such as nats://127.0.0.1:4222" });
  return defaultValue === undefined ? url.optional() : url.default(defaultValue);
}

export function booleanVar(defaultValue: boolean) {
  return z
    .enum(["true", "false", "1", "0", "yes", "no"], { message: "expected true or false" })
    .transform((value) => value === "true" || value === "1" || value === "yes")
    .default(defaultValue);
}

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** Settings every service reads: the NATS connection, logging, the HTTP port for health and metrics. */
export const baseConfigShape = {
  NATS_URL: z
    .string()
    .regex(/^(nats|tls|ws|wss):\/\/[^\s]+$|^[^\s:/]+:\d+$/, {
      message: "expected a NATS URL such as nats://127.0.0.1:4222",
    })
    .default("nats://127.0.0.1:4222"),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `expected one of ${LOG_LEVELS.join(", ")}` }).default("info"),
  HTTP_PORT: intVar(0, 0, 65535),
  HTTP_HOST: z.string().default("0.0.0.0"),
  /** Delivery attempts before a message is dead-lettered. */
  MAX_DELIVER: intVar(5, 1, 100),
  ACK_WAIT_MS: intVar(30_000, 1000, 600_000),
  RETRY_BASE_DELAY_MS: intVar(1000, 0, 600_000),
  RETRY_MAX_DELAY_MS: intVar(60_000, 0, 3_600_000),
  SHUTDOWN_GRACE_MS: intVar(20_000, 0, 600_000),
  OTEL_EXPORTER_OTLP_ENDPOINT: z
    .url({ message: "expected an OTLP/HTTP URL such as http://127.0.0.1:4318" })
    .optional(),
};

export type BaseConfig = Readonly<z.infer<z.ZodObject<typeof baseConfigShape>>>;

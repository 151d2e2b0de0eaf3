import type { Logger } from "pino";
import { isPermanent, ThrottledError } from "./errors.ts";
import { type RetryPolicy, retryTransient } from "./retry.ts";
import type { ServiceMetrics } from "./telemetry/metrics.ts";
import { SPAN_ATTRIBUTES, SpanKind, withSpan } from "./telemetry/tracing.ts";

/** Calls and failed calls of one provider while handling one row, reported as the row event's usage. */
export interface ProviderUsage {
  provider: string;
  calls: number;
  cached: number;
  errors: number;
}

export interface ProviderCallOptions {
  provider: string;
  /** Span name, `<operation> <destination>`. */
  spanName: string;
  metrics: ServiceMetrics;
  usage: ProviderUsage;
  logger: Logger;
  signal: AbortSignal;
  retries: number;
  /** Overrides of the backoff, for tests. */
  retryPolicy?: Partial<RetryPolicy>;
  /** Fields added to the retry log line, such as the query. */
  logFields?: Record<string, unknown>;
  /** Runs each attempt when a limiter allows it; the attempt's span and duration start inside. */
  gate?: <R>(attempt: () => Promise<R>) => Promise<R>;
}

/**
 * Runs one provider request with in-process retries of transient failures. Every attempt gets its
 * own span, a count in the provider call metrics and in `usage`; every retry is logged as a warning.
 */
export async function callProvider<T>(options: ProviderCallOptions, call: () => Promise<T>): Promise<T> {
  const { provider, metrics, usage, logger, signal } = options;
  const attempt = async (): Promise<T> => {
    usage.calls += 1;
    const started = performance.now();
    let outcome = "ok";
    try {
      return await withSpan(
        options.spanName,
        { kind: SpanKind.CLIENT, attributes: { [SPAN_ATTRIBUTES.provider]: provider } },
        call,
      );
    } catch (error) {
      usage.errors += 1;
      outcome = callOutcome(error, signal);
      throw error;
    } finally {
      metrics.providerCalls.inc({ provider, outcome });
      metrics.providerDuration.observe({ provider, outcome }, (performance.now() - started) / 1000);
    }
  };
  return retryTransient(() => (options.gate ? options.gate(attempt) : attempt()), {
    retries: options.retries,
    ...options.retryPolicy,
    signal,
    onRetry: ({ error, attempt: number, delayMs }) => {
      logger.warn(
        { err: error, provider, attempt: number, delayMs, ...options.logFields },
        `${provider} request failed, retrying`,
      );
    },
  });
}

function callOutcome(error: unknown, signal: AbortSignal): string {
  if (signal.aborted) {
    return "cancelled";
  }
  if (error instanceof ThrottledError) {
    return "throttled";
  }
  return isPermanent(error) ? "rejected" : "failed";
}

import { setTimeout as sleep } from "node:timers/promises";
import pRetry from "p-retry";
import { PermanentError, ThrottledError, TransientError } from "./errors.ts";

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  /** First backoff delay in milliseconds; each retry doubles it, with full jitter, up to maxDelayMs. */
  minDelayMs: number;
  maxDelayMs: number;
  /** Longest Retry-After honoured, in milliseconds; a longer one fails the call so the message is redelivered later. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retries: 3,
  minDelayMs: 500,
  maxDelayMs: 10_000,
  maxRetryAfterMs: 30_000,
};

export interface RetryOptions extends Partial<RetryPolicy> {
  signal?: AbortSignal;
  /** Called before each retry, for the caller's log line and metrics. */
  onRetry?: (info: { error: Error; attempt: number; delayMs: number }) => void;
}

/**
 * Tells whether an error from a provider call is worth another attempt: TransientError and
 * ThrottledError are, PermanentError is not, and Node's own network errors (ECONNRESET, timeouts) are.
 */
export function isTransient(error: unknown): boolean {
  if (error instanceof PermanentError) {
    return false;
  }
  if (error instanceof TransientError || error instanceof ThrottledError) {
    return true;
  }
  const code = (error as { code?: unknown } | null)?.code;
  return (
    typeof code === "string" && /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN|UND_ERR_\w+)$/.test(code)
  );
}

/**
 * Runs a provider call, retrying transient failures with exponential backoff and jitter. A 429's
 * Retry-After replaces the computed delay when it is longer. Aborting `signal` stops at once.
 */
export async function retryTransient<T>(
  call: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const policy = { ...DEFAULT_RETRY_POLICY, ...options };
  return pRetry(call, {
    retries: policy.retries,
    minTimeout: policy.minDelayMs,
    maxTimeout: policy.maxDelayMs,
    factor: 2,
    randomize: true,
    signal: options.signal,
    shouldRetry: ({ error }) => {
      if (error instanceof ThrottledError && (error.retryAfterMs ?? 0) > policy.maxRetryAfterMs) {
        return false;
      }
      return isTransient(error);
    },
    onFailedAttempt: async ({ error, attemptNumber, retriesLeft, retryDelay }) => {
      if (retriesLeft === 0 || !isTransient(error)) {
        return;
      }
      const retryAfterMs = error instanceof ThrottledError ? (error.retryAfterMs ?? 0) : 0;
      const extraMs = Math.min(Math.max(0, retryAfterMs - retryDelay), policy.maxRetryAfterMs);
      options.onRetry?.({ error, attempt: attemptNumber, delayMs: retryDelay + extraMs });
      if (extraMs > 0) {
        await sleep(extraMs, undefined, { signal: options.signal });
      }
    },
  });
}

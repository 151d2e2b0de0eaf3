/**
 * Errors are classified by what the stage worker does with the message:
 *
 * - PermanentError: the row fails at once. Invalid input and terminal provider answers (a 4xx other
 *   than 429) belong here, because retrying cannot change an input that will not change.
 * - TransientError: the message is redelivered after a growing delay, up to the delivery limit.
 * - ThrottledError: like TransientError, but the delay is the provider's Retry-After.
 * - CancelledError: the job was cancelled; the message is acked and the row recorded as CANCELLED.
 *
 * Anything else thrown by a handler is treated as transient, so an unexpected bug costs retries and
 * finally a dead letter, never a silently lost row.
 */

export type ErrorCode =
  | "PERMANENT"
  | "INVALID_MESSAGE"
  | "TRANSIENT"
  | "THROTTLED"
  | "CANCELLED"
  | "CONFIG_INVALID"
  | "PROVIDER_AUTH"
  | "PROVIDER_RESPONSE_INVALID";

export class AmpledataError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

export class PermanentError extends AmpledataError {
  constructor(message: string, options?: ErrorOptions & { code?: ErrorCode }) {
    super(options?.code ?? "PERMANENT", message, options);
  }
}

export class InvalidMessageError extends PermanentError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, { ...options, code: "INVALID_MESSAGE" });
  }
}

export class TransientError extends AmpledataError {
  constructor(message: string, options?: ErrorOptions) {
    super("TRANSIENT", message, options);
  }
}

export class ThrottledError extends AmpledataError {
  /** Delay the provider asked for, in milliseconds, when it sent Retry-After. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, retryAfterMs?: number, options?: ErrorOptions) {
    super("THROTTLED", message, options);
    this.retryAfterMs = retryAfterMs;
  }
}

export class CancelledError extends AmpledataError {
  constructor(message: string, options?: ErrorOptions) {
    super("CANCELLED", message, options);
  }
}

export class ConfigError extends AmpledataError {
  constructor(message: string, options?: ErrorOptions) {
    super("CONFIG_INVALID", message, options);
  }
}

export function isPermanent(error: unknown): error is PermanentError {
  return error instanceof PermanentError;
}

/** Short one-line description of any thrown value, for events, DLQ entries and row errors. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    return error.message || error.name;
  }
  return String(error);
}

/**
 * Parses an HTTP Retry-After header (delta seconds or an HTTP date) into milliseconds from `now`.
 * Returns undefined when the header is absent or unreadable.
 */
export function parseRetryAfter(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) {
    return undefined;
  }
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) {
    return Number(trimmed) * 1000;
  }
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) {
    return undefined;
  }
  return Math.max(0, date - now);
}

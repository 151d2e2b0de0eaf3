/**
 * Errors the HTTP API returns. `code` is the stable `error` field of the JSON error body, so
 * clients can branch on it; `statusCode` is the HTTP status.
 */

export type GatewayErrorCode =
  | "invalid_request"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "unsupported_media_type"
  | "unavailable"
  | "internal_error";

/** One problem of a rejected request: the JSON field path or the CSV line it concerns. */
export interface Problem {
  field?: string;
  line?: number;
  message: string;
}

export class GatewayError extends Error {
  readonly code: GatewayErrorCode;
  readonly statusCode: number;

  constructor(code: GatewayErrorCode, statusCode: number, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.statusCode = statusCode;
  }
}

/** A request that failed validation; `problems` lists every problem found, not only the first. */
export class InvalidRequestError extends GatewayError {
  readonly problems: Problem[];

  constructor(message: string, problems: Problem[], options?: ErrorOptions) {
    super("invalid_request", 400, message, options);
    this.problems = problems;
  }
}

export class NotFoundError extends GatewayError {
  constructor(message: string, options?: ErrorOptions) {
    super("not_found", 404, message, options);
  }
}

export class ConflictError extends GatewayError {
  constructor(message: string, options?: ErrorOptions) {
    super("conflict", 409, message, options);
  }
}

export class PayloadTooLargeError extends GatewayError {
  constructor(message: string, options?: ErrorOptions) {
    super("payload_too_large", 413, message, options);
  }
}

export class UnsupportedMediaTypeError extends GatewayError {
  constructor(message: string, options?: ErrorOptions) {
    super("unsupported_media_type", 415, message, options);
  }
}

/** Collects problems while validating, so a request is rejected once with all of them. */
export class ProblemList {
  readonly #problems: Problem[] = [];
  readonly #max: number;
  #dropped = 0;

  /** Keeps at most `max` problems; the rest are counted and reported as one closing problem. */
  constructor(max = 200) {
    this.#max = max;
  }

  get size(): number {
    return this.#problems.length + this.#dropped;
  }

  addField(field: string, message: string): void {
    this.#add({ field, message });
  }

  addLine(line: number, message: string): void {
    this.#add({ line, message });
  }

  #add(problem: Problem): void {
    if (this.#problems.length < this.#max) {
      this.#problems.push(problem);
    } else {
      this.#dropped += 1;
    }
  }

  /** Throws InvalidRequestError with every collected problem, when there is any. */
  throwIfAny(message = "the request is invalid; fix every listed problem and submit again"): void {
    if (this.size === 0) {
      return;
    }
    const problems = [...this.#problems];
    if (this.#dropped > 0) {
      problems.push({ message: `${this.#dropped} more problems are not listed` });
    }
    throw new InvalidRequestError(message, problems);
  }
}

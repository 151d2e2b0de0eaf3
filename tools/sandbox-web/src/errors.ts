/**
 * Errors of the sandbox web. Each has a stable `code` so a caller can branch on it without parsing
 * the message.
 */

export type SandboxErrorCode =
  | "CORPUS_NOT_FOUND"
  | "CORPUS_LAYOUT_UNKNOWN"
  | "CORPUS_INVALID"
  | "CORPUS_DUPLICATE_URL"
  | "FAULT_INVALID"
  | "CONFIG_INVALID"
  | "LISTEN_FAILED";

export class SandboxError extends Error {
  readonly code: SandboxErrorCode;

  constructor(code: SandboxErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A corpus folder is missing, has no known layout, or contains a page that cannot be served. */
export class CorpusError extends SandboxError {}

/** A fault definition failed validation. */
export class FaultConfigError extends SandboxError {
  constructor(message: string, options?: ErrorOptions) {
    super("FAULT_INVALID", message, options);
  }
}

/** A CLI flag or environment variable has an invalid value. */
export class ConfigError extends SandboxError {
  constructor(message: string, options?: ErrorOptions) {
    super("CONFIG_INVALID", message, options);
  }
}

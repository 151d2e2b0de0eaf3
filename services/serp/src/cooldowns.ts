import type { Logger } from "@ampledata/shared";
import type { ProviderUnavailableError } from "./providers/search-provider.ts";

/**
 * Providers this process skips for a while because their key was refused or their quota ran out,
 * so that every later row does not pay a failed call before falling back. Shared by all rows.
 */
export class ProviderCooldowns {
  readonly #durationMs: number;
  readonly #logger: Logger;
  readonly #until = new Map<string, { until: number; error: ProviderUnavailableError }>();

  constructor(durationMs: number, logger: Logger) {
    this.#durationMs = durationMs;
    this.#logger = logger;
  }

  /** Starts (or extends) the cool-down of the provider that raised `error`; logs it once per start. */
  start(error: ProviderUnavailableError, now = Date.now()): void {
    if (this.#durationMs === 0) {
      return;
    }
    const current = this.#until.get(error.provider);
    if (current === undefined || current.until <= now) {
      this.#logger.error(
        { err: error, provider: error.provider, reason: error.reason, cooldownMs: this.#durationMs },
        `${error.provider} is unavailable, skipping it while another provider is configured`,
      );
    }
    this.#until.set(error.provider, { until: now + this.#durationMs, error });
  }

  isCoolingDown(provider: string, now = Date.now()): boolean {
    const entry = this.#until.get(provider);
    return entry !== undefined && entry.until > now;
  }
}

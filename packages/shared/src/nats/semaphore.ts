/**
 * Counting semaphore that bounds how many handlers run at once. Hand-written because the consume
 * loop must wait for a free slot before taking the next message (back-pressure), which
 * promise-pool libraries such as p-limit do not expose: they queue the task instead.
 */
export class Semaphore {
  readonly #capacity: number;
  #used = 0;
  readonly #waiters: (() => void)[] = [];

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`semaphore capacity must be a positive integer, got ${capacity}`);
    }
    this.#capacity = capacity;
  }

  get used(): number {
    return this.#used;
  }

  async acquire(): Promise<void> {
    if (this.#used < this.#capacity) {
      this.#used += 1;
      return;
    }
    await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  /** Frees a slot; hands it straight to the oldest waiter, so `used` stays exact. */
  release(): void {
    const next = this.#waiters.shift();
    if (next) {
      next();
      return;
    }
    this.#used -= 1;
  }

  /** Resolves once no slot is in use, or after `timeoutMs`; returns whether everything finished. */
  async idle(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.#used > 0) {
      if (Date.now() >= deadline) {
        return false;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return true;
  }
}

import Bottleneck from "bottleneck";

export interface HostLimitersOptions {
  /** Requests to one host running at once. */
  perHostConcurrency: number;
  /** Minimum time between the starts of two requests to one host, in milliseconds. */
  delayMs: number;
  /** A host's limiter is dropped after this long without requests, in milliseconds (at least `delayMs`). */
  idleMs?: number;
}

interface HostEntry {
  limiter: Bottleneck;
  pending: number;
  lastUsed: number;
}

/**
 * Per-host politeness shared by every row of the process: one Bottleneck limiter per host, with at
 * most `perHostConcurrency` requests at once and `delayMs` between request starts. A limiter is
 * evicted once its host has been idle for `idleMs`, so the map does not grow with every host ever
 * crawled; the next request to that host then starts at once, which is safe because the last one
 * started more than `delayMs` before.
 */
export class HostLimiters {
  readonly #options: Required<HostLimitersOptions>;
  readonly #hosts = new Map<string, HostEntry>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: HostLimitersOptions) {
    const idleMs = Math.max(options.idleMs ?? 60_000, options.delayMs);
    this.#options = { ...options, idleMs };
    this.#sweeper = setInterval(() => this.evictIdle(), Math.max(1000, Math.min(idleMs, 60_000)));
    this.#sweeper.unref();
  }

  /** Runs `task` when the host's limits allow it. */
  async schedule<T>(host: string, task: () => Promise<T>): Promise<T> {
    const key = host.toLowerCase();
    let entry = this.#hosts.get(key);
    if (entry === undefined) {
      entry = {
        limiter: new Bottleneck({
          maxConcurrent: this.#options.perHostConcurrency,
          minTime: this.#options.delayMs,
        }),
        pending: 0,
        lastUsed: Date.now(),
      };
      this.#hosts.set(key, entry);
    }
    entry.pending += 1;
    try {
      return await entry.limiter.schedule(task);
    } finally {
      entry.pending -= 1;
      entry.lastUsed = Date.now();
    }
  }

  /** Hosts with a limiter now. */
  get size(): number {
    return this.#hosts.size;
  }

  /** Drops the limiters of hosts without pending requests for at least `idleMs`. */
  evictIdle(now = Date.now()): void {
    for (const [host, entry] of this.#hosts) {
      if (entry.pending === 0 && now - entry.lastUsed >= this.#options.idleMs) {
        this.#hosts.delete(host);
        void entry.limiter.disconnect(false);
      }
    }
  }

  close(): void {
    clearInterval(this.#sweeper);
    for (const entry of this.#hosts.values()) {
      void entry.limiter.disconnect(false);
    }
    this.#hosts.clear();
  }
}

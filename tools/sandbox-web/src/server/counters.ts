/** Routes the counters tell apart. "other" is an origin-form request to an unknown path. */
export type CountedRoute = "search" | "page" | "robots" | "control" | "other";

/** Request counts since the sandbox started or the counters were last reset. */
export interface CounterSnapshot {
  total: number;
  byRoute: Record<CountedRoute, number>;
  /** Proxied requests (pages, robots.txt, CONNECT) by target host name. */
  byHost: Record<string, number>;
  /** Search requests by query string, as sent. */
  byQuery: Record<string, number>;
  /** Times each fault was applied, by fault id. */
  faults: Record<string, number>;
}

/** Counts requests by route, host, search query and applied fault. */
export class RequestCounters {
  #total = 0;
  #byRoute = emptyRoutes();
  #byHost = new Map<string, number>();
  #byQuery = new Map<string, number>();
  #faults = new Map<string, number>();

  /** Records one request; `host` is given for proxied requests only. */
  recordRequest(route: CountedRoute, host?: string): void {
    this.#total += 1;
    this.#byRoute[route] += 1;
    if (host !== undefined) {
      increment(this.#byHost, host);
    }
  }

  recordQuery(query: string): void {
    increment(this.#byQuery, query);
  }

  recordFaults(ids: readonly string[]): void {
    for (const id of ids) {
      increment(this.#faults, id);
    }
  }

  snapshot(): CounterSnapshot {
    return {
      total: this.#total,
      byRoute: { ...this.#byRoute },
      byHost: Object.fromEntries(this.#byHost),
      byQuery: Object.fromEntries(this.#byQuery),
      faults: Object.fromEntries(this.#faults),
    };
  }

  reset(): void {
    this.#total = 0;
    this.#byRoute = emptyRoutes();
    this.#byHost.clear();
    this.#byQuery.clear();
    this.#faults.clear();
  }
}

function emptyRoutes(): Record<CountedRoute, number> {
  return { search: 0, page: 0, robots: 0, control: 0, other: 0 };
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

import { createRequire } from "node:module";
import type { Logger } from "@ampledata/shared";
import { TransientError } from "@ampledata/shared";
import type { HostLimiters } from "./politeness.ts";
import type { HttpResponse } from "./providers/http-fetcher.ts";

/** What robots.txt decides for one URL. */
export type RobotsVerdict = { allowed: true } | { allowed: false; reason: string };

/** Fetches robots.txt; HttpFetcher.get does, through the same proxy and SSRF guard as pages. */
export interface RobotsSource {
  get(
    url: string,
    signal: AbortSignal,
    options: { accept: string; acceptType: (mediaType: string) => boolean },
  ): Promise<HttpResponse>;
}

export interface RobotsPolicyOptions {
  source: RobotsSource;
  /** The crawler's User-Agent; its product token (the part before the first "/" or space) selects the group. */
  userAgent: string;
  /** How long a host's robots.txt is kept, in milliseconds. */
  ttlMs: number;
  /** Politeness limiters, so the robots.txt request waits its turn like a page request. */
  limiters?: HostLimiters;
  logger: Logger;
}

/** Counts of robots.txt requests made for a row, reported as the provider "robots" in its usage. */
export interface RobotsUsage {
  calls: number;
  cached: number;
  errors: number;
}

type Rules =
  | { kind: "parsed"; allows: (url: string) => boolean }
  | { kind: "allow-all" }
  | { kind: "unreachable"; detail: string };

// robots-parser is CommonJS whose typings declare an ES default export, which Node's ESM loader
// does not give for this module, so it is loaded with require.
const robotsParser = createRequire(import.meta.url)(
  "robots-parser",
) as typeof import("robots-parser").default;

/** How long an unreachable robots.txt (5xx, network error) keeps a host disallowed before it is asked again. */
const UNREACHABLE_TTL_MS = 60_000;
/** robots.txt bytes read; RFC 9309 asks crawlers to parse at least 500 KiB. */
const MAX_ROBOTS_BYTES = 512 * 1024;

/**
 * Decides whether a URL may be crawled under its host's robots.txt (RFC 9309), with a per-origin
 * cache shared by every row. A robots.txt that is missing or refused with a 4xx allows
 * everything. One that cannot be read (5xx, 429, network error, timeout) disallows the whole host
 * for now, and `check` throws TransientError so the row can be tried again later.
 */
export class RobotsPolicy {
  readonly #options: RobotsPolicyOptions;
  readonly #productToken: string;
  readonly #cache = new Map<string, { expires: number; rules: Rules }>();
  readonly #inFlight = new Map<string, Promise<Rules>>();

  constructor(options: RobotsPolicyOptions) {
    this.#options = options;
    this.#productToken = options.userAgent.split(/[/\s]/)[0] || options.userAgent;
  }

  async check(url: string, signal: AbortSignal, usage: RobotsUsage): Promise<RobotsVerdict> {
    const target = new URL(url);
    const rules = await this.#rules(target, signal, usage);
    if (rules.kind === "allow-all") {
      return { allowed: true };
    }
    if (rules.kind === "unreachable") {
      throw new TransientError(
        `robots.txt of ${target.host} could not be read (${rules.detail}), so crawling the host is disallowed for now`,
      );
    }
    if (rules.allows(target.href)) {
      return { allowed: true };
    }
    return {
      allowed: false,
      reason: `disallowed by robots.txt of ${target.host} for user agent ${this.#options.userAgent}`,
    };
  }

  async #rules(target: URL, signal: AbortSignal, usage: RobotsUsage): Promise<Rules> {
    const origin = target.origin;
    const cached = this.#cache.get(origin);
    if (cached !== undefined && cached.expires > Date.now()) {
      usage.cached += 1;
      return cached.rules;
    }
    const pending = this.#inFlight.get(origin);
    if (pending !== undefined) {
      usage.cached += 1;
      return pending;
    }
    const loading = this.#load(origin, signal, usage).finally(() => this.#inFlight.delete(origin));
    this.#inFlight.set(origin, loading);
    return loading;
  }

  async #load(origin: string, signal: AbortSignal, usage: RobotsUsage): Promise<Rules> {
    const robotsUrl = `${origin}/robots.txt`;
    const host = new URL(origin).host;
    const fetchRobots = () =>
      this.#options.source.get(robotsUrl, signal, { accept: "text/plain,*/*;q=0.1", acceptType: () => true });
    usage.calls += 1;
    let rules: Rules;
    try {
      const response = await (this.#options.limiters?.schedule(host, fetchRobots) ?? fetchRobots());
      rules = this.#rulesOf(robotsUrl, response);
    } catch (error) {
      if (signal.aborted) {
        throw error;
      }
      rules = { kind: "unreachable", detail: (error as Error).message };
    }
    if (rules.kind === "unreachable") {
      usage.errors += 1;
      this.#options.logger.warn(
        { robotsUrl, detail: rules.detail },
        "robots.txt could not be read, disallowing the host for now",
      );
    }
    const ttl =
      rules.kind === "unreachable" ? Math.min(UNREACHABLE_TTL_MS, this.#options.ttlMs) : this.#options.ttlMs;
    this.#cache.set(origin, { expires: Date.now() + ttl, rules });
    this.#evictExpired();
    return rules;
  }

  #rulesOf(robotsUrl: string, response: HttpResponse): Rules {
    const { status } = response;
    if (status >= 200 && status < 300) {
      const text = Buffer.from(response.body.subarray(0, MAX_ROBOTS_BYTES)).toString("utf8");
      // The rules apply to the origin asked for, also when its robots.txt was redirected elsewhere.
      const robots = robotsParser(robotsUrl, text);
      const token = this.#productToken;
      // isAllowed returns undefined for a URL of another origin; rules are cached per origin and
      // only asked about URLs of that origin, so undefined does not occur here.
      return { kind: "parsed", allows: (url) => robots.isAllowed(url, token) !== false };
    }
    if (status === 429 || status >= 500) {
      return { kind: "unreachable", detail: `HTTP ${status}` };
    }
    // 4xx other than 429: RFC 9309 section 2.3.1.3 lets the crawler access everything.
    return { kind: "allow-all" };
  }

  #evictExpired(now = Date.now()): void {
    if (this.#cache.size < 1000) {
      return;
    }
    for (const [origin, entry] of this.#cache) {
      if (entry.expires <= now) {
        this.#cache.delete(origin);
      }
    }
  }
}

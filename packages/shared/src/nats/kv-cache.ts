import { createHash } from "node:crypto";
import { JetStreamApiError, jetstreamManager } from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import { type NatsConnection, nanos } from "@nats-io/nats-core";
import type { Logger } from "pino";
import type { z } from "zod";
import type { ServiceMetrics } from "../telemetry/metrics.ts";

/**
 * Largest value stored, in bytes. nats-server's default max_payload is 1 MiB for the whole
 * message, so 64 KiB are left for the subject and headers.
 */
export const MAX_ENTRY_BYTES = 1024 * 1024 - 64 * 1024;

export interface KvJsonCacheOptions<T> {
  /** Cache name in the `cache` label of the cache lookup metric, such as "search". */
  name: string;
  /** KV bucket name, such as "cache-search". */
  bucket: string;
  /** Lifetime of an entry: the bucket's max_age, in milliseconds (nats-server 2.9 has no per-entry TTL). */
  ttlMs: number;
  description: string;
  /** Validates entries on read; an entry that does not match is a miss. */
  schema: z.ZodType<T>;
  metrics: ServiceMetrics;
  logger: Logger;
}

/**
 * A JSON cache in a JetStream KV bucket, shared by every process and job. Lookups and stores never
 * fail the caller: a NATS error is logged and the lookup counts as a miss. Hits and misses are
 * counted in `ampledata_cache_lookups_total{cache, result}`.
 */
export class KvJsonCache<T> {
  readonly #kv: KV;
  readonly #options: KvJsonCacheOptions<T>;

  private constructor(kv: KV, options: KvJsonCacheOptions<T>) {
    this.#kv = kv;
    this.#options = options;
  }

  /**
   * Opens the bucket, creating it when missing, and sets its max_age to `ttlMs` when it was created
   * with another one. Returns undefined when `ttlMs` is 0, which disables the cache.
   */
  static async open<T>(
    connection: NatsConnection,
    options: KvJsonCacheOptions<T>,
  ): Promise<KvJsonCache<T> | undefined> {
    if (options.ttlMs === 0) {
      return undefined;
    }
    const kvm = new Kvm(connection);
    const settings = {
      history: 1,
      ttl: options.ttlMs,
      description: options.description,
      maxValueSize: MAX_ENTRY_BYTES,
    };
    let kv: KV;
    try {
      kv = await kvm.create(options.bucket, settings);
    } catch (error) {
      // Another replica created the bucket between this one's lookup and its creation.
      if (!(error instanceof JetStreamApiError)) {
        throw error;
      }
      kv = await kvm.open(options.bucket);
    }
    const jsm = await jetstreamManager(connection);
    const stream = `KV_${options.bucket}`;
    const info = await jsm.streams.info(stream);
    if (info.config.max_age !== nanos(options.ttlMs)) {
      await jsm.streams.update(stream, { ...info.config, max_age: nanos(options.ttlMs) });
      options.logger.info({ bucket: options.bucket, ttlMs: options.ttlMs }, "cache bucket lifetime updated");
    }
    return new KvJsonCache(kv, options);
  }

  async get(key: string): Promise<T | undefined> {
    const { name, logger, metrics, schema } = this.#options;
    let value: T | undefined;
    try {
      const entry = await this.#kv.get(key);
      if (entry !== null && entry.operation === "PUT" && entry.value.length > 0) {
        const parsed = schema.safeParse(entry.json());
        if (parsed.success) {
          value = parsed.data;
        } else {
          logger.warn({ cache: name, key }, "cache entry has an unexpected shape, reading it as a miss");
        }
      }
    } catch (error) {
      logger.warn({ err: error, cache: name, key }, "cache lookup failed, reading it as a miss");
    }
    metrics.cacheLookups.inc({ cache: name, result: value === undefined ? "miss" : "hit" });
    return value;
  }

  /** Stores `value` under `key`; a value over MAX_ENTRY_BYTES is not stored. */
  async put(key: string, value: T): Promise<void> {
    const { name, logger } = this.#options;
    const bytes = new TextEncoder().encode(JSON.stringify(value));
    if (bytes.length > MAX_ENTRY_BYTES) {
      logger.debug({ cache: name, key, bytes: bytes.length }, "cache entry too large, not stored");
      return;
    }
    try {
      await this.#kv.put(key, bytes);
    } catch (error) {
      logger.warn({ err: error, cache: name, key }, "cache store failed");
    }
  }
}

/** Builds a KV key from a prefix and the SHA-256 of the parts, because keys allow only `[-/_=.a-zA-Z0-9]`. */
export function cacheKey(prefix: string, ...parts: string[]): string {
  const hash = createHash("sha256").update(parts.join("\u0000")).digest("hex");
  return `${prefix}.${hash}`;
}

import { describe, expect, it } from "vitest";
import {
  PermanentError,
  parseRetryAfter,
  redeliveryDelayMs,
  retryTransient,
  Semaphore,
  ThrottledError,
  TransientError,
} from "../src/index.ts";

describe("retryTransient", () => {
  it("retries transient errors until success", async () => {
    let calls = 0;
    const result = await retryTransient(
      async () => {
        calls += 1;
        if (calls < 3) {
          throw new TransientError("503 from provider");
        }
        return "ok";
      },
      { minDelayMs: 1, maxDelayMs: 5 },
    );
    expect(result).toBe("ok");
    expect(calls).toBe(3);
  });

  it("does not retry a permanent error", async () => {
    let calls = 0;
    const call = retryTransient(
      async () => {
        calls += 1;
        throw new PermanentError("401 from provider");
      },
      { minDelayMs: 1 },
    );
    await expect(call).rejects.toThrow("401 from provider");
    expect(calls).toBe(1);
  });

  it("waits at least the Retry-After delay", async () => {
    const times: number[] = [];
    const delays: number[] = [];
    await retryTransient(
      async () => {
        times.push(Date.now());
        if (times.length === 1) {
          throw new ThrottledError("429 from provider", 300);
        }
        return "ok";
      },
      { minDelayMs: 1, maxDelayMs: 5, onRetry: ({ delayMs }) => delays.push(delayMs) },
    );
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(290);
    expect(delays[0]).toBeGreaterThanOrEqual(300);
  });

  it("gives up on a Retry-After longer than the cap", async () => {
    let calls = 0;
    const call = retryTransient(
      async () => {
        calls += 1;
        throw new ThrottledError("429 from provider", 120_000);
      },
      { minDelayMs: 1, maxRetryAfterMs: 1000 },
    );
    await expect(call).rejects.toBeInstanceOf(ThrottledError);
    expect(calls).toBe(1);
  });

  it("stops when the signal aborts", async () => {
    const controller = new AbortController();
    const call = retryTransient(
      async () => {
        controller.abort(new Error("job cancelled"));
        throw new TransientError("timeout");
      },
      { minDelayMs: 1000, signal: controller.signal },
    );
    await expect(call).rejects.toThrow();
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates", () => {
    expect(parseRetryAfter("5")).toBe(5000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:10 GMT", Date.parse("2026-01-01T00:00:00Z"))).toBe(10_000);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});

describe("redeliveryDelayMs", () => {
  it("doubles per delivery with jitter and a cap", () => {
    expect(redeliveryDelayMs(1, 1000, 60_000, () => 1)).toBe(1000);
    expect(redeliveryDelayMs(3, 1000, 60_000, () => 1)).toBe(4000);
    expect(redeliveryDelayMs(3, 1000, 60_000, () => 0)).toBe(2000);
    expect(redeliveryDelayMs(20, 1000, 60_000, () => 1)).toBe(60_000);
  });
});

describe("Semaphore", () => {
  it("hands a released slot to the oldest waiter", async () => {
    const semaphore = new Semaphore(1);
    await semaphore.acquire();
    const order: string[] = [];
    const first = semaphore.acquire().then(() => order.push("first"));
    const second = semaphore.acquire().then(() => order.push("second"));
    semaphore.release();
    await first;
    expect(order).toEqual(["first"]);
    expect(semaphore.used).toBe(1);
    semaphore.release();
    await second;
    expect(order).toEqual(["first", "second"]);
  });

  it("rejects a capacity below one", () => {
    expect(() => new Semaphore(0)).toThrow("semaphore capacity must be a positive integer, got 0");
  });
});

import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { HostLimiters } from "../src/index.ts";

let limiters: HostLimiters | undefined;

afterEach(() => {
  limiters?.close();
});

/** Runs `count` tasks on `host`, each taking `taskMs`, and returns their start times and the peak concurrency. */
async function run(host: string, count: number, taskMs: number) {
  const starts: number[] = [];
  let running = 0;
  let peak = 0;
  await Promise.all(
    Array.from({ length: count }, () =>
      limiters!.schedule(host, async () => {
        starts.push(performance.now());
        running += 1;
        peak = Math.max(peak, running);
        await sleep(taskMs);
        running -= 1;
      }),
    ),
  );
  return { starts, peak };
}

describe("per-host politeness", () => {
  it("spaces request starts to one host", async () => {
    limiters = new HostLimiters({ perHostConcurrency: 2, delayMs: 150 });
    const { starts } = await run("a.test", 3, 10);
    expect(starts).toHaveLength(3);
    for (let index = 1; index < starts.length; index += 1) {
      // Timers may fire a millisecond early, so the check allows 5 ms.
      expect(starts[index]! - starts[index - 1]!).toBeGreaterThanOrEqual(145);
    }
  });

  it("caps requests at once per host", async () => {
    limiters = new HostLimiters({ perHostConcurrency: 2, delayMs: 0 });
    const { peak } = await run("a.test", 6, 50);
    expect(peak).toBe(2);
  });

  it("does not delay other hosts", async () => {
    limiters = new HostLimiters({ perHostConcurrency: 1, delayMs: 500 });
    const started = performance.now();
    const [a, b] = await Promise.all([run("a.test", 1, 10), run("B.test", 1, 10)]);
    expect(a.starts[0]! - started).toBeLessThan(400);
    expect(b.starts[0]! - started).toBeLessThan(400);
    expect(limiters.size).toBe(2);
  });

  it("evicts limiters of idle hosts", async () => {
    limiters = new HostLimiters({ perHostConcurrency: 1, delayMs: 10, idleMs: 50 });
    await run("a.test", 1, 1);
    expect(limiters.size).toBe(1);
    limiters.evictIdle(Date.now() + 10);
    expect(limiters.size).toBe(1);
    limiters.evictIdle(Date.now() + 100);
    expect(limiters.size).toBe(0);
  });
});

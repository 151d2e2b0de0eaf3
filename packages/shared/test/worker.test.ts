import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CancelledError, PermanentError, type StageWorker, TransientError } from "../src/index.ts";
import { startTestNatsServer, type TestNatsServer } from "../src/testing/index.ts";
import {
  consumerBacklog,
  countMessages,
  deadLetters,
  type Harness,
  jobSpec,
  openHarness,
  publishWork,
  putJob,
  rowEvents,
  rowWork,
  startWorker,
  waitFor,
} from "./support.ts";

let server: TestNatsServer;
let harness: Harness;
let worker: StageWorker | undefined;
let jobCounter = 0;
let jobId: string;

beforeAll(async () => {
  server = await startTestNatsServer();
});

afterAll(async () => {
  await server.stop();
});

beforeEach(async () => {
  harness = await openHarness(server.url);
  jobCounter += 1;
  jobId = `job-${jobCounter}-${Date.now()}`;
  await putJob(harness.connection, jobSpec(jobId));
});

afterEach(async () => {
  await worker?.stop(1000);
  worker = undefined;
  await harness.close();
});

function eventsOf(events: Awaited<ReturnType<typeof rowEvents>>) {
  return events.filter((event) => event.jobId === jobId);
}

describe("stage worker", () => {
  it("forwards the row and acks on success", async () => {
    worker = startWorker(harness, "serp", async (work) => ({
      rowStage: "SERP_FETCHED",
      next: {
        stage: "decision",
        work: { ...work, search: { provider: "test", queries: ["q"], results: [] } },
      },
    }));
    await worker.start();
    await publishWork(harness.js, "serp", rowWork(jobId, 0));

    await waitFor("the SERP_FETCHED event", async () => eventsOf(await rowEvents(harness.js)).length === 1);
    expect(await countMessages(harness.connection, "PIPELINE", "pipeline.decision")).toBe(1);
    expect(eventsOf(await rowEvents(harness.js))[0]?.stage).toBe("SERP_FETCHED");
    await waitFor(
      "the ack",
      async () => (await consumerBacklog(harness.connection, "serp")).ackPending === 0,
    );
  });

  it("retries a transient failure with a delay, then succeeds", async () => {
    const attempts: number[] = [];
    worker = startWorker(harness, "serp", async (_work, context) => {
      attempts.push(Date.now());
      if (context.deliveryCount < 3) {
        throw new TransientError("provider answered 503");
      }
      return { rowStage: "SERP_FETCHED" };
    });
    await worker.start();
    await publishWork(harness.js, "serp", rowWork(jobId, 0));

    await waitFor("the success event", async () => eventsOf(await rowEvents(harness.js)).length === 1);
    expect(attempts).toHaveLength(3);
    // Redelivery delays are 100 ms then 200 ms, each with jitter down to half.
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(50);
    expect(attempts[2]! - attempts[1]!).toBeGreaterThanOrEqual(100);
    expect(eventsOf(await rowEvents(harness.js))[0]?.stage).toBe("SERP_FETCHED");
    expect(await deadLetters(harness.js)).toHaveLength(0);
  });

  it("fails the row once on the final attempt", async () => {
    let calls = 0;
    worker = startWorker(harness, "crawl", async () => {
      calls += 1;
      throw new TransientError("connection reset");
    });
    await worker.start();
    await publishWork(harness.js, "crawl", rowWork(jobId, 7));

    await waitFor("the FAILED event", async () => eventsOf(await rowEvents(harness.js)).length === 1);
    await waitFor(
      "the ack",
      async () => (await consumerBacklog(harness.connection, "crawl")).ackPending === 0,
    );
    // Wait past one more ack_wait to be sure nothing is redelivered.
    await new Promise((resolve) => setTimeout(resolve, 2500));

    expect(calls).toBe(3);
    const events = eventsOf(await rowEvents(harness.js));
    expect(events).toHaveLength(1);
    expect(events[0]?.stage).toBe("FAILED");
    expect(events[0]?.error).toContain("connection reset");
    const letters = (await deadLetters(harness.js)).filter((letter) => letter.payload.includes(jobId));
    expect(letters).toHaveLength(1);
    expect(letters[0]?.deliveries).toBe(3);
    expect(letters[0]?.error).toBe("connection reset");
    const backlog = await consumerBacklog(harness.connection, "crawl");
    expect(backlog.ackPending).toBe(0);
    expect(backlog.pending).toBe(0);
    expect(await countMessages(harness.connection, "PIPELINE", "pipeline.crawl")).toBe(0);
  });

  it("fails a permanent error without retrying", async () => {
    let calls = 0;
    worker = startWorker(harness, "extract", async () => {
      calls += 1;
      throw new PermanentError("page answered 404");
    });
    await worker.start();
    await publishWork(harness.js, "extract", rowWork(jobId, 1));

    await waitFor("the FAILED event", async () => eventsOf(await rowEvents(harness.js)).length === 1);
    expect(calls).toBe(1);
    expect(eventsOf(await rowEvents(harness.js))[0]?.error).toBe("extract: page answered 404");
  });

  it("fails a row whose error is longer than an event allows", async () => {
    worker = startWorker(harness, "extract", async () => {
      throw new PermanentError(`pages failed: ${"x".repeat(5000)}`);
    });
    await worker.start();
    await publishWork(harness.js, "extract", rowWork(jobId, 9));

    await waitFor("the FAILED event", async () => eventsOf(await rowEvents(harness.js)).length === 1);
    const error = eventsOf(await rowEvents(harness.js))[0]?.error ?? "";
    expect(error.length).toBe(2000);
    expect(error.startsWith("extract: pages failed: xxx")).toBe(true);
  });

  it("dead-letters an invalid message", async () => {
    worker = startWorker(harness, "decision", async () => ({ rowStage: "DECISION_MADE" }));
    await worker.start();
    const bad = JSON.stringify({ v: 1, jobId, rowIndex: 4, key: "not an object" });
    await harness.js.publish("pipeline.decision", new TextEncoder().encode(bad), { msgID: `${jobId}-bad` });

    await waitFor("the dead letter", async () =>
      (await deadLetters(harness.js)).some((l) => l.payload === bad),
    );
    const letter = (await deadLetters(harness.js)).find((l) => l.payload === bad);
    expect(letter?.error).toMatch(/key: /);
    await waitFor("the FAILED event", async () => eventsOf(await rowEvents(harness.js)).length === 1);
    expect(eventsOf(await rowEvents(harness.js))[0]?.rowIndex).toBe(4);
    await waitFor(
      "the message removed",
      async () => (await consumerBacklog(harness.connection, "decision")).ackPending === 0,
    );
  });

  it("delivers a duplicate publish once", async () => {
    let calls = 0;
    worker = startWorker(harness, "serp", async () => {
      calls += 1;
      return { rowStage: "SERP_FETCHED" };
    });
    await worker.start();
    await publishWork(harness.js, "serp", rowWork(jobId, 2));
    await publishWork(harness.js, "serp", rowWork(jobId, 2));
    await publishWork(harness.js, "serp", rowWork(jobId, 3));

    await waitFor("two events", async () => eventsOf(await rowEvents(harness.js)).length === 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(calls).toBe(2);
  });

  it("never runs more handlers than its concurrency", async () => {
    let running = 0;
    let highest = 0;
    worker = startWorker(
      harness,
      "crawl",
      async () => {
        running += 1;
        highest = Math.max(highest, running);
        await new Promise((resolve) => setTimeout(resolve, 30));
        running -= 1;
        return { rowStage: "CRAWLED" };
      },
      3,
    );
    await worker.start();
    for (let row = 0; row < 30; row += 1) {
      await publishWork(harness.js, "crawl", rowWork(jobId, row));
    }

    await waitFor("30 events", async () => eventsOf(await rowEvents(harness.js)).length === 30);
    expect(highest).toBe(3);
  });

  it("aborts a running handler when its job is cancelled", async () => {
    let aborted = false;
    let started = false;
    worker = startWorker(harness, "crawl", async (_work, context) => {
      started = true;
      await new Promise<void>((resolve) => {
        context.signal.addEventListener("abort", () => {
          aborted = true;
          resolve();
        });
      });
      throw new CancelledError("aborted");
    });
    await worker.start();
    await publishWork(harness.js, "crawl", rowWork(jobId, 0));
    await waitFor("the handler to start", () => started);

    await putJob(harness.connection, jobSpec(jobId, "CANCELLED"));

    await waitFor("the abort", () => aborted, 5000);
    await waitFor("the CANCELLED event", async () => eventsOf(await rowEvents(harness.js)).length === 1);
    expect(eventsOf(await rowEvents(harness.js))[0]?.stage).toBe("CANCELLED");
    expect((await deadLetters(harness.js)).filter((letter) => letter.payload.includes(jobId))).toHaveLength(
      0,
    );
  });

  it("acks rows of a cancelled job without running the handler", async () => {
    await putJob(harness.connection, jobSpec(jobId, "CANCELLED"));
    let calls = 0;
    worker = startWorker(harness, "serp", async () => {
      calls += 1;
      return { rowStage: "SERP_FETCHED" };
    });
    await worker.start();
    await publishWork(harness.js, "serp", rowWork(jobId, 0));

    await waitFor("the CANCELLED event", async () => eventsOf(await rowEvents(harness.js)).length === 1);
    expect(calls).toBe(0);
    expect(eventsOf(await rowEvents(harness.js))[0]?.stage).toBe("CANCELLED");
  });
});

import type { RowWork } from "@ampledata/shared";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { allocateSlots, type Candidate } from "../src/index.ts";
import {
  FakeStages,
  getJson,
  pipelineMessages,
  postJson,
  startTestStack,
  type TestStack,
  waitFor,
} from "./support.ts";

describe("allocateSlots", () => {
  test("shares slots by weight", () => {
    const credits = new Map<string, number>();
    const candidates: Candidate[] = [
      { jobId: "a", weight: 10, capacity: 1000 },
      { jobId: "b", weight: 5, capacity: 1000 },
    ];
    const allocation = allocateSlots(candidates, 300, credits);
    expect(allocation.get("a")).toBe(200);
    expect(allocation.get("b")).toBe(100);
  });

  test("gives unused capacity to others", () => {
    const allocation = allocateSlots(
      [
        { jobId: "big", weight: 1, capacity: 100 },
        { jobId: "small", weight: 10, capacity: 3 },
        { jobId: "full", weight: 10, capacity: 0 },
      ],
      50,
      new Map(),
    );
    expect(Object.fromEntries(allocation)).toEqual({ small: 3, big: 47 });
  });

  test("keeps fairness across passes of one slot", () => {
    const credits = new Map<string, number>();
    const candidates: Candidate[] = [
      { jobId: "a", weight: 2, capacity: 10 },
      { jobId: "b", weight: 1, capacity: 10 },
    ];
    const order: string[] = [];
    for (let pass = 0; pass < 9; pass += 1) {
      order.push(...allocateSlots(candidates, 1, credits).keys());
    }
    expect(order.filter((job) => job === "a")).toHaveLength(6);
    expect(order.filter((job) => job === "b")).toHaveLength(3);
    // Interleaved, not in bursts.
    expect(order.slice(0, 3).sort()).toEqual(["a", "a", "b"]);
  });
});

describe("admission with simulated stages", () => {
  const WINDOW = 50;
  let stack: TestStack;
  let stages: FakeStages;
  const processed: RowWork[] = [];

  beforeAll(async () => {
    // The global limit equals one window, so the big job takes every slot when the small job arrives.
    stack = await startTestStack({
      JOB_WINDOW_ROWS: String(WINDOW),
      MAX_IN_FLIGHT_ROWS: String(WINDOW),
      ADMISSION_TICK_MS: "100",
      EVENT_BATCH_WAIT_MS: "10",
    });
    stages = new FakeStages(stack.js, (work) => processed.push(work));
  });
  afterAll(async () => {
    await stages?.stop();
    await stack?.close();
  });

  test("window bounds in-flight rows and a small job overtakes a big one", async () => {
    const big = await postJson(stack.url, {
      name: "big",
      rows: Array.from({ length: 1000 }, (_, index) => ({ title: `Big ${index}` })),
      key_columns: ["title"],
      columns: [{ name: "publisher", type: "string" }],
    });
    expect(big.status).toBe(202);
    await waitFor("big job's window filled", async () => (await pipelineMessages(stack)) === WINDOW);

    // Sample rows in flight per job while the stages run.
    const maxInFlight = new Map<string, number>();
    let maxTotal = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const result = await stack.db.query(
          `select job_id, count(*)::integer as n from rows
           where admitted_at is not null and stage not in ('COMPLETED', 'FAILED', 'CANCELLED') group by job_id`,
        );
        let total = 0;
        for (const row of result.rows) {
          maxInFlight.set(row.job_id, Math.max(maxInFlight.get(row.job_id) ?? 0, row.n));
          total += row.n;
        }
        maxTotal = Math.max(maxTotal, total);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();

    await stages.start();
    await waitFor("big job under way", () => processed.length >= 100);
    const small = await postJson(stack.url, {
      name: "small",
      rows: Array.from({ length: 10 }, (_, index) => ({ title: `Small ${index}` })),
      key_columns: ["title"],
      columns: [{ name: "publisher", type: "string" }],
    });
    expect(small.status).toBe(202);

    let bigDoneWhenSmallFinished = -1;
    await waitFor("small job completed", async () => {
      const [smallJob, bigJob] = await Promise.all([
        getJson(stack.url, `/v1/jobs/${small.body.id}`),
        getJson(stack.url, `/v1/jobs/${big.body.id}`),
      ]);
      if (smallJob.body.status === "COMPLETED") {
        bigDoneWhenSmallFinished = bigJob.body.rows.done;
        return true;
      }
      return false;
    });
    expect(bigDoneWhenSmallFinished).toBeGreaterThanOrEqual(100);
    expect(bigDoneWhenSmallFinished).toBeLessThan(500);

    // In the order the stages received rows, the small job's last row came before the big job's 500th.
    const lastSmall = processed.findLastIndex((work) => work.jobId === small.body.id);
    const bigBeforeLastSmall = processed
      .slice(0, lastSmall)
      .filter((work) => work.jobId === big.body.id).length;
    expect(bigBeforeLastSmall).toBeLessThan(500);

    await waitFor(
      "big job completed",
      async () => {
        const job = await getJson(stack.url, `/v1/jobs/${big.body.id}`);
        return job.body.status === "COMPLETED";
      },
      60_000,
    );
    sampling = false;
    await sampler;

    const bigJob = (await getJson(stack.url, `/v1/jobs/${big.body.id}`)).body;
    expect(bigJob.rows).toMatchObject({ total: 1000, done: 1000 });
    expect(bigJob.rows_per_second).toBeGreaterThan(0);
    expect(maxInFlight.get(big.body.id)).toBe(WINDOW);
    expect(maxTotal).toBeLessThanOrEqual(WINDOW);
    // Each row was published once, in input order within its job.
    const bigRows = processed.filter((work) => work.jobId === big.body.id).map((work) => work.rowIndex);
    expect(bigRows).toHaveLength(1000);
    expect(new Set(bigRows).size).toBe(1000);
  }, 180_000);
});

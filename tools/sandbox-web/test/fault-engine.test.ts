import { describe, expect, it } from "vitest";
import { FaultEngine, type FaultTarget } from "../src/faults/engine.ts";
import { type FaultInput, parseFaults } from "../src/faults/schema.ts";
import { FaultConfigError } from "../src/index.ts";

const PAGE: FaultTarget = { route: "page", host: "www.example.test", path: "/books/1", hop: 0 };

function engineWith(seed: number, faults: FaultInput[]): FaultEngine {
  return new FaultEngine(seed, parseFaults(faults));
}

function delays(engine: FaultEngine, count: number): number[] {
  return Array.from({ length: count }, () => engine.decide(PAGE).delayMs);
}

describe("FaultEngine", () => {
  it("draws the same latencies for the same seed", () => {
    const faults: FaultInput[] = [{ kind: "latency", minMs: 10, maxMs: 500 }];
    expect(delays(engineWith(42, faults), 20)).toEqual(delays(engineWith(42, faults), 20));
  });

  it("draws other latencies for another seed", () => {
    const faults: FaultInput[] = [{ kind: "latency", minMs: 10, maxMs: 500 }];
    expect(delays(engineWith(1, faults), 20)).not.toEqual(delays(engineWith(2, faults), 20));
  });

  it("keeps uniform latencies within their bounds", () => {
    for (const delay of delays(engineWith(3, [{ kind: "latency", minMs: 100, maxMs: 200 }]), 200)) {
      expect(delay).toBeGreaterThanOrEqual(100);
      expect(delay).toBeLessThanOrEqual(200);
    }
  });

  it("restarts the sequence when the faults are set again", () => {
    const faults = parseFaults([{ kind: "latency", minMs: 0, maxMs: 1000 }]);
    const engine = new FaultEngine(5, faults);
    const first = delays(engine, 10);
    engine.set(faults);
    expect(delays(engine, 10)).toEqual(first);
  });

  it("gives each fault its own sequence", () => {
    const alone = engineWith(9, [{ kind: "latency", minMs: 0, maxMs: 1000, path: "/books/*" }]);
    const withOther = engineWith(9, [
      { kind: "latency", minMs: 0, maxMs: 1000, path: "/books/*" },
      { kind: "error", rate: 0.5, path: "/other" },
    ]);
    const other: FaultTarget = { ...PAGE, path: "/other" };
    const interleaved = Array.from({ length: 10 }, () => {
      withOther.decide(other);
      return withOther.decide(PAGE).delayMs;
    });
    expect(interleaved).toEqual(delays(alone, 10));
  });

  it("applies an error at roughly its rate", () => {
    const engine = engineWith(11, [{ kind: "error", rate: 0.25 }]);
    const hits = Array.from({ length: 2000 }, () => engine.decide(PAGE).fault).filter(Boolean).length;
    expect(hits).toBeGreaterThan(400);
    expect(hits).toBeLessThan(600);
  });

  it("stops a fault after times applications", () => {
    const engine = engineWith(1, [{ kind: "error", status: 503, times: 2 }]);
    const kinds = Array.from({ length: 4 }, () => engine.decide(PAGE).fault?.kind);
    expect(kinds).toEqual(["error", "error", undefined, undefined]);
  });

  it("applies only the first matching response fault", () => {
    const engine = engineWith(1, [
      { id: "first", kind: "error", status: 500 },
      { id: "second", kind: "rate-limit" },
    ]);
    const decision = engine.decide(PAGE);
    expect(decision.fault?.kind).toBe("error");
    expect(decision.applied).toEqual(["first"]);
    expect(engine.appliedCounts()).toEqual({ first: 1, second: 0 });
  });

  it("matches route, host and path", () => {
    const engine = engineWith(1, [
      { kind: "hang", route: "robots", host: "*.example.test", path: "/robots.txt" },
    ]);
    expect(engine.decide({ ...PAGE, route: "robots", path: "/robots.txt" }).fault?.kind).toBe("hang");
    expect(engine.decide({ ...PAGE, route: "page" }).fault).toBeUndefined();
    expect(
      engine.decide({ ...PAGE, route: "robots", host: "example.org", path: "/robots.txt" }).fault,
    ).toBeUndefined();
  });

  it("matches every route with any", () => {
    const engine = engineWith(1, [{ kind: "error", route: "any" }]);
    for (const route of ["page", "robots", "search"] as const) {
      expect(engine.decide({ ...PAGE, route }).fault?.kind, route).toBe("error");
    }
  });

  it("matches hosts without regard to case", () => {
    const engine = engineWith(1, [{ kind: "error", host: "WWW.Example.TEST" }]);
    expect(engine.decide(PAGE).fault?.kind).toBe("error");
  });

  it("keeps a redirect chain going past times", () => {
    const engine = engineWith(1, [{ kind: "redirect", hops: 3, times: 1 }]);
    expect(engine.decide(PAGE).fault?.kind).toBe("redirect");
    expect(engine.decide({ ...PAGE, hop: 1 }).fault?.kind).toBe("redirect");
    expect(engine.decide({ ...PAGE, hop: 2 }).fault?.kind).toBe("redirect");
    expect(engine.decide(PAGE).fault).toBeUndefined();
  });
});

describe("parseFaults", () => {
  it("fills in defaults", () => {
    const [fault] = parseFaults([{ kind: "redirect" }]);
    expect(fault).toEqual({
      kind: "redirect",
      route: "page",
      host: "*",
      path: "**",
      rate: 1,
      hops: 3,
      status: 302,
    });
  });

  it.each([
    [{ kind: "latency" }, "latency"],
    [{ kind: "latency", ms: 5, minMs: 1, maxMs: 2 }, "latency"],
    [{ kind: "latency", minMs: 9, maxMs: 2 }, "latency"],
    [{ kind: "error", status: 700 }, "status"],
    [{ kind: "error", rate: -0.1 }, "rate"],
    [{ kind: "redirect", status: 200 }, "status"],
    [{ kind: "error", route: "control" }, "route"],
    [{ kind: "teleport" }, "kind"],
  ])("rejects %j", (fault, field) => {
    expect(() => parseFaults([fault])).toThrow(FaultConfigError);
    expect(() => parseFaults([fault])).toThrow(new RegExp(field));
  });

  it("rejects a repeated id", () => {
    expect(() =>
      parseFaults([
        { id: "same", kind: "hang" },
        { id: "same", kind: "reset" },
      ]),
    ).toThrow(/used twice/);
  });

  it("rejects a value that is not a list", () => {
    expect(() => parseFaults({ kind: "hang" })).toThrow(FaultConfigError);
  });
});

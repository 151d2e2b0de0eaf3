import { describe, expect, it } from "vitest";
import { loadGatewayConfig } from "../src/config.ts";
import { jobCostUsd } from "../src/jobs/job-view.ts";

describe("job cost", () => {
  it("prices calls but not cached answers", () => {
    const usage = { serper: { calls: 10, cached: 50, errors: 1 }, http: { calls: 30, cached: 0, errors: 0 } };
    expect(jobCostUsd(usage, { serper: 0.001, http: 0.0001 })).toBeCloseTo(0.013, 9);
  });

  it("is null without prices and zero for unpriced providers", () => {
    const usage = { robots: { calls: 4, cached: 0, errors: 0 } };
    expect(jobCostUsd(usage, {})).toBeNull();
    expect(jobCostUsd(usage, { serper: 0.001 })).toBe(0);
  });

  it("reads PROVIDER_PRICES_USD pairs", () => {
    const config = loadGatewayConfig({ PROVIDER_PRICES_USD: "Serper = 0.001, brave=0.003" });
    expect(config.PROVIDER_PRICES_USD).toEqual({ serper: 0.001, brave: 0.003 });
  });

  it("rejects malformed PROVIDER_PRICES_USD naming the variable", () => {
    expect(() => loadGatewayConfig({ PROVIDER_PRICES_USD: "serper:0.001" })).toThrow(
      /PROVIDER_PRICES_USD: expected provider=price pairs separated by commas/,
    );
  });
});

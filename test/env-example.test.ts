import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderEnvExample } from "../scripts/env-example.ts";
import { repoRoot } from "../scripts/pipeline.ts";

describe(".env.example", () => {
  it("lists every config variable with its default", () => {
    // Regenerate with: node --conditions=development scripts/env-example.ts
    expect(readFileSync(join(repoRoot, ".env.example"), "utf8")).toBe(renderEnvExample());
  });

  it("contains variables of each service", () => {
    const text = renderEnvExample();
    for (const name of [
      "NATS_URL=nats://127.0.0.1:4222",
      "DATABASE_URL=",
      "SEARCH_PROVIDERS=",
      "CRAWL_PROXY_URL=",
      "LLM_BASE_URL=",
    ]) {
      expect(text).toContain(`# ${name}`);
    }
  });
});

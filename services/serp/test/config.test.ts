import { ConfigError } from "@ampledata/shared";
import { describe, expect, it } from "vitest";
import { loadSerpConfig, searchProviderOrder } from "../src/index.ts";

const order = (env: Record<string, string>) => searchProviderOrder(loadSerpConfig(env));

describe("search provider order", () => {
  it("defaults to wikipedia without keys", () => {
    expect(order({})).toEqual(["wikipedia"]);
  });

  it("defaults to the providers with a key or base URL", () => {
    expect(order({ BRAVE_API_KEY: "b", SERPER_API_KEY: "s" })).toEqual(["serper", "brave"]);
    expect(order({ SERPER_BASE_URL: "http://127.0.0.1:9000" })).toEqual(["serper"]);
    expect(order({ SEARXNG_BASE_URL: "http://127.0.0.1:8888" })).toEqual(["searxng"]);
  });

  it("follows SEARCH_PROVIDERS", () => {
    expect(order({ SEARCH_PROVIDERS: " Brave , wikipedia" })).toEqual(["brave", "wikipedia"]);
  });

  it("rejects unknown and repeated names", () => {
    for (const value of ["serper,bing", "serper,serper", " , "]) {
      expect(() => loadSerpConfig({ SEARCH_PROVIDERS: value })).toThrow(
        /SEARCH_PROVIDERS: expected a comma-separated list/,
      );
    }
  });

  it("requires SEARXNG_BASE_URL for searxng", () => {
    expect(() => order({ SEARCH_PROVIDERS: "searxng" })).toThrow(ConfigError);
    expect(() => order({ SEARCH_PROVIDERS: "searxng" })).toThrow(/SEARXNG_BASE_URL/);
  });
});

import { ConfigError } from "@ampledata/shared";
import { describe, expect, it } from "vitest";
import { createLlmClient, loadLlmSettings } from "../src/index.ts";

describe("loadLlmSettings", () => {
  it("returns undefined without LLM_BASE_URL", () => {
    expect(loadLlmSettings({ LLM_MODEL: "some-model" })).toBeUndefined();
    expect(createLlmClient(undefined)).toBeUndefined();
  });

  it("applies the defaults", () => {
    const settings = loadLlmSettings({ LLM_BASE_URL: "http://127.0.0.1:11434/v1/", LLM_MODEL: "qwen2.5:7b" });
    expect(settings).toEqual({
      baseUrl: "http://127.0.0.1:11434/v1",
      model: "qwen2.5:7b",
      apiKey: undefined,
      timeoutMs: 60_000,
      maxTokens: 1024,
      maxInputChars: 24_000,
      structuredOutput: "json_schema",
    });
  });

  it("reads every variable", () => {
    const settings = loadLlmSettings({
      LLM_BASE_URL: "https://llm.example/v1",
      LLM_MODEL: "m",
      LLM_API_KEY: "k",
      LLM_TIMEOUT_MS: "5000",
      LLM_MAX_TOKENS: "2048",
      LLM_MAX_INPUT_CHARS: "8000",
      LLM_STRUCTURED_OUTPUT: "json_object",
    });
    expect(settings).toMatchObject({
      apiKey: "k",
      timeoutMs: 5000,
      maxTokens: 2048,
      maxInputChars: 8000,
      structuredOutput: "json_object",
    });
  });

  it("requires LLM_MODEL with LLM_BASE_URL", () => {
    expect(() => loadLlmSettings({ LLM_BASE_URL: "http://127.0.0.1:8080/v1" })).toThrow(ConfigError);
    expect(() => loadLlmSettings({ LLM_BASE_URL: "http://127.0.0.1:8080/v1" })).toThrow(/LLM_MODEL/);
  });

  it("names an invalid variable", () => {
    const invalid = [
      ["LLM_STRUCTURED_OUTPUT", "grammar"],
      ["LLM_TIMEOUT_MS", "fast"],
      ["LLM_BASE_URL", "ftp://llm.example/v1"],
    ];
    for (const [name, value] of invalid) {
      const env = { LLM_BASE_URL: "http://127.0.0.1:8080/v1", LLM_MODEL: "m", [name!]: value };
      expect(() => loadLlmSettings(env), name).toThrow(new RegExp(`${name}:`));
    }
  });
});

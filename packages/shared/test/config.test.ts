import { describe, expect, it } from "vitest";
import { baseConfigShape, ConfigError, loadConfig } from "../src/index.ts";

describe("loadConfig", () => {
  it("applies the documented defaults", () => {
    const config = loadConfig(baseConfigShape, {});
    expect(config.NATS_URL).toBe("nats://127.0.0.1:4222");
    expect(config.MAX_DELIVER).toBe(5);
    expect(config.LOG_LEVEL).toBe("info");
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("coerces numbers and treats empty values as unset", () => {
    const config = loadConfig(baseConfigShape, { ACK_WAIT_MS: "45000", LOG_LEVEL: "" });
    expect(config.ACK_WAIT_MS).toBe(45_000);
    expect(config.LOG_LEVEL).toBe("info");
  });

  it("names every invalid variable with the value given", () => {
    let caught: unknown;
    try {
      loadConfig(baseConfigShape, { MAX_DELIVER: "0", LOG_LEVEL: "loud", NATS_URL: "http://x y" });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const message = (caught as Error).message;
    expect(message).toContain('MAX_DELIVER: expected a whole number from 1 to 100 (got "0")');
    expect(message).toContain(
      'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent (got "loud")',
    );
    expect(message).toContain("NATS_URL: expected a NATS URL");
    expect((caught as ConfigError).code).toBe("CONFIG_INVALID");
  });
});

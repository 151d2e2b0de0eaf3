import { PassThrough } from "node:stream";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectNats, provisionJetStream } from "../src/index.ts";
import { startTestNatsServer, type TestNatsServer } from "../src/testing/index.ts";

let server: TestNatsServer;

beforeAll(async () => {
  server = await startTestNatsServer();
});

afterAll(async () => {
  await server.stop();
});

function capturingLogger() {
  const messages: string[] = [];
  const stream = new PassThrough();
  stream.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n").filter(Boolean)) {
      messages.push((JSON.parse(line) as { msg: string }).msg);
    }
  });
  return { logger: pino({ level: "debug" }, stream), messages };
}

describe("provisionJetStream", () => {
  it("creates once and then only checks", async () => {
    const connection = await connect({ servers: server.url });
    try {
      const first = capturingLogger();
      await provisionJetStream(connection, first.logger);
      const second = capturingLogger();
      await provisionJetStream(connection, second.logger);
      await new Promise((resolve) => setTimeout(resolve, 50));

      expect(first.messages.filter((message) => message.startsWith("created"))).toHaveLength(8);
      expect(second.messages.filter((message) => message.startsWith("created"))).toHaveLength(0);
      expect(second.messages.filter((message) => message.endsWith("settings checked"))).toHaveLength(8);

      const jsm = await jetstreamManager(connection);
      const pipeline = await jsm.streams.info("PIPELINE");
      expect(pipeline.config.retention).toBe("workqueue");
      expect(pipeline.config.subjects).toEqual(["pipeline.>"]);
      const serp = await jsm.consumers.info("PIPELINE", "serp");
      expect(serp.config.max_deliver).toBe(5);
      expect(serp.config.inactive_threshold ?? 0).toBe(0);
    } finally {
      await connection.close();
    }
  });
});

describe("connectNats", () => {
  it("names the URL and NATS_URL when the server is down", async () => {
    const url = "nats://127.0.0.1:1";
    await expect(connectNats(url, "test", pino({ level: "silent" }))).rejects.toThrow(
      /cannot connect to NATS at nats:\/\/127\.0\.0\.1:1 .*fix NATS_URL/,
    );
  });
});

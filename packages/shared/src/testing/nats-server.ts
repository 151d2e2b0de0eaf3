import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { connect } from "@nats-io/transport-node";

export interface TestNatsServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Path of the nats-server binary: NATS_SERVER_BIN, else Debian's /usr/sbin/nats-server, else PATH. */
export function natsServerBinary(): string {
  const configured = process.env.NATS_SERVER_BIN;
  if (configured) {
    return configured;
  }
  return existsSync("/usr/sbin/nats-server") ? "/usr/sbin/nats-server" : "nats-server";
}

/** Asks the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") {
    throw new Error("could not read the address of a probe socket");
  }
  return address.port;
}

/**
 * Starts a private nats-server with JetStream on a free loopback port and a temporary store, so a
 * test file owns its streams and consumers and leaves nothing behind.
 */
export async function startTestNatsServer(): Promise<TestNatsServer> {
  const storeDir = await mkdtemp(join(tmpdir(), "ampledata-nats-"));
  const port = await freePort();
  const child: ChildProcess = spawn(
    natsServerBinary(),
    ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDir],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let output = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const url = `nats://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(
        `nats-server exited with status ${child.exitCode} before accepting connections:\n${output}`,
      );
    }
    try {
      const probe = await connect({ servers: url, reconnect: false, timeout: 500 });
      await probe.close();
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`nats-server on port ${port} did not accept connections within 10 s:\n${output}`, {
          cause: error,
        });
      }
      await sleep(50);
    }
  }
  return {
    url,
    port,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await Promise.race([exited, sleep(5000)]);
        if (child.exitCode === null) {
          child.kill("SIGKILL");
        }
      }
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}

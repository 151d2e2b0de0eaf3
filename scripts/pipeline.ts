// Starts the five services as separate Node.js processes from source, for the demo and the
// end-to-end tests. Each process logs JSON lines to <logDir>/<service>.log.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { freePort } from "@ampledata/shared/testing";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export const SERVICES = ["gateway", "serp", "decision", "crawl", "extract"] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface PipelineOptions {
  natsUrl: string;
  databaseUrl: string;
  /** Base URL of the search API and the crawl proxy (the sandbox web in tests and the demo). */
  sandboxUrl: string;
  sandboxApiKey: string;
  logDir: string;
  logLevel?: string;
  /** Extra environment per service, for example `{ crawl: { CONCURRENCY: "8" } }`. */
  env?: Partial<Record<ServiceName, Record<string, string>>>;
}

export interface RunningPipeline {
  gatewayUrl: string;
  processes: Map<ServiceName, ChildProcess>;
  healthPorts: Map<ServiceName, number>;
  /** Sends SIGTERM to every service and waits for them to exit (SIGKILL after 15 s). */
  stop(): Promise<void>;
}

function serviceEnv(name: ServiceName, options: PipelineOptions, httpPort: number, gatewayPort: number) {
  const common: Record<string, string> = {
    NATS_URL: options.natsUrl,
    LOG_LEVEL: options.logLevel ?? "info",
    HTTP_HOST: "127.0.0.1",
    HTTP_PORT: String(httpPort),
    SHUTDOWN_GRACE_MS: "5000",
  };
  const perService: Record<ServiceName, Record<string, string>> = {
    gateway: {
      DATABASE_URL: options.databaseUrl,
      GATEWAY_HOST: "127.0.0.1",
      GATEWAY_PORT: String(gatewayPort),
    },
    serp: {
      SEARCH_PROVIDERS: "serper",
      SERPER_BASE_URL: options.sandboxUrl,
      SERPER_API_KEY: options.sandboxApiKey,
    },
    decision: {},
    // The sandbox is one loopback proxy for every host, so it must be allowlisted past the SSRF
    // guard, and per-host politeness delays would only slow the replay down.
    crawl: {
      CRAWL_PROXY_URL: options.sandboxUrl,
      CRAWL_ALLOW_HOSTS: "127.0.0.1",
      CRAWL_PER_HOST_DELAY_MS: "0",
    },
    extract: {},
  };
  return { ...common, ...perService[name], ...(options.env?.[name] ?? {}) };
}

async function waitReady(url: string, process: ChildProcess, name: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (process.exitCode !== null) {
      throw new Error(`${name} exited with status ${process.exitCode} while starting; see its log`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (response.ok) {
        return;
      }
    } catch {
      // Not listening yet.
    }
    await sleep(100);
  }
  throw new Error(`${name} was not ready at ${url} within ${timeoutMs} ms; see its log`);
}

export async function startPipeline(options: PipelineOptions): Promise<RunningPipeline> {
  mkdirSync(options.logDir, { recursive: true });
  const processes = new Map<ServiceName, ChildProcess>();
  const healthPorts = new Map<ServiceName, number>();
  const gatewayPort = await freePort();
  const stop = async () => {
    const exits = [...processes.values()]
      .filter((child) => child.exitCode === null && child.signalCode === null)
      .map(async (child) => {
        const exited = once(child, "exit");
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
        await exited;
        clearTimeout(timer);
      });
    await Promise.all(exits);
  };
  try {
    for (const name of SERVICES) {
      const httpPort = name === "gateway" ? gatewayPort : await freePort();
      const log = createWriteStream(join(options.logDir, `${name}.log`), { flags: "a" });
      const child = spawn(
        process.execPath,
        ["--conditions=development", join(repoRoot, "services", name, "src", "main.ts")],
        {
          env: { ...process.env, ...serviceEnv(name, options, httpPort, gatewayPort) },
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      child.stdout?.pipe(log);
      child.stderr?.pipe(log);
      processes.set(name, child);
      healthPorts.set(name, httpPort);
    }
    for (const name of SERVICES) {
      await waitReady(`http://127.0.0.1:${healthPorts.get(name)}/readyz`, processes.get(name)!, name, 60_000);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { gatewayUrl: `http://127.0.0.1:${gatewayPort}`, processes, healthPorts, stop };
}

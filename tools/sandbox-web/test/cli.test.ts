import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { createInterface } from "node:readline";
import { ProxyAgent } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { FIXTURE_BOOKS_DIR, fetchViaProxy, getJson, REPO_ROOT } from "./helpers.ts";

const MAIN = path.join(REPO_ROOT, "tools/sandbox-web/src/main.ts");

/** Starts `pnpm sandbox` in a child process and resolves with its URL once it logs "sandbox started". */
function startCli(args: string[]): { child: ChildProcess; ready: Promise<string>; lines: string[] } {
  const child = spawn(process.execPath, ["--conditions=development", MAIN, ...args], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, LOG_LEVEL: "info" },
  });
  const lines: string[] = [];
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sandbox did not start: ${lines.join("\n")}`)), 20_000);
    createInterface({ input: child.stdout! }).on("line", (line) => {
      lines.push(line);
      const entry = JSON.parse(line) as { msg: string; url?: string };
      if (entry.msg === "sandbox started" && entry.url) {
        clearTimeout(timer);
        resolve(entry.url);
      }
    });
    createInterface({ input: child.stderr! }).on("line", (line) => lines.push(line));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`sandbox exited with code ${code}: ${lines.join("\n")}`));
    });
  });
  return { child, ready, lines };
}

describe("pnpm sandbox", () => {
  let running: ChildProcess | undefined;

  afterEach(async () => {
    if (running && running.exitCode === null) {
      running.kill("SIGKILL");
      await once(running, "exit");
    }
    running = undefined;
  });

  it("serves a corpus with faults from flags and stops on SIGTERM", async () => {
    const { child, ready, lines } = startCli([
      "--corpus",
      FIXTURE_BOOKS_DIR,
      "--port",
      "0",
      "--fault",
      '{"kind": "error", "status": 503, "host": "books.harborlight.test"}',
    ]);
    running = child;
    const url = await ready;
    const agent = new ProxyAgent(url);
    try {
      expect((await fetchViaProxy(agent, "http://www.lanternpress.test/books/glass-harbor")).status).toBe(
        200,
      );
      expect((await fetchViaProxy(agent, "http://books.harborlight.test/books/tidal-archive")).status).toBe(
        503,
      );
      const { json } = await getJson(`${url}/__sandbox/health`);
      expect(json).toEqual({ status: "ok", pages: 15 });
    } finally {
      await agent.close();
    }

    child.kill("SIGTERM");
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
    expect(lines.some((line) => line.includes('"sandbox stopped"'))).toBe(true);
  });

  it("exits with status 2 and a message for an invalid flag value", async () => {
    const { child, ready } = startCli(["--corpus", FIXTURE_BOOKS_DIR, "--port", "99999"]);
    running = child;
    await expect(ready).rejects.toThrow(/code 2[\s\S]*port/);
  });

  it("exits with status 2 for a missing corpus folder", async () => {
    const { child, ready } = startCli(["--corpus", "/nonexistent-corpus-folder", "--port", "0"]);
    running = child;
    await expect(ready).rejects.toThrow(
      /code 2[\s\S]*Corpus folder \/nonexistent-corpus-folder was not found/,
    );
  });

  it("exits with status 2 without a corpus", async () => {
    const { child, ready } = startCli(["--port", "0"]);
    running = child;
    await expect(ready).rejects.toThrow(/code 2[\s\S]*--corpus/);
  });
});

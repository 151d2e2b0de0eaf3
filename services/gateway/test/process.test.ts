import { spawn } from "node:child_process";
import { once } from "node:events";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startTestNatsServer, type TestNatsServer } from "@ampledata/shared/testing";
import pg from "pg";
import { pino } from "pino";
import { afterAll, beforeAll, expect, test } from "vitest";
import { MIGRATIONS_DIR, migrateDatabase } from "../src/index.ts";
import { createTestDatabase } from "./support.ts";

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));

let nats: TestNatsServer;
let database: { url: string; drop(): Promise<void> };
beforeAll(async () => {
  nats = await startTestNatsServer();
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
  await nats?.stop();
});

function runMain(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--conditions=development", MAIN], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return { child, output: () => ({ stdout, stderr }) };
}

test("invalid configuration fails fast", async () => {
  const { child, output } = runMain({
    GATEWAY_PORT: "eighty",
    JOB_WINDOW_ROWS: "0",
    DATABASE_URL: "mysql://x",
  });
  const [code] = await once(child, "exit");
  expect(code).toBe(1);
  const { stderr } = output();
  expect(stderr).toContain("ampledata-gateway: failed to start: invalid configuration");
  expect(stderr).toContain("GATEWAY_PORT");
  expect(stderr).toContain("JOB_WINDOW_ROWS");
  expect(stderr).toContain("DATABASE_URL");
});

test("process starts, serves and drains on SIGTERM", async () => {
  const { child, output } = runMain({
    NATS_URL: nats.url,
    DATABASE_URL: database.url,
    GATEWAY_HOST: "127.0.0.1",
    GATEWAY_PORT: "0",
  });
  const deadline = Date.now() + 20_000;
  let url: string | undefined;
  while (url === undefined && Date.now() < deadline && child.exitCode === null) {
    const started = output()
      .stdout.split("\n")
      .filter((line) => line.includes('"gateway started"'))
      .map((line) => JSON.parse(line) as { url: string })[0];
    url = started?.url;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(url, output().stderr).toBeDefined();
  const ready = await fetch(`${url}/readyz`);
  expect(ready.status).toBe(200);

  child.kill("SIGTERM");
  const [code] = await once(child, "exit");
  expect(code).toBe(0);
  const messages = output()
    .stdout.split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => (JSON.parse(line) as { msg: string }).msg);
  expect(messages).toEqual(
    expect.arrayContaining([
      "shutdown requested",
      "gateway stopping",
      "state writer stopped",
      "gateway stopped",
    ]),
  );
});

test("concurrent migrations wait for each other", async () => {
  const fresh = await createTestDatabase();
  try {
    const logger = pino({ level: "silent" });
    const results = await Promise.all([
      migrateDatabase(fresh.url, logger),
      migrateDatabase(fresh.url, logger),
    ]);
    // One run applies every migration; the other, waiting on the advisory lock, finds nothing left.
    const migrations = readdirSync(MIGRATIONS_DIR).filter((name) => name.endsWith(".sql"));
    expect(migrations.length).toBeGreaterThanOrEqual(3);
    expect(results.map((names) => names.length).sort()).toEqual([0, migrations.length]);
    const client = new pg.Client({ connectionString: fresh.url });
    await client.connect();
    const tables = await client.query(
      "select table_name from information_schema.tables where table_schema = 'public' order by table_name",
    );
    await client.end();
    expect(tables.rows.map((row) => row.table_name)).toEqual(["jobs", "pgmigrations", "rows"]);
  } finally {
    await fresh.drop();
  }
});

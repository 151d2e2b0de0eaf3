// `pnpm stack` makes NATS (with JetStream) and PostgreSQL available for development. It uses
// NATS_URL and DATABASE_URL when they respond. Otherwise it starts nats-server and postgres from the
// machine's binaries with their data under .stack/ (ignored by git), or prints what to install. The processes it starts keep running after it exits; `pnpm stack --stop` stops them.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { checkDatabase, checkNats, ensureDatabase } from "./stack-checks.ts";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const stackDir = join(repoRoot, ".stack");
export const DEFAULT_NATS_URL = "nats://127.0.0.1:4222";
export const DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ampledata";

function findBinary(candidates: string[]): string | undefined {
  return candidates.find((candidate) => existsSync(candidate));
}

function postgresBinDir(): string | undefined {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) {
    return undefined;
  }
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  return versions.map((version) => join(root, version, "bin")).find((dir) => existsSync(join(dir, "initdb")));
}

function detach(child: ChildProcess): void {
  child.unref();
}

async function ensureNats(natsUrl: string): Promise<void> {
  const problem = await checkNats(natsUrl);
  if (problem === undefined) {
    console.log(`stack: NATS with JetStream is running at ${natsUrl}`);
    return;
  }
  const binary = findBinary(["/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"]);
  if (!binary) {
    throw new Error(
      `NATS at ${natsUrl}: ${problem}\nInstall it with 'apt-get install nats-server', or run 'docker compose -f deploy/docker-compose.yml up -d nats'.`,
    );
  }
  const port = new URL(natsUrl.replace(/^nats:/, "http:")).port || "4222";
  const storeDir = join(stackDir, "nats");
  mkdirSync(storeDir, { recursive: true });
  console.log(`stack: starting ${binary} on 127.0.0.1:${port} with JetStream data in ${storeDir}`);
  detach(
    spawn(
      binary,
      [
        "-a",
        "127.0.0.1",
        "-p",
        port,
        "-js",
        "-sd",
        storeDir,
        "-l",
        join(stackDir, "nats.log"),
        "-P",
        join(stackDir, "nats.pid"),
      ],
      {
        detached: true,
        stdio: "ignore",
      },
    ),
  );
  for (let attempt = 0; attempt < 50; attempt += 1) {
    if ((await checkNats(natsUrl)) === undefined) {
      return;
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 200));
  }
  throw new Error(`nats-server did not respond at ${natsUrl} within 10 s; see ${join(stackDir, "nats.log")}`);
}

async function ensurePostgres(databaseUrl: string): Promise<void> {
  const problem = await checkDatabase(databaseUrl);
  if (problem === undefined) {
    await ensureDatabase(databaseUrl);
    console.log(`stack: PostgreSQL is running at ${databaseUrl.replace(/:[^:@/]*@/, ":***@")}`);
    return;
  }
  const binDir = postgresBinDir();
  if (!binDir) {
    throw new Error(
      `PostgreSQL at ${databaseUrl}: ${problem}\nInstall it with 'apt-get install postgresql', or run 'docker compose -f deploy/docker-compose.yml up -d postgres'.`,
    );
  }
  const url = new URL(databaseUrl);
  const port = url.port || "5432";
  const dataDir = join(stackDir, "postgres");
  // initdb and postgres refuse to run as root, so run them as the postgres user when we are root.
  const asUser = process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--"] : [];
  const run = (command: string, args: string[]) => {
    const [program, ...rest] = [...asUser, command, ...args];
    execFileSync(program!, rest, { stdio: "inherit" });
  };
  if (!existsSync(join(dataDir, "PG_VERSION"))) {
    mkdirSync(dataDir, { recursive: true });
    if (asUser.length > 0) {
      execFileSync("chown", ["-R", "postgres", stackDir]);
    }
    console.log(`stack: creating a PostgreSQL cluster in ${dataDir}`);
    run(join(binDir, "initdb"), ["-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8"]);
  }
  console.log(`stack: starting PostgreSQL on 127.0.0.1:${port}`);
  run(join(binDir, "pg_ctl"), [
    "-D",
    dataDir,
    "-l",
    join(dataDir, "server.log"),
    "-o",
    `-p ${port} -k ${dataDir} -c listen_addresses=127.0.0.1`,
    "-w",
    "start",
  ]);
  await ensureDatabase(databaseUrl);
}

function stop(): void {
  const pidFile = join(stackDir, "nats.pid");
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, "utf8").trim());
    try {
      process.kill(pid, "SIGTERM");
      console.log(`stack: stopped nats-server (pid ${pid})`);
    } catch {
      console.log(`stack: nats-server (pid ${pid}) was not running`);
    }
  }
  const dataDir = join(stackDir, "postgres");
  const binDir = postgresBinDir();
  if (binDir && existsSync(join(dataDir, "postmaster.pid"))) {
    const asUser = process.getuid?.() === 0 ? ["runuser", "-u", "postgres", "--"] : [];
    const [program, ...rest] = [...asUser, join(binDir, "pg_ctl"), "-D", dataDir, "-m", "fast", "stop"];
    execFileSync(program!, rest, { stdio: "inherit" });
  }
}

/** Ensures NATS and PostgreSQL respond at the given URLs, starting local servers when needed. */
export async function ensureStack(natsUrl: string, databaseUrl: string): Promise<void> {
  await ensureNats(natsUrl);
  await ensurePostgres(databaseUrl);
}

if (import.meta.main) {
  const natsUrl = process.env.NATS_URL ?? DEFAULT_NATS_URL;
  const databaseUrl = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  if (process.argv.includes("--stop")) {
    stop();
  } else {
    try {
      await ensureStack(natsUrl, databaseUrl);
      console.log(`stack: ready\n  NATS_URL=${natsUrl}\n  DATABASE_URL=${databaseUrl}`);
    } catch (error) {
      console.error(`stack: ${(error as Error).message}`);
      process.exit(1);
    }
  }
}

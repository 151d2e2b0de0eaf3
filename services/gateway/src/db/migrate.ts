import { fileURLToPath } from "node:url";
import type { Logger } from "@ampledata/shared";
import { runner } from "node-pg-migrate";

/** The versioned SQL migrations, `services/gateway/migrations/NNNN_name.sql`; the same path from src/ and dist/. */
export const MIGRATIONS_DIR = fileURLToPath(new URL("../../migrations", import.meta.url));

/**
 * Applies the pending migrations in one transaction. node-pg-migrate takes a Postgres advisory
 * lock while it runs. With advisoryLockMode "wait", a second gateway starting at the same time
 * waits for the first one's migrations instead of failing.
 */
export async function migrateDatabase(databaseUrl: string, logger: Logger): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: MIGRATIONS_DIR,
    direction: "up",
    migrationsTable: "pgmigrations",
    singleTransaction: true,
    advisoryLockMode: "wait",
    checkOrder: true,
    logger: {
      debug: (message: string) => logger.debug(message),
      info: (message: string) => logger.debug(message),
      warn: (message: string) => logger.warn(message),
      error: (message: string) => logger.error(message),
    },
  });
  const names = applied.map((migration) => migration.name);
  if (names.length > 0) {
    logger.info({ migrations: names }, "applied database migrations");
  }
  return names;
}

import { pino } from "pino";
import { parseCliSettings } from "./cli-options.ts";
import { SandboxError } from "./errors.ts";
import { type Fault, parseFaults } from "./faults/schema.ts";
import { startSandbox } from "./sandbox.ts";

/**
 * `pnpm sandbox --corpus DIR [--corpus DIR2 ...] [--port N] [--host ADDRESS]`: serves the corpora
 * until SIGINT or SIGTERM. See docs/sandbox-web.md for every flag.
 */
async function main(): Promise<void> {
  let settings: ReturnType<typeof parseCliSettings>;
  let faults: Fault[];
  try {
    settings = parseCliSettings(process.argv);
    faults = parseFaults(settings.faults);
  } catch (error) {
    if (error instanceof SandboxError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }

  const logger = pino({
    level: settings.logLevel,
    base: { service: "sandbox-web" },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: pino.stdSerializers.errWithCause },
  });

  let sandbox: Awaited<ReturnType<typeof startSandbox>>;
  try {
    sandbox = await startSandbox({
      corpora: settings.corpora,
      host: settings.host,
      port: settings.port,
      seed: settings.seed,
      apiKey: settings.apiKey,
      faults,
      robots: settings.robots,
      logger,
    });
  } catch (error) {
    // A bad option or corpus is the user's to fix: one line without a stack trace is enough.
    if (error instanceof SandboxError) {
      process.stderr.write(`sandbox: ${error.message}\n`);
      process.exit(2);
    }
    logger.fatal({ err: error }, "sandbox failed to start");
    process.exit(1);
  }

  const shutdown = (signal: string): void => {
    logger.info({ signal }, "stopping sandbox");
    sandbox.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "sandbox failed to stop cleanly");
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}

await main();

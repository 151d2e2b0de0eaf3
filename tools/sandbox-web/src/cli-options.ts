import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import { z } from "zod";
import { ConfigError } from "./errors.ts";

/** Default TCP port of the command-line sandbox. */
export const DEFAULT_PORT = 8790;

const CliOptionsSchema = z.object({
  corpus: z.array(z.string().min(1)).min(1, "pass at least one --corpus DIR"),
  host: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65535),
  seed: z.coerce.number().int(),
  apiKey: z.string().min(1).optional(),
  faults: z.string().min(1).optional(),
  fault: z.array(z.string()),
  robots: z.array(z.string()),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]),
});

/** Settings of the `pnpm sandbox` command after flags, environment and files are read. */
export interface CliSettings {
  corpora: string[];
  host: string;
  port: number;
  seed: number;
  apiKey: string | undefined;
  faults: unknown[];
  robots: Record<string, string>;
  logLevel: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function buildCommand(): Command {
  return new Command("sandbox")
    .description("Replay proxy and search API over archived web pages, with fault injection.")
    .addOption(
      new Option("--corpus <dir>", "corpus folder to serve; repeat for several")
        .argParser(collect)
        .default([]),
    )
    .addOption(
      new Option("--host <address>", "address to listen on").env("SANDBOX_HOST").default("127.0.0.1"),
    )
    .addOption(
      new Option("--port <n>", "TCP port; 0 picks a free one")
        .env("SANDBOX_PORT")
        .default(String(DEFAULT_PORT)),
    )
    .addOption(
      new Option("--seed <n>", "seed of the fault generator (rates, latency)")
        .env("SANDBOX_SEED")
        .default("1"),
    )
    .addOption(
      new Option("--api-key <key>", "X-API-KEY that POST /search requires; unset accepts any").env(
        "SANDBOX_API_KEY",
      ),
    )
    .addOption(new Option("--faults <file>", "JSON file with a list of faults to start with"))
    .addOption(
      new Option("--fault <json>", "one fault as inline JSON; repeat for several")
        .argParser(collect)
        .default([]),
    )
    .addOption(
      new Option("--robots <host=file>", "serve the file as robots.txt of host (* for all hosts); repeatable")
        .argParser(collect)
        .default([]),
    )
    .addOption(new Option("--log-level <level>", "pino log level").env("LOG_LEVEL").default("info"));
}

/** Parses the command line and the environment into settings, reading the files they name. */
export function parseCliSettings(argv: readonly string[]): CliSettings {
  const command = buildCommand();
  command.parse(argv as string[]);
  const parsed = CliOptionsSchema.safeParse(command.opts());
  if (!parsed.success) {
    throw new ConfigError(`Invalid sandbox options: ${z.prettifyError(parsed.error)}`, {
      cause: parsed.error,
    });
  }
  const options = parsed.data;

  const faults: unknown[] = [];
  if (options.faults !== undefined) {
    const fromFile = readJson(options.faults, "--faults");
    faults.push(...(Array.isArray(fromFile) ? fromFile : [fromFile]));
  }
  for (const inline of options.fault) {
    faults.push(parseJson(inline, "--fault"));
  }

  const robots: Record<string, string> = {};
  for (const entry of options.robots) {
    const separator = entry.indexOf("=");
    if (separator <= 0) {
      throw new ConfigError(
        `Invalid --robots value "${entry}": write it as host=file, for example www.example.test=robots.txt.`,
      );
    }
    const file = entry.slice(separator + 1);
    try {
      robots[entry.slice(0, separator)] = readFileSync(file, "utf8");
    } catch (error) {
      throw new ConfigError(`robots.txt file ${file} could not be read: check the path.`, { cause: error });
    }
  }

  return {
    corpora: options.corpus,
    host: options.host,
    port: options.port,
    seed: options.seed,
    apiKey: options.apiKey,
    faults,
    robots,
    logLevel: options.logLevel,
  };
}

function readJson(file: string, flag: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(`${flag} file ${file} could not be read: check the path.`, { cause: error });
  }
  return parseJson(text, `${flag} file ${file}`);
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${source} is not valid JSON: fix the syntax.`, { cause: error });
  }
}

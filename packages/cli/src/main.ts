#!/usr/bin/env node
import { createProgram } from "./program.ts";

// `pnpm ampledata` runs with the repository root as working directory; pnpm keeps the directory
// the user typed the command in as INIT_CWD, so relative file paths resolve from there.
if (process.env.INIT_CWD && process.env.npm_lifecycle_event === "ampledata") {
  process.chdir(process.env.INIT_CWD);
}

try {
  await createProgram().parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`ampledata: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}

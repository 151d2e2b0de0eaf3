#!/usr/bin/env node
import { createProgram } from "./program.ts";

try {
  await createProgram().parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`ampledata: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}

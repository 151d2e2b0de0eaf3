import { exitOnStartFailure, runUntilSignal, startStageService } from "@ampledata/shared";
import { loadExtractConfig } from "./config.ts";
import { createExtractHandler } from "./handler.ts";

try {
  const config = loadExtractConfig();
  const service = await startStageService({
    stage: "extract",
    config,
    concurrency: config.CONCURRENCY,
    createHandler: async () => ({ handler: createExtractHandler({ config }) }),
  });
  runUntilSignal(service);
} catch (error) {
  exitOnStartFailure("ampledata-extract", error);
}

import { exitOnStartFailure, runUntilSignal, startStageService } from "@ampledata/shared";
import { loadDecisionConfig } from "./config.ts";
import { createDecisionHandler } from "./handler.ts";

try {
  const config = loadDecisionConfig();
  const service = await startStageService({
    stage: "decision",
    config,
    concurrency: config.CONCURRENCY,
    createHandler: async () => ({ handler: createDecisionHandler({ config }) }),
  });
  runUntilSignal(service);
} catch (error) {
  exitOnStartFailure("ampledata-decision", error);
}

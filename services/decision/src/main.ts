import { createLlmClient } from "@ampledata/llm";
import { exitOnStartFailure, runUntilSignal, startStageService } from "@ampledata/shared";
import { loadDecisionConfig } from "./config.ts";
import { createDecisionHandler } from "./handler.ts";

try {
  const config = loadDecisionConfig();
  const service = await startStageService({
    stage: "decision",
    config,
    concurrency: config.CONCURRENCY,
    createHandler: async ({ logger, metrics }) => {
      const llm = createLlmClient(config.llm, { logger, metrics });
      if (config.llm !== undefined) {
        logger.info(
          { model: config.llm.model, host: new URL(config.llm.baseUrl).host },
          "language model enabled for search snippets and page choice",
        );
      }
      return { handler: createDecisionHandler({ config, llm }), close: async () => llm?.close() };
    },
  });
  runUntilSignal(service);
} catch (error) {
  exitOnStartFailure("ampledata-decision", error);
}

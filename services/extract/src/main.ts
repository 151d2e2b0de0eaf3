import { createLlmClient } from "@ampledata/llm";
import { exitOnStartFailure, runUntilSignal, startStageService } from "@ampledata/shared";
import { loadExtractConfig } from "./config.ts";
import { createExtractHandler } from "./handler.ts";

try {
  const config = loadExtractConfig();
  const service = await startStageService({
    stage: "extract",
    config,
    concurrency: config.CONCURRENCY,
    createHandler: async ({ logger, metrics }) => {
      const llm = createLlmClient(config.llm, { logger, metrics });
      if (config.llm !== undefined) {
        logger.info(
          { model: config.llm.model, host: new URL(config.llm.baseUrl).host },
          "language model enabled for page extraction",
        );
      }
      return { handler: createExtractHandler({ config, llm }), close: async () => llm?.close() };
    },
  });
  runUntilSignal(service);
} catch (error) {
  exitOnStartFailure("ampledata-extract", error);
}

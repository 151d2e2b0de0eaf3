import { exitOnStartFailure, runUntilSignal, startStageService } from "@ampledata/shared";
import { loadSerpConfig } from "./config.ts";
import { createSerpHandler } from "./handler.ts";
import { SerperClient } from "./providers/serper.ts";

try {
  const config = loadSerpConfig();
  const service = await startStageService({
    stage: "serp",
    config,
    concurrency: config.CONCURRENCY,
    createHandler: async ({ logger, metrics }) => {
      if (config.SERPER_API_KEY === undefined) {
        logger.warn("SERPER_API_KEY is not set: searches are sent without an API key");
      }
      const provider = new SerperClient({
        baseUrl: config.SERPER_BASE_URL,
        apiKey: config.SERPER_API_KEY,
        timeoutMs: config.SEARCH_TIMEOUT_MS,
      });
      logger.info({ provider: provider.name, baseUrl: config.SERPER_BASE_URL }, "search provider ready");
      return { handler: createSerpHandler({ config, provider, metrics }), close: () => provider.close() };
    },
  });
  runUntilSignal(service);
} catch (error) {
  exitOnStartFailure("ampledata-serp", error);
}

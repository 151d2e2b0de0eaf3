import { exitOnStartFailure, runUntilSignal, startStageService } from "@ampledata/shared";
import { SearchCache } from "./cache/search-cache.ts";
import { loadSerpConfig, searchProviderOrder } from "./config.ts";
import { ProviderCooldowns } from "./cooldowns.ts";
import { createSerpHandler } from "./handler.ts";
import { createSearchProviders } from "./providers/registry.ts";

try {
  const config = loadSerpConfig();
  // Checked before connecting, so a missing SEARXNG_BASE_URL stops the service at once.
  searchProviderOrder(config);
  const service = await startStageService({
    stage: "serp",
    config,
    concurrency: config.CONCURRENCY,
    createHandler: async ({ connection, logger, metrics }) => {
      const providers = createSearchProviders(config, logger);
      const cache = await SearchCache.open(connection, {
        ttlMs: config.SEARCH_CACHE_TTL_MS,
        metrics,
        logger,
      });
      const cooldowns = new ProviderCooldowns(config.SEARCH_PROVIDER_COOLDOWN_MS, logger);
      logger.info(
        { providers: providers.map((provider) => provider.name), cacheTtlMs: config.SEARCH_CACHE_TTL_MS },
        "search providers ready",
      );
      return {
        handler: createSerpHandler({ config, providers, metrics, cache, cooldowns }),
        close: async () => {
          await Promise.all(providers.map((provider) => provider.close()));
        },
      };
    },
  });
  runUntilSignal(service);
} catch (error) {
  exitOnStartFailure("ampledata-serp", error);
}

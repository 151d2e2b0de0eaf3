import { exitOnStartFailure, runUntilSignal, startStageService } from "@ampledata/shared";
import { loadCrawlConfig } from "./config.ts";
import { createCrawlHandler } from "./handler.ts";
import { HttpFetcher } from "./providers/http-fetcher.ts";

try {
  const config = loadCrawlConfig();
  const service = await startStageService({
    stage: "crawl",
    config,
    concurrency: config.CONCURRENCY,
    createHandler: async ({ logger, metrics }) => {
      const fetcher = new HttpFetcher({
        proxyUrl: config.CRAWL_PROXY_URL,
        timeoutMs: config.CRAWL_TIMEOUT_MS,
        maxBodyBytes: config.CRAWL_MAX_BODY_BYTES,
        maxRedirects: config.CRAWL_MAX_REDIRECTS,
        userAgent: config.CRAWL_USER_AGENT,
      });
      logger.info({ proxy: config.CRAWL_PROXY_URL !== undefined }, "page fetcher ready");
      return { handler: createCrawlHandler({ config, fetcher, metrics }), close: () => fetcher.close() };
    },
  });
  runUntilSignal(service);
} catch (error) {
  exitOnStartFailure("ampledata-crawl", error);
}

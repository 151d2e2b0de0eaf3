import { exitOnStartFailure, runUntilSignal, startStageService } from "@ampledata/shared";
import { PageCache } from "./cache/page-cache.ts";
import { loadCrawlConfig } from "./config.ts";
import { AddressGuard } from "./guard/address-guard.ts";
import { checkProxyAddress } from "./guard/proxy-check.ts";
import { createCrawlHandler } from "./handler.ts";
import { HostLimiters } from "./politeness.ts";
import { Crawl4aiFetcher } from "./providers/crawl4ai-fetcher.ts";
import { HttpFetcher } from "./providers/http-fetcher.ts";
import type { PageFetcher } from "./providers/page-fetcher.ts";
import { RobotsPolicy } from "./robots.ts";

try {
  const config = loadCrawlConfig();
  const guard = new AddressGuard({
    allowHosts: config.CRAWL_ALLOW_HOSTS,
    allowCidrs: config.CRAWL_ALLOW_CIDRS,
  });
  if (config.CRAWL_PROXY_URL !== undefined) {
    await checkProxyAddress(guard, config.CRAWL_PROXY_URL);
  }
  const service = await startStageService({
    stage: "crawl",
    config,
    concurrency: config.CONCURRENCY,
    createHandler: async ({ connection, logger, metrics }) => {
      const http = new HttpFetcher({
        proxyUrl: config.CRAWL_PROXY_URL,
        deadlineMs: config.CRAWL_PAGE_DEADLINE_MS,
        maxBodyBytes: config.CRAWL_MAX_BODY_BYTES,
        maxRedirects: config.CRAWL_MAX_REDIRECTS,
        userAgent: config.CRAWL_USER_AGENT,
        guard,
      });
      const fetcher: PageFetcher =
        config.CRAWL_PROVIDER === "crawl4ai"
          ? new Crawl4aiFetcher({
              baseUrl: config.CRAWL4AI_BASE_URL!,
              apiToken: config.CRAWL4AI_API_TOKEN,
              deadlineMs: config.CRAWL_PAGE_DEADLINE_MS,
              maxBodyBytes: config.CRAWL_MAX_BODY_BYTES,
              userAgent: config.CRAWL_USER_AGENT,
              guard,
            })
          : http;
      const limiters = new HostLimiters({
        perHostConcurrency: config.CRAWL_PER_HOST_CONCURRENCY,
        delayMs: config.CRAWL_PER_HOST_DELAY_MS,
      });
      // robots.txt is always read over HTTP, through the same proxy and guard as pages.
      const robots = config.CRAWL_RESPECT_ROBOTS
        ? new RobotsPolicy({
            source: http,
            userAgent: config.CRAWL_USER_AGENT,
            ttlMs: config.ROBOTS_CACHE_TTL_MS,
            limiters,
            logger,
          })
        : undefined;
      const cache = await PageCache.open(connection, { ttlMs: config.PAGE_CACHE_TTL_MS, metrics, logger });
      logger.info(
        {
          provider: fetcher.name,
          proxy: config.CRAWL_PROXY_URL !== undefined,
          respectRobots: config.CRAWL_RESPECT_ROBOTS,
          cacheTtlMs: config.PAGE_CACHE_TTL_MS,
        },
        "page fetcher ready",
      );
      return {
        handler: createCrawlHandler({ config, fetcher, metrics, robots, limiters, cache }),
        close: async () => {
          limiters.close();
          await fetcher.close();
          if (fetcher !== http) {
            await http.close();
          }
        },
      };
    },
  });
  runUntilSignal(service);
} catch (error) {
  exitOnStartFailure("ampledata-crawl", error);
}

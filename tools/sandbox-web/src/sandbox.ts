import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { type Logger, pino } from "pino";
import { z } from "zod";
import { type ArchivedPage, loadCorpora } from "./corpus/load.ts";
import { ConfigError, SandboxError } from "./errors.ts";
import { FaultEngine, type FaultStatus } from "./faults/engine.ts";
import { type Fault, type FaultInput, parseFaults } from "./faults/schema.ts";
import { SearchIndex, type SearchResults } from "./search/search-index.ts";
import { type CounterSnapshot, RequestCounters } from "./server/counters.ts";
import { createSandboxServer } from "./server/http-server.ts";
import { RobotsRules } from "./server/robots.ts";

const SandboxOptionsSchema = z.object({
  /** Corpus folders; the layout of each is detected from its files. */
  corpora: z.array(z.string().min(1)).min(1),
  host: z.string().min(1).default("127.0.0.1"),
  /** TCP port; 0 picks a free one. */
  port: z.int().min(0).max(65535).default(0),
  /** Seed of the generator behind fault rates and latency distributions. */
  seed: z.int().default(1),
  /** When set, Serper requests must send it as X-API-KEY. */
  apiKey: z.string().min(1).optional(),
  faults: z.array(z.unknown()).default([]),
  /** robots.txt bodies by host name; "*" sets the one for every other host. */
  robots: z.record(z.string(), z.string()).default({}),
});

export type SandboxOptions = z.input<typeof SandboxOptionsSchema> & {
  faults?: FaultInput[];
  /** Logger for requests and errors; silent by default. */
  logger?: Logger;
};

export interface Sandbox {
  /** Base URL of the proxy and the API, for example "http://127.0.0.1:41234". */
  readonly url: string;
  readonly port: number;
  /** Number of pages loaded from all corpora. */
  readonly pages: number;
  /** Replaces the active faults; throws FaultConfigError when a definition is invalid. */
  setFaults(faults: readonly FaultInput[]): void;
  faults(): FaultStatus[];
  counters(): CounterSnapshot;
  resetCounters(): void;
  /** Sets the robots.txt of `host` ("*" for every host), or removes it when `body` is undefined. */
  setRobots(host: string, body: string | undefined): void;
  /** Searches the corpus without going through HTTP, as the search API does. */
  search(query: string, num?: number): SearchResults;
  /** Stops the server and closes every connection, including hung ones. Safe to call twice. */
  stop(): Promise<void>;
}

/** Loads the corpora, builds the search index and starts the proxy and API server. */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const parsed = SandboxOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new ConfigError(`Sandbox options are invalid: ${z.prettifyError(parsed.error)}`, {
      cause: parsed.error,
    });
  }
  const config = parsed.data;
  const logger = options.logger ?? pino({ level: "silent" });

  const startedAt = performance.now();
  const corpora = await loadCorpora(config.corpora);
  const pageList: ArchivedPage[] = corpora.flatMap((corpus) => corpus.pages);
  const pages = new Map(pageList.map((page) => [page.key, page]));
  const index = new SearchIndex(pageList);
  logger.info(
    {
      pages: pageList.length,
      corpora: corpora.map((corpus) => ({
        dir: corpus.dir,
        layout: corpus.layout,
        pages: corpus.pages.length,
      })),
      durationMs: Math.round(performance.now() - startedAt),
    },
    "corpus loaded",
  );

  const counters = new RequestCounters();
  const faults = new FaultEngine(config.seed, parseFaults(config.faults));
  const robots = new RobotsRules();
  for (const [host, body] of Object.entries(config.robots)) {
    robots.set(host, body);
  }

  const control = {
    pages: pageList.length,
    setFaults: (input: unknown) => {
      let parsedFaults: Fault[];
      try {
        parsedFaults = parseFaults(input);
      } catch (error) {
        logger.info({ err: error }, "invalid fault list rejected");
        throw error;
      }
      faults.set(parsedFaults);
      logger.info({ faults: faults.list().map((fault) => fault.id) }, "faults set");
    },
    faults: () => faults.list(),
    counters: () => counters.snapshot(),
    resetCounters: () => counters.reset(),
    setRobots: (host: string, body: string | undefined) => robots.set(host, body),
  };

  const { server, close } = createSandboxServer({
    proxy: { pages, robots, faults, counters },
    search: { index, counters, apiKey: config.apiKey },
    control,
    logger,
  });
  server.listen(config.port, config.host);
  try {
    await once(server, "listening");
  } catch (error) {
    await close();
    throw new SandboxError(
      "LISTEN_FAILED",
      `Sandbox could not listen on ${config.host}:${config.port}: choose a free port or another host.`,
      { cause: error },
    );
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${formatHost(config.host)}:${port}`;
  logger.info({ url, seed: config.seed, apiKey: config.apiKey !== undefined }, "sandbox started");

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    pages: pageList.length,
    setFaults: (input) => control.setFaults(input),
    faults: control.faults,
    counters: control.counters,
    resetCounters: control.resetCounters,
    setRobots: control.setRobots,
    search: (query, num = 10) => index.search(query, num),
    stop: () => {
      stopping ??= close().then(() => logger.info({ url }, "sandbox stopped"));
      return stopping;
    },
  };
}

/** Brackets an IPv6 address for use in a URL. */
function formatHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

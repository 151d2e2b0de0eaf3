import { type ReceivedRequest, startFakeApi } from "./fake-api.ts";

/** One scripted response of the fake: status, headers and a body (an object is sent as JSON). */
export interface ScriptedResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Delay before responding, in milliseconds. */
  delayMs?: number;
}

export interface ReceivedSearch {
  at: number;
  apiKey: string | undefined;
  body: { q: string; num: number };
}

export interface FakeSerper {
  url: string;
  received: ReceivedSearch[];
  /** Responses queued for the next requests, in order. When it is empty, `respond` decides. */
  queue: ScriptedResponse[];
  stop(): Promise<void>;
}

/** Organic results in Serper's wire format: `{title, link, snippet, position}`. */
export function organic(links: string[], titlePrefix = "Result"): unknown {
  return {
    searchParameters: { q: "", type: "search", engine: "google" },
    organic: links.map((link, index) => ({
      title: `${titlePrefix} ${index + 1}`,
      link,
      snippet: `Snippet of ${link}`,
      position: index + 1,
    })),
    credits: 1,
  };
}

/**
 * Starts a Serper-compatible search API on 127.0.0.1 with a free port. Requests take responses from
 * `queue` first, then from `respond(query)`. Every request is recorded in `received`.
 */
export async function startFakeSerper(respond: (query: string) => ScriptedResponse): Promise<FakeSerper> {
  const received: ReceivedSearch[] = [];
  const toSearch = (request: ReceivedRequest): ReceivedSearch => {
    const apiKey = request.headers["x-api-key"];
    return {
      at: request.at,
      apiKey: typeof apiKey === "string" ? apiKey : undefined,
      body: JSON.parse(request.body) as ReceivedSearch["body"],
    };
  };
  const api = await startFakeApi(
    (request) => respond(toSearch(request).body.q),
    (request) => received.push(toSearch(request)),
  );
  return { url: api.url, received, queue: api.queue, stop: api.stop };
}

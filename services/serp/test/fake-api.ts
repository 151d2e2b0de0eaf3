import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { ScriptedResponse } from "./fake-serper.ts";

/** One request as the fake received it. */
export interface ReceivedRequest {
  at: number;
  method: string;
  path: string;
  params: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: string;
}

export interface FakeApi {
  url: string;
  received: ReceivedRequest[];
  /** Responses queued for the next requests, in order. When it is empty, `respond` decides. */
  queue: ScriptedResponse[];
  stop(): Promise<void>;
}

/**
 * Starts an HTTP server on 127.0.0.1 with a free port that plays a search API: requests take
 * responses from `queue` first, then from `respond(request)`, and every request is recorded in
 * `received` and passed to `onRequest`.
 */
export async function startFakeApi(
  respond: (request: ReceivedRequest) => ScriptedResponse,
  onRequest?: (request: ReceivedRequest) => void,
): Promise<FakeApi> {
  const received: ReceivedRequest[] = [];
  const queue: ScriptedResponse[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const url = new URL(request.url ?? "/", "http://127.0.0.1");
      const entry: ReceivedRequest = {
        at: Date.now(),
        method: request.method ?? "GET",
        path: url.pathname,
        params: url.searchParams,
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      received.push(entry);
      onRequest?.(entry);
      const scripted = queue.shift() ?? respond(entry);
      const send = () => {
        const text = typeof scripted.body === "string" ? scripted.body : JSON.stringify(scripted.body ?? {});
        response.writeHead(scripted.status ?? 200, {
          "content-type": "application/json",
          ...scripted.headers,
        });
        response.end(text);
      };
      if (scripted.delayMs) {
        setTimeout(send, scripted.delayMs);
      } else {
        send();
      }
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    queue,
    stop: async () => {
      for (const socket of sockets) {
        socket.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A Brave Search API web response, with `<strong>` highlights in the descriptions as Brave sends them. */
export function braveWeb(urls: string[]): unknown {
  return {
    type: "search",
    query: { original: "q" },
    web: {
      type: "search",
      results: urls.map((url, index) => ({
        title: `Brave <strong>result</strong> ${index + 1}`,
        url,
        description: `About <strong>${url}</strong> &amp; more`,
        type: "search_result",
      })),
    },
  };
}

/** A Brave Search API error body. */
export function braveError(status: number, code: string, detail: string): unknown {
  return { type: "ErrorResponse", error: { id: "0f2d", status, code, detail, meta: {} }, time: 1700000000 };
}

/** A MediaWiki `list=search` response with highlight spans in the snippets. */
export function wikipediaSearch(titles: string[]): unknown {
  return {
    batchcomplete: "",
    query: {
      searchinfo: { totalhits: titles.length },
      search: titles.map((title, index) => ({
        ns: 0,
        title,
        pageid: 1000 + index,
        snippet: `<span class="searchmatch">${title}</span> is &quot;notable&quot;`,
      })),
    },
  };
}

/** A SearXNG JSON response. */
export function searxngResults(urls: string[]): unknown {
  return {
    query: "q",
    number_of_results: urls.length,
    results: urls.map((url, index) => ({
      url,
      title: `SearXNG result ${index + 1}`,
      content: `Content of ${url}`,
      engine: "duckduckgo",
      engines: ["duckduckgo"],
      score: 1 / (index + 1),
      category: "general",
    })),
    answers: [],
    corrections: [],
    infoboxes: [],
    suggestions: [],
    unresponsive_engines: [],
  };
}

import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

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
  const queue: ScriptedResponse[] = [];
  const sockets = new Set<import("node:net").Socket>();
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ReceivedSearch["body"];
      const apiKey = request.headers["x-api-key"];
      received.push({ at: Date.now(), apiKey: typeof apiKey === "string" ? apiKey : undefined, body });
      const scripted = queue.shift() ?? respond(body.q);
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

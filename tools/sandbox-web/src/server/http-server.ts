import { createServer, type IncomingMessage, type Server } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import type { Exchange } from "../faults/deliver.ts";
import { sendResponse } from "../faults/deliver.ts";
import { handleSearxngSearch, handleSerperSearch, type SearchDependencies } from "../search/api.ts";
import { stripHopMarker } from "../url.ts";
import { CONTROL_PREFIX, handleControlRequest, type SandboxControl } from "./control.ts";
import { handleProxyRequest, type ProxyDependencies } from "./proxy.ts";
import { apiError, textResponse } from "./respond.ts";
import { respondWithFaults } from "./with-faults.ts";

export interface SandboxServerDependencies {
  proxy: ProxyDependencies;
  search: SearchDependencies;
  control: SandboxControl;
  logger: Logger;
}

export interface SandboxServer {
  server: Server;
  /** Stops accepting connections, cancels pending delays and destroys every open socket. */
  close(): Promise<void>;
}

/**
 * Creates the HTTP server that is both the forward proxy and the search and control API. A request
 * in absolute form (`GET http://host/path`) or inside a CONNECT tunnel to port 80 is a proxied
 * page. A request in origin form (`POST /search`) is for the sandbox itself.
 */
export function createSandboxServer(dependencies: SandboxServerDependencies): SandboxServer {
  const { logger } = dependencies;
  const stopController = new AbortController();
  const sockets = new Set<Duplex>();
  const tunnels = new WeakMap<Duplex, string>();

  const server = createServer((request, response) => {
    const requestController = new AbortController();
    response.once("close", () => requestController.abort());
    const exchange: Exchange = {
      request,
      response,
      signal: AbortSignal.any([stopController.signal, requestController.signal]),
      jsonErrors: false,
      logger,
    };
    routeRequest(dependencies, exchange, tunnels.get(request.socket)).catch((error: unknown) => {
      logger.error({ err: error, method: request.method, url: request.url }, "request handler failed");
      if (!response.headersSent) {
        response.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        response.end("Internal sandbox error: see the sandbox log.\n");
      } else {
        response.destroy();
      }
    });
  });

  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });

  server.on("connect", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // After a CONNECT the server no longer handles the socket's errors, so a client that resets the
    // connection would otherwise crash the process.
    socket.on("error", (error) => logger.debug({ err: error, target: request.url }, "tunnel socket error"));
    openTunnel(dependencies, server, tunnels, request, socket, head);
  });

  const close = async (): Promise<void> => {
    if (stopController.signal.aborted) {
      return;
    }
    stopController.abort();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) {
      socket.destroy();
    }
    server.closeAllConnections();
    await closed;
  };

  return { server, close };
}

async function routeRequest(
  dependencies: SandboxServerDependencies,
  exchange: Exchange,
  tunnelTarget: string | undefined,
): Promise<void> {
  const { request } = exchange;
  const rawUrl = request.url ?? "/";
  dependencies.logger.debug({ method: request.method, url: rawUrl, tunnel: tunnelTarget }, "request");

  if (tunnelTarget !== undefined) {
    await handleProxyRequest(dependencies.proxy, exchange, `http://${tunnelTarget}${rawUrl}`);
    return;
  }
  if (/^https?:\/\//i.test(rawUrl)) {
    await handleProxyRequest(dependencies.proxy, exchange, rawUrl);
    return;
  }

  const { counters } = dependencies.search;
  const requested = new URL(rawUrl, `http://${request.headers.host ?? "localhost"}`);
  exchange.jsonErrors = true;

  if (requested.pathname.startsWith(CONTROL_PREFIX)) {
    counters.recordRequest("control");
    await sendResponse(
      exchange,
      await handleControlRequest(dependencies.control, request, requested.pathname),
    );
    return;
  }

  if (requested.pathname === "/search") {
    counters.recordRequest("search");
    const { url, hop } = stripHopMarker(requested);
    await respondWithFaults(
      exchange,
      dependencies.proxy.faults,
      counters,
      { route: "search", host: url.hostname, path: url.pathname, hop },
      url,
      () => {
        if (request.method === "POST") {
          return handleSerperSearch(dependencies.search, request);
        }
        if (request.method === "GET") {
          return handleSearxngSearch(dependencies.search, url);
        }
        return apiError(405, `Method ${request.method} is not allowed on /search: use POST or GET.`, {
          allow: "GET, POST",
        });
      },
    );
    return;
  }

  counters.recordRequest("other");
  await sendResponse(
    exchange,
    apiError(
      404,
      `Unknown path ${requested.pathname}: the sandbox serves /search, ${CONTROL_PREFIX}* and proxied URLs.`,
    ),
  );
}

/**
 * Responds to a CONNECT request. A tunnel to port 80 carries plain HTTP, so its requests are served
 * like proxied ones. A tunnel to any other port would carry TLS, which the sandbox cannot replay.
 */
function openTunnel(
  dependencies: SandboxServerDependencies,
  server: Server,
  tunnels: WeakMap<Duplex, string>,
  request: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): void {
  const authority = request.url ?? "";
  let target: URL | undefined;
  try {
    target = new URL(`http://${authority}`);
  } catch {
    target = undefined;
  }

  if (target === undefined || (target.port !== "" && target.port !== "80")) {
    dependencies.proxy.counters.recordRequest("page", target?.hostname);
    const message =
      `CONNECT ${authority} is not supported: the sandbox replays plain http URLs only. ` +
      "Request http:// URLs through the proxy.\n";
    const planned = textResponse(501, message);
    socket.end(
      `HTTP/1.1 501 Not Implemented\r\ncontent-type: ${planned.headers["content-type"]}\r\n` +
        `content-length: ${planned.body.length}\r\nconnection: close\r\n\r\n${message}`,
    );
    return;
  }

  tunnels.set(socket, target.host);
  socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
  if (head.length > 0) {
    socket.unshift(head);
  }
  // The server parses the tunnelled bytes as a new HTTP connection.
  server.emit("connection", socket);
}

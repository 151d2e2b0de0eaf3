import { once } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { apiError, type PlannedResponse, textResponse } from "../server/respond.ts";
import { withHopMarker } from "../url.ts";
import type { Fault } from "./schema.ts";

/** Request in progress, with a signal aborted when the client leaves or the sandbox stops. */
export interface Exchange {
  request: IncomingMessage;
  response: ServerResponse;
  signal: AbortSignal;
  /** Whether errors go out as Serper-style JSON (search route) or as plain text (proxied pages). */
  jsonErrors: boolean;
  logger: Logger;
}

type ResponseFault = Exclude<Fault, { kind: "latency" }>;

/** Size of the padding chunks of an oversized body. */
const PADDING_CHUNK_BYTES = 64 * 1024;

/**
 * Applies a fault that takes the place of the normal response: an error status, 429, a hang, a
 * reset before any byte, or a redirect hop. `url` is the requested URL without the hop marker and
 * `hop` the marker's value. Returns false when the fault only changes how the normal response is
 * delivered, or when a redirect chain has reached its last hop, so the caller sends the response.
 */
export function applyReplacingFault(
  exchange: Exchange,
  fault: ResponseFault,
  url: URL,
  hop: number,
): boolean {
  const { request } = exchange;
  switch (fault.kind) {
    case "error": {
      const headers = fault.retryAfterS === undefined ? {} : { "retry-after": String(fault.retryAfterS) };
      const message = fault.body ?? `Injected fault: status ${fault.status}.`;
      const planned = exchange.jsonErrors
        ? apiError(fault.status, message, headers)
        : textResponse(fault.status, message, headers);
      void sendResponse(exchange, planned);
      return true;
    }
    case "rate-limit": {
      const headers = { "retry-after": String(fault.retryAfterS) };
      const message = "Too many requests: injected rate limit.";
      void sendResponse(
        exchange,
        exchange.jsonErrors ? apiError(429, message, headers) : textResponse(429, message, headers),
      );
      return true;
    }
    case "hang":
      // Holds the request open: the client times out, or stop() destroys the socket.
      return true;
    case "reset":
      if (fault.afterBytes > 0) {
        return false;
      }
      request.socket.resetAndDestroy();
      return true;
    case "redirect": {
      if (hop >= fault.hops) {
        return false;
      }
      redirect(exchange, fault.status, withHopMarker(url, hop + 1));
      return true;
    }
    case "redirect-loop":
      redirect(exchange, fault.status, withHopMarker(url, (hop + 1) % fault.length));
      return true;
    default:
      return false;
  }
}

function redirect(exchange: Exchange, status: number, location: string): void {
  void sendResponse(exchange, textResponse(status, `Redirecting to ${location}\n`, { location }));
}

/** Sends a planned response, changing its delivery as the fault specifies (slow, cut short, padded...). */
export async function sendResponse(
  exchange: Exchange,
  planned: PlannedResponse,
  fault?: ResponseFault,
): Promise<void> {
  const { request, response } = exchange;
  const headers = { ...planned.headers };
  // For HEAD requests Node's http server sends the headers, Content-Length included, and drops body writes.
  const body = planned.body;

  switch (fault?.kind) {
    case "wrong-content-type":
      headers["content-type"] = fault.contentType;
      break;
    case "slow-body":
      response.writeHead(planned.status, { ...headers, "content-length": body.length });
      await trickle(exchange, body, fault.chunkBytes, fault.intervalMs);
      return;
    case "truncate": {
      response.writeHead(planned.status, { ...headers, "content-length": body.length });
      const sent = Math.min(fault.bytes ?? Math.floor(body.length / 2), body.length);
      await writeAndFlush(response, body.subarray(0, sent));
      response.socket?.end();
      return;
    }
    case "reset":
      response.writeHead(planned.status, { ...headers, "content-length": body.length });
      await writeAndFlush(response, body.subarray(0, Math.min(fault.afterBytes, body.length)));
      request.socket.resetAndDestroy();
      return;
    case "oversized":
      await sendPadded(exchange, planned.status, headers, body, fault.bytes, fault.announceLength);
      return;
  }

  response.writeHead(planned.status, { ...headers, "content-length": body.length });
  response.end(body);
}

/** Sends the body `chunkBytes` at a time with `intervalMs` between chunks. */
async function trickle(
  exchange: Exchange,
  body: Buffer,
  chunkBytes: number,
  intervalMs: number,
): Promise<void> {
  const { response, signal } = exchange;
  try {
    for (let offset = 0; offset < body.length; offset += chunkBytes) {
      if (offset > 0) {
        await sleep(intervalMs, undefined, { signal });
      }
      await writeAndFlush(response, body.subarray(offset, offset + chunkBytes));
    }
    response.end();
  } catch (error) {
    // The client left or the sandbox is stopping: drop the rest of the body.
    if (signal.aborted) {
      exchange.logger.debug(
        { err: error, url: exchange.request.url },
        "slow body stopped: client left or sandbox stopping",
      );
      response.destroy();
      return;
    }
    throw error;
  }
}

/** Sends the body followed by spaces up to `totalBytes`, so HTML and JSON bodies stay parseable. */
async function sendPadded(
  exchange: Exchange,
  status: number,
  headers: Record<string, unknown>,
  body: Buffer,
  totalBytes: number,
  announceLength: boolean,
): Promise<void> {
  const { response, signal } = exchange;
  const total = Math.max(totalBytes, body.length);
  const sizeHeader = announceLength ? { "content-length": total } : {};
  response.writeHead(status, { ...headers, ...sizeHeader } as Record<string, string | number>);

  const padding = Buffer.alloc(PADDING_CHUNK_BYTES, 0x20);
  try {
    let sent = 0;
    if (!response.write(body)) {
      await once(response, "drain", { signal });
    }
    sent += body.length;
    while (sent < total) {
      const chunk = padding.subarray(0, Math.min(PADDING_CHUNK_BYTES, total - sent));
      sent += chunk.length;
      if (!response.write(chunk)) {
        await once(response, "drain", { signal });
      }
    }
    response.end();
  } catch (error) {
    if (signal.aborted) {
      exchange.logger.debug(
        { err: error, url: exchange.request.url },
        "oversized body stopped: client left or sandbox stopping",
      );
      response.destroy();
      return;
    }
    throw error;
  }
}

/** Writes `chunk` and waits until it has been handed to the socket. */
function writeAndFlush(response: ServerResponse, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    response.write(chunk, (error) => (error ? reject(error) : resolve()));
  });
}

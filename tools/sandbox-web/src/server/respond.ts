import type { IncomingMessage, OutgoingHttpHeaders } from "node:http";

/** A response built in full before it is sent, so a fault can change how it is delivered. */
export interface PlannedResponse {
  status: number;
  headers: OutgoingHttpHeaders;
  body: Buffer;
}

export function jsonResponse(
  status: number,
  value: unknown,
  headers: OutgoingHttpHeaders = {},
): PlannedResponse {
  return {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
    body: Buffer.from(JSON.stringify(value)),
  };
}

export function textResponse(
  status: number,
  text: string,
  headers: OutgoingHttpHeaders = {},
): PlannedResponse {
  return {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", ...headers },
    body: Buffer.from(text),
  };
}

/** Error body in the shape Serper uses: `{"message": "...", "statusCode": N}`. */
export function apiError(
  status: number,
  message: string,
  headers: OutgoingHttpHeaders = {},
): PlannedResponse {
  return jsonResponse(status, { message, statusCode: status }, headers);
}

/** Maximum request body accepted by the search and control endpoints, in bytes. */
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

export class RequestBodyTooLargeError extends Error {
  readonly code = "REQUEST_BODY_TOO_LARGE";

  constructor(limitBytes: number) {
    super(`Request body is larger than ${limitBytes} bytes: send a smaller body.`);
    this.name = "RequestBodyTooLargeError";
  }
}

/** Reads the whole request body, rejecting with RequestBodyTooLargeError past `limitBytes`. */
export async function readBody(
  request: IncomingMessage,
  limitBytes = MAX_REQUEST_BODY_BYTES,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) {
      throw new RequestBodyTooLargeError(limitBytes);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export type JsonBody = { ok: true; value: unknown } | { ok: false; response: PlannedResponse };

/** Reads and parses a JSON request body; an empty body parses as `fallback`. */
export async function readJsonBody(
  request: IncomingMessage,
  fallback: unknown = undefined,
): Promise<JsonBody> {
  let raw: Buffer;
  try {
    raw = await readBody(request);
  } catch (error) {
    if (error instanceof RequestBodyTooLargeError) {
      return { ok: false, response: apiError(413, error.message) };
    }
    throw error;
  }
  if (raw.length === 0) {
    return { ok: true, value: fallback };
  }
  try {
    return { ok: true, value: JSON.parse(raw.toString("utf8")) };
  } catch {
    return { ok: false, response: apiError(400, "Request body is not valid JSON: send a JSON document.") };
  }
}

import { Readable } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from "node:zlib";
import type { Dispatcher } from "undici";
import { PageFailureError } from "./page-fetcher.ts";

/** Content-Encoding values the crawler decodes; it sends them in Accept-Encoding. */
export const ACCEPT_ENCODING = "gzip, deflate, br";

/**
 * Reads a response body up to `maxBytes` of decoded content. A gzip, deflate or brotli body is
 * decompressed while it streams and cut at `maxBytes` of output, so a decompression bomb costs at
 * most that much memory. Past the cap the streams are destroyed and `truncated` is set.
 */
export async function readBody(
  body: Dispatcher.ResponseData["body"],
  contentEncoding: string | undefined,
  maxBytes: number,
  url: string,
): Promise<{ body: Uint8Array; truncated: boolean }> {
  const codings = (contentEncoding ?? "")
    .split(",")
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== "" && coding !== "identity");
  if (codings.length > 1) {
    await body.dump().catch(() => {});
    throw new PageFailureError(
      url,
      "error",
      `unsupported content encoding ${contentEncoding} at ${url}; the crawler decodes one of ${ACCEPT_ENCODING}`,
    );
  }
  const coding = codings[0];
  if (coding === undefined) {
    return readCapped(body, maxBytes);
  }
  if (coding === "deflate") {
    return readDeflate(body, maxBytes, url);
  }
  const decoder =
    coding === "gzip" || coding === "x-gzip"
      ? createGunzip()
      : coding === "br"
        ? createBrotliDecompress()
        : undefined;
  if (decoder === undefined) {
    await body.dump().catch(() => {});
    throw new PageFailureError(
      url,
      "error",
      `unsupported content encoding ${coding} at ${url}; the crawler decodes ${ACCEPT_ENCODING}`,
    );
  }
  return decode(body, decoder, maxBytes, url);
}

/**
 * HTTP "deflate" is meant to be zlib-wrapped (RFC 9110), but some servers send raw deflate. A zlib
 * stream starts with a header byte whose low four bits are 8 (0x78 in practice), which tells them apart.
 */
async function readDeflate(
  body: Dispatcher.ResponseData["body"],
  maxBytes: number,
  url: string,
): Promise<{ body: Uint8Array; truncated: boolean }> {
  const iterator = (body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) {
    return { body: new Uint8Array(), truncated: false };
  }
  const head = first.value;
  const rest = Readable.from(
    (async function* () {
      yield head;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        yield next.value;
      }
    })(),
  );
  const zlibWrapped = head.length > 0 && (head[0]! & 0x0f) === 8;
  return decode(rest, zlibWrapped ? createInflate() : createInflateRaw(), maxBytes, url, () =>
    body.destroy(),
  );
}

async function decode(
  source: Readable,
  decoder: NodeJS.ReadWriteStream & { destroy(): void },
  maxBytes: number,
  url: string,
  destroySource: () => void = () => source.destroy(),
): Promise<{ body: Uint8Array; truncated: boolean }> {
  source.on("error", (error) => (decoder as unknown as Readable).destroy(error));
  source.pipe(decoder as unknown as NodeJS.WritableStream);
  try {
    const result = await readCapped(decoder as unknown as Readable, maxBytes);
    if (result.truncated) {
      destroySource();
    }
    return result;
  } catch (error) {
    destroySource();
    const code = (error as { code?: string }).code ?? "";
    if (code.startsWith("Z_") || code.startsWith("ERR_BROTLI") || code === "ERR__ERROR_FORMAT_PADDING_1") {
      throw new PageFailureError(
        url,
        "error",
        `the compressed body of ${url} is corrupt: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    throw error;
  }
}

/** Reads a stream up to `maxBytes`; past that it stops reading and destroys the stream. */
export async function readCapped(
  stream: Readable,
  maxBytes: number,
): Promise<{ body: Uint8Array; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const room = maxBytes - size;
    if (chunk.length > room) {
      chunks.push(chunk.subarray(0, room));
      size += room;
      truncated = true;
      break;
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  if (truncated) {
    stream.destroy();
  }
  return { body: Buffer.concat(chunks, size), truncated };
}

import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from "node:zlib";

export interface PageServer {
  url: string;
  /** Requests received per path. */
  hits: Map<string, number>;
  stop(): Promise<void>;
}

/** Bytes of a windows-1252 page: "é", "ü", "€" (0x80) and curly quotes (0x93, 0x94) differ from UTF-8 and Latin-1. */
export function windows1252Page(): Buffer {
  const head = Buffer.from("<html><head><title>Caf", "latin1");
  const rest = Buffer.from(" M\xfcller</title></head><body><h1>Caf\xe9 M\xfcller</h1><p>Price: ", "latin1");
  return Buffer.concat([
    head,
    Buffer.from([0xe9]),
    rest,
    Buffer.from([0x80]),
    Buffer.from(" 12. Motto: ", "latin1"),
    Buffer.from([0x93]),
    Buffer.from("Gr\xfc\xdf Gott", "latin1"),
    Buffer.from([0x94]),
    Buffer.from("</p></body></html>", "latin1"),
  ]);
}

export const LEDGER_HTML = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>The Lighthouse Ledger</title></head>
<body><h1>The Lighthouse Ledger</h1><table><tr><th>Publisher</th><td>Saltmarsh Books</td></tr>
<tr><th>Published</th><td>March 2019</td></tr></table><p>A novel about a lighthouse keeper.</p></body></html>`;

type Route = (request: IncomingMessage, response: ServerResponse, hit: number) => void;

/** Bytes the decompression bomb expands to: 32 MiB of zeros, about 32 KiB compressed. */
export const BOMB_BYTES = 32 * 1024 * 1024;
let bomb: Buffer | undefined;

/** The gzip bomb `/bomb` serves; compressing it takes a while, so tests build it before their requests. */
export function decompressionBomb(): Buffer {
  bomb ??= gzipSync(Buffer.alloc(BOMB_BYTES));
  return bomb;
}

function compressed(encoding: string, body: Buffer): Route {
  return (_request, response) => {
    response.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-encoding": encoding });
    response.end(body);
  };
}

function html(body: string | Buffer, contentType = "text/html; charset=utf-8"): Route {
  return (_request, response) => {
    response.writeHead(200, { "content-type": contentType });
    response.end(body);
  };
}

function status(code: number, headers: Record<string, string> = {}): Route {
  return (_request, response) => {
    response.writeHead(code, { "content-type": "text/html", ...headers });
    response.end(`<html><body>HTTP ${code}</body></html>`);
  };
}

/**
 * Starts an HTTP server on 127.0.0.1 with a free port that serves the pages the crawl tests need:
 * charsets, status codes, redirects, an oversized body, a slow page and wrong content types.
 */
export async function startPageServer(): Promise<PageServer> {
  const hits = new Map<string, number>();
  const sockets = new Set<Socket>();
  const routes: Record<string, Route> = {
    "/ledger": html(LEDGER_HTML),
    "/cp1252": html(windows1252Page(), "text/html; charset=windows-1252"),
    "/missing": status(404),
    "/gone": status(410),
    "/forbidden": status(403),
    "/legal": status(451),
    "/pdf": html(Buffer.from("%PDF-1.7 not html"), "application/pdf"),
    "/notes.txt": html(
      "Publisher: Saltmarsh Books\nThe Lighthouse Ledger <draft>",
      "text/plain; charset=utf-8",
    ),
    "/record.json": html(
      JSON.stringify({ title: "The Lighthouse Ledger", publisher: "Saltmarsh Books" }),
      "application/json",
    ),
    "/captcha": html(
      `<html><head><title>Security check</title><script src="https://www.google.com/recaptcha/api.js"></script></head>
      <body><form><div class="g-recaptcha" data-sitekey="x"></div></form><p>Please complete the check.</p></body></html>`,
    ),
    "/login": html(
      "<html><head><title>Sign in to continue</title></head><body><form><input type=password></form></body></html>",
    ),
    "/loop": status(302, { location: "/loop" }),
    "/no-location": status(301),
    "/to-ftp": status(302, { location: "ftp://127.0.0.1/file" }),
    "/big": (_request, response) => {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      const line = `<p>${"Lighthouse ledger filler text. ".repeat(30)}</p>\n`;
      response.write(`<html><head><title>Big page</title></head><body><h1>The Lighthouse Ledger</h1>`);
      for (let written = 0; written < 3 * 1024 * 1024; written += line.length) {
        response.write(line);
      }
      response.end("<p>Publisher: Hidden Press</p></body></html>");
    },
    "/gzip": compressed("gzip", gzipSync(LEDGER_HTML)),
    "/brotli": compressed("br", brotliCompressSync(LEDGER_HTML)),
    "/deflate": compressed("deflate", deflateSync(LEDGER_HTML)),
    "/deflate-raw": compressed("deflate", deflateRawSync(LEDGER_HTML)),
    "/corrupt-gzip": compressed("gzip", Buffer.from("this is not gzip data at all")),
    "/zstd": compressed("zstd", Buffer.from("pretend zstd")),
    "/bomb": (request, response, hit) => compressed("gzip", decompressionBomb())(request, response, hit),
    "/slow-body": (_request, response) => {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      response.write("<html><body><p>start</p>");
      const timer = setInterval(() => response.write("<p>more</p>"), 100);
      response.on("close", () => clearInterval(timer));
    },
    "/slow": (_request, response) => {
      const timer = setTimeout(() => html(LEDGER_HTML)(_request, response, 0), 5000);
      response.on("close", () => clearTimeout(timer));
    },
    "/flaky": (request, response, hit) =>
      hit === 1 ? status(503)(request, response, hit) : html(LEDGER_HTML)(request, response, hit),
    "/always-503": status(503),
    "/throttled": (request, response, hit) =>
      hit === 1
        ? status(429, { "retry-after": "1" })(request, response, hit)
        : html(LEDGER_HTML)(request, response, hit),
  };

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const hit = (hits.get(url.pathname) ?? 0) + 1;
    hits.set(url.pathname, hit);
    const toHost = /^\/to-host\/([^/]+)$/.exec(url.pathname);
    if (toHost) {
      const port = (server.address() as AddressInfo).port;
      status(302, { location: `http://${toHost[1]}:${port}/ledger` })(request, response, hit);
      return;
    }
    const redirect = /^\/redirect\/(\d+)$/.exec(url.pathname);
    if (redirect) {
      const remaining = Number(redirect[1]);
      const location = remaining === 0 ? "/ledger" : `/redirect/${remaining - 1}`;
      status(302, { location })(request, response, hit);
      return;
    }
    const route = routes[url.pathname];
    if (route === undefined) {
      status(404)(request, response, hit);
      return;
    }
    route(request, response, hit);
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
    hits,
    stop: async () => {
      for (const socket of sockets) {
        socket.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

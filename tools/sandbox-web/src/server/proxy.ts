import type { ArchivedPage } from "../corpus/load.ts";
import type { Exchange } from "../faults/deliver.ts";
import type { FaultEngine } from "../faults/engine.ts";
import { normalizeUrl, stripHopMarker } from "../url.ts";
import type { RequestCounters } from "./counters.ts";
import { type PlannedResponse, textResponse } from "./respond.ts";
import { ALLOW_ALL_ROBOTS, type RobotsRules } from "./robots.ts";
import { respondWithFaults } from "./with-faults.ts";

export interface ProxyDependencies {
  pages: ReadonlyMap<string, ArchivedPage>;
  robots: RobotsRules;
  faults: FaultEngine;
  counters: RequestCounters;
}

/** Serves a proxied request for `absoluteUrl` from the corpus, as the archived site would. */
export async function handleProxyRequest(
  dependencies: ProxyDependencies,
  exchange: Exchange,
  absoluteUrl: string,
): Promise<void> {
  let requested: URL;
  try {
    requested = new URL(absoluteUrl);
  } catch {
    dependencies.counters.recordRequest("page");
    exchange.response.writeHead(400, { "content-type": "text/plain; charset=utf-8" });
    exchange.response.end(`Invalid request URL ${absoluteUrl}: send an absolute http URL.\n`);
    return;
  }

  const { url, hop } = stripHopMarker(requested);
  const route = url.pathname === "/robots.txt" ? "robots" : "page";
  const host = url.hostname;
  dependencies.counters.recordRequest(route, host);

  await respondWithFaults(
    exchange,
    dependencies.faults,
    dependencies.counters,
    { route, host, path: url.pathname, hop },
    url,
    () => buildPageResponse(dependencies, exchange.request.method ?? "GET", route, url),
  );
}

function buildPageResponse(
  dependencies: ProxyDependencies,
  method: string,
  route: "page" | "robots",
  url: URL,
): PlannedResponse {
  if (method !== "GET" && method !== "HEAD") {
    return textResponse(
      405,
      `Method ${method} is not allowed: the sandbox replays pages for GET and HEAD.\n`,
      {
        allow: "GET, HEAD",
      },
    );
  }

  const page = dependencies.pages.get(normalizeUrl(url.href) ?? "");
  if (route === "robots") {
    // A robots.txt set at run time wins over an archived one, which wins over the allow-all default.
    const rule = dependencies.robots.get(url.hostname);
    if (rule !== undefined || page === undefined) {
      return textResponse(200, rule ?? ALLOW_ALL_ROBOTS);
    }
  }

  if (page === undefined) {
    return {
      status: 404,
      headers: { "content-type": "text/html; charset=utf-8" },
      body: Buffer.from(
        `<!doctype html><title>404 Not Found</title><h1>Not Found</h1><p>${escapeHtml(url.href)} is not in the sandbox corpus.</p>\n`,
      ),
    };
  }
  return { status: 200, headers: { "content-type": page.contentType }, body: page.body };
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"]/g, (character) => `&#${character.charCodeAt(0)};`);
}

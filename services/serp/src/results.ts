import type { SearchResult } from "@ampledata/shared";

/**
 * Normalises a result URL so that one page returned by several queries is recognised. The host is
 * lower-cased and a default port dropped (WHATWG URL parsing does both), and the fragment, a
 * trailing slash on a non-root path and `utm_*` tracking parameters are removed. Returns undefined
 * for anything that is not an absolute http(s) URL, which the crawler could not fetch anyway.
 */
export function normalizeResultUrl(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return undefined;
  }
  url.hash = "";
  for (const name of [...url.searchParams.keys()]) {
    if (name.toLowerCase().startsWith("utm_")) {
      url.searchParams.delete(name);
    }
  }
  if (url.pathname.length > 1 && url.pathname.endsWith("/")) {
    url.pathname = url.pathname.replace(/\/+$/, "") || "/";
  }
  return url.href;
}

/**
 * Merges the result lists of a row's queries. A page returned by several queries is kept once,
 * with its best (lowest) position and the title and snippet from that query. The merged list is
 * ordered by that position, earlier queries first on ties, renumbered from 1 and cut to `max`.
 */
export function mergeResults(lists: SearchResult[][], max: number): SearchResult[] {
  const best = new Map<string, { result: SearchResult; queryIndex: number }>();
  lists.forEach((results, queryIndex) => {
    for (const result of results) {
      const key = normalizeResultUrl(result.url);
      if (key === undefined) {
        continue;
      }
      const current = best.get(key);
      if (current === undefined || result.position < current.result.position) {
        best.set(key, { result, queryIndex });
      }
    }
  });
  return [...best.values()]
    .sort((a, b) => a.result.position - b.result.position || a.queryIndex - b.queryIndex)
    .slice(0, max)
    .map(({ result }, index) => ({ ...result, position: index + 1 }));
}

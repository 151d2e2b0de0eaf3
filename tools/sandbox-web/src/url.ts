/**
 * URL normalisation for page lookup. Two spellings of one page map to the same key: the host is
 * lowercased, the default port dropped, the fragment removed and a trailing slash on a non-root
 * path ignored. The query string is kept as sent, because it can select a different page.
 */

/** Query parameter that marks the hops of a redirect fault; it is removed before page lookup. */
export const HOP_PARAM = "sandbox-hop";

/** Returns the lookup key of an absolute http(s) URL, or undefined when `raw` is not one. */
export function normalizeUrl(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return undefined;
  }

  // WHATWG URL parsing has already lowercased the host and dropped a default port.
  let pathname = url.pathname;
  if (pathname.length > 1 && pathname.endsWith("/")) {
    pathname = pathname.replace(/\/+$/, "") || "/";
  }
  return `${url.protocol}//${url.host}${pathname}${url.search}`;
}

/** Returns `url` without the redirect-hop marker, and the hop number it carried (0 when none). */
export function stripHopMarker(url: URL): { url: URL; hop: number } {
  const value = url.searchParams.get(HOP_PARAM);
  if (value === null) {
    return { url, hop: 0 };
  }
  const clean = new URL(url);
  clean.searchParams.delete(HOP_PARAM);
  const hop = Number.parseInt(value, 10);
  return { url: clean, hop: Number.isFinite(hop) && hop > 0 ? hop : 0 };
}

/** Returns `url` with the redirect-hop marker set to `hop`, or removed when `hop` is 0. */
export function withHopMarker(url: URL, hop: number): string {
  const next = new URL(url);
  if (hop === 0) {
    next.searchParams.delete(HOP_PARAM);
  } else {
    next.searchParams.set(HOP_PARAM, String(hop));
  }
  return next.href;
}

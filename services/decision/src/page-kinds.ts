/** Recognises results that are rarely worth crawling for a row: search pages, social networks, files. */

/** Hosts (and their subdomains) of search engines, social networks and link aggregators. */
const LOW_VALUE_HOSTS = [
  "google.com",
  "bing.com",
  "duckduckgo.com",
  "search.yahoo.com",
  "yandex.com",
  "baidu.com",
  "facebook.com",
  "instagram.com",
  "twitter.com",
  "x.com",
  "tiktok.com",
  "pinterest.com",
  "youtube.com",
  "reddit.com",
  "quora.com",
];

/** Path segments of site search and listing pages. */
const SEARCH_PATH = /(?:^|\/)(?:search|searchresults|results|find|query)(?:\/|\.\w+$|$)/i;
const LISTING_PATH = /(?:^|\/)(?:tag|tags|category|categories|list|lists|browse)(?:\/|$)/i;
/** Query parameters that carry a site-search query. */
const SEARCH_PARAMS = ["q", "query", "s", "search", "keyword", "keywords", "k", "term"];
/** File types the crawler does not read (it reads HTML, XHTML, plain text and JSON). */
const FILE_EXTENSION =
  /\.(?:pdf|docx?|xlsx?|pptx?|odt|ods|zip|gz|rar|7z|jpe?g|png|gif|webp|svg|mp3|mp4|avi|mov|exe|dmg|epub)$/i;

export type PageKind = "page" | "search" | "listing" | "low-value host" | "file" | "unfetchable";

/** Classifies a result URL by what kind of page it probably is. */
export function pageKind(url: string): PageKind {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "unfetchable";
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return "unfetchable";
  }
  if (FILE_EXTENSION.test(parsed.pathname)) {
    return "file";
  }
  const host = parsed.hostname.replace(/^www\./, "");
  if (LOW_VALUE_HOSTS.some((listed) => host === listed || host.endsWith(`.${listed}`))) {
    return "low-value host";
  }
  if (SEARCH_PATH.test(parsed.pathname) || SEARCH_PARAMS.some((name) => parsed.searchParams.has(name))) {
    return "search";
  }
  if (LISTING_PATH.test(parsed.pathname)) {
    return "listing";
  }
  return "page";
}

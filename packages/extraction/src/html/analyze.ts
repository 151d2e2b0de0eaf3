/** HTML to `PageContent`: the page's title, headings, main text and structured data. */
import type { PageContent } from "@ampledata/shared";
import { load } from "cheerio";
import { collapseWhitespace } from "../text/normalize.ts";
import { mainContent, removeBoilerplate, removeSiteChrome } from "./boilerplate.ts";
import { INVISIBLE_TAGS, inlineText, renderBlockText } from "./dom.ts";
import { readLabelValues } from "./labels.ts";
import { readJsonLd, readMeta, readMicrodata } from "./structured.ts";

export interface PageOrigin {
  url: string;
  finalUrl?: string;
  status?: number;
  /** Maximum characters of main text to keep; `truncated` is set when the text was cut. Default 100000. */
  maxTextChars?: number;
}

export const DEFAULT_MAX_TEXT_CHARS = 100_000;
const MAX_HEADINGS = 60;
const MAX_HEADING_CHARS = 300;
const MAX_TITLE_CHARS = 500;

/**
 * Reads a page. Label/value pairs are read from the whole document less its navigation and
 * footer, because product details often sit outside the main content. The main text is read
 * after the rest of the furniture (sidebars, banners, related links) is removed too.
 */
export function analyzeHtml(html: string, page: PageOrigin): PageContent {
  const $ = load(html);
  const maxTextChars = page.maxTextChars ?? DEFAULT_MAX_TEXT_CHARS;

  const jsonLd = [...readJsonLd($), ...readMicrodata($)];
  const meta = readMeta($);
  const documentTitle = collapseWhitespace($("head title").first().text() || $("title").first().text());

  $([...INVISIBLE_TAGS].filter((tag) => tag !== "title" && tag !== "meta").join(", ")).remove();
  removeSiteChrome($);
  const fullText = renderBlockText($("body").toArray().length > 0 ? $("body").toArray() : $.root().toArray());
  const labelValues = readLabelValues($, fullText.split("\n"));

  removeBoilerplate($);
  const headings = $("h1, h2, h3, h4, h5, h6")
    .toArray()
    .map((element) => inlineText(element).slice(0, MAX_HEADING_CHARS))
    .filter((heading) => heading !== "")
    .slice(0, MAX_HEADINGS);

  let text = renderBlockText([mainContent($)]);
  if (text === "") text = fullText;
  const truncated = text.length > maxTextChars;
  if (truncated) text = text.slice(0, maxTextChars);

  const title = (documentTitle || meta["og:title"] || headings[0] || "").slice(0, MAX_TITLE_CHARS);

  return {
    url: page.url,
    finalUrl: page.finalUrl ?? page.url,
    status: page.status ?? 200,
    title,
    headings,
    text,
    jsonLd,
    meta,
    labelValues,
    truncated,
  };
}

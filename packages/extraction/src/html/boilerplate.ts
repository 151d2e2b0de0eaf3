/** Removal of navigation, footers, sidebars, cookie banners and similar page furniture. */
import type { CheerioAPI } from "cheerio";
import type { AnyNode, Element } from "domhandler";
import { inlineText, isElement } from "./dom.ts";

const FURNITURE_SELECTOR = [
  "nav",
  "footer",
  "aside",
  "form",
  "button",
  "dialog",
  "menu",
  '[role="navigation" i]',
  '[role="banner" i]',
  '[role="contentinfo" i]',
  '[role="complementary" i]',
  '[role="search" i]',
  '[role="dialog" i]',
  '[aria-hidden="true"]',
  "[hidden]",
].join(", ");

// Class and id words that templates use for furniture. Matched as whole words of the attribute.
const FURNITURE_WORDS =
  /(?:^|[\s_-])(?:nav|navbar|navigation|menu|footer|sidebar|cookie|cookies|consent|breadcrumbs?|share|sharing|social|comments?|advert|advertisement|ads|ad-slot|promo|newsletter|related|recommended|popup|modal|subscribe|signup|masthead|skip-link|pagination)(?:$|[\s_-])/i;

const CONTENT_TAGS = new Set(["html", "body", "main", "article"]);
const MAX_SHARE_OF_PAGE = 0.4;

const CHROME_SELECTOR = 'nav, footer, [role="navigation" i], [role="contentinfo" i]';

/** Removes site-wide navigation and footers in place, which never hold facts about the page's subject. */
export function removeSiteChrome($: CheerioAPI): void {
  const bodyLength = Math.max(1, inlineText($("body").get(0) ?? $.root().get(0)!).length);
  $(CHROME_SELECTOR).each((_, element) => {
    if (isRemovable($, element, bodyLength)) $(element).remove();
  });
}

/** Removes furniture elements in place. Elements that hold the page's main content are kept. */
export function removeBoilerplate($: CheerioAPI): void {
  const bodyLength = Math.max(1, inlineText($("body").get(0) ?? $.root().get(0)!).length);

  $("header").each((_, element) => {
    // A page header sits outside the article; an article's own header contains its title and byline.
    if ($(element).closest("article, main, [role=main]").length === 0 && $(element).find("h1").length === 0) {
      $(element).remove();
    }
  });

  $(FURNITURE_SELECTOR).each((_, element) => {
    if (isRemovable($, element, bodyLength)) $(element).remove();
  });

  $("[class], [id]").each((_, element) => {
    const markers = `${$(element).attr("class") ?? ""} ${$(element).attr("id") ?? ""}`;
    if (FURNITURE_WORDS.test(markers) && isRemovable($, element, bodyLength)) $(element).remove();
  });

  $('[style*="display:none" i], [style*="display: none" i]').each((_, element) => {
    if (isRemovable($, element, bodyLength)) $(element).remove();
  });
}

function isRemovable($: CheerioAPI, element: AnyNode, bodyLength: number): boolean {
  if (!isElement(element) || CONTENT_TAGS.has(element.name.toLowerCase())) return false;
  const node = $(element);
  if (node.find("article, main, [role=main], h1").length > 0) return false;
  // A wrapper that contains most of the page is layout, whatever its class name.
  return inlineText(element).length / bodyLength <= MAX_SHARE_OF_PAGE;
}

/**
 * Chooses the element that contains the main content: the largest `article`, `main` or
 * `[role=main]` element when it carries a fair share of the page's text, otherwise the body.
 */
export function mainContent($: CheerioAPI): Element {
  const body = $("body").get(0) ?? ($.root().children().get(0) as Element | undefined);
  const bodyLength = body === undefined ? 0 : inlineText(body).length;
  let best: Element | undefined;
  let bestLength = 0;
  $('article, main, [role="main" i], [itemprop="articleBody" i]').each((_, element) => {
    const length = inlineText(element).length;
    if (length > bestLength) {
      best = element;
      bestLength = length;
    }
  });
  if (best !== undefined && (bestLength >= 0.3 * bodyLength || bestLength >= 2000)) return best;
  return body ?? ($.root().get(0) as unknown as Element);
}

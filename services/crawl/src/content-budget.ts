import type { PageContent } from "@ampledata/shared";

/** Size of a page as it travels in the row message, in characters of JSON. */
export function serializedChars(page: PageContent): number {
  return JSON.stringify(page).length;
}

/** Returns each page's share of the row's content budget. Pages share it evenly, so their order does not matter. */
export function perPageBudget(maxContentChars: number, pages: number): number {
  return Math.floor(maxContentChars / Math.max(1, pages));
}

/**
 * Cuts a page until its JSON form fits `maxChars`: first the end of the text, then structured data
 * from the end of each list (label/value pairs, JSON-LD items, headings), then the meta tags.
 * A page that needed cutting is marked truncated.
 */
export function fitPage(page: PageContent, maxChars: number): PageContent {
  let size = serializedChars(page);
  if (size <= maxChars) {
    return page;
  }
  const fitted: PageContent = {
    ...page,
    truncated: true,
    labelValues: [...page.labelValues],
    jsonLd: [...page.jsonLd],
    headings: [...page.headings],
  };
  size = serializedChars(fitted);

  // JSON escapes make the text longer in the message than in characters, so cut and measure again.
  while (size > maxChars && fitted.text.length > 0) {
    fitted.text = fitted.text.slice(0, Math.max(0, fitted.text.length - (size - maxChars) - 16));
    size = serializedChars(fitted);
  }
  for (const list of [fitted.labelValues, fitted.jsonLd, fitted.headings] as unknown[][]) {
    // Each removed item takes its own JSON and the comma before it, so the size is kept by subtraction.
    while (size > maxChars && list.length > 0) {
      const removed = list.pop();
      size -= (JSON.stringify(removed) ?? "null").length + (list.length > 0 ? 1 : 0);
    }
  }
  size = serializedChars(fitted);
  if (size > maxChars) {
    fitted.meta = {};
  }
  return fitted;
}

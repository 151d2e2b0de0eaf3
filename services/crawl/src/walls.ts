import type { PageContent } from "@ampledata/shared";

/** Pages this short that mention a wall are the wall itself; longer pages may only talk about one. */
const SHORT_PAGE_CHARS = 2500;

const WALLS: { kind: string; pattern: RegExp }[] = [
  { kind: "CAPTCHA", pattern: /\b(?:re|h)?captcha\b|cf-turnstile/i },
  {
    kind: "bot check",
    pattern:
      /verify (?:that )?you(?:'re| are) (?:a )?human|are you a robot|not a robot|unusual traffic|checking (?:if the site connection is secure|your browser)|attention required|just a moment\.\.\./i,
  },
  {
    kind: "login wall",
    pattern:
      /\b(?:sign|log) ?in to (?:continue|view|see|read|access)\b|\bplease (?:sign|log) ?in\b|\blogin required\b|\byou must be (?:signed|logged) in\b/i,
  },
  {
    kind: "access denied page",
    pattern: /\baccess (?:denied|to this page has been denied)\b|\brequest (?:was )?blocked\b/i,
  },
];

/** Markup of CAPTCHA widgets, looked for in the raw HTML because analysis drops scripts and forms. */
const CAPTCHA_MARKUP =
  /class=["'][^"']*\b(?:g-recaptcha|h-captcha|cf-turnstile)\b|\/recaptcha\/api\.js|hcaptcha\.com\/1\/api\.js|challenges\.cloudflare\.com/i;

/** True when the raw HTML embeds a CAPTCHA widget; stored with cached pages, whose HTML is not kept. */
export function hasCaptchaMarkup(html: string): boolean {
  return CAPTCHA_MARKUP.test(html);
}

/**
 * Recognises a CAPTCHA, bot check, login wall or access-denied page served with a 2xx status.
 * `markup` is the raw HTML, or whether `hasCaptchaMarkup` found a widget in it.
 * Returns what was recognised, or undefined for an ordinary page. Only short pages are checked, so
 * an article that mentions CAPTCHAs is not taken for one. A page whose title contains one of the
 * row's key values is taken as the entity's page even when the key itself looks like a wall (a book
 * called "Access Denied").
 */
export function detectWall(
  page: PageContent,
  markup: string | boolean,
  keyValues: string[] = [],
): string | undefined {
  if (page.text.length > SHORT_PAGE_CHARS) {
    return undefined;
  }
  const title = page.title.toLowerCase();
  if (keyValues.some((value) => value.trim().length >= 3 && title.includes(value.trim().toLowerCase()))) {
    return undefined;
  }
  const heading = [page.title, ...page.headings].join("\n");
  for (const wall of WALLS) {
    if (wall.pattern.test(heading)) {
      return `${wall.kind} (title or heading: ${JSON.stringify(shorten(page.title || page.headings[0] || ""))})`;
    }
  }
  if (typeof markup === "boolean" ? markup : hasCaptchaMarkup(markup)) {
    return "CAPTCHA (widget in the page markup)";
  }
  for (const wall of WALLS) {
    const match = wall.pattern.exec(page.text);
    if (match) {
      return `${wall.kind} (page text: ${JSON.stringify(shorten(match[0]))})`;
    }
  }
  return undefined;
}

function shorten(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

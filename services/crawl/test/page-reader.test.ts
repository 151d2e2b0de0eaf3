import type { PageContent } from "@ampledata/shared";
import { describe, expect, it } from "vitest";
import { detectWall, fitPage, perPageBudget, readPage, serializedChars } from "../src/index.ts";
import { LEDGER_HTML } from "./page-server.ts";

function page(overrides: Partial<PageContent> = {}): PageContent {
  return {
    url: "http://a.test/",
    finalUrl: "http://a.test/",
    status: 200,
    title: "",
    headings: [],
    text: "",
    jsonLd: [],
    meta: {},
    labelValues: [],
    truncated: false,
    ...overrides,
  };
}

describe("wall detection", () => {
  it("recognises CAPTCHA, bot check and login pages", () => {
    expect(detectWall(page({ title: "Just a moment..." }), "")).toContain("bot check");
    expect(detectWall(page({ text: "Please verify you are a human." }), "")).toContain("bot check");
    expect(detectWall(page({ title: "Shop" }), '<div class="g-recaptcha"></div>')).toContain("CAPTCHA");
    expect(detectWall(page({ headings: ["Please sign in"] }), "")).toContain("login wall");
    expect(detectWall(page({ title: "Access denied" }), "")).toContain("access denied page");
  });

  it("ignores long pages that mention a wall", () => {
    const text = `This article explains how a CAPTCHA works. ${"More text about the history of the web. ".repeat(80)}`;
    expect(detectWall(page({ title: "How a captcha works", text }), "")).toBeUndefined();
  });

  it("ignores the entity's own page", () => {
    expect(detectWall(page({ title: "Access Denied: a thriller" }), "", ["Access Denied"])).toBeUndefined();
  });

  it("ignores an ordinary page", () => {
    expect(
      detectWall(page({ title: "The Lighthouse Ledger", text: "Publisher: Saltmarsh Books" }), ""),
    ).toBeUndefined();
  });
});

describe("content budget", () => {
  it("shares the budget evenly", () => {
    expect(perPageBudget(200_000, 3)).toBe(66_666);
    expect(perPageBudget(200_000, 0)).toBe(200_000);
  });

  it("leaves a page that fits unchanged", () => {
    const small = page({ text: "short" });
    expect(fitPage(small, 10_000)).toBe(small);
  });

  it("cuts text first, then structured data", () => {
    const labelValues = Array.from({ length: 2000 }, (_, index) => ({
      label: `Label ${index}`,
      value: "x".repeat(40),
    }));
    const big = page({
      text: '"quoted" line\n'.repeat(5000),
      labelValues,
      jsonLd: [{ "@type": "Book", name: "y".repeat(5000) }],
    });
    const fitted = fitPage(big, 20_000);
    expect(serializedChars(fitted)).toBeLessThanOrEqual(20_000);
    expect(fitted.truncated).toBe(true);
    expect(fitted.text).toBe("");
    expect(fitted.labelValues.length).toBeGreaterThan(0);
    expect(fitted.labelValues.length).toBeLessThan(2000);
    expect(fitted.labelValues[0]).toEqual({ label: "Label 0", value: "x".repeat(40) });
    expect(fitted.jsonLd).toHaveLength(1);
  });

  it("keeps the passages about the missing columns", () => {
    const filler = Array.from(
      { length: 400 },
      (_, index) => `<p>Paragraph ${index} about the weather at sea and nothing else.</p>`,
    ).join("");
    const html = LEDGER_HTML.replace("<p>A novel", `${filler}<p>A novel`).replace(
      "</table>",
      `</table><p>Its publisher is Saltmarsh Books.</p>`,
    );
    const body = new TextEncoder().encode(html);
    const read = readPage({
      fetched: {
        url: "http://a.test/",
        finalUrl: "http://a.test/",
        status: 200,
        contentType: "text/html",
        body,
        truncated: false,
      },
      columns: [{ name: "publisher", type: "string", mode: "enrich" }],
      entity: { key: { title: "The Lighthouse Ledger" } },
      maxChars: 4000,
    });
    expect("page" in read).toBe(true);
    const result = (read as { page: PageContent }).page;
    expect(serializedChars(result)).toBeLessThanOrEqual(4000);
    expect(result.truncated).toBe(true);
    expect(result.text).toContain("Its publisher is Saltmarsh Books.");
  });
});

import { describe, expect, it } from "vitest";
import { analyzeHtml, decodeHtml } from "../src/index.ts";
import { fixtureBytes, fixturePage } from "./helpers.ts";

describe("analyzeHtml structured data", () => {
  const page = fixturePage("book-jsonld.html");

  it("flattens JSON-LD @graph and reads CDATA-wrapped blocks", () => {
    const types = page.jsonLd.map((item) => (item as Record<string, unknown>)["@type"]);
    expect(types).toEqual(["Book", "WebSite", "Book"]);
    expect(page.jsonLd[0]).toMatchObject({ "@context": "https://schema.org", name: "The Salt Meridian" });
  });

  it("reads meta tags by name and property", () => {
    expect(page.meta["og:site_name"]).toBe("Lanternfish Books");
    expect(page.meta["book:isbn"]).toBe("9780306406157");
    expect(page.meta.description).toContain("cartographer");
    expect(page.meta.lang).toBe("en");
  });

  it("reads the title and drops navigation and asides from the main text", () => {
    expect(page.title).toBe("The Salt Meridian by Ada Quill | Lanternfish Books");
    expect(page.text).toContain("A cartographer sets out");
    expect(page.text).not.toContain("Navigation Press");
    expect(page.text).not.toContain("Customers also bought");
  });

  it("reads microdata items as JSON-LD-shaped objects", () => {
    const company = fixturePage("company-microdata.html");
    expect(company.jsonLd).toHaveLength(1);
    expect(company.jsonLd[0]).toMatchObject({
      "@type": ["Organization"],
      "@source": "microdata",
      name: "Brackenridge Robotics",
      foundingDate: "2011-04",
      numberOfEmployees: "185",
      url: "https://brackenridge.example/",
      address: { "@type": ["PostalAddress"], addressLocality: "Dundee", addressCountry: "Scotland" },
    });
  });
});

describe("analyzeHtml label/value pairs", () => {
  const page = fixturePage("book-table.html");
  const pairs = page.labelValues;

  it("reads two-cell rows, th/td rows, definition lists and labelled lines", () => {
    expect(pairs).toContainEqual({ label: "Publisher", value: "Fernleaf Editions" });
    expect(pairs).toContainEqual({ label: "ISBN-13", value: "978-1-4028-9462-6" });
    expect(pairs).toContainEqual({ label: "Publication date", value: "September 2021" });
    expect(pairs).toContainEqual({ label: "Language", value: "English" });
    expect(pairs).toContainEqual({ label: "Page Count", value: "288" });
  });

  it("skips header rows and keeps link boundaries in marked bylines", () => {
    expect(pairs.some((pair) => pair.label === "Format")).toBe(false);
    expect(pairs).toContainEqual({ label: "byline", value: "by Mina Torvald; Jonas Ek" });
  });

  it("never reads script, style or form contents", () => {
    expect(pairs.some((pair) => pair.value.includes("Script Press"))).toBe(false);
    expect(page.text).not.toContain("color: red");
    expect(page.text).not.toContain("Search");
  });

  it("drops cookie banners and footers from the main text", () => {
    expect(page.text).toContain("Night Orchard follows two sisters");
    expect(page.text).not.toContain("cookies");
    expect(page.text).not.toContain("help@quayside.example");
  });

  it("keeps headings in order", () => {
    expect(page.headings).toEqual(["Night Orchard", "by Mina Torvald and Jonas Ek"]);
  });
});

describe("analyzeHtml articles and limits", () => {
  it("keeps the article header and reads marked bylines and times", () => {
    const page = fixturePage("article.html");
    expect(page.headings[0]).toBe("Harbour cranes return to the old quay");
    expect(page.text).toContain("Two restored cranes");
    expect(page.text).not.toContain("Ferry timetable");
    expect(page.text).not.toContain("We use cookies");
    expect(page.labelValues).toContainEqual({ label: "byline", value: "Priya Castellan" });
    expect(page.labelValues).toContainEqual({ label: "published", value: "2023-05-02T08:15:00+01:00" });
  });

  it("cuts the text at maxTextChars and marks it truncated", () => {
    const html = `<html><body><p>${"word ".repeat(400)}</p></body></html>`;
    const page = analyzeHtml(html, { url: "https://a.example/", maxTextChars: 100 });
    expect(page.text.length).toBeLessThanOrEqual(100);
    expect(page.truncated).toBe(true);
  });

  it("fills origin fields with defaults", () => {
    const page = analyzeHtml("<p>x</p>", { url: "https://a.example/" });
    expect(page).toMatchObject({
      url: "https://a.example/",
      finalUrl: "https://a.example/",
      status: 200,
      truncated: false,
    });
  });

  it("survives broken markup", () => {
    const page = analyzeHtml("<html><body><div><p>Open <b>bold <i>both</div><table><tr><td>Label<td>Value", {
      url: "https://a.example/",
    });
    expect(page.text).toContain("Open bold both");
    expect(page.labelValues).toContainEqual({ label: "Label", value: "Value" });
  });
});

describe("decodeHtml", () => {
  it("decodes a windows-1252 page declared as iso-8859-1", () => {
    const html = decodeHtml(fixtureBytes("windows-1252.html"));
    expect(html).toContain("Café Müller – Éditions du Lac");
    expect(html).toContain("12 € – naïve résumé");
  });

  it("prefers the Content-Type charset over a meta declaration", () => {
    const bytes = Buffer.from('<meta charset="utf-8"><p>caf\xe9</p>', "latin1");
    expect(decodeHtml(bytes, "text/html; charset=ISO-8859-1")).toContain("café");
  });

  it("sniffs undeclared UTF-8 and strips the byte-order mark", () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("<p>naïve</p>", "utf8")]);
    expect(decodeHtml(bytes)).toBe("<p>naïve</p>");
    expect(decodeHtml(Buffer.from("<p>Zürich</p>", "utf8"))).toBe("<p>Zürich</p>");
  });

  it("falls back to a single-byte encoding for undeclared non-UTF-8 bytes", () => {
    const bytes = Buffer.from(
      "<p>Les caf\xe9s de la ville sont ouverts, et le th\xe9\xe2tre aussi.</p>",
      "latin1",
    );
    expect(decodeHtml(bytes)).toContain("cafés");
  });

  it("analyzes the decoded page", () => {
    const page = analyzeHtml(decodeHtml(fixtureBytes("windows-1252.html")), { url: "https://lac.example/" });
    expect(page.title).toBe("Café Müller – Éditions du Lac");
    expect(page.labelValues).toContainEqual({ label: "Publisher", value: "Éditions du Lac" });
  });
});

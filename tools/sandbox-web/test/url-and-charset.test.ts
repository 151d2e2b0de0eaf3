import iconv from "iconv-lite";
import { describe, expect, it } from "vitest";
import { detectCharset, extractPageText, normalizeUrl } from "../src/index.ts";

describe("normalizeUrl", () => {
  it.each([
    ["http://Example.TEST/a/b", "http://example.test/a/b"],
    ["http://example.test:80/a", "http://example.test/a"],
    ["http://example.test:8080/a", "http://example.test:8080/a"],
    ["http://example.test/a/", "http://example.test/a"],
    ["http://example.test/a#section", "http://example.test/a"],
    ["http://example.test", "http://example.test/"],
    ["http://example.test/", "http://example.test/"],
    ["http://example.test/a?x=1&y=2", "http://example.test/a?x=1&y=2"],
  ])("normalizes %s", (raw, expected) => {
    expect(normalizeUrl(raw)).toBe(expected);
  });

  it("keeps the query, which can select another page", () => {
    expect(normalizeUrl("http://example.test/a?x=1")).not.toBe(normalizeUrl("http://example.test/a?x=2"));
  });

  it.each(["not a url", "/relative/path", "ftp://example.test/file"])("rejects %s", (raw) => {
    expect(normalizeUrl(raw)).toBeUndefined();
  });
});

describe("detectCharset", () => {
  it("reads a UTF-8 byte order mark", () => {
    expect(detectCharset(Buffer.from("\ufeff<html><p>caf\u00e9</p>"))).toBe("utf-8");
  });

  it("reads <meta charset>", () => {
    expect(detectCharset(Buffer.from('<html><head><meta charset="Shift_JIS"></head>'))).toBe("shift_jis");
  });

  it("reads an http-equiv Content-Type declaration", () => {
    const html = '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">';
    // WHATWG maps the ISO-8859-1 label to windows-1252.
    expect(detectCharset(Buffer.from(html))).toBe("windows-1252");
  });

  it("takes undeclared valid UTF-8 as UTF-8", () => {
    expect(detectCharset(Buffer.from("<p>na\u00efve caf\u00e9</p>"))).toBe("utf-8");
  });

  it("takes undeclared invalid UTF-8 as windows-1252", () => {
    expect(detectCharset(iconv.encode("<p>na\u00efve caf\u00e9</p>", "windows-1252"))).toBe("windows-1252");
  });
});

describe("extractPageText", () => {
  it("keeps visible text and drops scripts, styles and the head", () => {
    const page = extractPageText(
      "<html><head><title> A  Title </title><style>p{}</style><script>var x = 1;</script></head>" +
        "<body><h1>Heading</h1><p>First <b>para</b>graph.</p><script>hidden()</script><p>Second</p></body></html>",
    );
    expect(page.title).toBe("A Title");
    expect(page.text).toBe("Heading\nFirst paragraph.\nSecond");
  });

  it("separates adjacent blocks and decodes entities", () => {
    const page = extractPageText("<body><div>One</div><div>Two &amp; three</div><td>4</td><td>5</td></body>");
    expect(page.text.split("\n")).toEqual(["One", "Two & three", "4", "5"]);
  });

  it("falls back to the first h1 without a title", () => {
    expect(extractPageText("<body><h1>Only heading</h1><h1>Second</h1></body>").title).toBe("Only heading");
  });

  it("reads the body after an unclosed head", () => {
    expect(extractPageText("<html><head><title>T</title><body><p>Visible</p>").text).toContain("Visible");
  });
});

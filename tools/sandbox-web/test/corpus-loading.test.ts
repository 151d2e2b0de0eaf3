import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CorpusError, loadCorpora, loadCorpus } from "../src/index.ts";
import { FIXTURE_BOOKS_DIR } from "./helpers.ts";

describe("loadCorpus", () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "sandbox-corpus-"));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function makeDir(name: string, files: Record<string, string>): Promise<string> {
    const dir = path.join(root, name);
    for (const [file, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await writeFile(path.join(dir, file), content);
    }
    return dir;
  }

  it("reads the swde layout from the base href line", async () => {
    const dir = await makeDir("swde", {
      "pages/site/0000.htm":
        '\ufeff<base href="http://shop.test/item/1"/>\n<html><title>Item one</title></html>',
      "pages/site/0001.htm": '<base href="http://shop.test/item/2"/>\n<html><title>Item two</title></html>',
    });
    const corpus = await loadCorpus(dir);
    expect(corpus.layout).toBe("swde");
    expect(corpus.pages.map((page) => [page.url, page.title])).toEqual([
      ["http://shop.test/item/1", "Item one"],
      ["http://shop.test/item/2", "Item two"],
    ]);
  });

  it("rejects an swde page without a base href", async () => {
    const dir = await makeDir("swde-bad", { "pages/site/0000.htm": "<html><title>No base</title></html>" });
    await expect(loadCorpus(dir)).rejects.toMatchObject({ name: "CorpusError", code: "CORPUS_INVALID" });
  });

  it("derives article URLs from folder names", async () => {
    const dir = await makeDir("articles", {
      "My_Article/source.html": "<title>Mine</title>",
      "other-1/source.html": "<title>Other</title>",
      "other-1/expected-metadata.json": "{}",
    });
    const corpus = await loadCorpus(dir);
    expect(corpus.layout).toBe("articles");
    expect(corpus.pages.map((page) => page.url)).toEqual([
      "http://my-article.articles.test/",
      "http://other-1.articles.test/",
    ]);
  });

  it("rejects a manifest with a relative URL", async () => {
    const dir = await makeDir("manifest-bad", {
      "manifest.json": '{"/relative": "a.html"}',
      "a.html": "<p>a</p>",
    });
    await expect(loadCorpus(dir)).rejects.toThrow(CorpusError);
  });

  it("rejects a manifest entry whose file is missing", async () => {
    const dir = await makeDir("manifest-missing", { "manifest.json": '{"http://a.test/": "missing.html"}' });
    await expect(loadCorpus(dir)).rejects.toThrow(/missing\.html/);
  });

  it("rejects two files at one URL", async () => {
    const dir = await makeDir("manifest-duplicate", {
      "manifest.json": '{"http://a.test/page": "a.html", "http://A.test/page/": "b.html"}',
      "a.html": "<p>a</p>",
      "b.html": "<p>b</p>",
    });
    await expect(loadCorpus(dir)).rejects.toMatchObject({ code: "CORPUS_DUPLICATE_URL" });
  });

  it("rejects a folder with no known layout", async () => {
    const dir = await makeDir("empty", { "notes.txt": "nothing here" });
    await expect(loadCorpus(dir)).rejects.toMatchObject({ code: "CORPUS_LAYOUT_UNKNOWN" });
  });

  it("rejects a missing folder", async () => {
    await expect(loadCorpus(path.join(root, "absent"))).rejects.toMatchObject({ code: "CORPUS_NOT_FOUND" });
  });

  it("rejects the same URL in two corpora", async () => {
    await expect(loadCorpora([FIXTURE_BOOKS_DIR, FIXTURE_BOOKS_DIR])).rejects.toMatchObject({
      code: "CORPUS_DUPLICATE_URL",
    });
  });

  it("serves text files of a manifest with a text content type", async () => {
    const corpus = await loadCorpus(FIXTURE_BOOKS_DIR);
    const robots = corpus.pages.find((page) => page.url.endsWith("/robots.txt"));
    expect(robots?.contentType).toBe("text/plain; charset=utf-8");
  });
});

import { readFileSync } from "node:fs";
import path from "node:path";
import type { ColumnSpec, ColumnType, PageContent } from "@ampledata/shared";
import { analyzeHtml, decodeHtml } from "../src/index.ts";

const fixturesDir = path.join(import.meta.dirname, "fixtures");
const repoRoot = path.resolve(import.meta.dirname, "../../..");

/** The shared corpus folder: AMPLEDATA_CORPUS_DIR, or ../shared/corpus beside the repository. */
export const corpusDir = process.env.AMPLEDATA_CORPUS_DIR ?? path.resolve(repoRoot, "../shared/corpus");

export function fixtureBytes(name: string): Buffer {
  return readFileSync(path.join(fixturesDir, name));
}

export function fixturePage(name: string, url = `https://shop.example/${name}`): PageContent {
  return analyzeHtml(decodeHtml(fixtureBytes(name)), { url });
}

export function column(name: string, type: ColumnType, description?: string): ColumnSpec {
  return description === undefined
    ? { name, type, mode: "enrich" }
    : { name, type, description, mode: "enrich" };
}

/** Wraps plain text in minimal HTML: blank lines separate paragraphs, single line breaks become `<br>`. */
export function textPage(text: string, url: string, title = ""): PageContent {
  const escapeHtml = (value: string) =>
    value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const body = text
    .split(/\n\s*\n/)
    .map((paragraph) => `<p>${paragraph.split("\n").map(escapeHtml).join("<br>")}</p>`)
    .join("\n");
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body>${body}</body></html>`;
  return analyzeHtml(html, { url });
}

import { open, readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { CorpusError } from "../errors.ts";

/**
 * The corpus folder layouts the sandbox reads:
 *
 * - "swde": `pages/**\/*.htm`, each file starting with a `<base href="URL"/>` line that gives the URL
 *   the page was archived from.
 * - "articles": one sub-folder per page containing `source.html`; the page is served at
 *   `http://<folder>.articles.test/`.
 * - "manifest": a `manifest.json` object mapping each absolute URL to a file path relative to the
 *   folder.
 */
export type CorpusLayout = "swde" | "articles" | "manifest";

/** One file of a corpus and the URL it is served at, before its bytes are read. */
export interface CorpusEntry {
  url: string;
  file: string;
}

const ManifestSchema = z.record(z.url({ protocol: /^https?$/ }), z.string().min(1));

/** Host suffix of the pages of an articles-layout corpus. */
export const ARTICLES_HOST_SUFFIX = "articles.test";

/** Detects the layout of `dir` from the files it contains. */
export async function detectLayout(dir: string): Promise<CorpusLayout> {
  const info = await stat(dir).catch((error: unknown) => {
    throw new CorpusError(
      "CORPUS_NOT_FOUND",
      `Corpus folder ${dir} was not found: pass an existing folder.`,
      {
        cause: error,
      },
    );
  });
  if (!info.isDirectory()) {
    throw new CorpusError("CORPUS_NOT_FOUND", `Corpus path ${dir} is not a folder: pass a corpus folder.`);
  }

  const names = await readdir(dir, { withFileTypes: true });
  if (names.some((entry) => entry.isFile() && entry.name === "manifest.json")) {
    return "manifest";
  }
  if (names.some((entry) => entry.isDirectory() && entry.name === "pages")) {
    return "swde";
  }
  for (const entry of names) {
    if (entry.isDirectory() && (await fileExists(path.join(dir, entry.name, "source.html")))) {
      return "articles";
    }
  }
  throw new CorpusError(
    "CORPUS_LAYOUT_UNKNOWN",
    `Corpus folder ${dir} has no known layout: expected manifest.json, a pages/ folder of .htm files, ` +
      "or sub-folders containing source.html.",
  );
}

/** Lists the files of a corpus with the URL of each. */
export async function listEntries(dir: string, layout: CorpusLayout): Promise<CorpusEntry[]> {
  switch (layout) {
    case "swde":
      return listSwdeEntries(dir);
    case "articles":
      return listArticleEntries(dir);
    case "manifest":
      return listManifestEntries(dir);
  }
}

async function listSwdeEntries(dir: string): Promise<CorpusEntry[]> {
  const pagesDir = path.join(dir, "pages");
  const files = (await readdir(pagesDir, { recursive: true }))
    .filter((name) => name.endsWith(".htm") || name.endsWith(".html"))
    .sort();
  const entries: CorpusEntry[] = [];
  for (const name of files) {
    const file = path.join(pagesDir, name);
    entries.push({ url: await readBaseHref(file), file });
  }
  return entries;
}

/** Reads the URL from the `<base href="URL"/>` line that opens an swde page. */
async function readBaseHref(file: string): Promise<string> {
  const handle = await open(file);
  let head: string;
  try {
    const { buffer, bytesRead } = await handle.read({ buffer: Buffer.alloc(2048), position: 0 });
    head = buffer.subarray(0, bytesRead).toString("latin1");
  } finally {
    await handle.close();
  }
  const match = /^(?:\u00ef\u00bb\u00bf)?\s*<base\s+href\s*=\s*["']([^"']+)["']/i.exec(head);
  if (!match?.[1]) {
    throw new CorpusError(
      "CORPUS_INVALID",
      `Page ${file} does not start with a <base href="URL"/> line: add the URL the page was archived from.`,
    );
  }
  return match[1];
}

async function listArticleEntries(dir: string): Promise<CorpusEntry[]> {
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const entries: CorpusEntry[] = [];
  for (const name of names) {
    const file = path.join(dir, name, "source.html");
    if (await fileExists(file)) {
      entries.push({ url: `http://${hostLabel(name)}.${ARTICLES_HOST_SUFFIX}/`, file });
    }
  }
  return entries;
}

/** Turns a folder name into a valid DNS label: lowercase letters, digits and hyphens. */
export function hostLabel(folder: string): string {
  return folder
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

async function listManifestEntries(dir: string): Promise<CorpusEntry[]> {
  const manifestFile = path.join(dir, "manifest.json");
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(manifestFile, "utf8"));
  } catch (error) {
    throw new CorpusError("CORPUS_INVALID", `Manifest ${manifestFile} is not valid JSON: fix its syntax.`, {
      cause: error,
    });
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new CorpusError(
      "CORPUS_INVALID",
      `Manifest ${manifestFile} is invalid: it must map absolute http(s) URLs to file paths ` +
        `(${z.prettifyError(parsed.error)}).`,
      { cause: parsed.error },
    );
  }
  return Object.entries(parsed.data).map(([url, file]) => ({ url, file: path.resolve(dir, file) }));
}

async function fileExists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

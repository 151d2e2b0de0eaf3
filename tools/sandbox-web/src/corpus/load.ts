import { readFile } from "node:fs/promises";
import path from "node:path";
import { CorpusError } from "../errors.ts";
import { normalizeUrl } from "../url.ts";
import { decodeHtml, detectCharset } from "./charset.ts";
import { extractPageText } from "./html-text.ts";
import { type CorpusLayout, detectLayout, listEntries } from "./layouts.ts";

/** One archived page, held in memory with its bytes as archived and its indexed text. */
export interface ArchivedPage {
  /** URL as the corpus gives it. */
  url: string;
  /** Lookup key of `url`, see `normalizeUrl`. */
  key: string;
  /** Lowercase host name of `url`, without the port. */
  host: string;
  /** Absolute path of the file the page was read from. */
  file: string;
  /** Bytes served for the page, unchanged from the file. */
  body: Buffer;
  /** Encoding of `body`, lowercase, for example "utf-8". Empty for non-text files. */
  charset: string;
  /** Value of the Content-Type response header. */
  contentType: string;
  /** Title used in search results. */
  title: string;
  /** Visible text, one block per line, used for ranking and snippets. */
  text: string;
}

export interface Corpus {
  dir: string;
  layout: CorpusLayout;
  pages: ArchivedPage[];
}

/** Media types by file extension for manifest corpora. Text types get a detected charset. */
const MEDIA_TYPES: Record<string, string> = {
  ".html": "text/html",
  ".htm": "text/html",
  ".xhtml": "application/xhtml+xml",
  ".txt": "text/plain",
  ".xml": "application/xml",
  ".json": "application/json",
  ".pdf": "application/pdf",
};

/** Loads every page of the corpus folder `dir`, detecting its layout from the files it contains. */
export async function loadCorpus(dir: string): Promise<Corpus> {
  const absoluteDir = path.resolve(dir);
  const layout = await detectLayout(absoluteDir);
  const entries = await listEntries(absoluteDir, layout);

  const pages: ArchivedPage[] = [];
  const seen = new Map<string, string>();
  for (const entry of entries) {
    const page = await readPage(entry.url, entry.file);
    const previous = seen.get(page.key);
    if (previous !== undefined) {
      throw new CorpusError(
        "CORPUS_DUPLICATE_URL",
        `URL ${page.url} is served by two files, ${previous} and ${page.file}: give each page its own URL.`,
      );
    }
    seen.set(page.key, page.file);
    pages.push(page);
  }
  return { dir: absoluteDir, layout, pages };
}

async function readPage(url: string, file: string): Promise<ArchivedPage> {
  const key = normalizeUrl(url);
  if (key === undefined) {
    throw new CorpusError("CORPUS_INVALID", `URL ${url} of page ${file} is not an absolute http(s) URL.`);
  }

  let body: Buffer;
  try {
    body = await readFile(file);
  } catch (error) {
    throw new CorpusError("CORPUS_INVALID", `Page file ${file} for ${url} could not be read.`, {
      cause: error,
    });
  }

  const mediaType = MEDIA_TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream";
  const isText = mediaType.startsWith("text/") || mediaType.endsWith("+xml") || mediaType.endsWith("/xml");
  const isHtml = mediaType === "text/html" || mediaType === "application/xhtml+xml";
  const charset = isText ? detectCharset(body) : "";
  const contentType = charset ? `${mediaType}; charset=${charset}` : mediaType;

  let title = "";
  let text = "";
  if (isHtml) {
    ({ title, text } = extractPageText(decodeHtml(body, charset)));
  } else if (isText) {
    text = decodeHtml(body, charset);
  }

  const host = new URL(key).hostname;
  return { url, key, host, file, body, charset, contentType, title: title || url, text };
}

/**
 * Loads several corpora into one list of pages.
 *
 * Throws a CorpusError when two corpora serve the same URL, because only one of them could be
 * reached.
 */
export async function loadCorpora(dirs: readonly string[]): Promise<Corpus[]> {
  const corpora: Corpus[] = [];
  const owners = new Map<string, string>();
  for (const dir of dirs) {
    const corpus = await loadCorpus(dir);
    for (const page of corpus.pages) {
      const owner = owners.get(page.key);
      if (owner !== undefined) {
        throw new CorpusError(
          "CORPUS_DUPLICATE_URL",
          `URL ${page.url} is in two corpora, ${owner} and ${corpus.dir}: load only one of them.`,
        );
      }
      owners.set(page.key, corpus.dir);
    }
    corpora.push(corpus);
  }
  return corpora;
}

/** Byte-to-text decoding of crawled HTML. */
import chardet from "chardet";
import { ResultType, Sniffer } from "encoding-sniffer/sniffer";
import iconv from "iconv-lite";

const SNIFF_BYTES = 4096;
const MIN_DETECTOR_CONFIDENCE = 50;

/**
 * Decodes an HTML body. The encoding comes from, in order: a byte-order mark, the Content-Type
 * header's charset, a `<meta charset>` or `http-equiv` declaration in the first 4 KiB, and when
 * nothing is declared, a UTF-8 validity check and then chardet's statistical guess. Unknown labels
 * and weak guesses fall back to windows-1252, the HTML standard's default for Western pages.
 */
export function decodeHtml(body: Uint8Array, contentType?: string): string {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const declared = charsetFromContentType(contentType);
  const sniffer = new Sniffer({
    maxBytes: SNIFF_BYTES,
    ...(declared !== undefined && iconv.encodingExists(declared)
      ? { transportLayerEncodingLabel: declared }
      : {}),
  });
  sniffer.write(bytes);
  const sniffed = sniffer.resultType === ResultType.DEFAULT ? undefined : sniffer.encoding;
  const encoding = sniffed !== undefined && iconv.encodingExists(sniffed) ? sniffed : guessEncoding(bytes);
  return stripByteOrderMark(iconv.decode(bytes, encoding));
}

/** Returns the `charset` parameter of a Content-Type header value, if any. */
export function charsetFromContentType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return match?.[1]?.toLowerCase();
}

function guessEncoding(bytes: Buffer): string {
  if (isValidUtf8(bytes)) return "utf-8";
  const matches = chardet.analyse(bytes.subarray(0, 64 * 1024));
  const best = matches.find(
    (match) => match.confidence >= MIN_DETECTOR_CONFIDENCE && iconv.encodingExists(match.name),
  );
  if (best === undefined) return "windows-1252";
  // ISO-8859-1 pages are decoded as windows-1252, as browsers do, so 0x80-0x9f become quotes and dashes.
  return best.name.toUpperCase() === "ISO-8859-1" ? "windows-1252" : best.name;
}

function isValidUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function stripByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

import { isUtf8 } from "node:buffer";
import { getEncoding } from "encoding-sniffer";
import iconv from "iconv-lite";

/**
 * Detects the character encoding of an archived HTML page, the way a browser would without an
 * HTTP header: a byte order mark first, then a `<meta charset>` or `http-equiv` declaration in the
 * first 1024 bytes (the WHATWG prescan, implemented by encoding-sniffer). A page that declares
 * nothing is UTF-8 when its bytes are valid UTF-8 and windows-1252 otherwise, the usual encoding
 * of old Western pages.
 *
 * Returns the lowercase WHATWG encoding name, for example "utf-8", "windows-1252" or "shift_jis".
 */
export function detectCharset(bytes: Uint8Array): string {
  const fallback = isUtf8(bytes) ? "utf-8" : "windows-1252";
  return getEncoding(bytes, { defaultEncoding: fallback }).toLowerCase();
}

/** Decodes page bytes with `charset`, dropping a leading byte order mark. */
export function decodeHtml(bytes: Uint8Array, charset: string): string {
  if (!iconv.encodingExists(charset)) {
    return Buffer.from(bytes).toString("utf8");
  }
  // iconv-lite strips the BOM by default.
  return iconv.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), charset);
}

/** Rendering of a DOM subtree as readable text, one block element per line. */
import type { AnyNode, Element } from "domhandler";
import { collapseWhitespace } from "../text/normalize.ts";

/** Elements whose content is never visible text. */
export const INVISIBLE_TAGS = new Set([
  "script",
  "style",
  "noscript",
  "template",
  "svg",
  "math",
  "canvas",
  "iframe",
  "object",
  "embed",
  "select",
  "option",
  "datalist",
  "head",
  "title",
  "meta",
  "link",
]);

const BLOCK_TAGS = new Set([
  "address",
  "article",
  "aside",
  "blockquote",
  "body",
  "br",
  "caption",
  "center",
  "dd",
  "details",
  "dialog",
  "div",
  "dl",
  "dt",
  "fieldset",
  "figcaption",
  "figure",
  "footer",
  "form",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "header",
  "hr",
  "html",
  "legend",
  "li",
  "main",
  "nav",
  "ol",
  "p",
  "pre",
  "section",
  "summary",
  "table",
  "tbody",
  "td",
  "tfoot",
  "th",
  "thead",
  "tr",
  "ul",
]);

// Table cells are blocks so a two-cell row reads "Label" then "value"; the row ends the line group.
const CELL_TAGS = new Set(["td", "th"]);

export function isElement(node: AnyNode): node is Element {
  return node.type === "tag" || node.type === "script" || node.type === "style";
}

/** Renders `nodes` as text with a line break around every block element and `<br>`. */
export function renderBlockText(nodes: AnyNode[]): string {
  const parts: string[] = [];
  for (const node of nodes) appendNode(node, parts);
  return parts
    .join("")
    .split("\n")
    .map((line) => collapseWhitespace(line))
    .filter((line) => line !== "")
    .join("\n");
}

function appendNode(node: AnyNode, parts: string[]): void {
  if (node.type === "text") {
    parts.push(node.data);
    return;
  }
  if (!isElement(node)) return;
  const tag = node.name.toLowerCase();
  if (INVISIBLE_TAGS.has(tag)) return;
  if (tag === "br") {
    parts.push("\n");
    return;
  }
  if (tag === "img") {
    return;
  }
  const block = BLOCK_TAGS.has(tag);
  if (block) parts.push(CELL_TAGS.has(tag) ? " \n" : "\n");
  for (const child of node.children) appendNode(child, parts);
  if (block) parts.push("\n");
}

/** Visible text of one element on a single line. */
export function inlineText(node: AnyNode): string {
  return collapseWhitespace(renderBlockText([node]).replace(/\n/g, " "));
}

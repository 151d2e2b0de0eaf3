export { columnSpecs } from "./columns.ts";
export type { ExtractConfig } from "./config.ts";
export { extractConfigShape, loadExtractConfig } from "./config.ts";
export { emptyCell } from "./empty-cells.ts";
export type { EntityReference, PageExtractor } from "./extraction.ts";
export { defaultPageExtractor } from "./extraction.ts";
export type { ExtractHandlerDependencies } from "./handler.ts";
export { createExtractHandler } from "./handler.ts";

import { extractFromPages, mergeCells } from "@ampledata/extraction";
import type { Cell, ColumnSpec, PageContent } from "@ampledata/shared";

/** The row's entity as the extraction library reads it. */
export interface EntityReference {
  key: Record<string, string>;
  description?: string;
}

/** Functions of the extraction library that extract calls; tests may pass their own. */
export interface PageExtractor {
  extractFromPages(input: {
    entity: EntityReference;
    columns: ColumnSpec[];
    pages: PageContent[];
  }): Record<string, Cell>;
  mergeCells(previous: Record<string, Cell>, next: Record<string, Cell>): Record<string, Cell>;
}

export const defaultPageExtractor: PageExtractor = { extractFromPages, mergeCells };

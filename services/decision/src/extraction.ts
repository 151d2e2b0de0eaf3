import { extractFromSnippets, mergeCells } from "@ampledata/extraction";
import type { Cell, ColumnSpec, SearchResult } from "@ampledata/shared";

/** The row's entity as the extraction library reads it. */
export interface EntityReference {
  key: Record<string, string>;
  description?: string;
}

/** Functions of the extraction library that decision calls; tests may pass their own. */
export interface SnippetExtractor {
  extractFromSnippets(input: {
    entity: EntityReference;
    columns: ColumnSpec[];
    results: SearchResult[];
  }): Record<string, Cell>;
  mergeCells(previous: Record<string, Cell>, next: Record<string, Cell>): Record<string, Cell>;
}

export const defaultSnippetExtractor: SnippetExtractor = { extractFromSnippets, mergeCells };

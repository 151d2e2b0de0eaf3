import { ExtractionInputError } from "@ampledata/extraction";
import { type ColumnSpec, columnSpecSchema, describeIssues } from "@ampledata/shared";
import { z } from "zod";

/** Validates the columns of a task and keeps the first of columns that share a name. */
export function uniqueColumns(columns: ColumnSpec[]): ColumnSpec[] {
  const parsed = z.array(columnSpecSchema).min(1).safeParse(columns);
  if (!parsed.success) throw new ExtractionInputError(`invalid columns: ${describeIssues(parsed.error)}`);
  const seen = new Set<string>();
  return parsed.data.filter((column) => {
    if (seen.has(column.name)) return false;
    seen.add(column.name);
    return true;
  });
}

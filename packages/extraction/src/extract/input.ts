/** Validation of the inputs that services pass to the extractors. */
import { type ColumnSpec, columnSpecSchema, describeIssues } from "@ampledata/shared";
import { z } from "zod";
import type { EntityRef } from "../entity.ts";
import { ExtractionInputError } from "../errors.ts";

const entitySchema = z.object({
  key: z.record(z.string(), z.string()),
  description: z.string().optional(),
});

/** Validates columns and entity, throwing `ExtractionInputError` that names the invalid field. */
export function validateInput(
  entity: EntityRef,
  columns: ColumnSpec[],
): { entity: EntityRef; columns: ColumnSpec[] } {
  const parsedEntity = entitySchema.safeParse(entity);
  if (!parsedEntity.success) {
    throw new ExtractionInputError(
      `invalid entity: ${describeIssues(parsedEntity.error)}; pass { key: { name: value } }`,
    );
  }
  const parsedColumns = z.array(columnSpecSchema).safeParse(columns);
  if (!parsedColumns.success) {
    throw new ExtractionInputError(`invalid column spec: ${describeIssues(parsedColumns.error)}`);
  }
  const names = new Set<string>();
  for (const column of parsedColumns.data) {
    if (names.has(column.name))
      throw new ExtractionInputError(`column '${column.name}' is listed twice; column names must be unique`);
    names.add(column.name);
  }
  const description = parsedEntity.data.description;
  return {
    entity:
      description === undefined
        ? { key: parsedEntity.data.key }
        : { key: parsedEntity.data.key, description },
    columns: parsedColumns.data,
  };
}

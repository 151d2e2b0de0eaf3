import { z } from "zod";

export const COLUMN_TYPES = ["string", "number", "boolean", "date", "url", "email", "list"] as const;
export const columnTypeSchema = z.enum(COLUMN_TYPES);
export type ColumnType = z.infer<typeof columnTypeSchema>;

/** `enrich` always fills the column; `impute` fills it only where the input cell is empty. */
export const columnModeSchema = z.enum(["enrich", "impute"]);

export const columnSpecSchema = z.object({
  name: z.string().min(1).max(100),
  type: columnTypeSchema,
  description: z.string().max(500).optional(),
  mode: columnModeSchema.default("enrich"),
});
export type ColumnSpec = z.infer<typeof columnSpecSchema>;

export const CELL_OUTCOMES = [
  "found",
  "not_found",
  "blocked",
  "ambiguous",
  "invalid",
  "skipped",
  "error",
] as const;
export const cellOutcomeSchema = z.enum(CELL_OUTCOMES);
export type CellOutcome = z.infer<typeof cellOutcomeSchema>;

export const cellValueSchema = z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.null()]);
export type CellValue = z.infer<typeof cellValueSchema>;

/** One filled (or unfilled) column of one row, with the evidence a user needs to check it. */
export const cellSchema = z.object({
  value: cellValueSchema,
  outcome: cellOutcomeSchema,
  confidence: z.number().min(0).max(1),
  reason: z.string().max(1000),
  sources: z.array(z.string()).max(20),
  evidence: z.string().max(1000).nullable(),
});
export type Cell = z.infer<typeof cellSchema>;

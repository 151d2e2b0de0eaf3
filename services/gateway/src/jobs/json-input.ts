import type { ProblemList } from "../errors.ts";
import type { InputTable, TableLimits } from "./table.ts";

/**
 * Builds the input table from a JSON body's `rows`: an array of objects whose values are strings,
 * numbers, booleans or null (numbers and booleans are stored as their JSON text, null as an empty
 * cell). Columns are the keys in order of first appearance; a row without a key has an empty cell.
 */
export function readJsonTable(
  rows: unknown,
  limits: TableLimits,
  problems: ProblemList,
): InputTable | undefined {
  if (rows === undefined) {
    problems.addField("rows", "missing; send rows as an array of objects, or upload a CSV file");
    return undefined;
  }
  if (!Array.isArray(rows)) {
    problems.addField("rows", "must be an array of objects");
    return undefined;
  }
  if (rows.length === 0) {
    problems.addField("rows", "is empty; send at least one row");
    return undefined;
  }
  const kept = limits.rowLimit === undefined ? rows : rows.slice(0, limits.rowLimit);
  if (kept.length > limits.maxRows) {
    problems.addField(
      "rows",
      `has ${kept.length} rows, more than the limit of ${limits.maxRows} rows per job (MAX_ROWS_PER_JOB); split the input or set row_limit`,
    );
    return undefined;
  }

  const positions = new Map<string, number>();
  const objects: Record<string, unknown>[] = [];
  kept.forEach((row, index) => {
    if (row === null || typeof row !== "object" || Array.isArray(row)) {
      problems.addField(`rows[${index}]`, "must be an object of column name to value");
      return;
    }
    for (const [name, value] of Object.entries(row)) {
      if (!positions.has(name)) {
        positions.set(name, positions.size);
      }
      if (value !== null && typeof value === "object") {
        problems.addField(
          `rows[${index}].${name}`,
          "must be a string, number, boolean or null, not an object or array",
        );
      }
    }
    objects.push(row as Record<string, unknown>);
  });
  const columns = [...positions.keys()];
  if (columns.length === 0) {
    problems.addField("rows", "has no columns; every row is an empty object");
  }
  columns.forEach((name) => {
    if (name.trim() === "") {
      problems.addField("rows", "has a column with an empty name");
    }
  });

  const table = objects.map((row) => columns.map((name) => cellText(row[name])));
  return { columns, rows: table };
}

function cellText(value: unknown): string {
  if (value === null || value === undefined) {
    return "";
  }
  return typeof value === "string" ? value : JSON.stringify(value);
}

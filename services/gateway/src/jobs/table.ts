import type { ProblemList } from "../errors.ts";
import type { JobSettings } from "./request.ts";

/** Rows of a job's input, from a CSV file or a JSON body, before they are stored. */
export interface InputTable {
  /** Column names in input order (the CSV header, or the JSON rows' keys in order of first appearance). */
  columns: string[];
  /** Cells of each row, in `columns` order. */
  rows: string[][];
  /** CSV line on which each row starts, so problems can name it; absent for JSON input. */
  lines?: number[];
}

export interface TableLimits {
  /** Rows a job may have (MAX_ROWS_PER_JOB). */
  maxRows: number;
  /** Rows to keep from the input (the request's row_limit); later rows are ignored. */
  rowLimit?: number;
}

/** Adds a problem about a row, named by its CSV line or its JSON index. */
export function addRowProblem(table: InputTable, rowIndex: number, message: string, problems: ProblemList) {
  const line = table.lines?.[rowIndex];
  if (line === undefined) {
    problems.addField(`rows[${rowIndex}]`, message);
  } else {
    problems.addLine(line, message);
  }
}

/**
 * Checks the table against the settings: every key column exists in the input, and every row has
 * a non-empty key. Adds each problem to `problems`.
 */
export function checkTableAgainstSettings(
  table: InputTable,
  settings: JobSettings,
  problems: ProblemList,
): void {
  const known = new Set(table.columns);
  const missing = settings.key_columns.filter((name) => !known.has(name));
  settings.key_columns.forEach((name, index) => {
    if (!known.has(name)) {
      problems.addField(
        `key_columns[${index}]`,
        `key column ${JSON.stringify(name)} is not a column of the input; its columns are ${table.columns.map((column) => JSON.stringify(column)).join(", ")}`,
      );
    }
  });
  if (missing.length > 0) {
    return;
  }
  const keyPositions = settings.key_columns.map((name) => table.columns.indexOf(name));
  table.rows.forEach((cells, rowIndex) => {
    if (keyPositions.every((position) => (cells[position] ?? "").trim() === "")) {
      addRowProblem(
        table,
        rowIndex,
        `the key (${settings.key_columns.join(", ")}) is empty; every row needs a key to search for`,
        problems,
      );
    }
  });
}

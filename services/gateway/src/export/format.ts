import { type Cell, type CellValue, TERMINAL_ROW_STAGES } from "@ampledata/shared";
import type { JobRecord } from "../jobs/job-store.ts";
import type { RowRecord } from "../jobs/row-store.ts";

/** One line of results.jsonl; the field set is the export contract documented in docs/api.md. */
export interface ExportRecord {
  row: number;
  key: Record<string, string>;
  input: Record<string, string>;
  status: string;
  values: Record<string, CellValue>;
  cells: Record<string, Omit<Cell, "value">>;
  error: string | null;
}

/**
 * Returns the row's export status and error. A terminal row has its stage. A row still in flight
 * has its current stage while the job runs, and CANCELLED once the job has ended (it was cancelled).
 */
export function exportStatus(row: RowRecord, job: JobRecord): { status: string; error: string | null } {
  if (TERMINAL_ROW_STAGES.includes(row.stage)) {
    return { status: row.stage, error: row.error };
  }
  if (job.status === "CANCELLED" || job.status === "COMPLETED") {
    return { status: "CANCELLED", error: row.error ?? "job cancelled while the row was in flight" };
  }
  return { status: row.stage, error: row.error };
}

function zip(names: readonly string[], values: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((name, position) => [name, values[position] ?? ""]));
}

export function toExportRecord(job: JobRecord, row: RowRecord): ExportRecord {
  const { status, error } = exportStatus(row, job);
  const values: Record<string, CellValue> = {};
  const cells: ExportRecord["cells"] = {};
  for (const column of job.spec.columns) {
    const cell = row.cells[column.name];
    values[column.name] = cell?.value ?? null;
    if (cell !== undefined) {
      cells[column.name] = {
        outcome: cell.outcome,
        confidence: cell.confidence,
        reason: cell.reason,
        sources: cell.sources,
        evidence: cell.evidence,
      };
    }
  }
  return {
    row: row.rowIndex,
    key: zip(job.spec.keyColumns, row.key),
    input: zip(job.inputColumns, row.input),
    status,
    values,
    cells,
    error,
  };
}

// Characters that make a spreadsheet read a cell as a formula (OWASP's CSV injection list).
const FORMULA_START = /^[=+\-@\t\r]/;

/** Prefixes a cell that a spreadsheet would run as a formula with a single quote. */
export function escapeFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

function csvText(value: CellValue | number | undefined): string {
  if (value === null || value === undefined) {
    return "";
  }
  if (Array.isArray(value)) {
    return value.join("; ");
  }
  return String(value);
}

/** Returns `name`, prefixed with underscores until no earlier header has it. */
function uniqueName(name: string, taken: Set<string>): string {
  let candidate = name;
  while (taken.has(candidate)) {
    candidate = `_${candidate}`;
  }
  taken.add(candidate);
  return candidate;
}

export interface CsvLayout {
  header: string[];
  toCells(row: RowRecord): string[];
}

/**
 * Lays out the CSV export. Its columns are the input columns, then each requested column that is
 * not an input column, then `<column>_confidence` and `<column>_source` (the first source URL) for
 * each requested column, then `status` and `error`. A requested column that is also an input
 * column, such as an impute column, is filled in place. An added name that an input column already
 * has gets a leading underscore. Every cell is escaped against formula injection.
 */
export function csvLayout(job: JobRecord): CsvLayout {
  const columns = job.spec.columns.map((column) => column.name);
  const taken = new Set(job.inputColumns);
  const header = [...job.inputColumns];
  const appended = columns.filter((name) => !job.inputColumns.includes(name));
  for (const name of appended) {
    header.push(uniqueName(name, taken));
  }
  for (const name of columns) {
    header.push(uniqueName(`${name}_confidence`, taken), uniqueName(`${name}_source`, taken));
  }
  header.push(uniqueName("status", taken), uniqueName("error", taken));

  return {
    header: header.map(escapeFormula),
    toCells(row: RowRecord): string[] {
      const { status, error } = exportStatus(row, job);
      const inputCells = job.inputColumns.map((name, position) => {
        const cell = columns.includes(name) ? row.cells[name] : undefined;
        return cell !== undefined && cell.value !== null ? csvText(cell.value) : (row.input[position] ?? "");
      });
      const appendedCells = appended.map((name) => csvText(row.cells[name]?.value));
      const evidenceCells = columns.flatMap((name) => {
        const cell = row.cells[name];
        return [csvText(cell?.confidence), cell?.sources[0] ?? ""];
      });
      return [...inputCells, ...appendedCells, ...evidenceCells, status, error ?? ""].map(escapeFormula);
    },
  };
}

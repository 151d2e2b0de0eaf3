import type { Attempt, Cell, CellValue, RowStage } from "@ampledata/shared";
import type { Pool } from "../db/pool.ts";

export interface RowRecord {
  rowIndex: number;
  key: string[];
  input: string[];
  stage: RowStage;
  admission: number;
  admittedAt: Date | null;
  wanted: string[];
  cells: Record<string, Cell>;
  values: Record<string, CellValue>;
  attempts: number;
  error: string | null;
  stageTimes: Record<string, string>;
  /** The row's search-and-extract rounds; null until a stage reports them. */
  history: Attempt[] | null;
  updatedAt: Date;
  finishedAt: Date | null;
}

const ROW_COLUMNS = `row_index, key, input, stage, admission, admitted_at, wanted, cells, "values", attempts, error,
  stage_times, history, updated_at, finished_at`;

function toRowRecord(row: Record<string, unknown>): RowRecord {
  return {
    rowIndex: row.row_index as number,
    key: row.key as string[],
    input: row.input as string[],
    stage: row.stage as RowStage,
    admission: row.admission as number,
    admittedAt: row.admitted_at as Date | null,
    wanted: row.wanted as string[],
    cells: row.cells as Record<string, Cell>,
    values: row.values as Record<string, CellValue>,
    attempts: row.attempts as number,
    error: row.error as string | null,
    stageTimes: row.stage_times as Record<string, string>,
    history: row.history as Attempt[] | null,
    updatedAt: row.updated_at as Date,
    finishedAt: row.finished_at as Date | null,
  };
}

/** Reads a page of a job's rows in input order, optionally of one stage. */
export async function listRows(
  pool: Pool,
  jobId: string,
  options: { stage?: RowStage; offset: number; limit: number },
): Promise<RowRecord[]> {
  const parameters: unknown[] = [jobId, options.limit, options.offset];
  let filter = "";
  if (options.stage !== undefined) {
    parameters.push(options.stage);
    filter = "and stage = $4";
  }
  const result = await pool.query(
    `select ${ROW_COLUMNS} from rows where job_id = $1 ${filter} order by row_index limit $2 offset $3`,
    parameters,
  );
  return result.rows.map(toRowRecord);
}

/**
 * Yields all rows of a job in input order, one page of `pageSize` rows at a time by keyset paging
 * on row_index, so an export of any size keeps one page in memory. Each page is its own query: a
 * row that changes during the export shows the state of the moment its page was read.
 */
export async function* iterateRowPages(
  pool: Pool,
  jobId: string,
  pageSize = 1000,
): AsyncGenerator<RowRecord[]> {
  let after = -1;
  for (;;) {
    const result = await pool.query(
      `select ${ROW_COLUMNS} from rows where job_id = $1 and row_index > $2 order by row_index limit $3`,
      [jobId, after, pageSize],
    );
    if (result.rows.length > 0) {
      yield result.rows.map(toRowRecord);
    }
    if (result.rows.length < pageSize) {
      return;
    }
    after = result.rows[result.rows.length - 1].row_index as number;
  }
}

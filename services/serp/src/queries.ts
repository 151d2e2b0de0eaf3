import type { Cell, JobSpec, RowWork } from "@ampledata/shared";
import { PermanentError } from "@ampledata/shared";

/** Placeholder of a query pattern that stands for the row's key values. */
export const KEY_PLACEHOLDER = "%key";

/**
 * Joins the row's key values in the job's key column order. Throws PermanentError when every key
 * value is empty, because such a row cannot be searched at all.
 */
export function keyText(job: JobSpec, work: RowWork): string {
  const ordered = job.keyColumns.map((column) => work.key[column]?.trim() ?? "");
  const values = ordered.some((value) => value !== "")
    ? ordered
    : Object.values(work.key).map((value) => value.trim());
  const text = values.filter((value) => value !== "").join(" ");
  if (text === "") {
    throw new PermanentError(
      `row ${work.rowIndex} of job ${work.jobId} has no key values (key columns: ${job.keyColumns.join(", ")}); fill at least one key column`,
    );
  }
  return text;
}

/** Wanted columns without a found cell of at least `minConfidence`. */
export function missingColumns(
  wanted: string[],
  cells: Record<string, Cell>,
  minConfidence: number,
): string[] {
  return wanted.filter((column) => {
    const cell = cells[column];
    return cell === undefined || cell.outcome !== "found" || cell.confidence < minConfidence;
  });
}

/** Fills one pattern; a pattern without the placeholder gets the key appended, so each row searches for itself. */
export function fillPattern(pattern: string, key: string): string {
  const filled = pattern.includes(KEY_PLACEHOLDER)
    ? pattern.replaceAll(KEY_PLACEHOLDER, key)
    : `${pattern} ${key}`;
  return collapse(filled);
}

/**
 * Builds the queries of one row. Round 0 fills the job's query patterns. Later rounds search
 * differently, because repeating the first queries would return the same pages. Their candidates
 * are the key with the key description, the key with the names of the still-missing columns, the
 * key with each missing column's description, and the quoted key. Each round takes the next window
 * of these candidates, as many as the job has patterns, and wraps around when it runs out.
 */
export function buildQueries(job: JobSpec, work: RowWork, refineConfidence: number): string[] {
  const key = keyText(job, work);
  const firstRound = unique(job.queryPatterns.map((pattern) => fillPattern(pattern, key)));
  if (work.round === 0) {
    return firstRound;
  }

  const missing = missingColumns(work.wanted, work.cells, refineConfidence);
  const specs = new Map(job.columns.map((column) => [column.name, column]));
  const alternatives: string[] = [];
  if (job.keyDescription?.trim()) {
    alternatives.push(`${key} ${job.keyDescription}`);
  }
  if (missing.length > 0) {
    alternatives.push(`${key} ${missing.map(columnWords).join(" ")}`);
  }
  for (const column of missing) {
    const description = specs.get(column)?.description?.trim();
    alternatives.push(`${key} ${description || columnWords(column)}`);
  }
  alternatives.push(`"${key}"`);

  const candidates = unique(alternatives.map(collapse)).filter((query) => !firstRound.includes(query));
  if (candidates.length === 0) {
    return firstRound;
  }
  const count = Math.min(Math.max(1, job.queryPatterns.length), candidates.length);
  const start = ((work.round - 1) * count) % candidates.length;
  return Array.from({ length: count }, (_, offset) => candidates[(start + offset) % candidates.length]!);
}

/** Turns a column name into search words: "publication_date" becomes "publication date". */
export function columnWords(column: string): string {
  return collapse(column.replace(/[_\-.]+/g, " ").replace(/([a-z])([A-Z])/g, "$1 $2"));
}

function collapse(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

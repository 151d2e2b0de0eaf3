import { type Cell, type ColumnSpec, InvalidMessageError, type JobSpec } from "@ampledata/shared";

/** Returns the job's column specs of `names`, in that order. Throws when a name is not a column of the job. */
export function columnSpecs(job: JobSpec, names: string[]): ColumnSpec[] {
  const byName = new Map(job.columns.map((column) => [column.name, column]));
  return names.map((name) => {
    const spec = byName.get(name);
    if (spec === undefined) {
      throw new InvalidMessageError(
        `wanted column "${name}" is not a column of job ${job.jobId} (columns: ${job.columns.map((column) => column.name).join(", ")})`,
      );
    }
    return spec;
  });
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

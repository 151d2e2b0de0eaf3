import { type ColumnSpec, InvalidMessageError, type JobSpec } from "@ampledata/shared";

/** Returns the job's column specs of `names`, in that order. Throws when a name is not a column of the job. */
export function columnSpecs(job: JobSpec, names: string[]): ColumnSpec[] {
  const byName = new Map(job.columns.map((column) => [column.name, column]));
  return names.map((name) => {
    const spec = byName.get(name);
    if (spec === undefined) {
      throw new InvalidMessageError(
        `column "${name}" of the row is not a column of job ${job.jobId} (columns: ${job.columns.map((column) => column.name).join(", ")})`,
      );
    }
    return spec;
  });
}

import { COLUMN_TYPES, type ColumnSpec } from "@ampledata/shared";
import { z } from "zod";
import type { ProblemList } from "../errors.ts";

/** Settings of a job apart from its rows: the same fields in a JSON body, a multipart `spec` part or form fields. */
export const jobSettingsSchema = z
  .object({
    name: z.string().max(200, { error: "must be at most 200 characters" }).optional(),
    key_columns: z
      .array(z.string({ error: "must be a column name" }), { error: "must be an array of column names" })
      .min(1, { error: "must name at least one key column" })
      .max(10, { error: "must name at most 10 key columns" }),
    key_description: z.string().max(200, { error: "must be at most 200 characters" }).optional(),
    columns: z
      .array(
        z
          .object({
            name: z.string({ error: "must be a column name" }),
            type: z.enum(COLUMN_TYPES, {
              error: (issue) =>
                issue.input === undefined
                  ? `missing; expected one of ${COLUMN_TYPES.join(", ")}`
                  : `unknown column type ${JSON.stringify(issue.input)}; expected one of ${COLUMN_TYPES.join(", ")}`,
            }),
            description: z.string().max(500, { error: "must be at most 500 characters" }).optional(),
            mode: z
              .enum(["enrich", "impute"], {
                error: (issue) => `unknown mode ${JSON.stringify(issue.input)}; expected enrich or impute`,
              })
              .default("enrich"),
          })
          .strict(),
        { error: "must be an array of {name, type, description, mode} objects" },
      )
      .min(1, { error: "must request at least one column" })
      .max(50, { error: "must request at most 50 columns" }),
    row_limit: z.int({ error: "must be a whole number" }).min(1, { error: "must be at least 1" }).optional(),
    priority: z
      .int({ error: "must be a whole number from 1 to 10" })
      .min(1, { error: "must be a whole number from 1 to 10" })
      .max(10, { error: "must be a whole number from 1 to 10" })
      .default(5),
    max_urls: z
      .int({ error: "must be a whole number from 1 to 20" })
      .min(1, { error: "must be a whole number from 1 to 20" })
      .max(20, { error: "must be a whole number from 1 to 20" })
      .default(3),
    max_rounds: z
      .int({ error: "must be a whole number from 1 to 10" })
      .min(1, { error: "must be a whole number from 1 to 10" })
      .max(10, { error: "must be a whole number from 1 to 10" })
      .default(2),
  })
  .strict();

export type JobSettings = z.infer<typeof jobSettingsSchema>;

/** Field names a JSON body accepts: the settings plus `rows`. */
export const SETTINGS_FIELDS = Object.keys(jobSettingsSchema.shape);

/** Column names the CSV export appends after the requested columns, which no requested column may take. */
const RESERVED_COLUMN_NAMES = new Set(["status", "error"]);

/** Formats a zod issue path as `columns[1].type`. */
export function formatPath(path: readonly PropertyKey[], prefix = ""): string {
  let out = prefix;
  for (const part of path) {
    out += typeof part === "number" ? `[${part}]` : `${out === "" ? "" : "."}${String(part)}`;
  }
  return out === "" ? "(body)" : out;
}

/**
 * Validates the job settings, adding every problem to `problems`. Returns the parsed settings,
 * or undefined when the shape itself is invalid (the problems then give the reasons).
 */
export function parseJobSettings(input: unknown, problems: ProblemList): JobSettings | undefined {
  const result = jobSettingsSchema.safeParse(input);
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys) {
          problems.addField(
            formatPath([...issue.path, key]),
            `unknown field; accepted fields are ${issue.path.length === 0 ? [...SETTINGS_FIELDS, "rows"].join(", ") : "name, type, description, mode"}`,
          );
        }
      } else {
        problems.addField(formatPath(issue.path), issue.message);
      }
    }
    return undefined;
  }
  checkColumnNames(result.data, problems);
  return result.data;
}

// Control characters, which no column name should carry.
const CONTROL_CHARACTERS = /\p{Cc}/u;

function checkColumnNames(settings: JobSettings, problems: ProblemList): void {
  const keyColumns = new Set<string>();
  settings.key_columns.forEach((name, index) => {
    if (name.trim() === "") {
      problems.addField(`key_columns[${index}]`, "key column name is empty");
    } else if (keyColumns.has(name)) {
      problems.addField(`key_columns[${index}]`, `key column ${JSON.stringify(name)} is listed twice`);
    }
    keyColumns.add(name);
  });

  const requested = new Set<string>();
  settings.columns.forEach((column, index) => {
    const field = `columns[${index}].name`;
    const name = column.name;
    if (name.trim() === "") {
      problems.addField(field, "column name is empty; name the column to fill in");
    } else if (name !== name.trim()) {
      problems.addField(field, `column name ${JSON.stringify(name)} has leading or trailing spaces`);
    } else if (CONTROL_CHARACTERS.test(name)) {
      problems.addField(field, `column name ${JSON.stringify(name)} contains control characters`);
    } else if (name.length > 100) {
      problems.addField(field, "column name must be at most 100 characters");
    } else if (requested.has(name)) {
      problems.addField(field, `column ${JSON.stringify(name)} is requested twice`);
    } else if (keyColumns.has(name)) {
      problems.addField(field, `column ${JSON.stringify(name)} is a key column; key columns are inputs`);
    } else if (RESERVED_COLUMN_NAMES.has(name.toLowerCase())) {
      problems.addField(
        field,
        `column name ${JSON.stringify(name)} is reserved for the export's own columns`,
      );
    }
    requested.add(name);
  });

  // The CSV export adds <column>_confidence and <column>_source, which must not shadow another column.
  for (const [index, column] of settings.columns.entries()) {
    for (const suffix of ["_confidence", "_source"]) {
      if (requested.has(`${column.name}${suffix}`)) {
        problems.addField(
          `columns[${index}].name`,
          `column ${JSON.stringify(`${column.name}${suffix}`)} collides with the export column of ${JSON.stringify(column.name)}`,
        );
      }
    }
  }
}

/** Converts the requested columns to the JobSpec's column specs. */
export function toColumnSpecs(settings: JobSettings): ColumnSpec[] {
  return settings.columns.map((column) => ({
    name: column.name,
    type: column.type,
    ...(column.description === undefined ? {} : { description: column.description }),
    mode: column.mode,
  }));
}

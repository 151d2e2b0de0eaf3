import type { FastifyRequest } from "fastify";
import { PayloadTooLargeError, type ProblemList } from "../errors.ts";
import { readCsvTable } from "../jobs/csv-input.ts";
import type { InputTable } from "../jobs/table.ts";

export interface MultipartJob {
  /** The job settings gathered from the `spec` part and the form fields, not yet validated. */
  settings: Record<string, unknown>;
  table: InputTable | undefined;
  fileName: string | undefined;
}

/** Fields sent as JSON text in a form. */
const JSON_FIELDS = new Set(["columns", "key_columns", "spec"]);
/** Fields sent as whole numbers in a form. */
const INTEGER_FIELDS = new Set(["row_limit", "priority", "max_urls", "max_rounds"]);

function parseFormField(name: string, text: string, problems: ProblemList): unknown {
  if (JSON_FIELDS.has(name)) {
    try {
      return JSON.parse(text);
    } catch {
      // A lone key column may be sent as its bare name.
      if (name === "key_columns" && !/^\s*[[{"]/.test(text)) {
        return [text];
      }
      problems.addField(name, `is not valid JSON; send it as JSON text, for example ${exampleOf(name)}`);
      return undefined;
    }
  }
  if (INTEGER_FIELDS.has(name)) {
    return /^\s*-?\d+\s*$/.test(text) ? Number(text) : text;
  }
  return text;
}

function exampleOf(name: string): string {
  if (name === "columns") {
    return '[{"name":"publisher","type":"string"}]';
  }
  if (name === "key_columns") {
    return '["title"]';
  }
  return '{"key_columns":["title"],"columns":[{"name":"publisher","type":"string"}]}';
}

/**
 * Reads a multipart/form-data job: one CSV part named `file`, and the settings either as form
 * fields (`columns` and `key_columns` as JSON text, numbers as digits) or as a `spec` part with
 * all of them in one JSON object. A form field overrides the same field of `spec`. The CSV is parsed as it
 * streams in, so send the settings before the file when the file is large. `maxRows` bounds the rows kept.
 */
export async function readMultipartJob(
  request: FastifyRequest,
  limits: { maxRows: number; maxUploadBytes: number },
  problems: ProblemList,
): Promise<MultipartJob> {
  const fields: Record<string, unknown> = {};
  let spec: Record<string, unknown> = {};
  let table: InputTable | undefined;
  let fileName: string | undefined;
  let files = 0;

  for await (const part of request.parts()) {
    if (part.type === "file") {
      files += 1;
      if (part.fieldname !== "file" || files > 1) {
        problems.addField(part.fieldname, "unexpected file part; send the CSV as one part named file");
        part.file.resume();
        continue;
      }
      fileName = part.filename || undefined;
      const rowLimitSetting = fields.row_limit ?? spec.row_limit;
      const rowLimit =
        typeof rowLimitSetting === "number" && rowLimitSetting >= 1 ? rowLimitSetting : undefined;
      table = await readCsvTable(part.file, { maxRows: limits.maxRows, rowLimit }, problems);
      if (part.file.truncated) {
        throw new PayloadTooLargeError(
          `file ${JSON.stringify(part.filename)} is larger than the limit of ${limits.maxUploadBytes} bytes (MAX_UPLOAD_BYTES); split it or raise the limit`,
        );
      }
      continue;
    }
    const value = parseFormField(part.fieldname, String(part.value), problems);
    if (value === undefined) {
      continue;
    }
    if (part.fieldname === "spec") {
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        problems.addField("spec", "must be a JSON object of job fields");
      } else {
        spec = value as Record<string, unknown>;
      }
    } else if (part.fieldname === "rows") {
      problems.addField("rows", "send rows either as a JSON body or as a CSV file part, not as a form field");
    } else {
      fields[part.fieldname] = value;
    }
  }

  if (files === 0) {
    problems.addField("file", "missing; add the CSV as a file part named file");
  }
  const settings = { ...spec, ...fields };
  // row_limit given after the file part still applies.
  if (
    table !== undefined &&
    typeof settings.row_limit === "number" &&
    table.rows.length > settings.row_limit
  ) {
    table.rows = table.rows.slice(0, settings.row_limit);
    table.lines = table.lines?.slice(0, settings.row_limit);
  }
  return { settings, table, fileName };
}

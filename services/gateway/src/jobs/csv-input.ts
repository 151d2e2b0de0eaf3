import { once } from "node:events";
import { finished } from "node:stream/promises";
import { CsvError, parse } from "csv-parse";
import type { ProblemList } from "../errors.ts";
import type { InputTable, TableLimits } from "./table.ts";

const LINE_BREAKS = /\r\n|\r|\n/g;

function countLineBreaks(text: string): number {
  return text.match(LINE_BREAKS)?.length ?? 0;
}

/**
 * Reads a CSV file as it streams in. The file must be UTF-8 (a byte order mark is dropped) and
 * comma-separated with a header row. Fields quoted with `"` may contain commas, quotes and line
 * breaks, line ends may be CRLF or LF, and blank lines are skipped. Adds a problem for an empty
 * file, empty or duplicate header names, rows whose field count differs from the header (with the
 * line on which the row starts), quoting errors, invalid UTF-8 and too many rows. The source is
 * always read to its end, so a multipart request can go on to its next part.
 */
export async function readCsvTable(
  source: AsyncIterable<Uint8Array>,
  limits: TableLimits,
  problems: ProblemList,
): Promise<InputTable | undefined> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  // relax_column_count: ragged rows are reported here with their line, instead of stopping the parse.
  const parser = parse({ raw: true, relax_column_count: true, bom: true });
  let header: string[] | undefined;
  const rows: string[][] = [];
  const lines: number[] = [];
  let nextLine = 1;
  let decodedLines = 0;
  let stopped = false;
  let parseError: unknown;
  let tooManyRows = false;
  let invalidEncoding = false;

  parser.on("data", ({ record, raw }: { record: string[]; raw: string }) => {
    const line = nextLine;
    nextLine += countLineBreaks(raw);
    if (stopped) {
      return;
    }
    if (record.length === 1 && record[0] === "") {
      return; // a blank line
    }
    if (header === undefined) {
      header = record;
      checkHeader(record, problems);
      return;
    }
    if (limits.rowLimit !== undefined && rows.length >= limits.rowLimit) {
      stopped = true;
      return;
    }
    if (rows.length >= limits.maxRows) {
      tooManyRows = true;
      stopped = true;
      return;
    }
    if (record.length !== header.length) {
      problems.addLine(
        line,
        `row has ${record.length} ${record.length === 1 ? "field" : "fields"}, but the header has ${header.length} columns; quote fields that contain commas`,
      );
    }
    rows.push(record);
    lines.push(line);
  });
  parser.on("error", (error) => {
    parseError = error;
    stopped = true;
  });

  for await (const chunk of source) {
    if (stopped) {
      continue; // drain the rest of the upload
    }
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      problems.addLine(
        decodedLines + 1 + linesBeforeInvalidByte(chunk),
        "the file is not valid UTF-8 text; save it as UTF-8 (for example CSV UTF-8 in a spreadsheet) and upload it again",
      );
      invalidEncoding = true;
      stopped = true;
      continue;
    }
    decodedLines += countLineBreaks(text);
    if (!parser.write(text)) {
      await Promise.race([once(parser, "drain"), once(parser, "error").catch(() => undefined)]);
    }
  }
  if (!stopped) {
    try {
      const rest = decoder.decode();
      if (rest !== "") {
        parser.write(rest);
      }
    } catch {
      problems.addLine(
        decodedLines + 1,
        "the file is not valid UTF-8 text: it ends inside a multi-byte character",
      );
      invalidEncoding = true;
    }
  }
  if (parseError === undefined) {
    parser.end();
    await finished(parser).catch(() => undefined);
  }

  if (invalidEncoding) {
    return undefined;
  }
  if (parseError !== undefined) {
    const line = parseError instanceof CsvError ? Number((parseError as { lines?: number }).lines ?? 0) : 0;
    const message = `the file is not valid CSV: ${(parseError as Error).message}`;
    if (line > 0) {
      problems.addLine(line, message);
    } else {
      problems.addField("file", message);
    }
    return undefined;
  }
  if (tooManyRows) {
    problems.addField(
      "file",
      `the file has more than ${limits.maxRows} rows, the limit per job (MAX_ROWS_PER_JOB); split it or set row_limit`,
    );
    return undefined;
  }
  if (header === undefined) {
    problems.addField("file", "the file is empty; upload a CSV file with a header row and at least one row");
    return undefined;
  }
  if (rows.length === 0) {
    problems.addField("file", "the file has a header row but no data rows");
    return undefined;
  }
  return { columns: header, rows, lines };
}

/** Line breaks in `chunk` before its first invalid UTF-8 byte; off by one line at most when a character spans two chunks. */
function linesBeforeInvalidByte(chunk: Uint8Array): number {
  const text = new TextDecoder("utf-8").decode(chunk);
  const invalidAt = text.indexOf("\uFFFD");
  return countLineBreaks(invalidAt < 0 ? text : text.slice(0, invalidAt));
}

function checkHeader(header: string[], problems: ProblemList): void {
  const seen = new Map<string, number>();
  header.forEach((name, index) => {
    if (name.trim() === "") {
      problems.addLine(1, `header column ${index + 1} has no name; every column needs a name`);
      return;
    }
    const first = seen.get(name);
    if (first !== undefined) {
      problems.addLine(
        1,
        `header has the column ${JSON.stringify(name)} twice (columns ${first + 1} and ${index + 1}); rename one of them`,
      );
      return;
    }
    seen.set(name, index);
  });
}

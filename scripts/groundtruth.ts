// Ground truth of a corpus in the swde-books layout (`groundtruth.jsonl` beside `pages/`): builds
// an input table from it and scores an export against it.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface BookTruth {
  url: string;
  title: string;
  authors: string[];
  publisher: string | null;
  isbn_13: string | null;
  publication_date: string | null;
}

export const BOOK_COLUMNS = [
  { name: "publisher", type: "string", description: "Publisher of the book" },
  { name: "isbn_13", type: "string", description: "ISBN-13 of the book" },
  { name: "publication_date", type: "date", description: "Publication date of the book" },
] as const;

export function loadBookTruth(corpusDir: string): BookTruth[] {
  const file = join(corpusDir, "groundtruth.jsonl");
  if (!existsSync(file)) {
    throw new Error(`${file} not found: the corpus must have groundtruth.jsonl beside pages/`);
  }
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as BookTruth);
}

/** Quotes a CSV field when it contains a comma, a quote or a line break (RFC 4180). */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Input CSV keyed by title and first author, with the requested columns left empty. */
export function bookInputCsv(books: BookTruth[]): string {
  const header = ["title", "author", ...BOOK_COLUMNS.map((column) => column.name)];
  const lines = books.map((book) => [book.title, book.authors[0] ?? "", "", "", ""].map(csvField).join(","));
  return `${[header.join(","), ...lines].join("\n")}\n`;
}

const MONTHS = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
];

/** "June 2010" -> "2010-06", "2010-06-01" stays, "2010" stays; the labelled dates of the corpus use these forms. */
export function isoPrefix(labelled: string): string | null {
  const text = labelled.trim().toLowerCase();
  if (/^\d{4}(-\d{2}(-\d{2})?)?$/.test(text)) {
    return text;
  }
  const monthYear = /^([a-z]+)\.?\s+(?:(\d{1,2}),?\s+)?(\d{4})$/.exec(text);
  if (monthYear) {
    const month = MONTHS.findIndex((name) => name.startsWith(monthYear[1]!.slice(0, 3)));
    if (month >= 0) {
      const day = monthYear[2] ? `-${monthYear[2].padStart(2, "0")}` : "";
      return `${monthYear[3]}-${String(month + 1).padStart(2, "0")}${day}`;
    }
  }
  const parsed = Date.parse(labelled);
  return Number.isNaN(parsed) ? null : new Date(parsed).toISOString().slice(0, 10);
}

function normalizeText(value: string): string {
  return value.trim().replace(/\s+/g, " ").toLowerCase();
}

/** True when an extracted value matches the labelled one: dates by ISO prefix, ISBNs by digits, strings folded. */
export function matches(column: string, expected: string, actual: unknown): boolean {
  if (actual === null || actual === undefined) {
    return false;
  }
  const got = String(actual);
  if (column === "publication_date") {
    const want = isoPrefix(expected);
    return want !== null && got.startsWith(want);
  }
  if (column === "isbn_13") {
    return got.replace(/[^0-9X]/gi, "") === expected.replace(/[^0-9X]/gi, "");
  }
  return normalizeText(got) === normalizeText(expected);
}

export interface ColumnScore {
  column: string;
  /** Rows whose ground truth has a value for the column. */
  labelled: number;
  correct: number;
  /** Values given where the truth has a different or no value. */
  wrong: number;
  accuracy: number;
}

/** Scores exported rows (JSONL objects with `row` and `values`) against the truth of the submitted books, in order. */
export function scoreExport(
  books: BookTruth[],
  exported: { row: number; values: Record<string, unknown> }[],
): ColumnScore[] {
  return BOOK_COLUMNS.map(({ name }) => {
    let labelled = 0;
    let correct = 0;
    let wrong = 0;
    for (const record of exported) {
      const truth = books[record.row];
      const expected = truth?.[name];
      const actual = record.values[name];
      if (expected) {
        labelled += 1;
        if (matches(name, expected, actual)) {
          correct += 1;
        } else if (actual !== null && actual !== undefined) {
          wrong += 1;
        }
      } else if (actual !== null && actual !== undefined) {
        wrong += 1;
      }
    }
    return { column: name, labelled, correct, wrong, accuracy: labelled > 0 ? correct / labelled : 1 };
  });
}

export function formatScores(scores: ColumnScore[]): string {
  const lines = scores.map(
    (score) =>
      `  ${score.column.padEnd(18)} ${(score.accuracy * 100).toFixed(1).padStart(5)}%  (${score.correct}/${score.labelled} right, ${score.wrong} wrong values)`,
  );
  return ["accuracy per column against groundtruth.jsonl:", ...lines].join("\n");
}

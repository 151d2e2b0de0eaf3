import { Command, InvalidArgumentError, Option } from "commander";
import { ApiClient } from "./api-client.ts";
import { COLUMN_TYPES, parseColumnSpec } from "./column-spec.ts";
import {
  downloadExport,
  EXPORT_FORMATS,
  type ExportFormat,
  exportFormatOf,
  isFinished,
  type JobView,
  submitJob,
  watchJob,
} from "./jobs.ts";
import { formatDuration, ProgressPrinter } from "./progress.ts";

export const DEFAULT_GATEWAY_URL = "http://127.0.0.1:8080";

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function wholeNumber(min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(
        `expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`,
      );
    }
    return Number(value);
  };
}

function summary(job: JobView): string {
  const { total, done, failed, cancelled } = job.rows;
  const elapsed = job.timings.elapsed_seconds;
  const parts = [
    `job ${job.id} ${job.status}`,
    `${done}/${total} rows completed`,
    `${failed} failed`,
    ...(cancelled > 0 ? [`${cancelled} cancelled`] : []),
    ...(elapsed !== null ? [`in ${formatDuration(elapsed)}`] : []),
    ...(job.cost_usd ? [`cost $${job.cost_usd.toFixed(4)}`] : []),
  ];
  return parts.join(", ");
}

function print(value: unknown): void {
  process.stdout.write(`${typeof value === "string" ? value : JSON.stringify(value, null, 2)}\n`);
}

/** Builds the `ampledata` command. Each action throws on failure; main.ts prints the message and exits 1. */
export function createProgram(): Command {
  const program = new Command("ampledata")
    .description("Enrich tables with values searched, crawled and extracted from the web")
    .addOption(
      new Option("--gateway <url>", "base URL of the AmpleData gateway")
        .env("AMPLEDATA_URL")
        .default(DEFAULT_GATEWAY_URL),
    )
    .showHelpAfterError();
  const client = () => new ApiClient(program.opts<{ gateway: string }>().gateway);

  program
    .command("enrich")
    .description("submit a CSV (or a .json array of rows), show progress, and write the results")
    .argument("<file>", "input table: CSV with a header row, or a .json array of objects")
    .requiredOption("--key <column>", "key column identifying the row's entity (repeat for several)", collect)
    .option("--key-description <text>", 'what the key names, e.g. "book title" (helps disambiguation)')
    .option(
      "--column <spec>",
      `column to fill, as NAME:TYPE[:DESCRIPTION] with TYPE one of ${COLUMN_TYPES.join(", ")} (repeat for several)`,
      collect,
    )
    .option("--impute <column>", "fill this column only where the input cell is empty (repeat)", collect)
    .option("--row-limit <n>", "submit only the first N rows", wholeNumber(1, 10_000_000))
    .option(
      "--priority <n>",
      "share of the pipeline relative to other jobs, 1 to 10 (gateway default 5)",
      wholeNumber(1, 10),
    )
    .option("--max-urls <n>", "pages to crawl per row (gateway default 3)", wholeNumber(1, 20))
    .option(
      "--max-rounds <n>",
      "search rounds per row, counting the first (gateway default 2)",
      wholeNumber(1, 5),
    )
    .option(
      "--out <file>",
      "write the results to FILE.jsonl or FILE.csv when the job ends (else only a summary)",
    )
    .option("--no-wait", "print the job id and return without waiting")
    .action(async (file: string, options) => {
      const imputed = new Set<string>(options.impute ?? []);
      const columns = ((options.column ?? []) as string[]).map((spec) => parseColumnSpec(spec, imputed));
      if (columns.length === 0) {
        throw new Error(
          "no --column given: name at least one column to fill, e.g. --column 'publisher:string'",
        );
      }
      const format = options.out ? exportFormatOf(options.out) : undefined;
      const api = client();
      const submitted = await submitJob(api, file, {
        keyColumns: options.key,
        keyDescription: options.keyDescription,
        columns,
        rowLimit: options.rowLimit,
        priority: options.priority,
        maxUrls: options.maxUrls,
        maxRounds: options.maxRounds,
      });
      process.stderr.write(`submitted job ${submitted.id} with ${submitted.row_count} rows\n`);
      if (!options.wait) {
        print(submitted.id);
        return;
      }
      const printer = new ProgressPrinter();
      const job = await watchJob(api, submitted.id, (snapshot) => printer.update(snapshot));
      printer.finish();
      process.stderr.write(`${summary(job)}\n`);
      if (options.out && format) {
        await downloadExport(api, job.id, format, options.out);
        process.stderr.write(`wrote ${options.out}\n`);
      }
    });

  program
    .command("jobs")
    .description("list jobs, newest first")
    .option("--limit <n>", "jobs to show", wholeNumber(1, 1000), 20)
    .option("--json", "print the API's JSON")
    .action(async (options) => {
      const page = await client().request<{ total: number; jobs: JobView[] }>(
        "GET",
        `/v1/jobs?limit=${options.limit}`,
      );
      if (options.json) {
        print(page);
        return;
      }
      for (const job of page.jobs) {
        print(
          `${job.id}  ${job.status.padEnd(9)}  ${job.rows.finished}/${job.rows.total}  ${job.name ?? ""}`,
        );
      }
      if (page.jobs.length === 0) {
        print("no jobs yet");
      }
    });

  program
    .command("status")
    .description("show a job's status and counts")
    .argument("<id>", "job id")
    .option("--watch", "keep showing progress until the job ends")
    .option("--json", "print the API's JSON")
    .action(async (id: string, options) => {
      const api = client();
      if (options.watch) {
        const printer = new ProgressPrinter();
        const job = await watchJob(api, id, (snapshot) => printer.update(snapshot));
        printer.finish();
        print(summary(job));
        return;
      }
      const job = await api.request<JobView>("GET", `/v1/jobs/${encodeURIComponent(id)}`);
      print(options.json ? job : summary(job));
      if (!options.json && !isFinished(job)) {
        const stages = Object.entries(job.rows.counts)
          .filter(([, count]) => count > 0)
          .map(([stage, count]) => `${stage} ${count}`);
        print(`rows by stage: ${stages.join(", ")}`);
      }
    });

  program
    .command("rows")
    .description("print a job's rows as JSON lines")
    .argument("<id>", "job id")
    .option("--stage <stage>", "only rows at this stage, e.g. FAILED")
    .option("--offset <n>", "rows to skip", wholeNumber(0, 100_000_000), 0)
    .option("--limit <n>", "rows to print", wholeNumber(1, 1000), 50)
    .action(async (id: string, options) => {
      const query = new URLSearchParams({ offset: String(options.offset), limit: String(options.limit) });
      if (options.stage) {
        query.set("stage", String(options.stage).toUpperCase());
      }
      const page = await client().request<{ rows: unknown[] }>(
        "GET",
        `/v1/jobs/${encodeURIComponent(id)}/rows?${query}`,
      );
      for (const row of page.rows) {
        process.stdout.write(`${JSON.stringify(row)}\n`);
      }
    });

  program
    .command("export")
    .description("download a job's results")
    .argument("<id>", "job id")
    .addOption(
      new Option("--format <format>", "jsonl or csv (default: from --out, else jsonl)").choices(
        EXPORT_FORMATS,
      ),
    )
    .option("--out <file>", "write to FILE instead of standard output")
    .action(async (id: string, options) => {
      const format: ExportFormat = options.format ?? (options.out ? exportFormatOf(options.out) : "jsonl");
      await downloadExport(client(), id, format, options.out);
    });

  program
    .command("cancel")
    .description("cancel a job: rows not yet finished end CANCELLED")
    .argument("<id>", "job id")
    .action(async (id: string) => {
      const job = await client().request<JobView>("POST", `/v1/jobs/${encodeURIComponent(id)}/cancel`);
      print(summary(job));
    });

  program
    .command("retry")
    .description("run a job's failed rows again")
    .argument("<id>", "job id")
    .action(async (id: string) => {
      const result = await client().request<{ retried: number; job: JobView }>(
        "POST",
        `/v1/jobs/${encodeURIComponent(id)}/retry`,
      );
      print(`re-admitted ${result.retried} failed rows of job ${result.job.id}`);
    });

  return program;
}

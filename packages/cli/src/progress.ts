import type { JobView } from "./jobs.ts";

const IN_FLIGHT_STAGES: [string, string][] = [
  ["PENDING", "pending"],
  ["SERP_FETCHED", "searched"],
  ["DECISION_MADE", "decided"],
  ["CRAWLED", "crawled"],
  ["ENRICHED", "enriched"],
];

export function formatDuration(seconds: number): string {
  if (seconds < 60) {
    return `${Math.round(seconds)}s`;
  }
  const minutes = Math.floor(seconds / 60);
  return minutes < 60
    ? `${minutes}m${Math.round(seconds % 60)}s`
    : `${Math.floor(minutes / 60)}h${minutes % 60}m`;
}

/** Renders one line of progress: a bar of finished rows, then counts per stage, rate and ETA. */
export function renderProgress(job: JobView, width = 24): string {
  const { total, finished, done, failed, cancelled, counts } = job.rows;
  const ratio = total > 0 ? finished / total : 1;
  const filled = Math.round(ratio * width);
  const bar = `${"#".repeat(filled)}${".".repeat(width - filled)}`;
  const stages = IN_FLIGHT_STAGES.filter(([stage]) => (counts[stage] ?? 0) > 0)
    .map(([stage, label]) => `${label} ${counts[stage]}`)
    .join(" · ");
  const parts = [
    `[${bar}] ${finished}/${total}`,
    `done ${done}`,
    `failed ${failed}`,
    ...(cancelled > 0 ? [`cancelled ${cancelled}`] : []),
    ...(stages ? [stages] : []),
    ...(job.rows_per_second ? [`${job.rows_per_second.toFixed(1)} rows/s`] : []),
    ...(job.eta_seconds ? [`ETA ${formatDuration(job.eta_seconds)}`] : []),
    job.status,
  ];
  return parts.join(" | ");
}

/**
 * Writes progress lines: on a terminal one line redrawn in place, elsewhere a new line only when
 * the counts change (so logs of CI runs stay short).
 */
export class ProgressPrinter {
  readonly #stream: NodeJS.WriteStream;
  #last = "";

  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.#stream = stream;
  }

  update(job: JobView): void {
    const line = renderProgress(job);
    if (this.#stream.isTTY) {
      this.#stream.write(`\r\x1b[2K${line}`);
    } else if (line !== this.#last) {
      this.#stream.write(`${line}\n`);
    }
    this.#last = line;
  }

  finish(): void {
    if (this.#stream.isTTY && this.#last) {
      this.#stream.write("\n");
    }
  }
}

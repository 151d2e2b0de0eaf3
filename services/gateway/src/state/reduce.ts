import {
  type Attempt,
  type Cell,
  type RowEvent,
  type RowStage,
  rowStageRank,
  TERMINAL_ROW_STAGES,
} from "@ampledata/shared";

/** A row's state in Postgres, read under a row lock before a batch is applied. */
export interface CurrentRow {
  stage: RowStage;
  admission: number;
  /** Events of this admission whose usage is already counted, as `usageEventKey` keys. */
  usageEvents: ReadonlySet<string>;
}

/** The change one batch makes to one row: the furthest stage its events reach, merged over those events. */
export interface RowUpdate {
  jobId: string;
  rowIndex: number;
  stage: RowStage;
  admission: number;
  attempt: number;
  /** Cells of the applied events, later stages overriding earlier ones; merged into the stored cells. */
  cells: Record<string, Cell>;
  error: string | null;
  /** Stage -> ISO time, one entry per applied event. */
  stageTimes: Record<string, string>;
  terminal: boolean;
  /** The row's history from the furthest applied event that has one; null keeps the stored history. */
  history: Attempt[] | null;
}

export interface ReducedBatch {
  updates: RowUpdate[];
  /** Events that change nothing: a repeat, a stage behind the stored one, or an earlier admission. */
  ignored: number;
  /** Events for a row that does not exist (an unknown job or row index). */
  unknownRow: number;
}

export function rowKey(jobId: string, rowIndex: number): string {
  return `${jobId}:${rowIndex}`;
}

/**
 * Decides what a batch of events changes. An event applies only when it belongs to the row's
 * current admission and its stage ranks above the stored stage. Terminal stages rank highest, so
 * a finished row stays finished for that admission. Everything else is ignored, which makes a
 * repeated event a no-op. Events of one row are applied in rank order and merged into one update.
 */
export function reduceEvents(
  events: readonly RowEvent[],
  current: ReadonlyMap<string, CurrentRow>,
): ReducedBatch {
  const byRow = new Map<string, RowEvent[]>();
  let unknownRow = 0;
  for (const event of events) {
    const key = rowKey(event.jobId, event.rowIndex);
    if (!current.has(key)) {
      unknownRow += 1;
      continue;
    }
    byRow.set(key, [...(byRow.get(key) ?? []), event]);
  }

  const updates: RowUpdate[] = [];
  let ignored = 0;
  for (const [key, rowEvents] of byRow) {
    const stored = current.get(key)!;
    let rank = rowStageRank(stored.stage);
    let update: RowUpdate | undefined;
    const ordered = [...rowEvents].sort(
      (a, b) => rowStageRank(a.stage) - rowStageRank(b.stage) || a.at - b.at,
    );
    for (const event of ordered) {
      if (event.admission !== stored.admission || rowStageRank(event.stage) <= rank) {
        ignored += 1;
        continue;
      }
      rank = rowStageRank(event.stage);
      update ??= {
        jobId: event.jobId,
        rowIndex: event.rowIndex,
        stage: event.stage,
        admission: event.admission,
        attempt: 0,
        cells: {},
        error: null,
        stageTimes: {},
        terminal: false,
        history: null,
      };
      update.stage = event.stage;
      update.attempt = Math.max(update.attempt, event.attempt);
      Object.assign(update.cells, event.cells ?? {});
      update.error = event.error;
      update.stageTimes[event.stage] = new Date(event.at).toISOString();
      update.terminal = TERMINAL_ROW_STAGES.includes(event.stage);
      // Each event carries the row's whole history so far, so the furthest one replaces the others.
      update.history = event.history ?? update.history;
    }
    if (update !== undefined) {
      updates.push(update);
    }
  }
  return { updates, ignored, unknownRow };
}

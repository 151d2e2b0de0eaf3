import type { JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { Logger } from "pino";
import { describeError } from "../errors.ts";
import { encodeMessage } from "../messages/codec.ts";
import { deadLetterSchema, MESSAGE_VERSION, type RowEvent, rowEventSchema } from "../messages/row.ts";
import { HEADERS, messageId, type Stage, SUBJECTS } from "../names.ts";
import { publishReliably } from "./publish.ts";

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Publishes a row event on `events.rows.<source>`; its id makes a repeated event a no-op in JetStream. */
export async function publishRowEvent(
  js: JetStreamClient,
  source: Stage | "gateway",
  event: Omit<RowEvent, "v" | "at" | "error" | "attempt" | "admission" | "round"> &
    Partial<Pick<RowEvent, "error" | "attempt" | "admission" | "round">>,
): Promise<void> {
  const full = {
    v: MESSAGE_VERSION,
    at: Date.now(),
    attempt: 1,
    admission: 1,
    round: 0,
    ...event,
    // The schema caps errors at 2,000 characters; a longer one must not make the event unpublishable.
    error: event.error ? truncate(event.error, 2000) : null,
  } as const;
  const data = encodeMessage(rowEventSchema, full, "row event");
  await publishReliably(js, SUBJECTS.rowEvents(source), data, {
    messageId: messageId(
      event.jobId,
      event.rowIndex,
      `event-${event.stage.toLowerCase()}`,
      full.admission,
      full.round,
    ),
  });
}

/**
 * Copies a failed message to `dlq.<stage>` with its last error. This must happen before the
 * original is acked or terminated: on a work-queue stream that deletes the original.
 */
export async function publishDeadLetter(
  js: JetStreamClient,
  stage: Stage,
  message: JsMsg,
  error: unknown,
  logger: Logger,
): Promise<void> {
  const description = describeError(error);
  const data = encodeMessage(
    deadLetterSchema,
    {
      v: MESSAGE_VERSION,
      stage,
      subject: message.subject,
      deliveries: message.info.deliveryCount,
      error: description,
      failedAt: Date.now(),
      payload: new TextDecoder().decode(message.data),
    },
    "dead letter",
  );
  await publishReliably(js, SUBJECTS.deadLetter(stage), data, {
    messageId: `dlq:${stage}:${message.info.streamSequence}`,
    headers: {
      [HEADERS.lastError]: description.slice(0, 500).replace(/[\r\n]+/g, " "),
      [HEADERS.sourceStage]: stage,
    },
  });
  logger.error({ err: error, deliveries: message.info.deliveryCount, stage }, "message dead-lettered");
}

/** Delay before redelivery `deliveryCount` + 1: exponential from baseMs, capped at maxMs, with jitter in [50%, 100%]. */
export function redeliveryDelayMs(
  deliveryCount: number,
  baseMs: number,
  maxMs: number,
  random = Math.random,
): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, deliveryCount - 1));
  return Math.round(exponential * (0.5 + random() * 0.5));
}

/** Best-effort job id and row index from a message that failed validation, so the row can still be failed. */
export function salvageRowIdentity(data: Uint8Array): { jobId: string; rowIndex: number } | undefined {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(data)) as { jobId?: unknown; rowIndex?: unknown };
    if (
      typeof parsed.jobId === "string" &&
      Number.isInteger(parsed.rowIndex) &&
      (parsed.rowIndex as number) >= 0
    ) {
      return { jobId: parsed.jobId, rowIndex: parsed.rowIndex as number };
    }
  } catch {
    // Not JSON at all: nothing to salvage.
  }
  return undefined;
}

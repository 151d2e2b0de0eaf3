import type { JetStreamClient, PubAck } from "@nats-io/jetstream";
import { headers as createHeaders, type MsgHdrs } from "@nats-io/nats-core";
import { TransientError } from "../errors.ts";
import { HEADERS } from "../names.ts";
import { retryTransient } from "../retry.ts";
import { injectTraceContext } from "../telemetry/tracing.ts";

export interface PublishOptions {
  /** De-duplication id; JetStream stores a second publish with the same id within its window only once. */
  messageId: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * Publishes to a stream and waits for the server's ack. A publish that timed out may still have
 * been stored, so it is retried with the same Nats-Msg-Id, which makes the retry harmless.
 * The current trace context travels in the headers.
 */
export async function publishReliably(
  js: JetStreamClient,
  subject: string,
  data: Uint8Array,
  options: PublishOptions,
): Promise<PubAck> {
  const headers: MsgHdrs = createHeaders();
  headers.set(HEADERS.messageId, options.messageId);
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    headers.set(name, value);
  }
  injectTraceContext(headers);
  return retryTransient(
    async () => {
      try {
        return await js.publish(subject, data, { msgID: options.messageId, headers, timeout: 5000 });
      } catch (error) {
        throw new TransientError(`publish to ${subject} failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
    },
    { retries: 5, minDelayMs: 200, maxDelayMs: 5000, signal: options.signal },
  );
}

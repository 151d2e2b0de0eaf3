import {
  AckPolicy,
  type ConsumerConfig,
  DeliverPolicy,
  JetStreamApiError,
  type JetStreamManager,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/nats-core";
import { nanos } from "@nats-io/nats-core";
import type { Logger } from "pino";
import { CONSUMERS, KV_BUCKETS, STAGES, STREAMS, type Stage, SUBJECTS } from "../names.ts";

export interface ConsumerSettings {
  /** Delivery attempts before the worker dead-letters a message. */
  maxDeliver: number;
  ackWaitMs: number;
  /** Upper bound of unacknowledged messages across all replicas of a stage. */
  maxAckPending: number;
}

export const DEFAULT_CONSUMER_SETTINGS: ConsumerSettings = {
  maxDeliver: 5,
  ackWaitMs: 30_000,
  maxAckPending: 1000,
};

const DAY_NANOS = nanos(24 * 60 * 60 * 1000);

export const STREAM_CONFIGS: (Partial<StreamConfig> & { name: string })[] = [
  {
    name: STREAMS.pipeline,
    subjects: [SUBJECTS.pipelineAll],
    description: "Row work between stages; each message is removed once its stage acks it",
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    duplicate_window: nanos(2 * 60 * 1000),
    max_msg_size: 1024 * 1024,
  },
  {
    name: STREAMS.events,
    subjects: [SUBJECTS.eventsAll],
    description: "Row progress events, applied to Postgres by the gateway",
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    duplicate_window: nanos(2 * 60 * 1000),
    max_age: 7 * DAY_NANOS,
  },
  {
    name: STREAMS.deadLetters,
    subjects: [SUBJECTS.deadLettersAll],
    description: "Messages whose final delivery attempt failed, with the last error",
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: 30 * DAY_NANOS,
  },
];

/** Durable pull consumer of one stage. No inactive_threshold: on a durable it would delete the consumer. */
export function stageConsumerConfig(stage: Stage, settings: ConsumerSettings): Partial<ConsumerConfig> {
  return {
    durable_name: CONSUMERS.stage(stage),
    description: `Work for the ${stage} stage, shared by all its replicas`,
    filter_subject: SUBJECTS.work(stage),
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(settings.ackWaitMs),
    max_deliver: settings.maxDeliver,
    max_ack_pending: settings.maxAckPending,
  };
}

export function gatewayConsumerConfig(settings: ConsumerSettings): Partial<ConsumerConfig> {
  return {
    durable_name: CONSUMERS.gatewayState,
    description: "Row events applied to Postgres by the gateway's state writer",
    filter_subject: SUBJECTS.rowEventsAll,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(settings.ackWaitMs),
    max_deliver: -1,
    max_ack_pending: settings.maxAckPending,
  };
}

function isNotFound(error: unknown): boolean {
  // 10059: stream not found; 10014: consumer not found.
  return error instanceof JetStreamApiError && [10059, 10014].includes(error.code);
}

function isAlreadyInUse(error: unknown): boolean {
  // 10058: stream name already in use; 10013: consumer name already in use; 10148: consumer already exists.
  return error instanceof JetStreamApiError && [10058, 10013, 10148].includes(error.code);
}

async function ensureStream(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string },
  logger: Logger,
): Promise<void> {
  const name = config.name;
  const existing = await jsm.streams.info(name).catch((error: unknown) => {
    if (isNotFound(error)) {
      return undefined;
    }
    throw error;
  });
  if (existing === undefined) {
    try {
      await jsm.streams.add(config);
      logger.info({ stream: name }, "created stream");
      return;
    } catch (error) {
      if (!isAlreadyInUse(error)) {
        throw error;
      }
      // Another replica created it between our look-up and our create.
    }
  }
  // The stream exists: converge its settings to ours, which is a no-op when they already match.
  const info = existing ?? (await jsm.streams.info(name));
  await jsm.streams.update(name, { ...info.config, ...config });
  logger.debug({ stream: name }, "stream exists, settings checked");
}

async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  config: Partial<ConsumerConfig>,
  logger: Logger,
): Promise<void> {
  const name = config.durable_name!;
  const exists = await jsm.consumers.info(stream, name).then(
    () => true,
    (error: unknown) => {
      if (isNotFound(error)) {
        return false;
      }
      throw error;
    },
  );
  if (!exists) {
    try {
      await jsm.consumers.add(stream, config);
      logger.info({ stream, consumer: name }, "created consumer");
      return;
    } catch (error) {
      if (!isAlreadyInUse(error)) {
        throw error;
      }
    }
  }
  await jsm.consumers.update(stream, name, config);
  logger.debug({ stream, consumer: name }, "consumer exists, settings checked");
}

/**
 * Creates or updates the streams, the `jobs` KV bucket and the durable consumers. Safe to run from
 * every replica at start, also concurrently: a creation that loses the race becomes an update to
 * the same settings.
 */
export async function provisionJetStream(
  connection: NatsConnection,
  logger: Logger,
  settings: ConsumerSettings = DEFAULT_CONSUMER_SETTINGS,
): Promise<void> {
  const jsm = await jetstreamManager(connection);
  for (const config of STREAM_CONFIGS) {
    await ensureStream(jsm, config, logger);
  }
  await openJobsBucket(connection);
  for (const stage of STAGES) {
    await ensureConsumer(jsm, STREAMS.pipeline, stageConsumerConfig(stage, settings), logger);
  }
  await ensureConsumer(jsm, STREAMS.events, gatewayConsumerConfig(settings), logger);
}

/** Opens (creating when missing) the KV bucket of job specs; history 1, since only the latest spec matters. */
export async function openJobsBucket(connection: NatsConnection) {
  const kvm = new Kvm(connection);
  try {
    return await kvm.create(KV_BUCKETS.jobs, {
      history: 1,
      description: "Job specs and cancellation state, key = job id",
    });
  } catch (error) {
    if (!isAlreadyInUse(error)) {
      throw error;
    }
    return kvm.open(KV_BUCKETS.jobs);
  }
}

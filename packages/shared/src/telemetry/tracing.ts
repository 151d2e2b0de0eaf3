import type { MsgHdrs } from "@nats-io/nats-core";
import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapSetter,
  trace,
} from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { NodeSDK } from "@opentelemetry/sdk-node";

/** Span attribute keys used across services. */
export const SPAN_ATTRIBUTES = {
  jobId: "ampledata.job.id",
  rowIndex: "ampledata.row.index",
  stage: "ampledata.stage",
  deliveryCount: "messaging.nats.delivery_count",
  provider: "ampledata.provider",
  messagingSystem: "messaging.system",
  messagingDestination: "messaging.destination.name",
} as const;

export const TRACER_NAME = "ampledata";

export interface Tracing {
  shutdown(): Promise<void>;
}

/**
 * A span processor that records nothing. With it the SDK still creates a real tracer provider, so
 * spans get trace ids that travel in message headers and logs even when no exporter is configured.
 */
const idOnlyProcessor = {
  onStart() {},
  onEnd() {},
  forceFlush: async () => {},
  shutdown: async () => {},
};

/**
 * Starts OpenTelemetry for a service. Spans are exported over OTLP/HTTP only when `otlpEndpoint`
 * is set (for example http://jaeger:4318); otherwise trace ids are still generated and propagated.
 */
export function startTracing(serviceName: string, otlpEndpoint: string | undefined): Tracing {
  const exporting = otlpEndpoint
    ? { traceExporter: new OTLPTraceExporter({ url: new URL("/v1/traces", otlpEndpoint).toString() }) }
    : { spanProcessors: [idOnlyProcessor] };
  const sdk = new NodeSDK({
    serviceName,
    ...exporting,
    instrumentations: [],
    metricReaders: [],
    logRecordProcessors: [],
    autoDetectResources: false,
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}

const headerGetter: TextMapGetter<MsgHdrs | undefined> = {
  keys: (carrier) => (carrier ? carrier.keys() : []),
  get: (carrier, key) => carrier?.get(key) || undefined,
};

const headerSetter: TextMapSetter<MsgHdrs> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

/** Writes the active (or given) context's `traceparent`/`tracestate` into NATS message headers. */
export function injectTraceContext(headers: MsgHdrs, from: Context = context.active()): void {
  propagation.inject(from, headers, headerSetter);
}

/** Reads the W3C trace context a publisher put in the message headers. */
export function extractTraceContext(headers: MsgHdrs | undefined): Context {
  return propagation.extract(ROOT_CONTEXT, headers, headerGetter);
}

/** Trace id of a span, or undefined when tracing is a no-op (all-zero id). */
export function traceIdOf(span: Span): string | undefined {
  const id = span.spanContext().traceId;
  return /^0+$/.test(id) ? undefined : id;
}

export function getTracer() {
  return trace.getTracer(TRACER_NAME);
}

/** Runs `work` inside a span, recording an exception and an error status when it throws. */
export async function withSpan<T>(
  name: string,
  options: {
    parent?: Context;
    root?: boolean;
    kind?: SpanKind;
    attributes?: Record<string, string | number>;
  },
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.root ? ROOT_CONTEXT : (options.parent ?? context.active());
  const span = getTracer().startSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : String(error),
    });
    throw error;
  } finally {
    span.end();
  }
}

export { SpanKind };

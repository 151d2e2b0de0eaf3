import type { LlmClient } from "@ampledata/llm";
import type { Logger } from "@ampledata/shared";
import multipart from "@fastify/multipart";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  LogController,
} from "fastify";
import type { GatewayConfig } from "../config.ts";
import type { Pool } from "../db/pool.ts";
import { GatewayError, InvalidRequestError } from "../errors.ts";
import type { SpecBucket } from "../jobs/spec-bucket.ts";
import type { GatewayMetrics } from "../metrics.ts";
import { registerEventRoutes } from "./routes-events.ts";
import { registerExportRoutes } from "./routes-export.ts";
import { registerJobRoutes } from "./routes-jobs.ts";
import { registerSystemRoutes } from "./routes-system.ts";

export interface AppDependencies {
  config: GatewayConfig;
  pool: Pool;
  specs: SpecBucket;
  logger: Logger;
  metrics: GatewayMetrics;
  /** Asks admission for a pass, after a job is created or retried. */
  requestAdmission: () => void;
  /** Resolves true when the gateway can take requests: Postgres and NATS respond, the state writer runs, no shutdown. */
  isReady: () => Promise<boolean>;
  /** Aborts when the gateway shuts down, so long-lived responses (server-sent events) end. */
  shutdownSignal: AbortSignal;
  /** Language-model client that writes new jobs' query patterns; undefined without LLM_BASE_URL. */
  llm?: LlmClient | undefined;
}

/** The JSON body of every error response. */
export interface ErrorBody {
  error: string;
  message: string;
  problems?: InvalidRequestError["problems"];
}

/** Sends `error` in the one error shape, logging a 4xx at info and a 5xx at error with the stack. */
export function sendError(reply: FastifyReply, error: unknown, maxUploadBytes: number): FastifyReply {
  const request = reply.request;
  const { statusCode, body } = describeHttpError(error, reply, maxUploadBytes);
  const context = { method: request.method, url: request.url, statusCode, code: body.error };
  if (statusCode >= 500) {
    request.log.error({ ...context, err: error }, "request failed");
  } else {
    request.log.info({ ...context, message: body.message }, "request rejected");
  }
  return reply.code(statusCode).type("application/json").send(body);
}

function describeHttpError(
  error: unknown,
  reply: FastifyReply,
  maxUploadBytes: number,
): { statusCode: number; body: ErrorBody } {
  if (error instanceof InvalidRequestError) {
    return { statusCode: 400, body: { error: error.code, message: error.message, problems: error.problems } };
  }
  if (error instanceof GatewayError) {
    return { statusCode: error.statusCode, body: { error: error.code, message: error.message } };
  }
  const fastifyError = error as Partial<FastifyError>;
  switch (fastifyError.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
    case "FST_REQ_FILE_TOO_LARGE":
      return {
        statusCode: 413,
        body: {
          error: "payload_too_large",
          message: `the upload is larger than the limit of ${maxUploadBytes} bytes (MAX_UPLOAD_BYTES); split the file or raise the limit`,
        },
      };
    case "FST_FILES_LIMIT":
    case "FST_PARTS_LIMIT":
    case "FST_FIELDS_LIMIT":
      return {
        statusCode: 413,
        body: {
          error: "payload_too_large",
          message: "the multipart request has too many parts; send one file part and the job fields",
        },
      };
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return {
        statusCode: 415,
        body: {
          error: "unsupported_media_type",
          message: `content type ${JSON.stringify(reply.request.headers["content-type"] ?? "")} is not accepted; send application/json or multipart/form-data`,
        },
      };
    default:
      break;
  }
  const statusCode = fastifyError.statusCode ?? 500;
  if (statusCode >= 400 && statusCode < 500) {
    // Fastify's own client errors: unparsable JSON, an empty body, a malformed multipart body.
    return {
      statusCode,
      body: { error: "invalid_request", message: fastifyError.message ?? "invalid request" },
    };
  }
  return {
    statusCode: 500,
    body: { error: "internal_error", message: "the gateway failed to handle the request; see its log" },
  };
}

/**
 * Builds the Fastify app with every route, without listening, so tests can call `app.inject()`.
 * Request bodies are limited to MAX_UPLOAD_BYTES; errors use the one JSON error shape.
 */
export async function buildApp(dependencies: AppDependencies): Promise<FastifyInstance> {
  const { config, metrics } = dependencies;
  const app = Fastify({
    // A pino logger is a FastifyBaseLogger; the cast keeps the default FastifyInstance type for the routes.
    loggerInstance: dependencies.logger as FastifyBaseLogger,
    bodyLimit: config.MAX_UPLOAD_BYTES,
    // Requests are logged once, when they end, by the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
  });
  await app.register(multipart, {
    limits: {
      fileSize: config.MAX_UPLOAD_BYTES,
      files: 1,
      fields: 20,
      fieldSize: 1024 * 1024,
      parts: 25,
    },
  });

  // Only JSON and multipart bodies are accepted; without this a text/plain body would reach the routes as a string.
  app.removeContentTypeParser("text/plain");
  app.setErrorHandler((error, _request, reply) => sendError(reply, error, config.MAX_UPLOAD_BYTES));
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: "not_found",
      message: `no route ${request.method} ${request.url.split("?")[0]}; see GET /openapi.json`,
    } satisfies ErrorBody),
  );
  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unmatched";
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    request.log.debug(
      {
        method: request.method,
        url: request.url,
        statusCode: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      "request completed",
    );
  });

  registerJobRoutes(app, dependencies);
  registerExportRoutes(app, dependencies);
  registerEventRoutes(app, dependencies);
  registerSystemRoutes(app, dependencies);
  return app;
}

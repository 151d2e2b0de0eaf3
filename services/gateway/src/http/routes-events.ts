import { setTimeout as sleep } from "node:timers/promises";
import type { FastifyInstance } from "fastify";
import { getJob } from "../jobs/job-store.ts";
import { toJobView } from "../jobs/job-view.ts";
import type { AppDependencies } from "./app.ts";
import { requireJob } from "./routes-jobs.ts";

function sseMessage(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * Registers GET /v1/jobs/:id/events: server-sent events with a `progress` snapshot (the job as GET
 * /v1/jobs/:id returns it) at once and then every PROGRESS_INTERVAL_MS, then an `end`
 * event with the final snapshot once the job is COMPLETED or CANCELLED. The stream also ends when
 * the client disconnects or the gateway shuts down.
 */
export function registerEventRoutes(app: FastifyInstance, dependencies: AppDependencies): void {
  const { pool, config, logger, shutdownSignal } = dependencies;

  app.get<{ Params: { id: string } }>("/v1/jobs/:id/events", async (request, reply) => {
    const first = await requireJob(dependencies, request.params.id);
    const disconnected = new AbortController();
    // The response's close (not the request's) fires when the client goes away.
    reply.raw.on("close", () => disconnected.abort());
    const signal = AbortSignal.any([disconnected.signal, shutdownSignal]);

    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    response.write(`retry: ${config.PROGRESS_INTERVAL_MS}\n\n`);

    let job = first;
    try {
      while (!signal.aborted) {
        const view = toJobView(job, new Date(), config.PROVIDER_PRICES_USD);
        if (job.status === "COMPLETED" || job.status === "CANCELLED") {
          response.write(sseMessage("end", view));
          break;
        }
        response.write(sseMessage("progress", view));
        await sleep(config.PROGRESS_INTERVAL_MS, undefined, { signal }).catch(() => undefined);
        if (signal.aborted) {
          break;
        }
        const next = await getJob(pool, job.id);
        if (next === undefined) {
          response.write(sseMessage("end", { id: job.id, status: "DELETED" }));
          break;
        }
        job = next;
      }
    } catch (error) {
      logger.error({ err: error, jobId: first.id }, "progress stream failed");
      response.write(sseMessage("error", { error: "internal_error", message: "reading the job failed" }));
    } finally {
      response.end();
    }
  });
}
